"""Per-user sliding-window rate limit in Redis: at most ``limit`` requests in any ``window_s`` seconds.

One Lua call per request keeps it atomic across API processes; a refused request is not counted, so
a client that backs off for ``Retry-After`` seconds is let through.
"""

from __future__ import annotations

import time
import uuid

from redis.asyncio import Redis

from eco2.application.ports.chat_jobs import RateLimiterPort

# KEYS: the user's log. ARGV: now, window, limit, member. Returns 0 when allowed, else ms to wait.
_HIT = """
local now, window, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return math.max(1, math.ceil((tonumber(oldest[2]) + window - now) * 1000))
end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('PEXPIRE', KEYS[1], math.ceil(window * 1000))
return 0
"""


class RedisRateLimiter(RateLimiterPort):
    def __init__(self, redis: Redis, *, limit: int, window_s: float = 60.0, prefix: str = "eco2"):
        self._redis = redis
        self._limit = limit
        self._window_s = window_s
        self._prefix = prefix
        self._hit = redis.register_script(_HIT)

    async def hit(self, user_id: str) -> float | None:
        if self._limit <= 0:
            return None
        wait_ms = await self._hit(
            keys=[f"{self._prefix}:rate:{user_id}"],
            args=[repr(time.time()), self._window_s, self._limit, uuid.uuid4().hex],
        )
        return None if int(wait_ms) == 0 else int(wait_ms) / 1000
