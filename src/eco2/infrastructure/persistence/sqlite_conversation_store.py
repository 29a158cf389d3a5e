"""Conversation history in SQLite (embedded mode). One row per job: a redelivered event is a no-op."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from eco2.application.ports.conversations import (
    ConversationStorePort,
    ConversationTurn,
    SessionPage,
    SessionSummary,
)
from eco2.application.services.session_cursor import decode_cursor, encode_cursor
from eco2.infrastructure.persistence.sqlite_connection import connect

_COLUMNS = (
    "session_id, job_id, event_id, user_message, answer, intent, category, item, started_at, completed_at"
)

_PLACEHOLDERS = ", ".join("?" * 10)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversation_turns (
    job_id TEXT PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE,
    session_id TEXT NOT NULL,
    user_message TEXT NOT NULL,
    answer TEXT NOT NULL,
    intent TEXT,
    category TEXT,
    item TEXT,
    started_at REAL NOT NULL,
    completed_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS conversation_turns_session ON conversation_turns (session_id, completed_at);
"""

_LIST = """
SELECT session_id, count(*), min(started_at), max(completed_at),
       (SELECT user_message FROM conversation_turns t2 WHERE t2.session_id = t.session_id
        ORDER BY completed_at DESC LIMIT 1)
FROM conversation_turns t
GROUP BY session_id
HAVING ? IS NULL OR (max(completed_at), session_id) < (?, ?)
ORDER BY max(completed_at) DESC, session_id DESC
LIMIT ?
"""


class SqliteConversationStore(ConversationStorePort):
    def __init__(self, path: Path):
        self._path = path

    async def setup(self) -> None:
        await asyncio.to_thread(self._setup)

    async def save_turn(self, turn: ConversationTurn) -> bool:
        return await asyncio.to_thread(self._save, turn)

    async def list_sessions(self, limit: int = 20, cursor: str | None = None) -> SessionPage:
        position = decode_cursor(cursor) if cursor else None
        rows = await asyncio.to_thread(self._list, limit, position)
        sessions = [SessionSummary(r[0], int(r[1]), float(r[2]), float(r[3]), r[4]) for r in rows]
        has_more = len(sessions) > limit
        sessions = sessions[:limit]
        next_cursor = encode_cursor(sessions[-1].last_at, sessions[-1].session_id) if has_more else None
        return SessionPage(sessions, next_cursor)

    async def get_history(self, session_id: str, limit: int = 100) -> list[ConversationTurn]:
        rows = await asyncio.to_thread(self._history, session_id, limit)
        return [ConversationTurn(*row) for row in reversed(rows)]

    async def delete_session(self, session_id: str) -> int:
        return await asyncio.to_thread(self._delete, session_id)

    def _setup(self) -> None:
        with connect(self._path) as conn:
            conn.executescript(_SCHEMA)

    def _save(self, turn: ConversationTurn) -> bool:
        with connect(self._path) as conn:
            cur = conn.execute(
                f"INSERT OR IGNORE INTO conversation_turns ({_COLUMNS}) VALUES ({_PLACEHOLDERS})",
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

    def _list(self, limit: int, position: tuple[float, str] | None) -> list[sqlite3.Row]:
        last_at, session_id = position if position else (None, None)
        with connect(self._path) as conn:
            return conn.execute(_LIST, (last_at, last_at, session_id, limit + 1)).fetchall()

    def _history(self, session_id: str, limit: int) -> list[sqlite3.Row]:
        with connect(self._path) as conn:
            return conn.execute(
                f"SELECT {_COLUMNS} FROM conversation_turns WHERE session_id = ? "
                "ORDER BY completed_at DESC, job_id DESC LIMIT ?",
                (session_id, limit),
            ).fetchall()

    def _delete(self, session_id: str) -> int:
        with connect(self._path) as conn:
            return conn.execute("DELETE FROM conversation_turns WHERE session_id = ?", (session_id,)).rowcount
