from __future__ import annotations

from typing import Any

import structlog

from eco2.application.services.character_lookup import CharacterLookupService
from eco2.infrastructure.orchestration.langgraph.nodes.stage import StageReporter
from eco2.infrastructure.orchestration.langgraph.state import ChatState

log = structlog.get_logger(__name__)


def create_character_node(service: CharacterLookupService, stage: StageReporter):
    async def character_node(state: ChatState) -> dict[str, Any]:
        job_id = state["job_id"]
        await stage.started(job_id)
        try:
            grounding = await service.find(state["message"], focus_category=state.get("focus_category"))
        except Exception as exc:  # a slow or absent service must not fail the chat
            log.warning("character_lookup_failed", job_id=job_id, error=str(exc))
            await stage.skipped(job_id, "캐릭터 서비스에 연결할 수 없습니다")
            return {"grounding": {"kind": "character", "available": False}}
        character = grounding["character"]
        await stage.completed(job_id, {"character": character["name"] if character else None,
                                       "category": grounding["category"]})
        return {"grounding": grounding, "category": grounding["category"]}

    return character_node


def create_character_passthrough(stage: StageReporter):
    async def character_node(state: ChatState) -> dict[str, Any]:
        await stage.skipped(state["job_id"], "캐릭터 서비스가 설정되지 않았습니다")
        return {"grounding": {"kind": "character", "available": False}}

    return character_node
