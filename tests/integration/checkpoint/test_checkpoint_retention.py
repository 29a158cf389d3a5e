"""Retention on real PostgreSQL (+ Redis L1): keep-latest, older-than, thread TTL, via methods and CLI."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from ckpt_support import cached_saver, delete_keys, isolated_schema, l2_chain, table_counts, thread_config
from langgraph.checkpoint.conformance.test_utils import generate_checkpoint
from redis.asyncio import Redis

from eco2.infrastructure.checkpoint.cached_saver import CachedPostgresSaver
from eco2.presentation.cli import main


async def _thread(saver: CachedPostgresSaver, thread_id: str, ages_days: list[float]) -> list[str]:
    """A chain of checkpoints with the given ages; each has its own message blob and one pending write."""
    ids: list[str] = []
    version: str | None = None
    parent: str | None = None
    for step, age in enumerate(ages_days):
        version = saver.get_next_version(version, None)
        checkpoint = generate_checkpoint(
            channel_values={"messages": [f"{thread_id}-{i}" for i in range(step + 1)]},
            channel_versions={"messages": version},
        )
        checkpoint["ts"] = (datetime.now(UTC) - timedelta(days=age)).isoformat()
        stored = await saver.aput(thread_config(thread_id, parent), checkpoint,
                                  {"source": "loop", "step": step, "parents": {}}, {"messages": version})
        await saver.aput_writes(stored, [("reply", f"reply {step}")], f"task-{step}")
        parent = checkpoint["id"]
        ids.append(parent)
    return ids


@pytest.fixture
async def data(postgres_url: str, redis_url: str, unique_prefix: str) -> AsyncIterator[dict[str, Any]]:
    redis = Redis.from_url(redis_url)
    async with (
        isolated_schema(postgres_url, unique_prefix) as url,
        cached_saver(url, redis_url, unique_prefix) as saver,
    ):
        ids = {
            "x": await _thread(saver, "x", [50, 45, 40, 1, 0]),
            "y": await _thread(saver, "y", [100, 90]),
            "z": await _thread(saver, "z", [2, 1, 0]),
        }
        yield {"saver": saver, "url": url, "ids": ids, "redis_url": redis_url, "prefix": unique_prefix}
    await delete_keys(redis, f"{unique_prefix}:*")
    await redis.aclose()


async def test_keep_latest_then_older_than_then_thread_ttl(data: dict[str, Any]) -> None:
    saver: CachedPostgresSaver = data["saver"]
    url, ids = data["url"], data["ids"]
    oldest_x = thread_config("x", ids["x"][0])
    assert await saver.aget_tuple(oldest_x) is not None  # now cached in L1

    report = await saver.prune_keep_latest(3)
    assert report.checkpoints_deleted == 2 and report.threads == {"x"}
    assert [cid for cid, _ in await l2_chain(url, "x")] == ids["x"][2:]
    assert await table_counts(url, "x") == {"checkpoints": 3, "checkpoint_writes": 3, "checkpoint_blobs": 3}
    assert await saver.aget_tuple(oldest_x) is None, "L1 must not serve a pruned checkpoint"
    kept = await saver.aget_tuple(thread_config("x", ids["x"][2]))
    assert kept is not None and kept.parent_config is None
    assert kept.pending_writes == [("task-2", "reply", "reply 2")]

    report = await saver.prune_older_than(30)
    assert report.checkpoints_deleted == 2 and report.threads == {"x", "y"}
    assert [cid for cid, _ in await l2_chain(url, "x")] == ids["x"][3:]
    assert [cid for cid, _ in await l2_chain(url, "y")] == ids["y"][1:]
    latest_y = await saver.aget_tuple(thread_config("y"))
    assert latest_y is not None and latest_y.checkpoint["channel_values"]["messages"] == ["y-0", "y-1"]

    report = await saver.prune_idle_threads(60)
    assert report.threads_deleted == ["y"]
    assert await table_counts(url, "y") == {"checkpoints": 0, "checkpoint_writes": 0, "checkpoint_blobs": 0}
    assert await saver.aget_tuple(thread_config("y")) is None
    assert await table_counts(url, "z") == {"checkpoints": 3, "checkpoint_writes": 3, "checkpoint_blobs": 3}


async def test_keep_latest_rejects_zero(data: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        await data["saver"].prune_keep_latest(0)


def test_cli_prune_keep_latest_and_thread_ttl(
    data: dict[str, Any], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ECO2_DATABASE_URL", data["url"])
    monkeypatch.setenv("ECO2_REDIS_URL", data["redis_url"])
    monkeypatch.setenv("ECO2_CHECKPOINT_PREFIX", data["prefix"])
    monkeypatch.setenv("ECO2_CHECKPOINT_THREAD_TTL_DAYS", "60")
    assert main(["checkpoints", "prune", "--keep-latest", "1"]) == 0
    out = capsys.readouterr().out
    assert "삭제한 스레드 1개" in out
    counts = {t: asyncio.run(table_counts(data["url"], t))["checkpoints"] for t in ("x", "y", "z")}
    assert counts == {"x": 1, "y": 0, "z": 1}


def test_cli_prune_needs_a_rule(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("ECO2_CHECKPOINT_THREAD_TTL_DAYS", raising=False)
    assert main(["checkpoints", "prune"]) == 2
    assert "--keep-latest" in capsys.readouterr().err
