"""Progress events on a per-job Redis stream (seed §2.3): ordered, batched, best-effort.

Every entry gets its ``seq`` from a per-job counter inside the same Lua call that appends it, so the
sequence stays monotonic even when several processes publish to one job (a resumed job runs elsewhere).
Tokens are buffered; a flush writes every job's buffer in one pipelined round trip (one script call
per job), so hundreds of concurrent chats cost one write per flush, not one per token or per job.
Any other event first flushes the job's buffer so the stream keeps call order. Redis trouble never
fails the chat: the batch is dropped, counted and logged, and further attempts pause for a short cool-down.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import structlog
from prometheus_client import Counter
from redis.asyncio import Redis
from redis.exceptions import NoScriptError, RedisError

from eco2.application.ports.progress import ProgressNotifierPort

log = structlog.get_logger(__name__)

PUBLISH_FAILURES = Counter(
    "eco2_event_publish_failures_total", "Progress events dropped because Redis did not take them", ["kind"]
)

TERMINAL_EVENTS = frozenset({"done", "error"})

Entry = tuple[str, str, str]  # event_type, ts, payload JSON

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
        self._script_loaded = False
        self._pending: dict[str, list[Entry]] = {}
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
            batches = [(job, entries) for job in jobs if (entries := self._pending.pop(job, []))]
            if not batches:
                return []
            return (await self._write(batches))[-1]

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

    async def _write(self, batches: list[tuple[str, list[Entry]]]) -> list[list[str]]:
        """Append each job's entries; the entry ids per job, in order ([] for a job not written)."""
        if time.monotonic() < self._paused_until:
            self._dropped(batches)
            return [[] for _ in batches]
        try:
            raw = await asyncio.wait_for(self._append(batches), timeout=self._timeout_s)
        except (RedisError, OSError, TimeoutError) as exc:
            self._paused_until = time.monotonic() + self._cooldown_s
            self._dropped(batches)
            jobs = [job for job, _ in batches]
            log.warning("progress_publish_failed", job_ids=jobs[:20], jobs=len(jobs), error=repr(exc))
            return [[] for _ in batches]
        return [[_text(entry_id) for entry_id in ids] for ids in raw]

    async def _append(self, batches: list[tuple[str, list[Entry]]]) -> list[Any]:
        """One pipeline of EVALSHA calls; the script is loaded once, and again after a server restart."""
        if not self._script_loaded:
            await self._redis.script_load(_APPEND)
            self._script_loaded = True
        try:
            return await self._pipeline(batches)
        except NoScriptError:  # nothing was appended: every call in the pipeline names the same script
            await self._redis.script_load(_APPEND)
            return await self._pipeline(batches)

    async def _pipeline(self, batches: list[tuple[str, list[Entry]]]) -> list[Any]:
        async with self._redis.pipeline(transaction=False) as pipe:
            for job_id, entries in batches:
                key = stream_key(self._prefix, job_id)
                args = [arg for entry in entries for arg in entry]
                pipe.evalsha(self._script.sha, 2, key, f"{key}:seq", self._ttl_s, self._maxlen, *args)
            return await pipe.execute()

    def _dropped(self, batches: list[tuple[str, list[Entry]]]) -> None:
        for _job_id, entries in batches:
            PUBLISH_FAILURES.labels(kind=entries[-1][0]).inc(len(entries))


def _entry(event_type: str, payload: dict[str, Any]) -> Entry:
    return event_type, repr(time.time()), json.dumps(payload, ensure_ascii=False, default=str)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
