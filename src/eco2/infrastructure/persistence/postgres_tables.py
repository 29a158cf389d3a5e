"""Table names for the PostgreSQL adapters: optionally schema-qualified, always quoted."""

from __future__ import annotations

from psycopg import sql


def table_name(name: str) -> sql.Composed:
    """``"outbox"`` or ``"schema.outbox"`` as a safely quoted identifier."""
    parts = name.split(".")
    if not 1 <= len(parts) <= 2 or not all(parts):
        raise ValueError(f"invalid table name: {name!r}")
    return sql.SQL(".").join(sql.Identifier(part) for part in parts)


def schema_of(name: str) -> str | None:
    return name.split(".")[0] if "." in name else None
