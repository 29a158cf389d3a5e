"""The job records, session registry and rate limiter on a real Redis (unique key prefixes)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from eco2.application.ports.chat_jobs import ChatJobKind, ChatJobRecord, ChatJobStatus, InvalidPageCursorError
from eco2.infrastructure.jobs.redis_chat_job_store import RedisChatJobStore
from eco2.infrastructure.jobs.redis_rate_limiter import RedisRateLimiter
from eco2.infrastructure.jobs.redis_session_registry import RedisSessionRegistry


@pytest.fixture
async def redis(redis_url: str, unique_prefix: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    keys = [key async for key in client.scan_iter(f"{unique_prefix}:*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


def _record(job_id: str, user: str = "alice") -> ChatJobRecord:
    return ChatJobRecord(job_id, user, "s1", ChatJobKind.MESSAGE, ChatJobStatus.QUEUED, 1.5, {"message": "캔"})


async def test_job_records_round_trip_and_idempotency_keys_are_per_user(redis: Redis, unique_prefix: str) -> None:
    store = RedisChatJobStore(redis, prefix=unique_prefix)
    results = await asyncio.gather(*(store.create(_record(f"j{i}"), "key") for i in range(5)))
    created = [record for record, fresh in results if fresh]
    assert len(created) == 1 and all(record.job_id == created[0].job_id for record, _ in results)
    assert await store.find_by_key("alice", "key") == created[0]
    assert await store.find_by_key("bob", "key") is None
    stored = await store.get(created[0].job_id)
    assert stored == created[0] and stored is not None and stored.payload == {"message": "캔"}
    assert await store.get("j-missing") is None


async def test_status_transitions_happen_once(redis: Redis, unique_prefix: str) -> None:
    store = RedisChatJobStore(redis, prefix=unique_prefix)
    await store.create(_record("j1"))
    await store.set_status("j1", ChatJobStatus.WAITING_INPUT)
    wins = await asyncio.gather(
        *(store.transition("j1", ChatJobStatus.WAITING_INPUT, ChatJobStatus.QUEUED) for _ in range(5))
    )
    assert sorted(wins) == [False] * 4 + [True]
    assert await store.begin_attempt("j1") == 1 and await store.begin_attempt("j1") == 2


async def test_a_session_line_lets_one_job_run_at_a_time(redis: Redis, unique_prefix: str) -> None:
    store = RedisChatJobStore(redis, prefix=unique_prefix)
    assert await store.enter_session("s1", "a") is True
    assert await store.enter_session("s1", "b") is False
    assert await store.enter_session("s1", "c") is False
    assert await store.session_head("s1") == "a"
    assert await store.leave_session("s1", "a") == "b"
    assert await store.leave_session("s1", "b") == "c"
    assert await store.leave_session("s1", "c") is None
    assert await store.session_head("s1") is None


async def test_sessions_page_newest_first_and_reject_foreign_cursors(redis: Redis, unique_prefix: str) -> None:
    registry = RedisSessionRegistry(redis, prefix=unique_prefix)
    created = [await registry.create("alice") for _ in range(5)]
    await registry.create("bob")
    seen: list[str] = []
    cursor = None
    while True:
        page = await registry.list("alice", cursor, 2)
        seen.extend(s.session_id for s in page.sessions)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [s.session_id for s in reversed(created)]
    with pytest.raises(InvalidPageCursorError):
        await registry.list("alice", "nonsense:x", 2)
    assert await registry.delete(created[0].session_id) is True
    assert await registry.get(created[0].session_id) is None
    assert await registry.delete(created[0].session_id) is False


async def test_rate_limiter_allows_limit_requests_per_sliding_window(redis: Redis, unique_prefix: str) -> None:
    limiter = RedisRateLimiter(redis, limit=3, window_s=1.0, prefix=unique_prefix)
    assert [await limiter.hit("alice") for _ in range(3)] == [None, None, None]
    wait = await limiter.hit("alice")
    assert wait is not None and 0 < wait <= 1.0
    assert await limiter.hit("bob") is None
    assert await limiter.hit("alice") is not None  # refused again; refusals take no place in the window
    await asyncio.sleep(1.05)  # every counted request has left the window
    assert [await limiter.hit("alice") for _ in range(3)] == [None, None, None]
    assert await limiter.hit("alice") is not None
