"""Conversation history in PostgreSQL. One row per job: a redelivered event is a no-op."""

from __future__ import annotations

from psycopg import sql
from psycopg_pool import AsyncConnectionPool

from eco2.application.ports.conversations import (
    ConversationStorePort,
    ConversationTurn,
    SessionPage,
    SessionSummary,
)
from eco2.application.services.session_cursor import decode_cursor, encode_cursor
from eco2.infrastructure.persistence.postgres_tables import schema_of, table_name
from eco2.infrastructure.persistence.schema_lock import schema_setup_lock

_COLUMNS = sql.SQL(
    "session_id, job_id, event_id, user_message, answer, intent, category, item, started_at, completed_at"
)


class PostgresConversationStore(ConversationStorePort):
    def __init__(self, pool: AsyncConnectionPool, table: str = "conversation_turns"):
        self._pool = pool
        self._table = table_name(table)
        self._schema = schema_of(table)
        self._index = sql.Identifier(f"{table.split('.')[-1]}_session")

    async def setup(self) -> None:
        async with self._pool.connection() as conn, schema_setup_lock(conn):
            if self._schema:
                await conn.execute(
                    sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(self._schema))
                )
            await conn.execute(
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {} ("
                    " job_id TEXT PRIMARY KEY, event_id TEXT NOT NULL UNIQUE, session_id TEXT NOT NULL,"
                    " user_message TEXT NOT NULL, answer TEXT NOT NULL,"
                    " intent TEXT, category TEXT, item TEXT,"
                    " started_at DOUBLE PRECISION NOT NULL, completed_at DOUBLE PRECISION NOT NULL)"
                ).format(self._table)
            )
            await conn.execute(
                sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} (session_id, completed_at)").format(
                    self._index, self._table
                )
            )

    async def save_turn(self, turn: ConversationTurn) -> bool:
        async with self._pool.connection() as conn:
            cur = await conn.execute(
                sql.SQL(
                    "INSERT INTO {} ({}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
                    " ON CONFLICT DO NOTHING"
                ).format(self._table, _COLUMNS),
                (
                    turn.session_id,
                    turn.job_id,
                    turn.event_id,
                    turn.user_message,
                    turn.answer,
                    turn.intent,
                    turn.category,
                    turn.item,
                    turn.started_at,
                    turn.completed_at,
                ),
            )
            return cur.rowcount == 1

    async def list_sessions(self, limit: int = 20, cursor: str | None = None) -> SessionPage:
        last_at, session_id = decode_cursor(cursor) if cursor else (None, None)
        query = sql.SQL(
            "SELECT session_id, count(*), min(started_at), max(completed_at),"
            " (array_agg(user_message ORDER BY completed_at DESC))[1]"
            " FROM {} GROUP BY session_id"
            " HAVING %s::float8 IS NULL OR (max(completed_at), session_id) < (%s::float8, %s::text)"
            " ORDER BY max(completed_at) DESC, session_id DESC LIMIT %s"
        ).format(self._table)
        async with self._pool.connection() as conn:
            cur = await conn.execute(query, (last_at, last_at, session_id, limit + 1))
            rows = await cur.fetchall()
        sessions = [SessionSummary(r[0], int(r[1]), float(r[2]), float(r[3]), r[4]) for r in rows]
        has_more = len(sessions) > limit
        sessions = sessions[:limit]
        next_cursor = encode_cursor(sessions[-1].last_at, sessions[-1].session_id) if has_more else None
        return SessionPage(sessions, next_cursor)

    async def get_history(self, session_id: str, limit: int = 100) -> list[ConversationTurn]:
        async with self._pool.connection() as conn:
            cur = await conn.execute(
                sql.SQL(
                    "SELECT {} FROM {} WHERE session_id = %s ORDER BY completed_at DESC, job_id DESC LIMIT %s"
                ).format(_COLUMNS, self._table),
                (session_id, limit),
            )
            rows = await cur.fetchall()
        return [ConversationTurn(*row) for row in reversed(rows)]

    async def delete_session(self, session_id: str) -> int:
        async with self._pool.connection() as conn:
            cur = await conn.execute(
                sql.SQL("DELETE FROM {} WHERE session_id = %s").format(self._table), (session_id,)
            )
            return cur.rowcount
