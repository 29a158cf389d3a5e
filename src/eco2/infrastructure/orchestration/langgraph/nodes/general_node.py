from __future__ import annotations

from typing import Any

from eco2.application.services.general_chat import GeneralChatService
from eco2.infrastructure.orchestration.langgraph.nodes.stage import StageReporter
from eco2.infrastructure.orchestration.langgraph.state import ChatState


def create_general_node(service: GeneralChatService, stage: StageReporter):
    async def general_node(state: ChatState) -> dict[str, Any]:
        await stage.started(state["job_id"])
        grounding = service.reply_grounding(state["message"])
        await stage.completed(state["job_id"], {"topic": grounding["topic"]})
        return {"grounding": grounding}

    return general_node
