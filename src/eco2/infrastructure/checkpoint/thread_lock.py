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
from redis.asyncio import Redis
from redis.exceptions import RedisError

from eco2.infrastructure.checkpoint.errors import ThreadBusyError
from eco2.infrastructure.checkpoint.metrics import L1_FAILURES

log = structlog.get_logger(__name__)

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
        self, redis: Redis, key_for: Callable[[str], str], *, ttl_s: float = 30.0, wait_s: float = 60.0
    ):
        self._redis = redis
        self._key_for = key_for
        self._ttl_ms = int(ttl_s * 1000)
        self._wait_s = wait_s
        self._release = redis.register_script(_RELEASE)
        self._extend = redis.register_script(_EXTEND)
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
        keeper = asyncio.create_task(self._keep_alive(key, token))
        try:
            yield
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper
            try:
                await self._release(keys=[key], args=[token])
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
        while not await self._redis.set(key, token, nx=True, px=self._ttl_ms):
            if time.monotonic() - started > self._wait_s:
                raise ThreadBusyError(thread_id, self._wait_s)
            await asyncio.sleep(delay * (0.5 + random.random()))
            delay = min(delay * 2, 0.1)

    async def _keep_alive(self, key: str, token: str) -> None:
        while True:
            await asyncio.sleep(self._ttl_ms / 3000)
            try:
                if not await self._extend(keys=[key], args=[token, self._ttl_ms]):
                    log.warning("checkpoint_thread_lock_lost", key=key)
                    return
            except RedisError as exc:
                log.warning("checkpoint_thread_lock_extend_failed", key=key, error=str(exc))
