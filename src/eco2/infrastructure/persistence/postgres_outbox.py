"""The outbox in PostgreSQL. One relay at a time (advisory lock), so events leave in insertion order."""

from __future__ import annotations

from psycopg import sql
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from eco2.domain.events import DomainEvent
from eco2.infrastructure.events.domain_event_codec import decode_event, encode_event
from eco2.infrastructure.events.outbox import EventOutbox, Publish
from eco2.infrastructure.persistence.postgres_tables import schema_of, table_name
from eco2.infrastructure.persistence.schema_lock import schema_setup_lock


class PostgresOutbox(EventOutbox):
    def __init__(self, pool: AsyncConnectionPool, table: str = "outbox"):
        self._pool = pool
        self._table = table_name(table)
        self._schema = schema_of(table)
        self._lock_key = f"eco2:{table}"

    async def setup(self) -> None:
        async with self._pool.connection() as conn, schema_setup_lock(conn):
            if self._schema:
                await conn.execute(
                    sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(self._schema))
                )
            await conn.execute(
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {} ("
                    " id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
                    " event_id TEXT NOT NULL UNIQUE,"
                    " fields JSONB NOT NULL,"
                    " created_at TIMESTAMPTZ NOT NULL DEFAULT now())"
                ).format(self._table)
            )

    async def add(self, event: DomainEvent) -> None:
        async with self._pool.connection() as conn:
            await conn.execute(
                sql.SQL(
                    "INSERT INTO {} (event_id, fields) VALUES (%s, %s) ON CONFLICT (event_id) DO NOTHING"
                ).format(self._table),
                (event.event_id, Jsonb(encode_event(event))),
            )

    async def count(self) -> int:
        async with self._pool.connection() as conn:
            cur = await conn.execute(sql.SQL("SELECT count(*) FROM {}").format(self._table))
            row = await cur.fetchone()
            return int(row[0]) if row else 0

    async def drain(self, publish: Publish, limit: int = 500) -> int:
        done: list[int] = []
        failure: Exception | None = None
        async with self._pool.connection() as conn, conn.transaction():
            cur = await conn.execute("SELECT pg_try_advisory_xact_lock(hashtext(%s))", (self._lock_key,))
            locked = await cur.fetchone()
            if not locked or not locked[0]:
                return 0
            cur = await conn.execute(
                sql.SQL("SELECT id, fields FROM {} ORDER BY id LIMIT %s").format(self._table), (limit,)
            )
            rows = await cur.fetchall()
            for row_id, fields in rows:
                try:
                    await publish(decode_event(fields))
                except Exception as exc:  # keep what was published, then report the failure
                    failure = exc
                    break
                done.append(row_id)
            if done:
                await conn.execute(sql.SQL("DELETE FROM {} WHERE id = ANY(%s)").format(self._table), (done,))
        if failure is not None:
            raise failure
        return len(done)
