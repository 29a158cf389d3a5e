"""Prometheus metrics of the service, and the ``GET /metrics`` route that exposes them.

Counters live in the process that does the work: the API process counts what it serves, each worker
what it runs (``eco2 worker --metrics-port`` exposes a worker's own registry); ``eco2 serve`` has both.
Queue depth is read from the broker at scrape time, so any process reports the shared value.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

JOBS = Counter("eco2_jobs_total", "Chat jobs that ended, by outcome", ["outcome"])
JOB_SECONDS = Histogram(
    "eco2_job_seconds", "Wall time of one job run", buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)
)
STAGE_SECONDS = Histogram(
    "eco2_stage_seconds",
    "Time from a stage's start to its end, per stage",
    ["stage"],
    buckets=(0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
TOKENS = Counter("eco2_tokens_streamed_total", "Answer tokens streamed to clients' event streams")
JOB_REDELIVERIES = Counter("eco2_job_redeliveries_total", "Jobs run again after a worker died mid-job")
QUEUE_DEPTH = Gauge("eco2_queue_depth", "Jobs waiting for or held by a worker (queue backlog)")
HTTP_ERRORS = Counter("eco2_http_errors_total", "Error responses sent, by code", ["code"])

QueueDepth = Callable[[], Awaitable[int | None]]


def metrics_router(queue_depth: QueueDepth) -> APIRouter:
    router = APIRouter()

    @router.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        depth = await queue_depth()
        if depth is not None:
            QUEUE_DEPTH.set(depth)
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router
