"""One process at a time creates or migrates eco2's PostgreSQL tables.

Processes started together (an API and its workers) all run their setup at once, and concurrent
``CREATE TABLE IF NOT EXISTS`` statements can still collide in the catalog ("duplicate key ... pg_type").
Waiters poll with ``pg_try_advisory_lock`` rather than block in ``pg_advisory_lock``: a blocked statement
is an open transaction, and ``CREATE INDEX CONCURRENTLY`` in the holder's migration would wait for it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import tuple_row

_LOCK_NAME = "eco2:schema-setup"


@asynccontextmanager
async def schema_setup_lock(conn: AsyncConnection[Any]) -> AsyncIterator[None]:
    """Hold the setup lock on ``conn`` (an autocommit connection) while the block runs."""
    while not await _try_lock(conn):
        await asyncio.sleep(0.05)
    try:
        yield
    finally:
        await conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (_LOCK_NAME,))


async def _try_lock(conn: AsyncConnection[Any]) -> bool:
    async with conn.cursor(row_factory=tuple_row) as cur:
        await cur.execute("SELECT pg_try_advisory_lock(hashtext(%s))", (_LOCK_NAME,))
        row = await cur.fetchone()
    return bool(row and row[0])
