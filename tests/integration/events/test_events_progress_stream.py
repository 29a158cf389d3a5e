"""RedisProgressNotifier and ProgressStreamReader on a real server."""

from __future__ import annotations

import asyncio
import json

from redis.asyncio import Redis

from eco2.infrastructure.embedded_valkey import EmbeddedValkey
from eco2.infrastructure.events.progress_stream_reader import ProgressStreamReader
from eco2.infrastructure.events.redis_progress_notifier import PUBLISH_FAILURES, RedisProgressNotifier


def notifier(redis: Redis, prefix: str, **options: object) -> RedisProgressNotifier:
    return RedisProgressNotifier(redis, prefix=f"{prefix}:events", **options)  # type: ignore[arg-type]


async def collect(reader: ProgressStreamReader, job_id: str, after: str = "0-0") -> list[tuple[str, dict]]:
    return [entry async for entry in reader.read(job_id, after=after, block_ms=200)]


async def test_events_keep_call_order_and_seq(redis: Redis, unique_prefix: str) -> None:
    progress = notifier(redis, unique_prefix, token_batch_size=4, token_flush_ms=50)
    reader = ProgressStreamReader(redis, prefix=f"{unique_prefix}:events")

    await progress.notify_stage("j1", "intent", "started", progress=5)
    for i in range(10):
        await progress.notify_token("j1", f"t{i} ")
    await progress.notify_stage("j1", "answer", "completed", progress=100)
    await progress.notify_done("j1", {"answer": "끝"})

    events = [event for _id, event in await collect(reader, "j1")]
    assert [e["event_type"] for e in events] == ["stage", *["token"] * 10, "stage", "done"]
    assert [e["seq"] for e in events] == list(range(1, 14))
    assert "".join(e["payload"]["content"] for e in events if e["event_type"] == "token") == "".join(
        f"t{i} " for i in range(10)
    )
    assert events[-1]["payload"] == {"answer": "끝"}


async def test_seq_is_monotonic_across_publishers(redis: Redis, unique_prefix: str) -> None:
    """A resumed job publishes from another process: the counter lives in Redis, not in the publisher."""
    first, second = notifier(redis, unique_prefix), notifier(redis, unique_prefix)
    await first.notify_stage("j1", "intent", "started")
    await second.notify_stage("j1", "location", "started")
    await first.notify_stage("j1", "answer", "started")
    await second.notify_error("j1", "internal_error", "실패")

    reader = ProgressStreamReader(redis, prefix=f"{unique_prefix}:events")
    assert [e["seq"] for _id, e in await collect(reader, "j1")] == [1, 2, 3, 4]


async def test_pending_tokens_are_flushed_by_the_timer(redis: Redis, unique_prefix: str) -> None:
    progress = notifier(redis, unique_prefix, token_batch_size=1000, token_flush_ms=5)
    await progress.notify_token("j1", "안녕")
    reader = ProgressStreamReader(redis, prefix=f"{unique_prefix}:events")

    async def first_event() -> dict:
        async for _id, event in reader.read("j1", block_ms=100):
            return event
        raise AssertionError("stream ended")

    event = await asyncio.wait_for(first_event(), timeout=5)
    assert event["payload"] == {"content": "안녕"}


async def test_a_dropped_reader_replays_from_its_last_id(redis: Redis, unique_prefix: str) -> None:
    progress = notifier(redis, unique_prefix, token_batch_size=1)
    reader = ProgressStreamReader(redis, prefix=f"{unique_prefix}:events")
    for i in range(5):
        await progress.notify_token("j1", str(i))

    seen: list[tuple[str, dict]] = []
    async for entry in reader.read("j1", block_ms=100):
        seen.append(entry)
        if len(seen) == 2:
            break  # the client went away after two events
    for i in range(5, 8):
        await progress.notify_token("j1", str(i))
    await progress.notify_done("j1", {})

    rest = await collect(reader, "j1", after=seen[-1][0])
    contents = [e["payload"].get("content") for _id, e in seen + rest]
    assert contents == [str(i) for i in range(8)] + [None]


async def test_a_live_reader_sees_events_published_after_it_started(redis: Redis, unique_prefix: str) -> None:
    progress = notifier(redis, unique_prefix)
    reader = ProgressStreamReader(redis, prefix=f"{unique_prefix}:events")
    task = asyncio.create_task(collect(reader, "j1"))
    await asyncio.sleep(0.05)
    await progress.notify_stage("j1", "intent", "started")
    await progress.notify_done("j1", {"status": "completed"})

    events = await asyncio.wait_for(task, timeout=5)
    assert [e["event_type"] for _id, e in events] == ["stage", "done"]


async def test_the_stream_is_trimmed_and_expires(redis: Redis, unique_prefix: str) -> None:
    progress = notifier(redis, unique_prefix, maxlen=100, ttl_s=600, token_batch_size=50)
    for i in range(2000):
        await progress.notify_token("j1", str(i))
    await progress.notify_done("j1", {})
    key = f"{unique_prefix}:events:j1"

    length = await redis.xlen(key)
    assert 100 <= length < 2001 - 500  # MAXLEN ~ trims whole nodes, never below the limit
    assert 0 < await redis.ttl(key) <= 600
    assert 0 < await redis.ttl(f"{key}:seq") <= 600
    last = await redis.xrevrange(key, count=1)
    assert int(last[0][1][b"seq"]) == 2001
    assert json.loads(last[0][1][b"payload"]) == {}


async def test_publishing_to_a_dead_server_is_counted_and_does_not_raise(unique_prefix: str) -> None:
    dead = Redis.from_url("redis://127.0.0.1:1", socket_timeout=0.2, socket_connect_timeout=0.2)
    progress = RedisProgressNotifier(dead, prefix=unique_prefix, publish_timeout_s=0.3, cooldown_s=60)
    before = PUBLISH_FAILURES.labels(kind="stage")._value.get()

    assert await progress.notify_stage("j1", "intent", "started") == ""
    assert await progress.notify_stage("j1", "intent", "completed") == ""  # cooled down: not even tried
    await progress.notify_token("j1", "x")
    await progress.aclose()

    assert PUBLISH_FAILURES.labels(kind="stage")._value.get() == before + 2
    await dead.aclose()


async def test_a_reader_survives_a_server_restart(own_server: EmbeddedValkey, unique_prefix: str) -> None:
    redis = Redis.from_url(own_server.url)
    progress = notifier(redis, unique_prefix, token_batch_size=1)
    reader = ProgressStreamReader(Redis.from_url(own_server.url), prefix=f"{unique_prefix}:events", retry_max_s=0.1)
    await progress.notify_token("j1", "before")
    got: list[str] = []

    async def follow() -> None:
        async for _id, event in reader.read("j1", block_ms=100):
            got.append(event["payload"].get("content", event["event_type"]))

    task = asyncio.create_task(follow())
    while not got:
        await asyncio.sleep(0.01)
    own_server.stop()
    await asyncio.sleep(0.3)
    own_server.start()
    await progress.notify_token("j1", "after")
    await progress.notify_done("j1", {})

    await asyncio.wait_for(task, timeout=10)
    assert got == ["before", "after", "done"]
    await redis.aclose()
