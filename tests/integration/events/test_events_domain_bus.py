"""The domain event bus, its consumer group runner and the outbox, on real servers."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from events_fakes import FakeConversationStore
from redis.asyncio import Redis

from eco2.application.services.conversation_history import ConversationHistoryHandler
from eco2.domain.events import DomainEvent, EventType
from eco2.infrastructure.embedded_valkey import EmbeddedValkey
from eco2.infrastructure.events.domain_event_codec import decode_event
from eco2.infrastructure.events.redis_stream_consumer import RedisStreamConsumer
from eco2.infrastructure.events.redis_stream_domain_event_bus import RedisStreamDomainEventBus
from eco2.infrastructure.persistence.sqlite_outbox import SqliteOutbox


def completed(job_id: str, session_id: str = "s1") -> DomainEvent:
    data = {"message": f"질문 {job_id}", "answer": "답", "intent": "waste", "category": "paper", "item": "신문",
            "started_at": 1.0, "completed_at": 2.0}
    return DomainEvent(EventType.JOB_COMPLETED, job_id, session_id, data)


@pytest.fixture
async def outbox(tmp_path: Path) -> SqliteOutbox:
    box = SqliteOutbox(tmp_path / "outbox.sqlite")
    await box.setup()
    return box


def consumer(redis: Redis, handler, stream: str, name: str, **options: object) -> RedisStreamConsumer:
    return RedisStreamConsumer(
        redis, handler, stream=stream, group="history", consumer=name, block_ms=50, **options  # type: ignore[arg-type]
    )


async def drain(runner: RedisStreamConsumer, rounds: int = 5) -> None:
    for _ in range(rounds):
        await runner.run_once()


async def test_each_completed_turn_is_stored_once_even_when_published_twice(
    redis: Redis, outbox: SqliteOutbox, unique_prefix: str
) -> None:
    stream = f"{unique_prefix}:domain"
    bus = RedisStreamDomainEventBus(redis, outbox, stream=stream)
    store = FakeConversationStore()
    runner = consumer(redis, ConversationHistoryHandler(store), stream, "c1")
    await runner.ensure_group()
    event = completed("j1")

    await bus.publish(DomainEvent(EventType.JOB_STARTED, "j1", "s1", {"message": "질문 j1"}))
    await bus.publish(event)
    await bus.publish(event)  # at-least-once: the same event delivered again
    await drain(runner)

    assert list(store.turns) == ["j1"]
    assert await redis.xpending(stream, "history") == {"pending": 0, "min": None, "max": None, "consumers": []}


async def test_a_failing_handler_is_retried_then_dead_lettered(redis: Redis, outbox: SqliteOutbox,
                                                                unique_prefix: str) -> None:
    stream = f"{unique_prefix}:domain"
    attempts: list[str] = []
    handled: list[str] = []

    async def handler(event: DomainEvent) -> None:
        if event.job_id == "poison":
            attempts.append(event.event_id)
            raise RuntimeError("cannot handle")
        handled.append(event.job_id)

    bus = RedisStreamDomainEventBus(redis, outbox, stream=stream)
    runner = consumer(redis, handler, stream, "c1", min_idle_ms=0, max_deliveries=3)
    await runner.ensure_group()
    poison = completed("poison")
    await bus.publish(poison)
    await bus.publish(completed("fine"))
    await drain(runner, rounds=6)

    assert handled == ["fine"]  # the poison entry never blocked the group
    assert len(attempts) == 3
    dead = await redis.xrange(f"{stream}:dead")
    assert len(dead) == 1
    fields = dead[0][1]
    assert decode_event(fields).event_id == poison.event_id
    assert fields[b"dead_deliveries"] == b"4"
    assert (await redis.xpending(stream, "history"))["pending"] == 0


async def test_a_malformed_entry_goes_straight_to_dead_letters(redis: Redis, unique_prefix: str) -> None:
    stream = f"{unique_prefix}:domain"
    seen: list[DomainEvent] = []

    async def handler(event: DomainEvent) -> None:
        seen.append(event)

    runner = consumer(redis, handler, stream, "c1")
    await runner.ensure_group()
    await redis.xadd(stream, {"type": "chat.job.exploded", "data": "{"})
    await drain(runner, rounds=2)

    assert seen == []
    dead = await redis.xrange(f"{stream}:dead")
    assert b"cannot decode" in dead[0][1][b"dead_reason"]


async def test_entries_of_a_dead_consumer_are_claimed_by_another(redis: Redis, outbox: SqliteOutbox,
                                                                 unique_prefix: str) -> None:
    stream = f"{unique_prefix}:domain"
    started = asyncio.Event()

    async def stuck(event: DomainEvent) -> None:
        started.set()
        await asyncio.Event().wait()  # never returns: the process dies in the middle of the handler

    store = FakeConversationStore()
    bus = RedisStreamDomainEventBus(redis, outbox, stream=stream)
    doomed = consumer(redis, stuck, stream, "doomed", batch=10)
    await doomed.ensure_group()
    for job in ("j1", "j2", "j3"):
        await bus.publish(completed(job))
    task = asyncio.create_task(doomed.run_once())
    await asyncio.wait_for(started.wait(), timeout=5)
    task.cancel()  # killed with three entries pending
    with pytest.raises(asyncio.CancelledError):
        await task
    assert (await redis.xpending(stream, "history"))["pending"] == 3

    rescuer = consumer(redis, ConversationHistoryHandler(store), stream, "rescuer", min_idle_ms=10)
    await asyncio.sleep(0.05)
    await drain(rescuer, rounds=3)

    assert sorted(store.turns) == ["j1", "j2", "j3"]
    assert (await redis.xpending(stream, "history"))["pending"] == 0


async def test_events_wait_in_the_outbox_while_redis_is_down(
    own_server: EmbeddedValkey, outbox: SqliteOutbox, unique_prefix: str
) -> None:
    stream = f"{unique_prefix}:domain"
    redis = Redis.from_url(own_server.url, socket_timeout=0.3, socket_connect_timeout=0.3)
    bus = RedisStreamDomainEventBus(redis, outbox, stream=stream, publish_timeout_s=0.5)
    first = await bus.publish(completed("j1"))
    assert not first.startswith("outbox:")

    own_server.stop()
    during = [await bus.publish(completed(job)) for job in ("j2", "j3")]
    assert all(entry.startswith("outbox:") for entry in during)
    assert await outbox.count() == 2
    own_server.start()

    await bus.publish(completed("j4"))  # relays the backlog first, so order is kept

    entries = await redis.xrange(stream)
    assert [decode_event(fields).job_id for _id, fields in entries] == ["j1", "j2", "j3", "j4"]
    assert await outbox.count() == 0
    await redis.aclose()


async def test_the_consumer_relays_the_outbox_of_another_process(
    own_server: EmbeddedValkey, outbox: SqliteOutbox, unique_prefix: str
) -> None:
    stream = f"{unique_prefix}:domain"
    redis = Redis.from_url(own_server.url, socket_timeout=0.3, socket_connect_timeout=0.3)
    publisher = RedisStreamDomainEventBus(redis, outbox, stream=stream, publish_timeout_s=0.5)
    own_server.stop()
    await publisher.publish(completed("j1"))
    own_server.start()

    relay_bus = RedisStreamDomainEventBus(redis, outbox, stream=stream)
    store = FakeConversationStore()
    runner = consumer(redis, ConversationHistoryHandler(store), stream, "c1")
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop, periodic=relay_bus.relay, period_s=0.05))
    for _ in range(200):
        if store.turns:
            break
        await asyncio.sleep(0.02)
    stop.set()
    await asyncio.wait_for(task, timeout=5)

    assert list(store.turns) == ["j1"]
    assert await outbox.count() == 0
    await redis.aclose()
