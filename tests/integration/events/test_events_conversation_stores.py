"""Conversation history and the outbox in SQLite and PostgreSQL (each test in its own schema/file)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import psycopg
import pytest
from psycopg_pool import AsyncConnectionPool

from eco2.application.ports.conversations import ConversationStorePort, ConversationTurn, InvalidCursorError
from eco2.domain.events import DomainEvent, EventType
from eco2.infrastructure.events.outbox import EventOutbox
from eco2.infrastructure.persistence.postgres_conversation_store import PostgresConversationStore
from eco2.infrastructure.persistence.postgres_outbox import PostgresOutbox
from eco2.infrastructure.persistence.sqlite_conversation_store import SqliteConversationStore
from eco2.infrastructure.persistence.sqlite_outbox import SqliteOutbox


@asynccontextmanager
async def postgres_pool(request: pytest.FixtureRequest, schema: str) -> AsyncIterator[AsyncConnectionPool]:
    url = request.getfixturevalue("postgres_url")
    pool = AsyncConnectionPool(url, min_size=1, max_size=2, open=False, kwargs={"autocommit": True})
    await pool.open()
    try:
        yield pool
    finally:
        await pool.close()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", "postgres"])
async def store(
    request: pytest.FixtureRequest, tmp_path: Path, unique_prefix: str
) -> AsyncIterator[ConversationStorePort]:
    async with AsyncExitStack() as stack:
        if request.param == "sqlite":
            conversations: ConversationStorePort = SqliteConversationStore(tmp_path / "eco2.sqlite")
        else:
            pool = await stack.enter_async_context(postgres_pool(request, unique_prefix))
            conversations = PostgresConversationStore(pool, table=f"{unique_prefix}.conversation_turns")
        await conversations.setup()
        yield conversations


@pytest.fixture(params=["sqlite", "postgres"])
async def outbox(request: pytest.FixtureRequest, tmp_path: Path, unique_prefix: str) -> AsyncIterator[EventOutbox]:
    async with AsyncExitStack() as stack:
        if request.param == "sqlite":
            box: EventOutbox = SqliteOutbox(tmp_path / "eco2.sqlite")
        else:
            pool = await stack.enter_async_context(postgres_pool(request, unique_prefix))
            box = PostgresOutbox(pool, table=f"{unique_prefix}.outbox")
        await box.setup()
        yield box


def turn(job_id: str, session_id: str, at: float, message: str = "질문") -> ConversationTurn:
    return ConversationTurn(session_id, job_id, f"e-{job_id}", message, "답", "waste", "paper", "신문", at - 1, at)


async def test_a_turn_is_stored_once(store: ConversationStorePort) -> None:
    assert await store.save_turn(turn("j1", "s1", 10.0)) is True
    assert await store.save_turn(turn("j1", "s1", 10.0)) is False

    history = await store.get_history("s1")
    assert history == [turn("j1", "s1", 10.0)]


async def test_history_is_oldest_first_and_limited(store: ConversationStorePort) -> None:
    for i in range(5):
        await store.save_turn(turn(f"j{i}", "s1", 10.0 + i, f"질문 {i}"))

    recent = await store.get_history("s1", limit=3)

    assert [t.user_message for t in recent] == ["질문 2", "질문 3", "질문 4"]


async def test_sessions_page_by_cursor_newest_first(store: ConversationStorePort) -> None:
    for i in range(5):
        await store.save_turn(turn(f"a{i}", f"s{i}", 100.0 + i, f"첫 질문 {i}"))
    await store.save_turn(turn("b0", "s0", 200.0, "마지막 질문"))

    first = await store.list_sessions(limit=2)
    second = await store.list_sessions(limit=2, cursor=first.next_cursor)
    third = await store.list_sessions(limit=2, cursor=second.next_cursor)

    ids = [s.session_id for page in (first, second, third) for s in page.sessions]
    assert ids == ["s0", "s4", "s3", "s2", "s1"]
    assert third.next_cursor is None
    s0 = first.sessions[0]
    assert (s0.turns, s0.first_at, s0.last_at, s0.last_message) == (2, 99.0, 200.0, "마지막 질문")


async def test_a_bad_cursor_is_refused(store: ConversationStorePort) -> None:
    with pytest.raises(InvalidCursorError):
        await store.list_sessions(cursor="garbage!")


async def test_deleting_a_session_removes_only_its_turns(store: ConversationStorePort) -> None:
    await store.save_turn(turn("j1", "s1", 1.0))
    await store.save_turn(turn("j2", "s1", 2.0))
    await store.save_turn(turn("j3", "s2", 3.0))

    assert await store.delete_session("s1") == 2
    assert await store.get_history("s1") == []
    assert len(await store.get_history("s2")) == 1


async def test_the_outbox_drains_in_order_and_keeps_what_failed(outbox: EventOutbox) -> None:
    events = [DomainEvent(EventType.JOB_STARTED, f"j{i}", "s1", {"i": i}) for i in range(4)]
    for event in events:
        await outbox.add(event)
    await outbox.add(events[0])  # the same event twice is stored once
    published: list[str] = []

    async def flaky(event: DomainEvent) -> None:
        if event.job_id == "j2":
            raise ConnectionError("redis went away again")
        published.append(event.job_id)

    with pytest.raises(ConnectionError):
        await outbox.drain(flaky)
    assert published == ["j0", "j1"]
    assert await outbox.count() == 2

    async def works(event: DomainEvent) -> None:
        published.append(event.job_id)

    assert await outbox.drain(works) == 2
    assert published == ["j0", "j1", "j2", "j3"]
    assert await outbox.count() == 0
