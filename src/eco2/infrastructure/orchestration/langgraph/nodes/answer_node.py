from __future__ import annotations

import time
from typing import Any

from eco2.application.services.answer_generator import AnswerGenerator
from eco2.application.services.grounding import sources
from eco2.infrastructure.orchestration.langgraph.nodes.stage import StageReporter
from eco2.infrastructure.orchestration.langgraph.state import ChatState


def create_answer_node(generator: AnswerGenerator, stage: StageReporter):
    async def answer_node(state: ChatState) -> dict[str, Any]:
        job_id = state["job_id"]
        await stage.started(job_id)
        grounding = state.get("grounding") or {"kind": "general", "topic": "other"}
        answer = await generator.generate(job_id, state["message"], grounding, state.get("history") or [])
        await stage.completed(job_id, {"length": len(answer)})
        turn = {
            "job_id": job_id,
            "user": state["message"],
            "assistant": answer,
            "intent": state.get("intent"),
            "category": state.get("category"),
            "item": state.get("item"),
            "at": time.time(),
        }
        return {"answer": answer, "sources": sources(grounding), "history": [turn]}

    return answer_node
