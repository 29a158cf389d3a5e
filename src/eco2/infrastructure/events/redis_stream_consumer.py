"""A consumer-group runner for the domain event stream: at-least-once, retried, dead-lettered.

An entry is acknowledged only after its handler succeeded. A failed entry stays pending and is
claimed again (by any consumer, after ``min_idle_ms``) until it has been delivered
``max_deliveries`` times; then it moves to the dead-letter stream, so one poison entry never blocks
the group and is never silently dropped. Entries left pending by a consumer that died are claimed
the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from prometheus_client import Counter
from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError

from eco2.application.ports.domain_events import EventHandler
from eco2.infrastructure.events.domain_event_codec import MalformedEventError, decode_event

log = structlog.get_logger(__name__)

HANDLED = Counter("eco2_domain_events_handled_total", "Domain events handled and acknowledged", ["group"])
HANDLER_FAILURES = Counter(
    "eco2_domain_event_handler_failures_total", "Domain event handler failures", ["group"]
)
DEAD_LETTERED = Counter(
    "eco2_domain_events_dead_lettered_total", "Domain events moved to dead letters", ["group"]
)

Entry = tuple[str, dict[Any, Any]]


class RedisStreamConsumer:
    def __init__(
        self,
        redis: Redis,
        handler: EventHandler,
        *,
        stream: str,
        group: str,
        consumer: str,
        dead_letter_stream: str | None = None,
        min_idle_ms: int = 30_000,
        max_deliveries: int = 5,
        block_ms: int = 1000,
        batch: int = 10,
    ):
        """``redis`` must allow blocking reads longer than ``block_ms``."""
        self._redis = redis
        self._handler = handler
        self._stream = stream
        self._group = group
        self._consumer = consumer
        self._dead = dead_letter_stream or f"{stream}:dead"
        self._min_idle_ms = min_idle_ms
        self._max_deliveries = max_deliveries
        self._block_ms = block_ms
        self._batch = batch

    async def ensure_group(self) -> None:
        """Create the group (and the stream) if missing; new groups start from the stream's beginning."""
        try:
            await self._redis.xgroup_create(self._stream, self._group, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def run_once(self, stop: asyncio.Event | None = None) -> int:
        """Claim stale entries, then read new ones; handle each. Returns how many entries were settled."""
        settled = 0
        claimed = await self._claim_stale()
        for entry_id, fields, deliveries in claimed:
            if stop is not None and stop.is_set():
                return settled
            settled += await self._settle(entry_id, fields, deliveries)
        response: Any = await self._redis.xreadgroup(
            self._group, self._consumer, {self._stream: ">"}, count=self._batch, block=self._block_ms
        )
        for _stream, entries in response or []:
            for raw_id, fields in entries:
                if stop is not None and stop.is_set():
                    return settled
                settled += await self._settle(_text(raw_id), fields, 1)
        return settled

    async def run(
        self,
        stop: asyncio.Event,
        *,
        periodic: Callable[[], Awaitable[object]] | None = None,
        period_s: float = 5.0,
    ) -> None:
        """Consume until ``stop`` is set, finishing the entry in hand; ``periodic`` is e.g. outbox relay."""
        await self.ensure_group()
        loop = asyncio.get_running_loop()
        next_periodic = loop.time()
        backoff = 0.1
        while not stop.is_set():
            if periodic is not None and loop.time() >= next_periodic:
                await periodic()
                next_periodic = loop.time() + period_s
            try:
                await self.run_once(stop)
                backoff = 0.1
            except (RedisError, OSError) as exc:
                log.warning("consumer_redis_error", group=self._group, error=repr(exc))
                await _wait(stop, backoff)
                backoff = min(backoff * 2, 5.0)
                if "NOGROUP" in str(exc):
                    await self.ensure_group()

    async def _claim_stale(self) -> list[tuple[str, dict[Any, Any], int]]:
        response: Any = await self._redis.xautoclaim(
            self._stream, self._group, self._consumer, self._min_idle_ms, start_id="0-0", count=self._batch
        )
        entries = [(_text(raw_id), fields) for raw_id, fields in response[1] if fields is not None]
        if not entries:
            return []
        pending: Any = await self._redis.xpending_range(
            self._stream,
            self._group,
            min=entries[0][0],
            max=entries[-1][0],
            count=1000,
            consumername=self._consumer,
        )
        deliveries = {_text(p["message_id"]): int(p["times_delivered"]) for p in pending}
        return [(entry_id, fields, deliveries.get(entry_id, 1)) for entry_id, fields in entries]

    async def _settle(self, entry_id: str, fields: dict[Any, Any], deliveries: int) -> int:
        bound = log.bind(group=self._group, entry_id=entry_id, deliveries=deliveries)
        if deliveries > self._max_deliveries:
            await self._dead_letter(entry_id, fields, f"handler failed {deliveries - 1} times", deliveries)
            return 1
        try:
            event = decode_event(fields)
        except MalformedEventError as exc:
            await self._dead_letter(entry_id, fields, str(exc), deliveries)
            return 1
        try:
            await self._handler(event)
        except Exception as exc:  # the entry stays pending and is retried after min_idle_ms
            HANDLER_FAILURES.labels(group=self._group).inc()
            bound.warning("domain_event_handler_failed", event_id=event.event_id, error=repr(exc))
            return 0
        await self._redis.xack(self._stream, self._group, entry_id)
        HANDLED.labels(group=self._group).inc()
        return 1

    async def _dead_letter(self, entry_id: str, fields: dict[Any, Any], reason: str, deliveries: int) -> None:
        record = {_text(k): _text(v) for k, v in fields.items()}
        record.update(
            {
                "dead_original_id": entry_id,
                "dead_group": self._group,
                "dead_reason": reason,
                "dead_deliveries": str(deliveries),
            }
        )
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.xadd(self._dead, record)  # type: ignore[arg-type]
            pipe.xack(self._stream, self._group, entry_id)
            await pipe.execute()
        DEAD_LETTERED.labels(group=self._group).inc()
        log.error("domain_event_dead_lettered", group=self._group, entry_id=entry_id, reason=reason)


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
