"""Per-thread turn locks: a Redis lock with a token and an expiry, kept alive while the turn runs.

There is no global lock: two threads never wait for each other. When Redis is unreachable the lock
degrades to an in-process lock (same-worker turns still serialise) and the failure is counted.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import secrets
import time
import weakref
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import structlog
from redis.exceptions import RedisError

from eco2.infrastructure.checkpoint.errors import ThreadBusyError
from eco2.infrastructure.checkpoint.metrics import L1_FAILURES
from eco2.infrastructure.checkpoint.redis_exchange import RedisExchange

log = structlog.get_logger(__name__)

# Taking a lock this token already holds succeeds, so a call sent twice (see RedisExchange) is harmless.
_ACQUIRE = """
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
"""

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

_EXTEND = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""


class ThreadLocks:
    def __init__(
        self,
        exchange: RedisExchange,
        key_for: Callable[[str], str],
        *,
        ttl_s: float = 30.0,
        wait_s: float = 60.0,
    ):
        self._exchange = exchange
        self._key_for = key_for
        self._ttl_ms = int(ttl_s * 1000)
        self._wait_s = wait_s
        self._local: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    @asynccontextmanager
    async def hold(self, thread_id: str) -> AsyncIterator[None]:
        key = self._key_for(thread_id)
        token = secrets.token_hex(12)
        try:
            await self._acquire(thread_id, key, token)
        except RedisError as exc:
            L1_FAILURES.labels(op="thread_lock").inc()
            log.warning("checkpoint_thread_lock_degraded", thread_id=thread_id, error=str(exc))
            async with self._local_lock(thread_id):
                yield
            return
        keeper = _KeepAlive(self._exchange, key, token, self._ttl_ms)
        try:
            yield
        finally:
            await keeper.stop()
            try:
                await self._exchange.send(("EVAL", _RELEASE, 1, key, token))
            except RedisError as exc:
                log.warning("checkpoint_thread_lock_release_failed", thread_id=thread_id, error=str(exc))

    def _local_lock(self, thread_id: str) -> asyncio.Lock:
        lock = self._local.get(thread_id)
        if lock is None:
            lock = asyncio.Lock()
            self._local[thread_id] = lock
        return lock

    async def _acquire(self, thread_id: str, key: str, token: str) -> None:
        started = time.monotonic()
        delay = 0.002
        acquire = ("EVAL", _ACQUIRE, 1, key, token, self._ttl_ms)
        while not (await self._exchange.send(acquire))[0]:
            if time.monotonic() - started > self._wait_s:
                raise ThreadBusyError(thread_id, self._wait_s)
            await asyncio.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 0.1)


class _KeepAlive:
    """Extends a held lock every third of its TTL. A timer, not a task: most turns end long before the
    first extension is due, and cancelling a timer costs next to nothing."""

    def __init__(self, exchange: RedisExchange, key: str, token: str, ttl_ms: int):
        self._exchange = exchange
        self._key = key
        self._token = token
        self._ttl_ms = ttl_ms
        self._loop = asyncio.get_running_loop()
        self._running: asyncio.Task[None] | None = None
        self._timer: asyncio.TimerHandle | None = self._loop.call_later(ttl_ms / 3000, self._due)

    def _due(self) -> None:
        self._running = self._loop.create_task(self._renew())

    async def _renew(self) -> None:
        try:
            extend = ("EVAL", _EXTEND, 1, self._key, self._token, self._ttl_ms)
            if not (await self._exchange.send(extend))[0]:
                log.warning("checkpoint_thread_lock_lost", key=self._key)
                self._timer = None
                return
        except RedisError as exc:
            log.warning("checkpoint_thread_lock_extend_failed", key=self._key, error=str(exc))
        self._timer = self._loop.call_later(self._ttl_ms / 3000, self._due)

    async def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._running is not None and not self._running.done():
            self._running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._running
