"""The outbox in SQLite, for embedded mode (one file under the data directory)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

from eco2.domain.events import DomainEvent
from eco2.infrastructure.events.domain_event_codec import decode_event, encode_event
from eco2.infrastructure.events.outbox import EventOutbox, Publish
from eco2.infrastructure.persistence.sqlite_connection import connect


class SqliteOutbox(EventOutbox):
    def __init__(self, path: Path):
        self._path = path
        self._lock = asyncio.Lock()

    async def setup(self) -> None:
        await asyncio.to_thread(self._setup)

    async def add(self, event: DomainEvent) -> None:
        fields = json.dumps(encode_event(event), ensure_ascii=False)
        await asyncio.to_thread(
            self._run,
            "INSERT OR IGNORE INTO outbox (event_id, fields) VALUES (?, ?)",
            (event.event_id, fields),
        )

    async def count(self) -> int:
        rows = await asyncio.to_thread(self._query, "SELECT count(*) FROM outbox", ())
        return int(rows[0][0])

    async def drain(self, publish: Publish, limit: int = 500) -> int:
        async with self._lock:
            rows = await asyncio.to_thread(
                self._query, "SELECT id, fields FROM outbox ORDER BY id LIMIT ?", (limit,)
            )
            done: list[int] = []
            try:
                for row_id, fields in rows:
                    await publish(decode_event(json.loads(fields)))
                    done.append(row_id)
            finally:
                if done:
                    await asyncio.to_thread(self._delete, done)
            return len(done)

    def _setup(self) -> None:
        with connect(self._path) as conn:
            conn.executescript(_SCHEMA)

    def _run(self, statement: str, params: tuple[object, ...] = ()) -> None:
        with connect(self._path) as conn:
            conn.execute(statement, params)

    def _query(self, statement: str, params: tuple[object, ...]) -> list[sqlite3.Row]:
        with connect(self._path) as conn:
            return conn.execute(statement, params).fetchall()

    def _delete(self, ids: list[int]) -> None:
        with connect(self._path) as conn:
            conn.executemany("DELETE FROM outbox WHERE id = ?", [(i,) for i in ids])


_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    fields TEXT NOT NULL,
    created_at REAL NOT NULL DEFAULT ((julianday('now') - 2440587.5) * 86400.0)
);
"""
