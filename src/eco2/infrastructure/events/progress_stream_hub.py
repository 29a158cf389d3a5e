"""One blocking Redis read per process for every SSE client's progress stream.

A blocking XREAD per client costs a connection and a round trip per client per event; with hundreds
of chats streaming tokens that is most of the API's CPU. The hub keeps a single XREAD BLOCK over all
followed job streams (each from the oldest id any of its subscribers still needs) and fans entries out
to per-subscriber queues, decoding each entry once. A new subscriber interrupts the read in flight
(``CLIENT UNBLOCK``) so its replay and live events start at once. Replay from an id is exact: a
subscriber only gets entries after the last one it was given, ending with the job's terminal event.
Redis going away is survived: the read backs off, reconnects and continues from the same ids.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import structlog
from redis.asyncio import Redis
from redis.asyncio.connection import AbstractConnection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from eco2.infrastructure.events.progress_stream_reader import ProgressEntry, decode_event
from eco2.infrastructure.events.redis_progress_notifier import TERMINAL_EVENTS, stream_key

log = structlog.get_logger(__name__)

EntryId = tuple[int, int]


@dataclass(eq=False)
class _Subscriber:
    key: str
    last: EntryId
    queue: asyncio.Queue[ProgressEntry] = field(default_factory=asyncio.Queue)


class ProgressStreamHub:
    def __init__(
        self,
        redis: Redis,
        *,
        prefix: str = "chat:events",
        block_ms: int = 5000,
        count: int = 500,
        retry_max_s: float = 1.0,
    ):
        """``redis`` lends one connection for the shared blocking read while anyone follows a stream."""
        self._redis = redis
        self._prefix = prefix
        self._block_ms = block_ms
        self._count = count
        self._retry_max_s = retry_max_s
        self._subscribers: dict[str, set[_Subscriber]] = {}
        self._generation = 0  # bumped by every new subscriber: the read in flight may not cover it
        self._reading: int | None = None  # generation of the read in flight
        self._client_id: int | None = None  # connection id of the read in flight
        self._waking: asyncio.Task[None] | None = None
        self._wanted = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def read(self, job_id: str, after: str = "0-0") -> AsyncIterator[ProgressEntry]:
        """Yield ``(entry_id, event)`` after ``after`` until the job's terminal event (done/error)."""
        subscriber = _Subscriber(stream_key(self._prefix, job_id), _parse_id(after))
        self._subscribers.setdefault(subscriber.key, set()).add(subscriber)
        self._generation += 1
        self._wanted.set()
        self._start()
        self._wake()
        try:
            while True:
                entry = await subscriber.queue.get()
                yield entry
                if entry[1]["event_type"] in TERMINAL_EVENTS:
                    return
        finally:
            followers = self._subscribers.get(subscriber.key)
            if followers is not None:
                followers.discard(subscriber)
                if not followers:
                    del self._subscribers[subscriber.key]

    @property
    def following(self) -> int:
        """How many job streams the shared read covers: a subscriber that left is no longer read for."""
        return len(self._subscribers)

    async def aclose(self) -> None:
        """Stop the shared read. Cancels until the task is gone: on Python 3.11 redis-py's write goes
        through ``asyncio.wait_for``, which can swallow a cancellation that lands as the write ends."""
        for task in (self._task, self._waking):
            while task is not None and not task.done():
                task.cancel()
                await asyncio.wait([task], timeout=0.1)
            if task is not None and not task.cancelled() and task.exception() is not None:
                log.error("progress_hub_task_failed", error=repr(task.exception()))
        self._task = self._waking = None

    def _start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())

    def _wake(self) -> None:
        """Interrupt the read in flight when it was issued before the newest subscriber arrived."""
        if self._stale() and (self._waking is None or self._waking.done()):
            self._waking = asyncio.get_running_loop().create_task(self._unblock())

    def _stale(self) -> bool:
        return self._reading is not None and self._reading < self._generation

    async def _unblock(self) -> None:
        """Unblock until the read in flight covers every subscriber.

        One wake-up serves everyone who arrived before the next read is built; whoever arrives while
        this runs is caught by the re-check.
        """
        while self._stale() and self._client_id is not None:
            try:
                await self._redis.client_unblock(self._client_id)
            except (RedisError, OSError) as exc:  # the read returns by itself within block_ms
                log.debug("progress_hub_unblock_failed", error=repr(exc))
                return

    async def _run(self) -> None:
        pool = self._redis.connection_pool
        connection: AbstractConnection | None = None
        backoff = 0.05
        try:
            while True:
                if not self._subscribers:
                    self._wanted.clear()
                    await self._wanted.wait()
                    continue
                try:
                    if connection is None:
                        connection = await pool.get_connection()
                    cursors = {key: min(s.last for s in subs) for key, subs in self._subscribers.items()}
                    self._dispatch(await self._read_once(connection, cursors), cursors)
                except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
                    log.warning("progress_hub_read_retry", streams=len(self._subscribers), error=repr(exc))
                    if connection is not None:
                        await connection.disconnect()
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, self._retry_max_s)
                    continue
                except Exception:  # e.g. a key of the wrong type: the others keep being served, slowly
                    log.exception("progress_hub_read_failed", streams=len(self._subscribers))
                    await asyncio.sleep(self._retry_max_s)
                    continue
                backoff = 0.05
        finally:
            if connection is not None:
                await connection.disconnect()
                await pool.release(connection)

    async def _read_once(self, connection: AbstractConnection, cursors: dict[str, EntryId]) -> Any:
        """CLIENT ID then XREAD BLOCK in one write: once the id is back, the read is blocked in Redis."""
        generation = self._generation
        keys = list(cursors)
        ids = [_format_id(cursor) for cursor in cursors.values()]
        command: tuple[str | int, ...] = (
            "XREAD", "COUNT", self._count, "BLOCK", self._block_ms, "STREAMS", *keys, *ids
        )
        try:
            await connection.send_packed_command(connection.pack_commands([("CLIENT", "ID"), command]))
            self._client_id = int(await connection.read_response())
            self._reading = generation
            self._wake()
            # An idle read legitimately outlasts the client's socket timeout. A server that stops
            # answering altogether still fails the read (and drops the connection) a little later.
            async with asyncio.timeout(self._block_ms / 1000 + 5):
                return await connection.read_response(timeout=math.inf)
        finally:
            self._reading = None
            self._client_id = None

    def _dispatch(self, response: Any, cursors: dict[str, EntryId]) -> None:
        """Hand entries to the subscribers the read covered: one that joined behind the read's cursor
        would get a gap, so it waits for the next read, which starts from its position."""
        streams = response.items() if isinstance(response, dict) else response or []
        for raw_key, entries in streams:
            key = _text(raw_key)
            cursor = cursors[key]
            followers = [s for s in self._subscribers.get(key, ()) if s.last >= cursor]
            if not followers:
                continue
            for raw_id, fields in entries:
                entry_id = _text(raw_id)
                parsed = _parse_id(entry_id)
                event = decode_event(_pairs(fields))
                for subscriber in followers:
                    if parsed > subscriber.last:
                        subscriber.last = parsed
                        subscriber.queue.put_nowait((entry_id, event))


def _pairs(fields: Any) -> dict[Any, Any]:
    return fields if isinstance(fields, dict) else dict(zip(fields[::2], fields[1::2], strict=True))


def _parse_id(entry_id: str) -> EntryId:
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


def _format_id(entry_id: EntryId) -> str:
    return f"{entry_id[0]}-{entry_id[1]}"


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
