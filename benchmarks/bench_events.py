"""Progress events: token throughput with batching vs one XADD per token, and publish-to-read latency.

Runs against ECO2_BENCH_REDIS_URL (default: the local Redis on 6379), or an embedded Valkey when that
is unreachable. Keys use a unique prefix and are deleted afterwards.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
import uuid
from pathlib import Path

from redis.asyncio import Redis

from benchmarks.stats import print_row
from eco2.infrastructure.embedded_valkey import EmbeddedValkey
from eco2.infrastructure.events.progress_stream_reader import ProgressStreamReader
from eco2.infrastructure.events.redis_progress_notifier import RedisProgressNotifier

TOKENS = 20_000
READERS = 100
ROUNDS = 30


async def token_throughput(redis: Redis, prefix: str, batch: int) -> tuple[float, list[float]]:
    notifier = RedisProgressNotifier(redis, prefix=prefix, token_batch_size=batch, maxlen=TOKENS * 2)
    job = uuid.uuid4().hex
    calls: list[float] = []
    started = time.perf_counter()
    for i in range(TOKENS):
        before = time.perf_counter()
        await notifier.notify_token(job, f"토큰{i} ")
        calls.append(time.perf_counter() - before)
    await notifier.notify_done(job, {})
    elapsed = time.perf_counter() - started
    assert await redis.xlen(f"{prefix}:{job}") == TOKENS + 1
    return TOKENS / elapsed, calls


async def read_latency(redis: Redis, url: str, prefix: str) -> list[float]:
    blocking = Redis.from_url(url, max_connections=READERS + 8)
    notifier = RedisProgressNotifier(redis, prefix=prefix)
    reader = ProgressStreamReader(blocking, prefix=prefix)
    jobs = [uuid.uuid4().hex for _ in range(READERS)]
    samples: list[float] = []

    async def follow(job: str) -> None:
        async for _id, event in reader.read(job, block_ms=2000):
            if event["event_type"] == "stage":
                samples.append(time.time() - event["ts"])

    readers = [asyncio.create_task(follow(job)) for job in jobs]
    await asyncio.sleep(0.5)  # every reader is blocked in XREAD
    for round_no in range(ROUNDS):
        for job in jobs:
            await notifier.notify_stage(job, "answer", "started", progress=round_no)
        await asyncio.sleep(0.02)
    for job in jobs:
        await notifier.notify_done(job, {})
    await asyncio.gather(*readers)
    await blocking.aclose()
    return samples


async def main() -> None:
    url = os.environ.get("ECO2_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
    embedded: EmbeddedValkey | None = None
    redis = Redis.from_url(url)
    try:
        await redis.ping()
    except Exception:
        embedded = EmbeddedValkey(Path(tempfile.mkdtemp()) / "valkey")
        url = embedded.start()
        redis = Redis.from_url(url)
    prefix = f"bench:{uuid.uuid4().hex[:8]}"
    print(f"server: {url}  tokens: {TOKENS}  readers: {READERS}")
    try:
        batched_rate, batched_calls = await token_throughput(redis, f"{prefix}:batched", batch=64)
        single_rate, single_calls = await token_throughput(redis, f"{prefix}:single", batch=1)
        print_row("notify_token, batched (64 / 5 ms)", batched_calls)
        print_row("notify_token, one XADD per token", single_calls)
        print(f"token events/s  batched: {batched_rate:,.0f}  one per token: {single_rate:,.0f}  "
              f"ratio: {batched_rate / single_rate:.1f}x  (target >= 20,000/s batched)")
        latencies = await read_latency(redis, url, f"{prefix}:latency")
        stats = print_row(f"publish-to-read, {READERS} concurrent readers", latencies)
        print(f"p99 publish-to-read: {stats['p99']:.2f} ms (target <= 10 ms)")
    finally:
        async for key in redis.scan_iter(match=f"{prefix}:*", count=1000):
            await redis.delete(key)
        await redis.aclose()
        if embedded is not None:
            embedded.stop()
