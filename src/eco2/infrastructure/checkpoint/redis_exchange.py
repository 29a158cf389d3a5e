"""Small batches of Redis commands sent straight on connections kept between calls.

The checkpointer's turn path makes a handful of one- or two-command calls. For those, redis-py's
per-command and Pipeline machinery, and its pool's checks on every checkout, cost more client CPU than the
round trip itself. This is the same send-then-read on the client's own connections, encoder and parser:
connections are borrowed from the client's pool once and kept here while idle.

Every batch sent through here must be safe to send twice: when a kept connection turns out to be dead
(the server restarted or dropped it while idle), the batch is sent once more on a fresh one. Each batch,
resend included, has the checkpointer's Redis deadline (see :mod:`redis_deadline`).
"""

from __future__ import annotations

from typing import Any, cast

from redis.asyncio import Redis
from redis.asyncio.connection import AbstractConnection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError

from eco2.infrastructure.checkpoint.redis_deadline import DEFAULT_TIMEOUT_S, within


class RedisExchange:
    def __init__(self, redis: Redis, timeout_s: float = DEFAULT_TIMEOUT_S, keep: int = 64):
        self._pool = redis.connection_pool
        self._timeout_s = timeout_s
        self._keep = keep
        self._idle: list[AbstractConnection] = []

    async def send(self, *commands: tuple[Any, ...]) -> list[Any]:
        """Send ``commands`` in one write on one connection and return their replies; an error reply is
        raised."""
        return await within(self._timeout_s, self._send(commands))

    async def send_atomically(self, *commands: tuple[Any, ...]) -> list[Any]:
        """:meth:`send` inside MULTI/EXEC; raises the first command error, as a pipeline would."""
        replies = await self.send(("MULTI",), *commands, ("EXEC",))
        results = replies[-1]
        if results is None:
            raise ResponseError("EXEC aborted")
        for result in results:
            if isinstance(result, Exception):
                raise result
        return cast(list[Any], results)

    async def _send(self, commands: tuple[tuple[Any, ...], ...]) -> list[Any]:
        try:
            return await self._once(commands)
        except RedisConnectionError:
            await self._drop_idle()  # if one kept connection is dead, the others likely are too
            return await self._once(commands)

    async def _once(self, commands: tuple[tuple[Any, ...], ...]) -> list[Any]:
        conn = self._idle.pop() if self._idle else await self._pool.get_connection()
        try:
            await conn.send_packed_command(conn.pack_commands(commands), check_health=False)
            replies = [await conn.read_response() for _ in commands]
        except BaseException:
            # Replies left unread would desynchronise the connection: close it (it reconnects on next use).
            await conn.disconnect(nowait=True)
            await self._pool.release(conn)
            raise
        if len(self._idle) < self._keep:
            self._idle.append(conn)
        else:
            await self._pool.release(conn)
        return replies

    async def _drop_idle(self) -> None:
        idle, self._idle = self._idle, []
        for conn in idle:
            await conn.disconnect(nowait=True)
            await self._pool.release(conn)
