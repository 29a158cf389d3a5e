"""A taskiq Redis Streams broker whose jobs survive a killed worker, and only a killed one.

Messages are acknowledged after the task finished. A live worker keeps re-claiming the messages it is
working on (a heartbeat), so their idle time stays low; a worker that died stops doing that, and after
``claim_idle_ms`` another worker takes its messages over with XAUTOCLAIM. Unlike the stock broker, the
claim sweep runs on a timer, not only after new messages arrived, so a lone redelivery is not stuck.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any

import structlog
from redis.asyncio import Redis
from taskiq import AckableMessage
from taskiq_redis import RedisStreamBroker

log = structlog.get_logger(__name__)


class HeartbeatRedisStreamBroker(RedisStreamBroker):
    def __init__(self, url: str, *, queue_name: str, claim_idle_ms: int = 30_000, **kwargs: Any):
        super().__init__(url, queue_name=queue_name, idle_timeout=claim_idle_ms, xread_block=1000, **kwargs)
        self._in_flight: set[str] = set()
        self._heartbeat: asyncio.Task[None] | None = None

    async def shutdown(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._heartbeat
        await super().shutdown()

    async def backlog(self) -> int:
        """Jobs waiting for a worker plus jobs being worked on (stream lag + pending)."""
        async with Redis(connection_pool=self.connection_pool) as redis:
            try:
                groups = await redis.xinfo_groups(self.queue_name)
            except Exception:
                return 0
        for group in groups:
            if _text(group["name"]) == self.consumer_group_name:
                return int(group.get("lag") or 0) + int(group.get("pending") or 0)
        return 0

    async def ping(self) -> bool:
        async with Redis(connection_pool=self.connection_pool) as redis:
            return bool(await redis.ping())

    def _tracked_ack(self, message_id: str) -> Callable[[], Awaitable[None]]:
        ack = self._ack_generator(id=message_id, queue_name=self.queue_name)

        async def _ack() -> None:
            await ack()
            self._in_flight.discard(message_id)

        return _ack

    async def listen(self) -> AsyncGenerator[AckableMessage, None]:
        if self._heartbeat is None:
            self._heartbeat = asyncio.create_task(self._beat())
        sweep_every = max(0.5, self.idle_timeout / 3000)
        loop = asyncio.get_running_loop()
        next_sweep = loop.time()
        async with Redis(connection_pool=self.connection_pool) as redis:
            while True:
                fetched: Any = await redis.xreadgroup(
                    self.consumer_group_name,
                    self.consumer_name,
                    {self.queue_name: ">"},
                    block=self.block,
                    count=self.count,
                )
                for _stream, messages in fetched or []:
                    for message_id, fields in messages:
                        yield self._message(message_id, fields)
                if loop.time() >= next_sweep:
                    next_sweep = loop.time() + sweep_every
                    claim: Any = await redis.xautoclaim(
                        self.queue_name,
                        self.consumer_group_name,
                        self.consumer_name,
                        min_idle_time=self.idle_timeout,
                        count=self.unacknowledged_batch_size,
                    )
                    for message_id, fields in claim[1]:
                        if fields is None:
                            continue
                        log.warning("job_message_reclaimed", message_id=_text(message_id))
                        yield self._message(message_id, fields)

    def _message(self, message_id: bytes | str, fields: dict[bytes, bytes]) -> AckableMessage:
        ident = _text(message_id)
        self._in_flight.add(ident)
        return AckableMessage(data=fields[b"data"], ack=self._tracked_ack(ident))

    async def _beat(self) -> None:
        """Re-claim our own unfinished messages so no other worker mistakes them for orphans."""
        async with Redis(connection_pool=self.connection_pool) as redis:
            while True:
                await asyncio.sleep(max(0.2, self.idle_timeout / 4000))
                if not self._in_flight:
                    continue
                try:
                    await redis.xclaim(
                        self.queue_name,
                        self.consumer_group_name,
                        self.consumer_name,
                        min_idle_time=0,
                        message_ids=list(self._in_flight),
                        justid=True,
                    )
                except Exception as exc:  # a missed beat only risks an early redelivery
                    log.warning("job_heartbeat_failed", error=repr(exc))


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
