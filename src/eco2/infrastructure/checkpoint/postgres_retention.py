"""Retention for the PostgreSQL checkpoint tables: keep the newest N, drop old history, drop idle threads.

Every deletion also removes the deleted checkpoints' pending writes and the blobs no remaining
checkpoint of the thread refers to, and unlinks kept checkpoints from deleted parents. The newest
checkpoint of a namespace is only removed with its whole thread (thread TTL), so a conversation keeps
its current state when its history is trimmed. Threads using DeltaChannel need their full chain and
must not be trimmed; eco2's graph does not use DeltaChannel.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from psycopg import AsyncCursor
from psycopg.rows import DictRow

_DELETE_HISTORY = """
WITH ranked AS (
    SELECT thread_id, checkpoint_ns, checkpoint_id,
           (checkpoint ->> 'ts')::timestamptz AS ts,
           row_number() OVER (PARTITION BY thread_id, checkpoint_ns ORDER BY checkpoint_id DESC) AS rn
    FROM checkpoints
    WHERE %(threads)s::text[] IS NULL OR thread_id = ANY(%(threads)s::text[])
)
DELETE FROM checkpoints c USING ranked r
WHERE c.thread_id = r.thread_id AND c.checkpoint_ns = r.checkpoint_ns AND c.checkpoint_id = r.checkpoint_id
  AND r.rn > 1
  AND (r.rn > %(keep)s OR r.ts < %(cutoff)s::timestamptz)
RETURNING c.thread_id, c.checkpoint_ns, c.checkpoint_id
"""

_IDLE_THREADS = """
SELECT thread_id FROM checkpoints
WHERE %(threads)s::text[] IS NULL OR thread_id = ANY(%(threads)s::text[])
GROUP BY thread_id
HAVING max((checkpoint ->> 'ts')::timestamptz) < %(cutoff)s::timestamptz
"""

_DELETE_RUNS = """
DELETE FROM checkpoints WHERE metadata ->> 'run_id' = ANY(%s::text[])
RETURNING thread_id, checkpoint_ns, checkpoint_id
"""

_DELETE_WRITES_OF = """
DELETE FROM checkpoint_writes w
USING unnest(%s::text[], %s::text[], %s::text[]) AS d(thread_id, checkpoint_ns, checkpoint_id)
WHERE w.thread_id = d.thread_id AND w.checkpoint_ns = d.checkpoint_ns AND w.checkpoint_id = d.checkpoint_id
"""

_DELETE_ORPHAN_BLOBS = """
DELETE FROM checkpoint_blobs b
WHERE b.thread_id = ANY(%s::text[]) AND NOT EXISTS (
    SELECT 1 FROM checkpoints c
    WHERE c.thread_id = b.thread_id AND c.checkpoint_ns = b.checkpoint_ns
      AND c.checkpoint -> 'channel_versions' ->> b.channel = b.version
)
"""

_UNLINK_PARENTS = """
UPDATE checkpoints c SET parent_checkpoint_id = NULL
WHERE c.thread_id = ANY(%s::text[]) AND c.parent_checkpoint_id IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM checkpoints p
    WHERE p.thread_id = c.thread_id AND p.checkpoint_ns = c.checkpoint_ns
      AND p.checkpoint_id = c.parent_checkpoint_id
)
"""

DELETE_THREADS = (
    "DELETE FROM checkpoints WHERE thread_id = ANY(%s::text[])",
    "DELETE FROM checkpoint_blobs WHERE thread_id = ANY(%s::text[])",
    "DELETE FROM checkpoint_writes WHERE thread_id = ANY(%s::text[])",
)

COPY_THREAD = (
    """INSERT INTO checkpoints
         (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint, metadata)
       SELECT %(dst)s, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint, metadata
       FROM checkpoints WHERE thread_id = %(src)s ON CONFLICT DO NOTHING""",
    """INSERT INTO checkpoint_blobs (thread_id, checkpoint_ns, channel, version, type, blob)
       SELECT %(dst)s, checkpoint_ns, channel, version, type, blob
       FROM checkpoint_blobs WHERE thread_id = %(src)s ON CONFLICT DO NOTHING""",
    """INSERT INTO checkpoint_writes
         (thread_id, checkpoint_ns, checkpoint_id, task_id, task_path, idx, channel, type, blob)
       SELECT %(dst)s, checkpoint_ns, checkpoint_id, task_id, task_path, idx, channel, type, blob
       FROM checkpoint_writes WHERE thread_id = %(src)s ON CONFLICT DO NOTHING""",
)


@dataclass
class PruneReport:
    """What a retention pass removed; ``threads`` lists every thread it touched."""

    checkpoints_deleted: int = 0
    threads_deleted: list[str] = field(default_factory=list)
    threads: set[str] = field(default_factory=set)

    def merge(self, other: PruneReport) -> None:
        self.checkpoints_deleted += other.checkpoints_deleted
        self.threads_deleted.extend(other.threads_deleted)
        self.threads |= other.threads


async def delete_history(
    cur: AsyncCursor[DictRow],
    *,
    keep_latest: int | None,
    older_than: datetime | None,
    thread_ids: Sequence[str] | None = None,
) -> PruneReport:
    """Delete all but the newest ``keep_latest`` checkpoints and those older than ``older_than``."""
    if keep_latest is not None and keep_latest < 1:
        raise ValueError("keep_latest must be at least 1 (the newest checkpoint is always kept)")
    params: dict[str, Any] = {
        "threads": list(thread_ids) if thread_ids is not None else None,
        "keep": keep_latest if keep_latest is not None else 2**31 - 1,
        "cutoff": older_than,
    }
    await cur.execute(_DELETE_HISTORY, params, prepare=False)
    return await _clean_after_delete(cur, await cur.fetchall())


async def delete_idle_threads(
    cur: AsyncCursor[DictRow], *, idle_since: datetime, thread_ids: Sequence[str] | None = None
) -> PruneReport:
    """Delete every thread whose newest checkpoint is older than ``idle_since``."""
    await cur.execute(_IDLE_THREADS, {"threads": list(thread_ids) if thread_ids is not None else None,
                                      "cutoff": idle_since}, prepare=False)
    idle = [row["thread_id"] for row in await cur.fetchall()]
    report = PruneReport(threads_deleted=idle, threads=set(idle))
    if idle:
        await cur.execute("SELECT count(*) AS n FROM checkpoints WHERE thread_id = ANY(%s::text[])", (idle,))
        row = await cur.fetchone()
        report.checkpoints_deleted = int(row["n"]) if row else 0
        for sql in DELETE_THREADS:
            await cur.execute(sql, (idle,), prepare=False)
    return report


async def delete_runs(cur: AsyncCursor[DictRow], run_ids: Sequence[str]) -> PruneReport:
    await cur.execute(_DELETE_RUNS, (list(run_ids),), prepare=False)
    return await _clean_after_delete(cur, await cur.fetchall())


async def _clean_after_delete(cur: AsyncCursor[DictRow], deleted: list[DictRow]) -> PruneReport:
    threads = sorted({row["thread_id"] for row in deleted})
    if deleted:
        await cur.execute(
            _DELETE_WRITES_OF,
            ([r["thread_id"] for r in deleted], [r["checkpoint_ns"] for r in deleted],
             [r["checkpoint_id"] for r in deleted]),
            prepare=False,
        )
        await cur.execute(_DELETE_ORPHAN_BLOBS, (threads,), prepare=False)
        await cur.execute(_UNLINK_PARENTS, (threads,), prepare=False)
    return PruneReport(checkpoints_deleted=len(deleted), threads=set(threads))
