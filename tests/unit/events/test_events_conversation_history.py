"""The history consumer's handler and the session cursor, with a fake store."""

from __future__ import annotations

import pytest
from events_fakes import FakeConversationStore

from eco2.application.ports.conversations import InvalidCursorError
from eco2.application.services.conversation_history import ConversationHistoryHandler
from eco2.application.services.session_cursor import decode_cursor, encode_cursor
from eco2.domain.events import DomainEvent, EventType


def completed(job_id: str = "j1") -> DomainEvent:
    data = {"message": "페트병?", "answer": "무색페트병으로", "intent": "waste", "category": "clear_pet",
            "item": "페트병", "started_at": 10.0, "completed_at": 12.5}
    return DomainEvent(EventType.JOB_COMPLETED, job_id, "s1", data)


async def test_a_completed_turn_is_stored_once_however_often_delivered() -> None:
    store = FakeConversationStore()
    handler = ConversationHistoryHandler(store)
    event = completed()

    await handler(event)
    await handler(event)

    turns = await store.get_history("s1")
    assert len(turns) == 1
    turn = turns[0]
    assert (turn.user_message, turn.answer) == ("페트병?", "무색페트병으로")
    assert (turn.intent, turn.category, turn.item) == ("waste", "clear_pet", "페트병")
    assert (turn.started_at, turn.completed_at, turn.event_id) == (10.0, 12.5, event.event_id)


async def test_other_events_are_not_turns() -> None:
    store = FakeConversationStore()
    handler = ConversationHistoryHandler(store)

    await handler(DomainEvent(EventType.JOB_STARTED, "j1", "s1", {"message": "hi"}))
    await handler(DomainEvent(EventType.JOB_FAILED, "j2", "s1", {"message": "hi"}))

    assert store.turns == {}


def test_a_cursor_round_trips() -> None:
    assert decode_cursor(encode_cursor(1712.25, "세션-1")) == (1712.25, "세션-1")


@pytest.mark.parametrize("cursor", ["", "not-base64!", "bnVsbA", "WzFd"])
def test_a_foreign_cursor_is_refused(cursor: str) -> None:
    with pytest.raises(InvalidCursorError):
        decode_cursor(cursor)
