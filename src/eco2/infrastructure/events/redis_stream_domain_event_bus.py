"""Domain events on one Redis stream (seed §2.2), with a durable outbox for when Redis is away.

Publishing never loses an event: if Redis does not take it, it is stored in the outbox, and the
outbox is relayed (oldest first) before the next event goes out and periodically by the consumer.
While anything waits in the outbox, new events queue behind it so the stream keeps publish order.
Delivery is at-least-once; consumers are idempotent by event id.
"""

from __future__ import annotations

import asyncio

import structlog
from prometheus_client import Counter
from redis.asyncio import Redis
from redis.exceptions import RedisError

from eco2.application.ports.domain_events import DomainEventBusPort
from eco2.domain.events import DomainEvent
from eco2.infrastructure.events.domain_event_codec import encode_event
from eco2.infrastructure.events.outbox import EventOutbox

log = structlog.get_logger(__name__)

OUTBOX_WRITES = Counter(
    "eco2_domain_events_outboxed_total", "Domain events stored in the outbox (Redis away)"
)
OUTBOX_RELAYED = Counter("eco2_domain_events_relayed_total", "Domain events relayed from the outbox")

DOMAIN_STREAM = "domain:events"


class RedisStreamDomainEventBus(DomainEventBusPort):
    def __init__(
        self,
        redis: Redis,
        outbox: EventOutbox,
        *,
        stream: str = DOMAIN_STREAM,
        maxlen: int = 100_000,
        publish_timeout_s: float = 1.0,
    ):
        self._redis = redis
        self._outbox = outbox
        self._stream = stream
        self._maxlen = maxlen
        self._timeout_s = publish_timeout_s
        self._lock = asyncio.Lock()
        self._backlog = True  # unknown until the outbox has been looked at once

    @property
    def stream(self) -> str:
        return self._stream

    async def publish(self, event: DomainEvent) -> str:
        """Return the stream entry id, or ``outbox:<event_id>`` when the event waits in the outbox."""
        async with self._lock:
            if self._backlog:
                try:
                    await self._relay()
                except (RedisError, OSError, TimeoutError):
                    return await self._store(event)
            try:
                return await self._xadd(event)
            except (RedisError, OSError, TimeoutError) as exc:
                log.warning(
                    "domain_event_outboxed", event_id=event.event_id, job_id=event.job_id, error=repr(exc)
                )
                return await self._store(event)

    async def relay(self) -> int:
        """Publish what waits in the outbox; 0 when Redis is still away. Safe to call any time."""
        async with self._lock:
            try:
                return await self._relay()
            except (RedisError, OSError, TimeoutError) as exc:
                log.info("outbox_relay_postponed", error=repr(exc))
                return 0

    async def _relay(self) -> int:
        total = 0
        while True:
            moved = await self._outbox.drain(self._publish_relayed)
            total += moved
            if moved == 0:
                break
        self._backlog = False
        if total:
            OUTBOX_RELAYED.inc(total)
            log.info("outbox_relayed", events=total)
        return total

    async def _publish_relayed(self, event: DomainEvent) -> None:
        await self._xadd(event)

    async def _xadd(self, event: DomainEvent) -> str:
        fields = encode_event(event)
        entry_id = await asyncio.wait_for(
            self._redis.xadd(self._stream, fields, maxlen=self._maxlen, approximate=True),  # type: ignore[arg-type]
            timeout=self._timeout_s,
        )
        return entry_id.decode() if isinstance(entry_id, bytes) else str(entry_id)

    async def _store(self, event: DomainEvent) -> str:
        await self._outbox.add(event)
        self._backlog = True
        OUTBOX_WRITES.inc()
        return f"outbox:{event.event_id}"
