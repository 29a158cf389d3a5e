"""Reads a job's progress stream for SSE and the CLI: replay from an id, then follow live.

A client that dropped its connection passes the last entry id it saw and loses nothing that the
stream still holds. Redis going away mid-stream is survived: the reader backs off, reconnects and
continues from the last id it yielded.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import structlog
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from eco2.infrastructure.events.redis_progress_notifier import TERMINAL_EVENTS, stream_key

log = structlog.get_logger(__name__)

ProgressEntry = tuple[str, dict[str, Any]]


class ProgressStreamReader:
    def __init__(self, redis: Redis, *, prefix: str = "chat:events", retry_max_s: float = 1.0):
        """``redis`` must allow blocking reads: no socket timeout shorter than ``block_ms``."""
        self._redis = redis
        self._prefix = prefix
        self._retry_max_s = retry_max_s

    async def read(
        self, job_id: str, after: str = "0-0", block_ms: int = 5000
    ) -> AsyncIterator[ProgressEntry]:
        """Yield ``(entry_id, event)`` after ``after`` until the job's terminal event (done/error)."""
        key = stream_key(self._prefix, job_id)
        last_id = after
        backoff = 0.05
        while True:
            try:
                response: Any = await self._redis.xread({key: last_id}, count=500, block=block_ms)
            except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
                log.warning("progress_read_retry", job_id=job_id, last_id=last_id, error=repr(exc))
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self._retry_max_s)
                continue
            backoff = 0.05
            for _stream, entries in response or []:
                for raw_id, fields in entries:
                    last_id = _text(raw_id)
                    event = decode_event(fields)
                    yield last_id, event
                    if event["event_type"] in TERMINAL_EVENTS:
                        return

    async def last_id(self, job_id: str) -> str:
        """The newest entry id ("0-0" for an empty stream): read ``after`` it to see only what comes next."""
        entries: Any = await self._redis.xrevrange(stream_key(self._prefix, job_id), count=1)
        return _text(entries[0][0]) if entries else "0-0"

    async def history(self, job_id: str) -> list[dict[str, Any]]:
        """Every event the stream still holds for the job, oldest first (no waiting)."""
        entries: Any = await self._redis.xrange(stream_key(self._prefix, job_id))
        return [decode_event(fields) for _id, fields in entries]


def decode_event(fields: dict[Any, Any]) -> dict[str, Any]:
    values = {_text(k): _text(v) for k, v in fields.items()}
    return {
        "event_type": values["event_type"],
        "seq": int(values["seq"]),
        "ts": float(values["ts"]),
        "payload": json.loads(values["payload"]),
    }


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
