"""Cache behaviour and bad input against real Redis + PostgreSQL: hits, corrupt entries, size limits,
async-only API, and that neither the L1 locks nor the L2 pool hide a global lock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from ckpt_support import cached_saver, delete_keys, isolated_schema, run_turn, thread_config
from langgraph.checkpoint.conformance.test_utils import generate_checkpoint
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from prometheus_client import REGISTRY
from redis.asyncio import Redis

from eco2.infrastructure.checkpoint.cached_saver import CachedPostgresSaver
from eco2.infrastructure.checkpoint.errors import (
    CheckpointTooLargeError,
    SyncCheckpointCallError,
    ThreadBusyError,
)
from eco2.infrastructure.checkpoint.postgres_l2 import PooledPostgresSaver, PoolOptions, open_pool


def _counter(name: str, labels: dict[str, str] | None = None) -> float:
    return REGISTRY.get_sample_value(name, labels or {}) or 0.0


@pytest.fixture
async def env(postgres_url: str, redis_url: str, unique_prefix: str) -> AsyncIterator[dict[str, Any]]:
    redis = Redis.from_url(redis_url)
    async with isolated_schema(postgres_url, unique_prefix) as url:
        yield {"url": url, "redis": redis, "redis_url": redis_url, "prefix": unique_prefix}
    await delete_keys(redis, f"{unique_prefix}:*")
    await redis.aclose()


async def test_unknown_thread_is_none_and_reads_hit_l1(env: dict[str, Any]) -> None:
    async with cached_saver(env["url"], env["redis_url"], env["prefix"]) as saver:
        assert await saver.aget_tuple(thread_config("nobody")) is None
        latest_id = await run_turn(saver, "t1", "안녕하세요")
        hits = _counter("eco2_checkpoint_l1_lookups_total", {"result": "hit"})
        found = await saver.aget_tuple(thread_config("t1"))
        assert found is not None and found.checkpoint["id"] == latest_id
        assert found.pending_writes == [("task-1", "reply", "answer to 안녕하세요")]
        assert _counter("eco2_checkpoint_l1_lookups_total", {"result": "hit"}) == hits + 1


async def test_corrupt_l1_entry_is_dropped_and_read_from_l2(env: dict[str, Any]) -> None:
    redis: Redis = env["redis"]
    async with cached_saver(env["url"], env["redis_url"], env["prefix"]) as saver:
        latest_id = await run_turn(saver, "t1", "plastic bottle")
        records = [key async for key in redis.scan_iter(match=f"{env['prefix']}:*:r:*")]
        latest = [key async for key in redis.scan_iter(match=f"{env['prefix']}:*:l:*")]
        assert len(records) == 1 and len(latest) == 1
        for key in (*records, *latest):
            stored = await redis.get(key)
            assert stored is not None
            await redis.set(key, stored[:8] + b"\x93not a record")  # same stamp, unreadable record
        corrupt = _counter("eco2_checkpoint_l1_corrupt_total")
        found = await saver.aget_tuple(thread_config("t1"))
        assert found is not None and found.checkpoint["id"] == latest_id
        assert found.checkpoint["channel_values"]["messages"] == ["plastic bottle"]
        assert _counter("eco2_checkpoint_l1_corrupt_total") == corrupt + 1
        hits = _counter("eco2_checkpoint_l1_lookups_total", {"result": "hit"})
        assert await saver.aget_tuple(thread_config("t1")) is not None
        assert _counter("eco2_checkpoint_l1_lookups_total", {"result": "hit"}) == hits + 1


async def test_a_record_whose_stamp_does_not_match_is_read_from_l2_and_replaced(env: dict[str, Any]) -> None:
    """The stamp ties a record to the bookkeeping the read script saw; a mismatch (a write that landed
    in between, or a foreign value) is a miss, never served, and the next population repairs it."""
    redis: Redis = env["redis"]
    async with cached_saver(env["url"], env["redis_url"], env["prefix"]) as saver:
        latest_id = await run_turn(saver, "t1", "건전지")
        for pattern in (":*:r:*", ":*:l:*"):
            async for key in redis.scan_iter(match=env["prefix"] + pattern):
                stored = await redis.get(key)
                assert stored is not None
                await redis.set(key, b"otherstm" + stored[8:])  # a readable record under another stamp
        misses, corrupt = _counter("eco2_checkpoint_l1_lookups_total", {"result": "miss"}), \
            _counter("eco2_checkpoint_l1_corrupt_total")
        found = await saver.aget_tuple(thread_config("t1"))
        assert found is not None and found.checkpoint["id"] == latest_id
        assert _counter("eco2_checkpoint_l1_lookups_total", {"result": "miss"}) == misses + 1
        assert _counter("eco2_checkpoint_l1_corrupt_total") == corrupt
        hits = _counter("eco2_checkpoint_l1_lookups_total", {"result": "hit"})
        again = await saver.aget_tuple(thread_config("t1"))
        assert again is not None and again.checkpoint == found.checkpoint
        assert _counter("eco2_checkpoint_l1_lookups_total", {"result": "hit"}) == hits + 1


async def test_oversized_checkpoint_is_refused_before_any_write(env: dict[str, Any]) -> None:
    redis: Redis = env["redis"]
    async with cached_saver(env["url"], env["redis_url"], env["prefix"], max_bytes=4096) as saver:
        huge = generate_checkpoint(channel_values={"messages": ["x" * 10_000]}, channel_versions={"messages": "1"})
        with pytest.raises(CheckpointTooLargeError, match="4096-byte limit"):
            await saver.aput(thread_config("big"), huge, {"source": "input", "step": -1}, {"messages": "1"})
        assert [key async for key in redis.scan_iter(match=f"{env['prefix']}:*")] == []
        assert [t async for t in saver.alist(thread_config("big"))] == []
        small_id = await run_turn(saver, "big", "ok")
        with pytest.raises(CheckpointTooLargeError, match="pending writes"):
            await saver.aput_writes(thread_config("big", small_id), [("reply", "y" * 10_000)], "task-x")
        stored = await saver.aget_tuple(thread_config("big"))
        assert stored is not None and stored.pending_writes == [("task-1", "reply", "answer to ok")]


async def test_sync_calls_say_to_use_the_async_api(env: dict[str, Any]) -> None:
    async with cached_saver(env["url"], env["redis_url"], env["prefix"]) as saver:
        with pytest.raises(SyncCheckpointCallError, match="aget_tuple"):
            saver.get_tuple(thread_config("t1"))
        with pytest.raises(SyncCheckpointCallError, match="async only"):
            saver.put(thread_config("t1"), generate_checkpoint(), {}, {})


async def test_thread_locks_are_per_thread_not_global(env: dict[str, Any]) -> None:
    async with (
        cached_saver(env["url"], env["redis_url"], env["prefix"], lock_wait_s=0.3) as saver,
        saver.thread_lock("a"),
    ):
        async with saver.thread_lock("b"):
            pass
        with pytest.raises(ThreadBusyError):
            async with saver.thread_lock("a"):
                pass


async def test_a_turn_longer_than_the_lock_ttl_keeps_its_lock(env: dict[str, Any]) -> None:
    async with cached_saver(
        env["url"], env["redis_url"], env["prefix"], lock_ttl_s=0.3, lock_wait_s=0.2
    ) as saver:
        async with saver.thread_lock("long"):
            await asyncio.sleep(1.0)
            with pytest.raises(ThreadBusyError):
                async with saver.thread_lock("long"):
                    pass
        async with saver.thread_lock("long"):
            pass
        lock_key = f"{env['prefix']}:{{long}}:lock"
        assert await env["redis"].exists(lock_key) == 0


async def _blocked_while_a_cursor_is_held(saver: AsyncPostgresSaver) -> bool:
    """Hold one pooled cursor open and see whether another read can run meanwhile."""
    holding, release = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        async with saver._cursor():
            holding.set()
            await release.wait()

    holder = asyncio.create_task(hold())
    await holding.wait()
    try:
        await asyncio.wait_for(saver.aget_tuple(thread_config("t1")), timeout=2.0)
        return False
    except TimeoutError:
        return True
    finally:
        release.set()
        await holder


async def test_l2_pool_has_no_global_lock(env: dict[str, Any]) -> None:
    async with open_pool(env["url"], PoolOptions(max_size=4)) as pool:
        ours = PooledPostgresSaver(pool)
        await ours.setup()
        assert not await _blocked_while_a_cursor_is_held(ours)
        stock = AsyncPostgresSaver(pool)  # type: ignore[arg-type]
        assert await _blocked_while_a_cursor_is_held(stock), "control: the stock saver serialises"


async def test_embedded_sqlite_l2_behind_the_same_l1(env: dict[str, Any], tmp_path: Any) -> None:
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

    async with AsyncSqliteSaver.from_conn_string(str(tmp_path / "c.sqlite")) as sqlite:
        await sqlite.setup()
        saver = CachedPostgresSaver(sqlite, env["redis"], prefix=env["prefix"])
        first = await run_turn(saver, "t1", "one")
        second = await run_turn(saver, "t1", "two")
        fresh = CachedPostgresSaver(sqlite, env["redis"], prefix=f"{env['prefix']}:other")
        for reader in (saver, fresh):
            found = await reader.aget_tuple(thread_config("t1"))
            assert found is not None and found.checkpoint["id"] == second
            assert found.parent_config is not None
            assert found.parent_config["configurable"]["checkpoint_id"] == first
        with pytest.raises(NotImplementedError, match="ECO2_DATABASE_URL"):
            await saver.prune_keep_latest(1)


async def test_l1_ttl_is_refreshed_on_read_and_expiry_falls_back_to_l2(env: dict[str, Any]) -> None:
    redis: Redis = env["redis"]
    async with cached_saver(env["url"], env["redis_url"], env["prefix"], l1_ttl_s=2.0) as saver:
        latest_id = await run_turn(saver, "t1", "유리병")
        head = saver._l1.thread_key("t1", "h")
        await asyncio.sleep(0.8)
        assert await redis.pttl(head) < 1300
        assert await saver.aget_tuple(thread_config("t1")) is not None
        assert await redis.pttl(head) > 1500
        await asyncio.sleep(2.2)
        assert [key async for key in redis.scan_iter(match=f"{env['prefix']}:*")] == []
        misses = _counter("eco2_checkpoint_l1_lookups_total", {"result": "miss"})
        found = await saver.aget_tuple(thread_config("t1"))
        assert found is not None and found.checkpoint["id"] == latest_id
        assert _counter("eco2_checkpoint_l1_lookups_total", {"result": "miss"}) == misses + 1
