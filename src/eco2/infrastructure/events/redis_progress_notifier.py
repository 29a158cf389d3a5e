"""Progress events on a per-job Redis stream (seed §2.3): ordered, batched, best-effort.

Every entry gets its ``seq`` from a per-job counter inside the same Lua call that appends it, so the
sequence stays monotonic even when several processes publish to one job (a resumed job runs elsewhere).
Tokens are buffered and written in one round trip per batch; any other event first flushes the job's
buffer so the stream keeps call order. Redis trouble never fails the chat: the batch is dropped,
counted and logged, and further attempts pause for a short cool-down.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import structlog
from prometheus_client import Counter
from redis.asyncio import Redis
from redis.exceptions import RedisError

from eco2.application.ports.progress import ProgressNotifierPort

log = structlog.get_logger(__name__)

PUBLISH_FAILURES = Counter(
    "eco2_event_publish_failures_total", "Progress events dropped because Redis did not take them", ["kind"]
)

TERMINAL_EVENTS = frozenset({"done", "error"})

# KEYS: stream, counter. ARGV: ttl, maxlen, then (event_type, ts, payload) per entry.
_APPEND = """
local ids = {}
for i = 3, #ARGV, 3 do
  local seq = redis.call('INCR', KEYS[2])
  ids[#ids + 1] = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*',
    'event_type', ARGV[i], 'seq', seq, 'ts', ARGV[i + 1], 'payload', ARGV[i + 2])
end
redis.call('EXPIRE', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[2], ARGV[1])
return ids
"""


def stream_key(prefix: str, job_id: str) -> str:
    return f"{prefix}:{job_id}"


class RedisProgressNotifier(ProgressNotifierPort):
    def __init__(
        self,
        redis: Redis,
        *,
        prefix: str = "chat:events",
        maxlen: int = 10_000,
        ttl_s: int = 86_400,
        token_batch_size: int = 64,
        token_flush_ms: float = 5.0,
        publish_timeout_s: float = 0.5,
        cooldown_s: float = 2.0,
    ):
        self._redis = redis
        self._prefix = prefix
        self._maxlen = maxlen
        self._ttl_s = ttl_s
        self._batch_size = max(1, token_batch_size)
        self._flush_s = token_flush_ms / 1000
        self._timeout_s = publish_timeout_s
        self._cooldown_s = cooldown_s
        self._script = redis.register_script(_APPEND)
        self._pending: dict[str, list[tuple[str, str, str]]] = {}
        self._lock = asyncio.Lock()
        self._timer: asyncio.TimerHandle | None = None
        self._flushes: set[asyncio.Task[None]] = set()
        self._paused_until = 0.0

    async def notify_stage(
        self,
        task_id: str,
        stage: str,
        status: str,
        progress: int | None = None,
        result: dict[str, Any] | None = None,
        message: str | None = None,
    ) -> str:
        payload = {
            "stage": stage,
            "status": status,
            "progress": progress,
            "result": result,
            "message": message,
        }
        return await self._publish_now(task_id, "stage", payload)

    async def notify_token(self, task_id: str, content: str) -> str:
        """Buffer the token; it is written within ``token_flush_ms``. Returns "" (no id yet)."""
        buffer = self._pending.setdefault(task_id, [])
        buffer.append(_entry("token", {"content": content}))
        if len(buffer) >= self._batch_size:
            await self.flush(task_id)
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self._flush_s, self._flush_soon)
        return ""

    async def notify_needs_input(self, task_id: str, input_type: str, message: str, timeout: int) -> str:
        payload = {"input_type": input_type, "message": message, "timeout": timeout}
        return await self._publish_now(task_id, "needs_input", payload)

    async def notify_done(self, task_id: str, result: dict[str, Any]) -> str:
        return await self._publish_now(task_id, "done", result)

    async def notify_error(self, task_id: str, code: str, message: str) -> str:
        return await self._publish_now(task_id, "error", {"code": code, "message": message})

    async def flush(self, job_id: str | None = None) -> list[str]:
        """Write buffered events (one job's, or all) and return the entry ids of the last job written."""
        async with self._lock:
            jobs = [job_id] if job_id is not None else list(self._pending)
            ids: list[str] = []
            for job in jobs:
                entries = self._pending.pop(job, [])
                if entries:
                    ids = await self._write(job, entries)
            return ids

    async def aclose(self) -> None:
        """Write whatever is still buffered; called when the runtime shuts down."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._flushes:
            await asyncio.gather(*self._flushes, return_exceptions=True)
        await self.flush()

    async def _publish_now(self, job_id: str, event_type: str, payload: dict[str, Any]) -> str:
        self._pending.setdefault(job_id, []).append(_entry(event_type, payload))
        ids = await self.flush(job_id)
        return ids[-1] if ids else ""

    def _flush_soon(self) -> None:
        self._timer = None
        task = asyncio.get_running_loop().create_task(self._flush_all())
        self._flushes.add(task)
        task.add_done_callback(self._flushes.discard)

    async def _flush_all(self) -> None:
        await self.flush()

    async def _write(self, job_id: str, entries: list[tuple[str, str, str]]) -> list[str]:
        kind = entries[-1][0]
        if time.monotonic() < self._paused_until:
            PUBLISH_FAILURES.labels(kind=kind).inc(len(entries))
            return []
        args: list[str | int] = [self._ttl_s, self._maxlen]
        for entry in entries:
            args.extend(entry)
        key = stream_key(self._prefix, job_id)
        try:
            raw = await asyncio.wait_for(
                self._script(keys=[key, f"{key}:seq"], args=args), timeout=self._timeout_s
            )
        except (RedisError, OSError, TimeoutError) as exc:
            self._paused_until = time.monotonic() + self._cooldown_s
            PUBLISH_FAILURES.labels(kind=kind).inc(len(entries))
            log.warning("progress_publish_failed", job_id=job_id, events=len(entries), error=repr(exc))
            return []
        return [_text(entry_id) for entry_id in raw]


def _entry(event_type: str, payload: dict[str, Any]) -> tuple[str, str, str]:
    return event_type, repr(time.time()), json.dumps(payload, ensure_ascii=False, default=str)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
