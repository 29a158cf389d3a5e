from __future__ import annotations

from typing import Any

from eco2.application.services.grounding import answer_category
from eco2.application.services.waste_rules import WasteRuleService
from eco2.infrastructure.orchestration.langgraph.nodes.stage import StageReporter
from eco2.infrastructure.orchestration.langgraph.state import ChatState


def create_waste_rag_node(service: WasteRuleService, stage: StageReporter):
    async def waste_rag_node(state: ChatState) -> dict[str, Any]:
        job_id = state["job_id"]
        await stage.started(job_id)
        lookup = service.lookup(state["message"], focus_item=state.get("focus_item"))
        grounding = lookup.grounding
        await stage.completed(
            job_id,
            {"found": grounding["found"], "item": lookup.item, "category": answer_category(grounding),
             "suggestions": grounding.get("suggestions", [])},
        )
        update: dict[str, Any] = {"grounding": grounding, "item": lookup.item, "category": answer_category(grounding)}
        if grounding["found"]:
            update["focus_item"] = lookup.item
            update["focus_category"] = lookup.category
        return update

    return waste_rag_node
