"""The checkpointer's command batches against a real Redis: kept connections, dead ones, error replies,
and a lock request that is safe to resend."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from eco2.infrastructure.checkpoint.errors import ThreadBusyError
from eco2.infrastructure.checkpoint.redis_exchange import RedisExchange
from eco2.infrastructure.checkpoint.thread_lock import ThreadLocks


async def test_a_kept_connection_the_server_dropped_is_replaced_without_an_error(redis_url: str) -> None:
    redis, admin = Redis.from_url(redis_url), Redis.from_url(redis_url)
    try:
        exchange = RedisExchange(redis)
        (first,) = await exchange.send(("CLIENT", "ID"))
        (again,) = await exchange.send(("CLIENT", "ID"))
        assert again == first  # kept between calls, not checked out of the pool each time
        assert await admin.client_kill_filter(_id=first) == 1
        (replaced,) = await exchange.send(("CLIENT", "ID"))
        assert replaced != first
    finally:
        await redis.aclose()
        await admin.aclose()


async def test_an_error_reply_is_raised_and_the_connection_stays_in_sync(redis_url: str, unique_prefix: str) -> None:
    redis = Redis.from_url(redis_url)
    key = f"{unique_prefix}:string"
    try:
        exchange = RedisExchange(redis)
        await exchange.send(("SET", key, "v"))
        with pytest.raises(ResponseError, match="WRONGTYPE"):
            await exchange.send(("HGET", key, "f"), ("GET", key))
        assert await exchange.send(("GET", key), ("PING",)) == [b"v", b"PONG"]
        with pytest.raises(ResponseError, match="WRONGTYPE"):
            await exchange.send_atomically(("SET", f"{key}:2", "x"), ("HGET", key, "f"))
        assert await redis.get(f"{key}:2") == b"x"  # MULTI does not roll back; the error still surfaces
        assert await exchange.send_atomically(("SET", f"{key}:2", "y"), ("GET", f"{key}:2")) == [b"OK", b"y"]
    finally:
        await redis.delete(key, f"{key}:2")
        await redis.aclose()


async def test_a_lock_request_sent_twice_still_holds_the_lock(redis_url: str, unique_prefix: str) -> None:
    """A batch may be resent after a dead connection; taking a lock must survive that."""
    redis = Redis.from_url(redis_url)
    key = f"{unique_prefix}:lock:t"
    try:
        locks = ThreadLocks(RedisExchange(redis), lambda _: key, ttl_s=5, wait_s=0.2)
        await locks._acquire("t", key, "token-a")
        await locks._acquire("t", key, "token-a")
        assert await redis.get(key) == b"token-a"
        with pytest.raises(ThreadBusyError):
            await locks._acquire("t", key, "token-b")
    finally:
        await redis.delete(key)
        await redis.aclose()
