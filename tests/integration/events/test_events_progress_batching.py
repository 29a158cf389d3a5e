"""RedisProgressNotifier writes every job's buffered events in one pipelined flush, on a real server."""

from __future__ import annotations

from redis.asyncio import Redis

from eco2.infrastructure.embedded_valkey import EmbeddedValkey
from eco2.infrastructure.events.progress_stream_reader import ProgressStreamReader
from eco2.infrastructure.events.redis_progress_notifier import RedisProgressNotifier


async def test_one_flush_writes_every_jobs_tokens_in_order(redis: Redis, unique_prefix: str) -> None:
    progress = RedisProgressNotifier(
        redis, prefix=f"{unique_prefix}:events", token_batch_size=1000, token_flush_ms=60_000
    )
    reader = ProgressStreamReader(redis, prefix=f"{unique_prefix}:events")
    jobs = [f"j{i}" for i in range(30)]
    for round_ in range(4):
        for job in jobs:
            await progress.notify_token(job, f"{job}.{round_}")
    assert await reader.history("j0") == []  # still buffered: the timer is far away

    ids = await progress.flush()

    assert len(ids) == 4  # the entry ids of the last job written
    for job in jobs:
        events = await reader.history(job)
        assert [e["payload"]["content"] for e in events] == [f"{job}.{r}" for r in range(4)]
        assert [e["seq"] for e in events] == [1, 2, 3, 4]
    assert ids[-1] == (await redis.xrevrange(f"{unique_prefix}:events:j29", count=1))[0][0].decode()
    await progress.aclose()


async def test_a_stage_event_flushes_its_jobs_tokens_first(redis: Redis, unique_prefix: str) -> None:
    progress = RedisProgressNotifier(
        redis, prefix=f"{unique_prefix}:events", token_batch_size=1000, token_flush_ms=60_000
    )
    reader = ProgressStreamReader(redis, prefix=f"{unique_prefix}:events")
    await progress.notify_token("a", "1")
    await progress.notify_token("b", "x")
    entry_id = await progress.notify_done("a", {"answer": "1"})

    assert [e["event_type"] for e in await reader.history("a")] == ["token", "done"]
    assert entry_id == (await redis.xrevrange(f"{unique_prefix}:events:a", count=1))[0][0].decode()
    assert await reader.history("b") == []  # another job's buffer waits for its own flush
    await progress.aclose()
    assert [e["payload"]["content"] for e in await reader.history("b")] == ["x"]


async def test_the_script_is_loaded_again_after_the_server_forgot_it(
    own_server: EmbeddedValkey, unique_prefix: str
) -> None:
    redis = Redis.from_url(own_server.url)
    progress = RedisProgressNotifier(redis, prefix=f"{unique_prefix}:events", token_batch_size=1)
    reader = ProgressStreamReader(redis, prefix=f"{unique_prefix}:events")
    await progress.notify_token("j1", "before")
    await redis.script_flush()

    await progress.notify_token("j1", "after")
    await progress.notify_done("j1", {})

    events = await reader.history("j1")
    assert [e["payload"].get("content") for e in events] == ["before", "after", None]
    assert [e["seq"] for e in events] == [1, 2, 3]
    await redis.aclose()
