"""Asks the user for input without waiting (seed §4.2): save where to resume, store the request, notify."""

from __future__ import annotations

import time
import uuid
from typing import Any

import structlog

from eco2.application.ports.interaction import HumanInputRequest, InputRequesterPort, InputType
from eco2.application.ports.progress import ProgressNotifierPort
from eco2.infrastructure.interaction.redis_interaction_state_store import RedisInteractionStateStore

log = structlog.get_logger(__name__)


class RedisInputRequester(InputRequesterPort):
    def __init__(
        self, notifier: ProgressNotifierPort, store: RedisInteractionStateStore, *, state_ttl_s: int = 86_400
    ):
        self._notifier = notifier
        self._store = store
        self._state_ttl_s = state_ttl_s

    async def save_waiting_state(self, job_id: str, state: dict[str, Any], resume_node: str) -> None:
        await self._store.save_waiting_state(job_id, {**state, "resume_node": resume_node}, self._state_ttl_s)

    async def request_input(
        self, job_id: str, input_type: InputType, message: str, timeout: int, *, session_id: str = ""
    ) -> str:
        """Store the pending request (so a resume can be checked), then publish ``needs_input``."""
        waiting = await self._store.get_waiting_state(job_id) or {}
        request = HumanInputRequest(
            job_id=job_id,
            request_id=uuid.uuid4().hex,
            input_type=input_type,
            message=message,
            timeout=timeout,
            resume_node=str(waiting.get("resume_node") or ""),
            session_id=session_id or str(waiting.get("session_id") or ""),
            created_at=time.time(),
        )
        await self._store.save_pending_request(job_id, request)
        await self._notifier.notify_needs_input(job_id, input_type.value, message, timeout)
        log.info("input_requested", job_id=job_id, session_id=request.session_id, input_type=input_type.value)
        return request.request_id
