"""The L2 saver's one-statement writes against real PostgreSQL: the rows are exactly those the stock
AsyncPostgresSaver writes, each saver reads what the other wrote, and repeated writes behave the same."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import psycopg
import pytest
from ckpt_support import isolated_schema, thread_config
from langgraph.checkpoint.base import ERROR, INTERRUPT, BaseCheckpointSaver, Checkpoint, empty_checkpoint
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver

from eco2.infrastructure.checkpoint.postgres_l2 import PooledPostgresSaver, PoolOptions, open_pool
from eco2.infrastructure.persistence.postgres_conversation_store import PostgresConversationStore
from eco2.infrastructure.persistence.postgres_outbox import PostgresOutbox

_ROWS = {
    "checkpoints": "SELECT checkpoint_ns, checkpoint_id, parent_checkpoint_id, checkpoint, metadata "
                   "FROM checkpoints WHERE thread_id = %s ORDER BY checkpoint_id",
    "checkpoint_blobs": "SELECT checkpoint_ns, channel, version, type, blob "
                        "FROM checkpoint_blobs WHERE thread_id = %s ORDER BY channel, version",
    "checkpoint_writes": "SELECT checkpoint_ns, checkpoint_id, task_id, task_path, idx, channel, type, blob "
                         "FROM checkpoint_writes WHERE thread_id = %s ORDER BY checkpoint_id, task_id, idx",
}


@pytest.fixture
async def savers(postgres_url: str, unique_prefix: str) -> AsyncIterator[dict[str, Any]]:
    async with isolated_schema(postgres_url, unique_prefix) as url, open_pool(url, PoolOptions(max_size=2)) as pool:
        ours = PooledPostgresSaver(pool)
        await ours.setup()
        yield {"url": url, "ours": ours, "stock": AsyncPostgresSaver(pool)}  # type: ignore[arg-type]


def _checkpoint(step: int, values: dict[str, Any]) -> Checkpoint:
    checkpoint = empty_checkpoint()
    checkpoint["id"] = f"1ef0000{step:02d}-0000-6000-8000-000000000000"
    checkpoint["ts"] = f"2026-11-26T09:00:{step:02d}+00:00"
    checkpoint["channel_values"] = values
    checkpoint["channel_versions"] = {name: f"{step:032}.0" for name in values}
    return checkpoint


async def _write_session(saver: BaseCheckpointSaver[Any], thread_id: str) -> None:
    """Two checkpoints (blobs, primitives, None, an empty one) and ordinary and special writes."""
    parent: str | None = None
    for step, values in enumerate([
        {},
        {"history": [{"role": "user", "content": "페트병 어떻게 버려요?"}], "answer": "라벨을 떼세요",
         "count": 3, "ratio": 0.5, "done": False, "nothing": None},
    ]):
        checkpoint = _checkpoint(step, values)
        stored = await saver.aput(thread_config(thread_id, parent), checkpoint, {"step": step, "source": "loop"},
                                  dict(checkpoint["channel_versions"]))
        parent = checkpoint["id"]
        await saver.aput_writes(stored, [("answer", "첫 답"), ("sources", [{"id": "pet"}])], "task-a", "p")
        await saver.aput_writes(stored, [("answer", "다시 쓴 답")], "task-a", "p")
        await saver.aput_writes(stored, [(INTERRUPT, "first"), (ERROR, "boom"), (INTERRUPT, "second")], "task-b")
        await saver.aput_writes(stored, [], "task-c")


async def _put(saver: BaseCheckpointSaver[Any], thread_id: str, values: dict[str, Any]) -> str:
    checkpoint = _checkpoint(1, values)
    await saver.aput(thread_config(thread_id), checkpoint, {"step": 1}, dict(checkpoint["channel_versions"]))
    return checkpoint["id"]


async def _rows(url: str, thread_id: str) -> dict[str, list[tuple[Any, ...]]]:
    async with await psycopg.AsyncConnection.connect(url) as conn:
        return {table: await (await conn.execute(sql, (thread_id,))).fetchall() for table, sql in _ROWS.items()}


async def test_rows_match_the_stock_saver_and_each_reads_the_other(savers: dict[str, Any]) -> None:
    await _write_session(savers["ours"], "ours")
    await _write_session(savers["stock"], "stock")

    ours, stock = await _rows(savers["url"], "ours"), await _rows(savers["url"], "stock")
    assert ours == stock
    assert [len(ours[table]) for table in _ROWS] == [2, 1, 8]

    for reader in (savers["ours"], savers["stock"]):
        for thread_id in ("ours", "stock"):
            found = await reader.aget_tuple(thread_config(thread_id))
            assert found is not None
            assert found.checkpoint["channel_values"]["history"][0]["content"] == "페트병 어떻게 버려요?"
            assert found.checkpoint["channel_values"]["count"] == 3
            writes = {(task, channel): value for task, channel, value in found.pending_writes or []}
            assert writes[("task-a", "answer")] == "첫 답"
            assert writes[("task-b", INTERRUPT)] == "second"
            assert writes[("task-b", ERROR)] == "boom"


async def test_rewriting_a_checkpoint_replaces_it_and_keeps_blobs_once(savers: dict[str, Any]) -> None:
    ours: PooledPostgresSaver = savers["ours"]
    checkpoint = _checkpoint(1, {"history": ["a"]})
    for source in ("first", "second"):
        await ours.aput(thread_config("t"), checkpoint, {"source": source}, dict(checkpoint["channel_versions"]))
    rows = await _rows(savers["url"], "t")
    assert len(rows["checkpoints"]) == 1 and rows["checkpoints"][0][4]["source"] == "second"
    assert len(rows["checkpoint_blobs"]) == 1


async def _backend_pid(saver: PooledPostgresSaver) -> int:
    async with saver._pool.connection() as conn:
        row = await (await conn.execute("SELECT pg_backend_pid() AS pid")).fetchone()
        assert row is not None
        return int(row["pid"])


async def test_idle_connection_is_checked_and_a_dropped_one_replaced(postgres_url: str, unique_prefix: str) -> None:
    """A connection the server dropped while it sat idle in the pool is caught by the check, not by the turn;
    one used moments ago skips the check."""
    options = PoolOptions(min_size=1, max_size=1, check_idle_after_s=1.0)
    async with isolated_schema(postgres_url, unique_prefix) as url, open_pool(url, options) as pool:
        saver = PooledPostgresSaver(pool)
        await saver.setup()
        first = await _backend_pid(saver)
        async with await psycopg.AsyncConnection.connect(postgres_url, autocommit=True) as admin:
            await admin.execute("SELECT pg_terminate_backend(%s)", (first,))
        await asyncio.sleep(1.2)
        replaced = await _backend_pid(saver)
        assert replaced != first
        assert await saver.aget_tuple(thread_config("none")) is None

        async with await psycopg.AsyncConnection.connect(postgres_url, autocommit=True) as admin:
            await admin.execute("SELECT pg_terminate_backend(%s)", (replaced,))
        with pytest.raises(psycopg.OperationalError):
            await _backend_pid(saver)  # used moments ago: not checked, so the dead connection surfaces


async def test_processes_starting_together_create_the_tables_once(postgres_url: str, unique_prefix: str) -> None:
    """An API and its workers run setup at the same moment; concurrent DDL must not collide."""
    async with isolated_schema(postgres_url, unique_prefix) as url, AsyncExitStack() as stack:
        pools = [await stack.enter_async_context(open_pool(url, PoolOptions(max_size=1))) for _ in range(6)]
        await asyncio.gather(
            *(PooledPostgresSaver(pool).setup() for pool in pools[:3]),
            *(PostgresOutbox(pool).setup() for pool in pools[3:5]),
            PostgresConversationStore(pools[5]).setup(),
        )
        assert await PooledPostgresSaver(pools[0]).aget_tuple(thread_config("none")) is None


async def test_setup_stores_new_blobs_with_lz4_and_old_ones_still_read(postgres_url: str, unique_prefix: str) -> None:
    """A table the stock saver made (pglz) is switched to lz4 by our setup; what was written before still
    reads back, and running setup again changes nothing."""
    compression = ("SELECT attrelid::regclass::text AS tbl, attcompression AS c FROM pg_attribute"
                   " WHERE attname = 'blob' AND attrelid IN ('checkpoint_blobs'::regclass,"
                   " 'checkpoint_writes'::regclass) ORDER BY 1")
    big = {"history": [{"role": "user", "content": "투명 페트병은 라벨을 떼고 압착해서 버려요. " * 40}]}
    async with isolated_schema(postgres_url, unique_prefix) as url, open_pool(url, PoolOptions(max_size=2)) as pool:
        stock = AsyncPostgresSaver(pool)  # type: ignore[arg-type]
        await stock.setup()
        before = await _put(stock, "old", big)
        ours = PooledPostgresSaver(pool)
        for _ in range(2):
            await ours.setup()
            async with pool.connection() as conn:
                rows = await (await conn.execute(compression)).fetchall()
            assert [(r["tbl"], r["c"]) for r in rows] == [("checkpoint_blobs", "l"), ("checkpoint_writes", "l")]
        after = await _put(ours, "new", big)
        for thread_id, checkpoint_id in (("old", before), ("new", after)):
            found = await ours.aget_tuple(thread_config(thread_id))
            assert found is not None and found.checkpoint["id"] == checkpoint_id
            assert found.checkpoint["channel_values"]["history"] == big["history"]
