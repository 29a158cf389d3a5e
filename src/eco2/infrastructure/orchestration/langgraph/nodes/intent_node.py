from __future__ import annotations

from typing import Any

from eco2.application.services.intent_classifier import IntentClassifier
from eco2.infrastructure.orchestration.langgraph.nodes.stage import StageReporter
from eco2.infrastructure.orchestration.langgraph.state import ChatState


def create_intent_node(classifier: IntentClassifier, stage: StageReporter):
    async def intent_node(state: ChatState) -> dict[str, Any]:
        job_id = state["job_id"]
        await stage.started(job_id)
        chat_intent, _ = await classifier.classify(state["message"], focus_item=state.get("focus_item"))
        await stage.completed(
            job_id, {"intent": chat_intent.intent.value, "confidence": chat_intent.confidence,
                     "source": chat_intent.source}
        )
        return {"intent": chat_intent.intent.value, "intent_source": chat_intent.source}

    return intent_node
