"""PlaceStore in PostgreSQL (ECO2_DATABASE_URL), through a small psycopg connection pool."""

from __future__ import annotations

from collections.abc import Sequence

from psycopg import sql
from psycopg_pool import ConnectionPool

from eco2.servers.location.places import Place
from eco2.servers.location.search import NearbyQuery, NearbyResult, nearby_result, nearby_statement
from eco2.servers.location.store import PlaceStore
from eco2.servers.location.store_schema import INDEX_COLUMNS, WRITE_COLUMNS, place_row, table_ddl


class PostgresPlaceStore(PlaceStore):
    """``schema`` (created if missing) and ``table`` let tests and deployments keep places apart."""

    def __init__(self, url: str, *, schema: str = "public", table: str = "eco2_places", max_size: int = 4):
        self._schema = sql.Identifier(schema)
        self._table = sql.Identifier(schema, table)
        self._index = sql.Identifier(f"{table}_nearby")
        self._pool = ConnectionPool(
            url, min_size=1, max_size=max_size, open=True, kwargs={"autocommit": True}
        )
        self._pool.wait()

    def ensure_schema(self) -> None:
        with self._pool.connection() as conn:
            conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(self._schema))
            conn.execute(sql.SQL(table_ddl("{}", "DOUBLE PRECISION")).format(self._table))
            conn.execute(
                sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} (" + INDEX_COLUMNS + ")").format(
                    self._index, self._table
                )
            )

    def upsert(self, places: Sequence[Place]) -> int:
        statement = sql.SQL("INSERT INTO {} ({}) VALUES ({}) ON CONFLICT (id) DO UPDATE SET {}").format(
            self._table,
            sql.SQL(", ").join(map(sql.Identifier, WRITE_COLUMNS)),
            sql.SQL(", ").join(sql.Placeholder() * len(WRITE_COLUMNS)),
            sql.SQL(", ").join(
                sql.SQL("{} = excluded.{}").format(sql.Identifier(c), sql.Identifier(c)) for c in WRITE_COLUMNS[1:]
            ),
        )
        with self._pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            cur.executemany(statement, [place_row(p) for p in places])
        return len(places)

    def refresh_statistics(self) -> None:
        with self._pool.connection() as conn:
            conn.execute(sql.SQL("VACUUM ANALYZE {}").format(self._table))

    def nearby(self, query: NearbyQuery) -> NearbyResult:
        with self._pool.connection() as conn:
            statement, params = nearby_statement(self._table.as_string(conn), query, "%s")
            rows = conn.execute(statement.encode(), params).fetchall()
        return nearby_result(rows)

    def count(self) -> int:
        with self._pool.connection() as conn:
            row = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(self._table)).fetchone()
        return int(row[0]) if row else 0

    def close(self) -> None:
        self._pool.close()
