"""Small batches of Redis commands sent straight on a pooled connection.

The checkpointer's turn path makes a handful of one- or two-command calls. For those, redis-py's
per-command and Pipeline machinery costs more client CPU than the round trip itself; this is the same
send-then-read, on the client's own pool, encoder and parser, without it.
"""

from __future__ import annotations

from typing import Any, cast

from redis.asyncio import Redis
from redis.exceptions import ResponseError


async def exchange(redis: Redis, *commands: tuple[Any, ...]) -> list[Any]:
    """Send ``commands`` in one write on one pooled connection and return their replies.

    An error reply is raised. Replies still unread after an error or a cancellation would desynchronise
    the connection, so it is closed then.
    """
    pool = redis.connection_pool
    conn = await pool.get_connection()
    try:
        await conn.send_packed_command(conn.pack_commands(commands), check_health=False)
        return [await conn.read_response() for _ in commands]
    except BaseException:
        await conn.disconnect(nowait=True)
        raise
    finally:
        await pool.release(conn)


async def exchange_atomically(redis: Redis, *commands: tuple[Any, ...]) -> list[Any]:
    """:func:`exchange` inside MULTI/EXEC; raises the first command error, as a pipeline would."""
    replies = await exchange(redis, ("MULTI",), *commands, ("EXEC",))
    results = replies[-1]
    if results is None:
        raise ResponseError("EXEC aborted")
    for result in results:
        if isinstance(result, Exception):
            raise result
    return cast(list[Any], results)
