"""PlaceStore in an embedded SQLite file (no server needed; the default under ECO2_DATA_DIR)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

from eco2.servers.location.places import Place
from eco2.servers.location.search import NearbyQuery, NearbyResult, nearby_result, nearby_statement
from eco2.servers.location.store import PlaceStore
from eco2.servers.location.store_schema import INDEX_COLUMNS, WRITE_COLUMNS, place_row, table_ddl

_TABLE = "places"


class SqlitePlaceStore(PlaceStore):
    """One connection guarded by a lock: calls come from worker threads (asyncio.to_thread)."""

    def __init__(self, path: Path | str):
        if isinstance(path, Path):
            path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(str(path), check_same_thread=False)
        self._lock = threading.Lock()
        with self._lock:
            self._conn.execute("PRAGMA journal_mode=WAL")

    def ensure_schema(self) -> None:
        with self._lock, self._conn:
            self._conn.execute(table_ddl(_TABLE, "REAL"))
            self._conn.execute(
                f"CREATE INDEX IF NOT EXISTS {_TABLE}_nearby ON {_TABLE} ({INDEX_COLUMNS})"
            )

    def upsert(self, places: Sequence[Place]) -> int:
        columns = ", ".join(WRITE_COLUMNS)
        updates = ", ".join(f"{c} = excluded.{c}" for c in WRITE_COLUMNS[1:])
        statement = (f"INSERT INTO {_TABLE} ({columns}) VALUES ({', '.join('?' * len(WRITE_COLUMNS))}) "
                     f"ON CONFLICT(id) DO UPDATE SET {updates}")
        with self._lock, self._conn:
            self._conn.executemany(statement, [place_row(p) for p in places])
        return len(places)

    def refresh_statistics(self) -> None:
        with self._lock:
            self._conn.execute(f"ANALYZE {_TABLE}")

    def nearby(self, query: NearbyQuery) -> NearbyResult:
        statement, params = nearby_statement(_TABLE, query, "?")
        with self._lock:
            rows = self._conn.execute(statement, params).fetchall()
        return nearby_result(rows)

    def count(self) -> int:
        with self._lock:
            return int(self._conn.execute(f"SELECT count(*) FROM {_TABLE}").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._conn.close()

