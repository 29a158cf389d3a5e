"""Nearby places; when the user's location is unknown, pause the job and ask for it (seed §4)."""

from __future__ import annotations

from typing import Any

import structlog
from langgraph.types import interrupt

from eco2.application.ports.interaction import InputRequesterPort, InputType
from eco2.application.services.place_search import PlaceSearchService
from eco2.infrastructure.orchestration.langgraph.nodes.stage import StageReporter
from eco2.infrastructure.orchestration.langgraph.state import ChatState

log = structlog.get_logger(__name__)

LOCATION_PROMPT = "근처 장소를 찾으려면 현재 위치가 필요합니다. 위치를 알려 주세요."


def create_location_node(
    service: PlaceSearchService, stage: StageReporter, input_requester: InputRequesterPort | None = None
):
    """With an ``input_requester`` an unknown location interrupts the graph; ChatWorkflow then asks the
    user through the requester (after the checkpoint exists) and resumes here with the answer."""

    async def location_node(state: ChatState) -> dict[str, Any]:
        job_id = state["job_id"]
        await stage.started(job_id)
        location = state.get("user_location") or state.get("last_location")
        if not location and input_requester is not None:
            location = interrupt(
                # Plain values only: the interrupt is checkpointed and must deserialize anywhere.
                {"input_type": InputType.LOCATION.value, "message": LOCATION_PROMPT, "resume_node": "location"}
            )
        if not location:
            await stage.completed(job_id, {"location_known": False})
            return {"grounding": {"kind": "location", "available": True, "location_known": False}}
        try:
            grounding = await service.nearby(state["message"], location)
        except Exception as exc:  # a slow or absent service must not fail the chat
            log.warning("location_search_failed", job_id=job_id, error=str(exc))
            await stage.skipped(job_id, "위치 서비스에 연결할 수 없습니다")
            return {"grounding": {"kind": "location", "available": False}, "last_location": location}
        await stage.completed(job_id, {"places": len(grounding["places"])})
        return {"grounding": grounding, "last_location": location}

    return location_node


def create_location_passthrough(stage: StageReporter):
    async def location_node(state: ChatState) -> dict[str, Any]:
        await stage.skipped(state["job_id"], "위치 서비스가 설정되지 않았습니다")
        return {"grounding": {"kind": "location", "available": False}}

    return location_node
