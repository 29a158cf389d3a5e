"""The L2 store: langgraph's AsyncPostgresSaver on a psycopg pool, without its single global lock.

AsyncPostgresSaver guards every operation with one ``asyncio.Lock`` even when it is given a pool, so a
worker runs one checkpoint query at a time (langgraph issue 7259). With a pool each operation checks
out its own connection, so the lock only serialises; this subclass drops it for pools and adds the
operations the stock saver lacks (copy_thread, delete_for_runs) and retention.

Writes are also cheaper: the stock saver hands every write's serialization to a worker thread and
sends a pipeline of statements; here the (small, fast) serialization runs inline and each ``aput`` or
``aput_writes`` is one statement over the same tables, so it is also atomic.
"""

from __future__ import annotations

import functools
import time
import weakref
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import psycopg
import structlog
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    WRITES_IDX_MAP,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    get_serializable_checkpoint_metadata,
)
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from langgraph.checkpoint.serde.base import SerializerProtocol
from psycopg import AsyncConnection, AsyncCursor, sql
from psycopg.rows import DictRow, dict_row
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from eco2.infrastructure.checkpoint import postgres_retention as retention
from eco2.infrastructure.checkpoint.postgres_retention import PruneReport
from eco2.infrastructure.checkpoint.records import split_blob_values
from eco2.infrastructure.persistence.schema_lock import schema_setup_lock

log = structlog.get_logger(__name__)

# Rows go in as one VALUES list of plain parameters per row count, not as unnest() over arrays: psycopg
# dumps array parameters in Python, which cost more than the rest of the statement.
_CHECKPOINT_ROW = """
INSERT INTO checkpoints (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, checkpoint, metadata)
VALUES (%(thread_id)s, %(ns)s, %(checkpoint_id)s, %(parent_id)s, %(checkpoint)s, %(metadata)s)
ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id)
DO UPDATE SET checkpoint = EXCLUDED.checkpoint, metadata = EXCLUDED.metadata
"""


@functools.lru_cache(maxsize=64)
def _put_checkpoint_sql(blob_rows: int) -> str:
    """The blob rows and the checkpoint row in one statement; a data-modifying CTE always runs."""
    if blob_rows == 0:
        return _CHECKPOINT_ROW
    values = ", ".join(
        f"(%(thread_id)s, %(ns)s, %(c{i})s, %(v{i})s, %(t{i})s, %(b{i})s)" for i in range(blob_rows)
    )
    return f"""
WITH blobs AS (
    INSERT INTO checkpoint_blobs (thread_id, checkpoint_ns, channel, version, type, blob)
    VALUES {values}
    ON CONFLICT (thread_id, checkpoint_ns, channel, version) DO NOTHING
)""" + _CHECKPOINT_ROW


@functools.lru_cache(maxsize=64)
def _put_writes_sql(rows: int, upsert: bool) -> str:
    """Special channels (errors, interrupts...) replace their earlier write; ordinary writes keep the first."""
    values = ", ".join(
        f"(%(thread_id)s, %(ns)s, %(checkpoint_id)s, %(task_id)s, %(task_path)s, %(i{i})s, %(c{i})s, %(t{i})s,"
        f" %(b{i})s)"
        for i in range(rows)
    )
    conflict = (
        "DO UPDATE SET channel = EXCLUDED.channel, type = EXCLUDED.type, blob = EXCLUDED.blob"
        if upsert else "DO NOTHING"
    )
    return f"""
INSERT INTO checkpoint_writes
    (thread_id, checkpoint_ns, checkpoint_id, task_id, task_path, idx, channel, type, blob)
VALUES {values}
ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id, task_id, idx) {conflict}
"""


@dataclass(frozen=True)
class PoolOptions:
    """Pool knobs; ``prepare_threshold=None`` disables server-side prepared statements (pgbouncer)."""

    min_size: int = 1
    max_size: int = 10
    timeout_s: float = 5.0
    prepare_threshold: int | None = 5
    health_check: bool = True
    # Like HikariCP's alive-bypass window: a connection used this recently is not checked again.
    check_idle_after_s: float = 1.0
    application_name: str = "eco2-checkpoint"


@asynccontextmanager
async def open_pool(database_url: str, options: PoolOptions) -> AsyncIterator[AsyncConnectionPool]:
    """A pool configured as AsyncPostgresSaver requires: autocommit and dict rows."""
    idle_check = _IdleCheck(options.check_idle_after_s)
    pool: AsyncConnectionPool = AsyncConnectionPool(
        database_url,
        min_size=options.min_size,
        max_size=options.max_size,
        timeout=options.timeout_s,
        open=False,
        check=idle_check.check if options.health_check else None,
        kwargs={
            "autocommit": True,
            "row_factory": dict_row,
            "prepare_threshold": options.prepare_threshold,
            "application_name": options.application_name,
        },
    )
    await pool.open(wait=False)
    try:
        yield pool
    finally:
        await pool.close()


class _IdleCheck:
    """Health-checks a connection on checkout only when it has not been checked out for a while: idle
    ones are those a pooler, firewall or server restart may have dropped. Saves a round trip per
    operation. Timed from the last checkout, not the last return: a pool ``reset`` callback would send
    every returned connection through a worker task, which costs more than the check saves."""

    def __init__(self, idle_after_s: float):
        self._idle_after_s = idle_after_s
        self._taken_at: weakref.WeakKeyDictionary[AsyncConnection[Any], float] = weakref.WeakKeyDictionary()

    async def check(self, conn: AsyncConnection[Any]) -> None:
        now = time.monotonic()
        taken = self._taken_at.get(conn)
        if taken is None or now - taken >= self._idle_after_s:
            await AsyncConnectionPool.check_connection(conn)
        self._taken_at[conn] = now


class PooledPostgresSaver(AsyncPostgresSaver):
    def __init__(self, pool: AsyncConnectionPool, serde: SerializerProtocol | None = None):
        super().__init__(cast(Any, pool), serde=serde)
        self._pool = pool

    @asynccontextmanager
    async def _cursor(self, *, pipeline: bool = False) -> AsyncIterator[AsyncCursor[DictRow]]:
        async with self._pool.connection() as conn:
            if pipeline:
                async with conn.pipeline(), conn.cursor(binary=True, row_factory=dict_row) as cur:
                    yield cur
            else:
                async with conn.cursor(binary=True, row_factory=dict_row) as cur:
                    yield cur

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[AsyncCursor[DictRow]]:
        async with self._pool.connection() as conn:
            typed: AsyncConnection[Any] = conn
            async with typed.transaction(), typed.cursor(row_factory=dict_row) as cur:
                yield cur

    async def setup(self) -> None:
        """Create or migrate the tables; the lock is held on a connection of its own, outside the pool."""
        conninfo = cast(str, self._pool.conninfo)  # open_pool always gives a URL string
        async with await AsyncConnection.connect(conninfo, autocommit=True) as conn, schema_setup_lock(conn):
            await super().setup()
            await _compress_blobs_with_lz4(conn)

    async def aput(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        configurable = config["configurable"]
        thread_id, ns = configurable["thread_id"], configurable["checkpoint_ns"]
        inline, blob_values = split_blob_values(checkpoint)
        rows = self._dump_blobs(
            thread_id, ns, blob_values, {k: v for k, v in new_versions.items() if k in blob_values}
        )
        params: dict[str, Any] = {
            "thread_id": thread_id,
            "ns": ns,
            "checkpoint_id": checkpoint["id"],
            "parent_id": configurable.get("checkpoint_id"),
            "checkpoint": Jsonb(inline),
            "metadata": Jsonb(get_serializable_checkpoint_metadata(config, metadata)),
        }
        for i, (_, _, channel, version, kind, blob) in enumerate(rows):
            params.update({f"c{i}": channel, f"v{i}": version, f"t{i}": kind, f"b{i}": blob})
        async with self._pool.connection() as conn:
            await conn.execute(_put_checkpoint_sql(len(rows)), params, binary=True)
        return {"configurable": {"thread_id": thread_id, "checkpoint_ns": ns, "checkpoint_id": checkpoint["id"]}}

    async def aput_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        configurable = config["configurable"]
        upsert = all(channel in WRITES_IDX_MAP for channel, _ in writes)
        rows = self._dump_writes(configurable["thread_id"], configurable["checkpoint_ns"],
                                 configurable["checkpoint_id"], task_id, task_path, writes)
        if upsert:
            # One statement cannot update a row twice: the last write of a special channel wins.
            rows = list({row[5]: row for row in rows}.values())
        if not rows:
            return
        params: dict[str, Any] = {
            "thread_id": configurable["thread_id"],
            "ns": configurable["checkpoint_ns"],
            "checkpoint_id": configurable["checkpoint_id"],
            "task_id": task_id,
            "task_path": task_path,
        }
        for i, row in enumerate(rows):
            params.update({f"i{i}": row[5], f"c{i}": row[6], f"t{i}": row[7], f"b{i}": row[8]})
        async with self._pool.connection() as conn:
            await conn.execute(_put_writes_sql(len(rows), upsert), params, binary=True)

    async def acopy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        params = {"src": str(source_thread_id), "dst": str(target_thread_id)}
        async with self._transaction() as cur:
            for sql in retention.COPY_THREAD:
                await cur.execute(sql, params)

    async def adelete_for_runs(self, run_ids: Sequence[str]) -> None:
        await self.delete_runs(run_ids)

    async def delete_runs(self, run_ids: Sequence[str]) -> PruneReport:
        """Delete the checkpoints of ``run_ids`` and report the threads touched."""
        if isinstance(run_ids, str):
            raise TypeError("run_ids must be a sequence of run IDs, not a str")
        if not run_ids:
            return PruneReport()
        async with self._transaction() as cur:
            return await retention.delete_runs(cur, [str(r) for r in run_ids])

    async def prune_history(
        self,
        *,
        keep_latest: int | None = None,
        older_than: datetime | None = None,
        idle_since: datetime | None = None,
        thread_ids: Sequence[str] | None = None,
    ) -> PruneReport:
        report = PruneReport()
        async with self._transaction() as cur:
            if idle_since is not None:
                report.merge(await retention.delete_idle_threads(cur, idle_since=idle_since,
                                                                 thread_ids=thread_ids))
            if keep_latest is not None or older_than is not None:
                report.merge(await retention.delete_history(
                    cur, keep_latest=keep_latest, older_than=older_than, thread_ids=thread_ids
                ))
        return report


async def _compress_blobs_with_lz4(conn: AsyncConnection[Any]) -> None:
    """Store new blob values with lz4 instead of the default pglz.

    A 64 KiB conversation state is compressible text; pglz spends about ten times lz4's CPU on it, inside
    every write. Existing values stay as they are (no rewrite), and a server without lz4 (before
    PostgreSQL 14, or built without it) keeps pglz. ALTER only runs when needed: it locks the table.
    """
    if conn.info.server_version < 140000:
        return
    for table in ("checkpoint_blobs", "checkpoint_writes"):
        cur = await conn.execute(
            "SELECT attcompression FROM pg_attribute WHERE attrelid = %s::regclass AND attname = 'blob'", (table,)
        )
        row = await cur.fetchone()
        if row is None or row[0] == "l":
            continue
        try:
            await conn.execute(
                sql.SQL("ALTER TABLE {} ALTER COLUMN blob SET COMPRESSION lz4").format(sql.Identifier(table))
            )
        except psycopg.errors.FeatureNotSupported as exc:
            log.info("checkpoint_blob_compression_kept", table=table, reason=str(exc))
            return


def is_postgres_unavailable(exc: BaseException) -> bool:
    """True for failures that mean "the server cannot be reached", not "the statement is wrong"."""
    if isinstance(exc, PoolTimeout | OSError | TimeoutError):
        return True
    if isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError):
        state = getattr(exc, "sqlstate", None)
        return state is None or state.startswith(("08", "57P"))
    return False
