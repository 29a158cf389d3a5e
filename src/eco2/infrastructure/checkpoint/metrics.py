"""Prometheus counters for the checkpoint cache, its fallbacks and its replay queue."""

from __future__ import annotations

from prometheus_client import Counter

L1_FAILURES = Counter(
    "eco2_checkpoint_l1_failures_total",
    "Checkpoint operations whose Redis L1 step failed or was skipped while Redis was down (served by L2)",
    ["op"],
)
L1_LOOKUPS = Counter(
    "eco2_checkpoint_l1_lookups_total", "Checkpoint reads answered by the L1 cache or not", ["result"]
)
# Resolved once: the lookup counters move on every read.
L1_HITS = L1_LOOKUPS.labels(result="hit")
L1_MISSES = L1_LOOKUPS.labels(result="miss")
L1_CORRUPT = Counter(
    "eco2_checkpoint_l1_corrupt_total", "L1 entries that failed to decode and were dropped"
)
L2_FAILURES = Counter(
    "eco2_checkpoint_l2_failures_total",
    "Checkpoint operations whose PostgreSQL L2 step failed because the store was unavailable",
    ["op"],
)
REPLAY_QUEUED = Counter(
    "eco2_checkpoint_replay_queued_total", "Writes queued in Redis while PostgreSQL was unavailable"
)
REPLAYED = Counter("eco2_checkpoint_replayed_total", "Queued writes replayed into PostgreSQL")
