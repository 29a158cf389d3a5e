"""The L2 store: langgraph's AsyncPostgresSaver on a psycopg pool, without its single global lock.

AsyncPostgresSaver guards every operation with one ``asyncio.Lock`` even when it is given a pool, so a
worker runs one checkpoint query at a time (langgraph issue 7259). With a pool each operation checks
out its own connection, so the lock only serialises; this subclass drops it for pools and adds the
operations the stock saver lacks (copy_thread, delete_for_runs) and retention.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import psycopg
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from langgraph.checkpoint.serde.base import SerializerProtocol
from psycopg import AsyncConnection, AsyncCursor
from psycopg.rows import DictRow, dict_row
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from eco2.infrastructure.checkpoint import postgres_retention as retention
from eco2.infrastructure.checkpoint.postgres_retention import PruneReport


@dataclass(frozen=True)
class PoolOptions:
    """Pool knobs; ``prepare_threshold=None`` disables server-side prepared statements (pgbouncer)."""

    min_size: int = 1
    max_size: int = 10
    timeout_s: float = 5.0
    prepare_threshold: int | None = 5
    health_check: bool = True
    application_name: str = "eco2-checkpoint"


@asynccontextmanager
async def open_pool(database_url: str, options: PoolOptions) -> AsyncIterator[AsyncConnectionPool]:
    """A pool configured as AsyncPostgresSaver requires: autocommit and dict rows."""
    pool: AsyncConnectionPool = AsyncConnectionPool(
        database_url,
        min_size=options.min_size,
        max_size=options.max_size,
        timeout=options.timeout_s,
        open=False,
        check=AsyncConnectionPool.check_connection if options.health_check else None,
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


def is_postgres_unavailable(exc: BaseException) -> bool:
    """True for failures that mean "the server cannot be reached", not "the statement is wrong"."""
    if isinstance(exc, PoolTimeout | OSError | TimeoutError):
        return True
    if isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError):
        state = getattr(exc, "sqlstate", None)
        return state is None or state.startswith(("08", "57P"))
    return False
