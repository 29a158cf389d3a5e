"""bootstrap.build_events wires PostgreSQL when ECO2_DATABASE_URL is set (here: into a private schema)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from eco2.bootstrap import build_events, build_history_consumer
from eco2.domain.events import DomainEvent, EventType
from eco2.infrastructure.persistence.postgres_conversation_store import PostgresConversationStore
from eco2.settings import Settings


@pytest.fixture
def schema(postgres_url: str, unique_prefix: str) -> Iterator[str]:
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{unique_prefix}"')
    yield unique_prefix
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{unique_prefix}" CASCADE')


async def test_a_published_turn_reaches_postgres(
    redis_url: str, postgres_url: str, schema: str, data_dir: Path
) -> None:
    settings = Settings(
        redis_url=redis_url,
        database_url=f"{postgres_url}?options=-csearch_path%3D{schema}",
        data_dir=data_dir,
        events_prefix=f"{schema}:events",
        domain_events_stream=f"{schema}:domain",
    )
    data = {"message": "우유팩?", "answer": "종이팩으로", "intent": "waste", "category": "paper_pack",
            "item": "우유팩", "started_at": 1.0, "completed_at": 2.0}
    async with build_events(settings) as events:
        assert isinstance(events.conversations, PostgresConversationStore)
        consumer = build_history_consumer(settings, events, "c1")
        await consumer.ensure_group()
        await events.event_bus.publish(DomainEvent(EventType.JOB_COMPLETED, "j1", "s1", data))
        while await consumer.run_once():
            pass
        history = await events.conversations.get_history("s1")

    assert [(t.job_id, t.user_message, t.answer) for t in history] == [("j1", "우유팩?", "종이팩으로")]
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        rows = conn.execute(f'SELECT count(*) FROM "{schema}".conversation_turns').fetchone()
    assert rows == (1,)
