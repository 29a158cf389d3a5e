"""Checkpointer comparison on a thread of 80 messages (~60 KiB of state), one run, side by side:

(a) langgraph's AsyncPostgresSaver alone (on a pool), (b) CachedPostgresSaver with an L1 hit, (c) with an
L1 miss (the thread's L1 keys dropped before each read). Per saver: ``aget_tuple`` latency and one turn
(aget_tuple + aput + aput_writes); then sustained turns/s with 50 threads running at once, after a
warm-up round each. All of it runs in blocks or rounds that take turns between the savers, so that a slow
moment of the machine does not land on one side only. Runs on uvloop, as the worker does.

Uses ECO2_TEST_DATABASE_URL / ECO2_TEST_REDIS_URL (defaults: the local servers). Each saver works in a
throwaway schema holding the tables its own ``setup()`` makes (ours stores blobs with lz4, the stock
saver's keep PostgreSQL's default pglz); the schemas and the key prefix are removed at the end.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

import psycopg
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver, empty_checkpoint
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from redis.asyncio import Redis

from benchmarks.stats import summary_ms
from eco2.infrastructure.checkpoint.cached_saver import CachedPostgresSaver
from eco2.infrastructure.checkpoint.postgres_l2 import PooledPostgresSaver, PoolOptions, open_pool
from eco2.infrastructure.checkpoint.redis_deadline import checkpoint_redis

DATABASE_URL = os.environ.get("ECO2_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("ECO2_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
MESSAGES = 80
READS = 300
TURNS = 150
BLOCKS = 6
CONCURRENT_THREADS = 50
SUSTAIN_S = 2.0
ROUNDS = 7
WARMUP_ROUNDS = 1
POOL = PoolOptions(min_size=10, max_size=10, timeout_s=10)


def _history(seed: str, count: int = MESSAGES) -> list[dict[str, str]]:
    body = "플라스틱 페트병은 내용물을 비우고 라벨을 떼어 투명 페트 전용 수거함에 버려 주세요. " * 7
    return [{"role": "user" if i % 2 else "assistant", "content": f"{seed}-{i} {body}"} for i in range(count)]


def _config(thread_id: str, checkpoint_id: str | None = None) -> RunnableConfig:
    configurable: dict[str, Any] = {"thread_id": thread_id, "checkpoint_ns": ""}
    if checkpoint_id:
        configurable["checkpoint_id"] = checkpoint_id
    return {"configurable": configurable}


async def _turn(saver: BaseCheckpointSaver[Any], thread_id: str, step: int) -> None:
    latest = await saver.aget_tuple(_config(thread_id))
    if latest is None:
        history, previous, parent = _history(thread_id), None, None
    else:
        history = [*latest.checkpoint["channel_values"]["history"][1:], {"role": "user", "content": f"q{step}"}]
        previous, parent = latest.checkpoint["channel_versions"].get("history"), latest.checkpoint["id"]
    version = saver.get_next_version(previous, None)
    checkpoint = empty_checkpoint()
    checkpoint["channel_values"] = {"history": history, "session_id": thread_id, "answer": f"a{step}"}
    checkpoint["channel_versions"] = {"history": version, "session_id": version, "answer": version}
    stored = await saver.aput(_config(thread_id, parent), checkpoint, {"source": "loop", "step": step},
                              {"history": version, "session_id": version, "answer": version})
    await saver.aput_writes(stored, [("answer", f"a{step}"), ("sources", [{"id": "pet"}])], f"task-{step}")


async def _timed(n: int, op: Callable[[], Awaitable[Any]], before: Callable[[], Awaitable[Any]] | None = None
                 ) -> list[float]:
    samples: list[float] = []
    for _ in range(n):
        if before is not None:
            await before()
        started = time.perf_counter()
        await op()
        samples.append(time.perf_counter() - started)
    return samples


async def _side_by_side(
    n: int, ops: dict[str, tuple[Callable[[], Awaitable[Any]], Callable[[], Awaitable[Any]] | None]]
) -> dict[str, dict[str, float]]:
    """``n`` timed calls of each op, in BLOCKS blocks that take turns, so that a slow moment of the machine
    falls on every side alike."""
    samples: dict[str, list[float]] = {name: [] for name in ops}
    for _ in range(BLOCKS):
        for name, (op, before) in ops.items():
            samples[name] += await _timed(n // BLOCKS, op, before)
    return {name: summary_ms(values) for name, values in samples.items()}


async def _throughput(saver: BaseCheckpointSaver[Any], tag: str, locked: CachedPostgresSaver | None,
                      first_step: int) -> float:
    """Turns/s over SUSTAIN_S with CONCURRENT_THREADS threads (created by the first round)."""
    threads = [f"{tag}-c{i}" for i in range(CONCURRENT_THREADS)]
    if first_step == 1:
        await asyncio.gather(*(_turn(saver, t, 0) for t in threads))
    done = 0
    deadline = time.perf_counter() + SUSTAIN_S

    async def worker(thread_id: str) -> None:
        nonlocal done
        step = first_step
        while time.perf_counter() < deadline:
            if locked is not None:
                async with locked.thread_lock(thread_id):
                    await _turn(saver, thread_id, step)
            else:
                await _turn(saver, thread_id, step)
            done += 1
            step += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker(t) for t in threads))
    return done / (time.perf_counter() - started)


def main() -> None:
    import uvloop

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(_main())


async def _main() -> None:
    run = uuid.uuid4().hex[:10]
    # Each saver gets the tables its own setup() makes, in a schema of its own.
    schemas, prefix = {side: f"bench_ckpt_{run}_{side}" for side in ("stock", "ours")}, f"bench:ckpt:{run}"
    async with await psycopg.AsyncConnection.connect(DATABASE_URL, autocommit=True) as conn:
        for schema in schemas.values():
            await conn.execute(f'CREATE SCHEMA "{schema}"')
    urls = {side: f"{DATABASE_URL}{'&' if '?' in DATABASE_URL else '?'}options={quote(f'-c search_path={schema}')}"
            for side, schema in schemas.items()}
    redis = checkpoint_redis(REDIS_URL)
    try:
        async with open_pool(urls["stock"], POOL) as stock_pool, open_pool(urls["ours"], POOL) as our_pool:
            stock = AsyncPostgresSaver(stock_pool)  # type: ignore[arg-type]
            await stock.setup()
            cached = CachedPostgresSaver(PooledPostgresSaver(our_pool), redis, prefix=prefix)
            await cached.setup()
            await _report(stock, cached, redis, prefix)
    finally:
        async for key in redis.scan_iter(match=f"{prefix}:*", count=1000):
            await redis.delete(key)
        await redis.aclose()
        async with await psycopg.AsyncConnection.connect(DATABASE_URL, autocommit=True) as conn:
            for schema in schemas.values():
                await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


async def _report(stock: AsyncPostgresSaver, cached: CachedPostgresSaver, redis: Redis, prefix: str) -> None:
    for saver, thread_id in ((stock, "stock"), (cached, "cached")):
        for step in range(3):
            await _turn(saver, thread_id, step)
    latest = await cached.aget_tuple(_config("cached"))
    assert latest is not None
    size = len(cached.serde.dumps_typed(latest.checkpoint["channel_values"])[1])
    print(f"thread: {MESSAGES} messages, {size / 1024:.1f} KiB serialized state; pool size {POOL.max_size}")

    async def drop_l1() -> None:
        async for key in redis.scan_iter(match=f"{prefix}:*", count=1000):
            await redis.delete(key)

    rows = await _side_by_side(READS, {
        "a get": (lambda: stock.aget_tuple(_config("stock")), None),
        "b get": (lambda: cached.aget_tuple(_config("cached")), None),
        "c get": (lambda: cached.aget_tuple(_config("cached")), drop_l1),
    })
    steps = iter(range(10, 10**6))
    rows |= await _side_by_side(TURNS, {
        "a turn": (lambda: _turn(stock, "stock", next(steps)), None),
        "b turn": (lambda: _turn(cached, "cached", next(steps)), None),
        "c turn": (lambda: _turn(cached, "cached", next(steps)), drop_l1),
    })

    labels = {
        "a get": "(a) AsyncPostgresSaver aget_tuple",
        "b get": "(b) CachedPostgresSaver aget_tuple, L1 hit",
        "c get": "(c) CachedPostgresSaver aget_tuple, L1 miss",
        "a turn": "(a) AsyncPostgresSaver turn",
        "b turn": "(b) CachedPostgresSaver turn, L1 hit",
        "c turn": "(c) CachedPostgresSaver turn, L1 miss",
    }
    for key, label in labels.items():
        s = rows[key]
        print(f"{label:<48} n={s['n']:<6} p50={s['p50']:.3f} ms  p95={s['p95']:.3f} ms  p99={s['p99']:.3f} ms")

    stock_rounds: list[float] = []
    cached_rounds: list[float] = []
    for round_no in range(WARMUP_ROUNDS + ROUNDS):
        first_step = 1 + round_no * 10**5
        stock_tps = await _throughput(stock, "stock", None, first_step)
        cached_tps = await _throughput(cached, "cached", cached, first_step)
        if round_no >= WARMUP_ROUNDS:  # the first rounds fill pools and caches on both sides
            stock_rounds.append(stock_tps)
            cached_rounds.append(cached_tps)
    stock_tps, cached_tps = statistics.median(stock_rounds), statistics.median(cached_rounds)
    for label, rounds, median in (("(a) AsyncPostgresSaver, 50 threads", stock_rounds, stock_tps),
                                  ("(b) CachedPostgresSaver + thread lock, 50 threads", cached_rounds, cached_tps)):
        each = ", ".join(f"{r:.0f}" for r in rounds)
        print(f"{label:<48} {median:8.1f} turns/s (median of {ROUNDS} rounds of {SUSTAIN_S:g} s: {each})")
    print("ratios (target):")
    print(f"  L1-hit aget_tuple p50 / (a) p50 = {rows['b get']['p50'] / rows['a get']['p50']:.2f}  (<= 0.33)")
    print(f"  turn p50 (L1 hit) / (a) turn p50 = {rows['b turn']['p50'] / rows['a turn']['p50']:.2f}  (<= 1.20)")
    print(f"  turn p50 (L1 miss) / (a) turn p50 = {rows['c turn']['p50'] / rows['a turn']['p50']:.2f}")
    print(f"  concurrent turns/s (b) / (a) = {cached_tps / stock_tps:.2f}  (>= 2.00); per round: "
          + ", ".join(f"{c / s:.2f}" for s, c in zip(stock_rounds, cached_rounds, strict=True)))

