"""Fault tolerance against real servers: our own redis-server stopped and partitioned, PostgreSQL cut
off behind a TCP proxy, and two workers racing on one thread."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from urllib.parse import urlparse

import pytest
from ckpt_support import (
    OwnRedis,
    TcpProxy,
    cached_saver,
    delete_keys,
    isolated_schema,
    l2_chain,
    run_turn,
    table_counts,
    thread_config,
)
from prometheus_client import REGISTRY
from redis.asyncio import Redis

from eco2.infrastructure.checkpoint.cached_saver import CachedPostgresSaver
from eco2.infrastructure.checkpoint.postgres_l2 import PoolOptions


def _counter(name: str, labels: dict[str, str] | None = None) -> float:
    return REGISTRY.get_sample_value(name, labels or {}) or 0.0


@pytest.fixture
async def schema(postgres_url: str, unique_prefix: str) -> AsyncIterator[str]:
    async with isolated_schema(postgres_url, unique_prefix) as url:
        yield url


@pytest.fixture
async def own_redis() -> AsyncIterator[OwnRedis]:
    server = OwnRedis()
    await server.start()
    yield server
    server.stop()


async def test_redis_down_turn_completes_from_postgres_and_is_counted(
    schema: str, own_redis: OwnRedis, unique_prefix: str
) -> None:
    async with cached_saver(schema, own_redis.url, unique_prefix, l1_retry_s=0.1) as saver:
        first = await run_turn(saver, "t1", "hello")
        own_redis.stop()
        before = _counter("eco2_checkpoint_l1_failures_total", {"op": "get"})
        second = await run_turn(saver, "t1", "while redis is down")
        assert _counter("eco2_checkpoint_l1_failures_total", {"op": "get"}) > before
        assert [cid for cid, _ in await l2_chain(schema, "t1")] == [first, second]

        await own_redis.start()
        await asyncio.sleep(0.15)
        latest = await saver.aget_tuple(thread_config("t1"))
        assert latest is not None
        assert latest.checkpoint["id"] == second
        assert latest.checkpoint["channel_values"]["messages"] == ["hello", "while redis is down"]


async def test_hung_redis_is_bounded_by_the_call_deadline(
    schema: str, own_redis: OwnRedis, unique_prefix: str
) -> None:
    """The checkpoint client has no socket timeout; the saver's own deadline must still end every call."""
    async with cached_saver(schema, own_redis.url, unique_prefix, redis_timeout_s=0.3, l1_retry_s=5.0,
                            lock_wait_s=1.0) as saver:
        first = await run_turn(saver, "t1", "hello")
        own_redis.freeze()
        try:
            before = _counter("eco2_checkpoint_l1_failures_total", {"op": "get"})
            started = asyncio.get_running_loop().time()
            async with saver.thread_lock("t1"):
                second = await run_turn(saver, "t1", "while redis hangs")
            elapsed = asyncio.get_running_loop().time() - started
            assert _counter("eco2_checkpoint_l1_failures_total", {"op": "get"}) > before
            assert elapsed < 3.0, f"a hung Redis held the turn for {elapsed:.1f} s"
            assert [cid for cid, _ in await l2_chain(schema, "t1")] == [first, second]
        finally:
            own_redis.thaw()


async def test_redis_partition_never_serves_stale_cache(
    schema: str, own_redis: OwnRedis, unique_prefix: str
) -> None:
    """Redis keeps its data through the partition; the thread written meanwhile must not be read stale."""
    proxy = TcpProxy(own_redis.port)
    port = await proxy.start()
    async with cached_saver(schema, f"redis://127.0.0.1:{port}/0", unique_prefix, l1_retry_s=0.1) as saver:
        await run_turn(saver, "t1", "one")
        cached = await saver.aget_tuple(thread_config("t1"))
        assert cached is not None
        await proxy.cut()
        during = await run_turn(saver, "t1", "two")
        await proxy.restore()
        await asyncio.sleep(0.15)
        latest = await saver.aget_tuple(thread_config("t1"))
        assert latest is not None
        assert latest.checkpoint["id"] == during
        again = await saver.aget_tuple(thread_config("t1"))
        assert again is not None and again.checkpoint["id"] == during
    await proxy.cut()


async def test_postgres_down_queues_in_redis_and_replays_in_order_once(
    schema: str, postgres_url: str, redis_url: str, unique_prefix: str
) -> None:
    target = urlparse(postgres_url)
    proxy = TcpProxy(target.port or 5432, target.hostname or "127.0.0.1")
    port = await proxy.start()
    proxied = schema.replace(f"{target.hostname}:{target.port or 5432}", f"127.0.0.1:{port}")
    redis = Redis.from_url(redis_url)
    pool = PoolOptions(max_size=2, timeout_s=1.0)
    try:
        async with cached_saver(proxied, redis_url, unique_prefix, pool=pool, l2_retry_s=0.3) as saver:
            first = await run_turn(saver, "t1", "before")
            queued_before = _counter("eco2_checkpoint_replay_queued_total")
            await proxy.cut()

            second = await run_turn(saver, "t1", "during 1")
            third = await run_turn(saver, "t1", "during 2")
            assert await saver.pending_count() == 4
            assert _counter("eco2_checkpoint_replay_queued_total") - queued_before == 4
            assert [cid for cid, _ in await l2_chain(schema, "t1")] == [first]
            latest = await saver.aget_tuple(thread_config("t1"))
            assert latest is not None and latest.checkpoint["id"] == third
            backlog = await redis.lrange(saver._l1.queue_key(), 0, -1)

            await proxy.restore()
            saver.start_replayer(0.1)
            for _ in range(200):
                if await saver.pending_count() == 0:
                    break
                await asyncio.sleep(0.05)
            assert await saver.pending_count() == 0

            chain = await l2_chain(schema, "t1")
            assert chain == [(first, None), (second, first), (third, second)]
            counts = await table_counts(schema, "t1")
            assert counts == {"checkpoints": 3, "checkpoint_writes": 3, "checkpoint_blobs": 3}

            await redis.rpush(saver._l1.queue_key(), *backlog)
            assert await saver.replay_pending() == 4
            assert await table_counts(schema, "t1") == counts
            assert await l2_chain(schema, "t1") == chain
            await redis.delete(saver._l1.queue_key())
            await redis.delete(f"{saver._l1.queue_key()}:dead")
            replayed = await saver.aget_tuple(thread_config("t1", second))
            assert replayed is not None
            assert replayed.pending_writes == [("task-2", "reply", "answer to during 1")]
    finally:
        await proxy.cut()
        await delete_keys(redis, f"{unique_prefix}:*")
        await redis.aclose()


async def _concurrent_turns(
    schema: str, redis_url: str, prefix: str, thread_id: str, *, locked: bool
) -> list[tuple[str, str | None]]:
    """Two workers (own Redis clients and PostgreSQL pools) each start six turns on one thread at once."""
    async with cached_saver(schema, redis_url, prefix) as one, cached_saver(schema, redis_url, prefix) as two:

        async def turn(saver: CachedPostgresSaver, text: str) -> None:
            if locked:
                async with saver.thread_lock(thread_id):
                    await run_turn(saver, thread_id, text, pause_s=0.003)
            else:
                await run_turn(saver, thread_id, text, pause_s=0.003)

        await asyncio.gather(*(turn(saver, f"{name}-{i}") for i in range(6)
                               for saver, name in ((one, "a"), (two, "b"))))
    return await l2_chain(schema, thread_id)


async def test_two_workers_on_one_thread_never_interleave_the_chain(
    schema: str, redis_url: str, unique_prefix: str
) -> None:
    redis = Redis.from_url(redis_url)
    try:
        chain = await _concurrent_turns(schema, redis_url, unique_prefix, "locked", locked=True)
        assert len(chain) == 12
        assert chain[0][1] is None
        assert all(parent == previous for (_, parent), (previous, _) in zip(chain[1:], chain, strict=False))

        forked = await _concurrent_turns(schema, redis_url, unique_prefix, "unlocked", locked=False)
        parents = [parent for _, parent in forked]
        assert len(parents) != len(set(parents)), "control: without the lock the turns fork the chain"
    finally:
        await delete_keys(redis, f"{unique_prefix}:*")
        await redis.aclose()
