"""A durable, ordered queue of L2 writes kept in Redis while PostgreSQL is unavailable.

Items are applied strictly in order and removed only after they were applied, and only if they are
still at the head, so a crashed or slow replayer re-applies an item (every queued operation is an
idempotent upsert or delete) rather than skipping one.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.asyncio import Redis

from eco2.infrastructure.checkpoint.redis_deadline import DEFAULT_TIMEOUT_S, within

_ID_LEN = 32

_POP_IF_HEAD = f"""
local head = redis.call('LINDEX', KEYS[1], 0)
if head and string.sub(head, 1, {_ID_LEN}) == ARGV[1] then
  redis.call('LPOP', KEYS[1])
  return 1
end
return 0
"""

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class RedisReplayQueue:
    def __init__(
        self, redis: Redis, key: str, lock_ttl_s: float = 30.0, timeout_s: float = DEFAULT_TIMEOUT_S
    ):
        self._redis = redis
        self._key = key
        self._timeout_s = timeout_s
        self._lock_key = f"{key}:lock"
        self._lock_ttl_ms = int(lock_ttl_s * 1000)
        self._pop_if_head = redis.register_script(_POP_IF_HEAD)
        self._release = redis.register_script(_RELEASE)

    async def push(self, payload: bytes) -> None:
        await within(self._timeout_s, self._redis.rpush(self._key, uuid.uuid4().hex.encode() + payload))

    async def park(self, payload: bytes) -> None:
        """Set aside an item L2 rejects for good, so it does not block the queue."""
        await within(self._timeout_s, self._redis.rpush(f"{self._key}:dead", payload))

    async def head(self) -> tuple[str, bytes] | None:
        item = await within(self._timeout_s, self._redis.lindex(self._key, 0))
        if item is None:
            return None
        raw = item if isinstance(item, bytes) else str(item).encode()
        return raw[:_ID_LEN].decode(), raw[_ID_LEN:]

    async def remove_head(self, item_id: str) -> bool:
        return bool(await within(self._timeout_s, self._pop_if_head(keys=[self._key], args=[item_id])))

    async def length(self) -> int:
        return int(await within(self._timeout_s, self._redis.llen(self._key)))

    @asynccontextmanager
    async def exclusive(self) -> AsyncIterator[bool]:
        """Yield True when this process may replay now; only one replayer runs across workers."""
        token = secrets.token_hex(8)
        acquired = bool(await within(
            self._timeout_s, self._redis.set(self._lock_key, token, nx=True, px=self._lock_ttl_ms)
        ))
        try:
            yield acquired
        finally:
            if acquired:
                await within(self._timeout_s, self._release(keys=[self._lock_key], args=[token]))
