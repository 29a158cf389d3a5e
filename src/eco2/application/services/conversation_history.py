"""The conversation history consumer: each completed turn becomes one stored row, however often delivered."""

from __future__ import annotations

import structlog

from eco2.application.ports.conversations import ConversationStorePort, ConversationTurn
from eco2.domain.events import DomainEvent, EventType

log = structlog.get_logger(__name__)


class ConversationHistoryHandler:
    def __init__(self, store: ConversationStorePort):
        self._store = store

    async def __call__(self, event: DomainEvent) -> None:
        if event.type is not EventType.JOB_COMPLETED:
            return
        turn = turn_from_event(event)
        stored = await self._store.save_turn(turn)
        log.info(
            "conversation_turn_stored" if stored else "conversation_turn_duplicate",
            job_id=event.job_id,
            session_id=event.session_id,
            event_id=event.event_id,
        )


def turn_from_event(event: DomainEvent) -> ConversationTurn:
    data = event.data
    completed_at = float(data.get("completed_at") or event.occurred_at)
    return ConversationTurn(
        session_id=event.session_id,
        job_id=event.job_id,
        event_id=event.event_id,
        user_message=str(data.get("message") or ""),
        answer=str(data.get("answer") or ""),
        intent=data.get("intent"),
        category=data.get("category"),
        item=data.get("item"),
        started_at=float(data.get("started_at") or completed_at),
        completed_at=completed_at,
    )
