"""langgraph-checkpoint-conformance against the cached saver on real Redis + PostgreSQL.

Three runs: normal, with L1 flushed before every call (every read is a miss and repopulates), and with
L1 pointing at a closed port (everything served by L2). A fourth puts the same L1 in front of SQLite.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from ckpt_support import OwnRedis, cached_saver, closed_port, delete_keys, flush_l1, isolated_schema
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import ChannelVersions, Checkpoint, CheckpointMetadata, CheckpointTuple
from langgraph.checkpoint.conformance import checkpointer_test, validate
from langgraph.checkpoint.conformance.capabilities import BASE_CAPABILITIES
from langgraph.checkpoint.conformance.report import CapabilityReport, ProgressCallbacks
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from prometheus_client import REGISTRY
from redis.asyncio import Redis
from run_summary import SUMMARY_SECTIONS

from eco2.infrastructure.checkpoint.cached_saver import CachedPostgresSaver


class FlushingSaver(CachedPostgresSaver):
    """Empties its own L1 before every operation, so each read takes the miss-and-populate path."""

    async def _flush(self) -> None:
        await self.wait_for_cache_fills()
        await flush_l1(self._l1.redis, self._l1.prefix)

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        await self._flush()
        return await super().aget_tuple(config)

    async def alist(self, config: RunnableConfig | None, **kwargs: Any) -> AsyncIterator[CheckpointTuple]:
        await self._flush()
        async for item in super().alist(config, **kwargs):
            yield item

    async def aput(self, config: RunnableConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata,
                   new_versions: ChannelVersions) -> RunnableConfig:
        await self._flush()
        return await super().aput(config, checkpoint, metadata, new_versions)

    async def aput_writes(self, config: RunnableConfig, writes: Sequence[tuple[str, Any]], task_id: str,
                          task_path: str = "") -> None:
        await self._flush()
        await super().aput_writes(config, writes, task_id, task_path)

    async def adelete_thread(self, thread_id: str) -> None:
        await self._flush()
        await super().adelete_thread(thread_id)


def _lookups(result: str) -> float:
    return REGISTRY.get_sample_value("eco2_checkpoint_l1_lookups_total", {"result": result}) or 0.0


def _l1_failures() -> float:
    total = 0.0
    for metric in REGISTRY.collect():
        if metric.name == "eco2_checkpoint_l1_failures":
            total += sum(s.value for s in metric.samples if s.name.endswith("_total"))
    return total


async def _run(name: str, factory: Any, capabilities: set[str] | None = None) -> CapabilityReport:
    registered = checkpointer_test(name=name)(factory)
    report = await validate(registered, capabilities=capabilities, progress=ProgressCallbacks.default())
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        report.print_report()
    # Shown in the session summary (tests/conftest.py), so CI logs carry every report.
    SUMMARY_SECTIONS.append((f"conformance: {name}", printed.getvalue()))
    return report


def _assert_full(report: CapabilityReport, expected: set[str]) -> None:
    detected = {name for name, result in report.results.items() if result.detected}
    assert detected == expected, detected
    failures = [f for r in report.results.values() for f in r.failures]
    assert report.passed_all(), failures


ALL = {"put", "put_writes", "get_tuple", "list", "delete_thread", "delete_for_runs", "copy_thread", "prune"}


@pytest.mark.parametrize("mode", ["cached", "l1_flushed", "l1_down"])
async def test_conformance_against_redis_and_postgres(
    mode: str, redis_url: str, postgres_url: str, unique_prefix: str
) -> None:
    redis_for = {"cached": redis_url, "l1_flushed": redis_url,
                 "l1_down": f"redis://127.0.0.1:{closed_port()}/0"}[mode]
    saver_class = FlushingSaver if mode == "l1_flushed" else CachedPostgresSaver
    hits, misses, failures = _lookups("hit"), _lookups("miss"), _l1_failures()
    async with isolated_schema(postgres_url, unique_prefix) as url:

        async def factory() -> AsyncIterator[CachedPostgresSaver]:
            async with cached_saver(url, redis_for, unique_prefix, saver_class=saver_class) as saver:
                yield saver

        try:
            report = await _run(f"CachedPostgresSaver[{mode}]", factory)
        finally:
            cleanup = Redis.from_url(redis_url)
            await delete_keys(cleanup, f"{unique_prefix}:*")
            await cleanup.aclose()
    _assert_full(report, ALL)
    if mode == "cached":
        assert _lookups("hit") - hits > 20
    elif mode == "l1_flushed":
        assert _lookups("hit") == hits
        assert _lookups("miss") - misses > 20
    else:
        assert _l1_failures() - failures > 20


async def test_conformance_on_a_redis_without_copy(postgres_url: str, unique_prefix: str) -> None:
    """Redis before 6.2 has no COPY: the latest-checkpoint slot is then filled by the script itself."""
    server = OwnRedis("--rename-command", "COPY", "")
    await server.start()
    hits = _lookups("hit")
    try:
        async with isolated_schema(postgres_url, unique_prefix) as url:

            async def factory() -> AsyncIterator[CachedPostgresSaver]:
                async with cached_saver(url, server.url, unique_prefix) as saver:
                    yield saver

            report = await _run("CachedPostgresSaver[no COPY]", factory)
    finally:
        server.stop()
    _assert_full(report, ALL)
    assert _lookups("hit") - hits > 20


async def test_conformance_with_sqlite_l2(redis_url: str, unique_prefix: str, tmp_path: Path) -> None:
    """Embedded mode: the same L1 in front of AsyncSqliteSaver (which has only the base capabilities)."""
    redis = Redis.from_url(redis_url)

    async def factory() -> AsyncIterator[CachedPostgresSaver]:
        async with AsyncSqliteSaver.from_conn_string(str(tmp_path / "c.sqlite")) as sqlite:
            await sqlite.setup()
            saver = CachedPostgresSaver(sqlite, redis, prefix=unique_prefix)
            yield saver

    try:
        report = await _run("CachedSaver[sqlite]", factory, {c.value for c in BASE_CAPABILITIES})
    finally:
        await delete_keys(redis, f"{unique_prefix}:*")
        await redis.aclose()
    _assert_full(report, {c.value for c in BASE_CAPABILITIES})
