"""Deadlines on the checkpointer's Redis calls, enforced here rather than by the client's socket timeout.

With a socket timeout, redis-py wraps every command's send in ``asyncio.wait_for``, which on Python 3.11
starts a task per command; a turn makes several L1 calls, so the checkpoint client runs without one
(see :func:`checkpoint_redis`) and each call gets an ``asyncio.timeout`` instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

from redis.asyncio import Redis
from redis.exceptions import TimeoutError as RedisTimeoutError

T = TypeVar("T")

DEFAULT_TIMEOUT_S = 1.0


async def within(seconds: float, operation: Awaitable[T]) -> T:
    """Await a Redis operation; raise redis' TimeoutError (a RedisError) when it takes longer."""
    try:
        async with asyncio.timeout(seconds):
            return await operation
    except TimeoutError as exc:
        raise RedisTimeoutError(f"Redis did not answer within {seconds:g} s") from exc


def checkpoint_redis(url: str, timeout_s: float = DEFAULT_TIMEOUT_S) -> Redis:
    """A Redis client for the checkpointer: connect timeout only; calls are bounded by :func:`within`."""
    return Redis.from_url(url, socket_connect_timeout=timeout_s, socket_timeout=None)
