"""The job queue on taskiq: one broker per process, chosen by the queue URL's scheme.

``redis://`` / ``rediss://`` / ``unix://`` use Redis Streams with acknowledgement after completion,
``amqp://`` uses RabbitMQ (taskiq-aio-pika, acknowledged after completion), and ``memory://`` runs
jobs inside the calling process (the single-process embedded mode).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from taskiq import AsyncBroker, InMemoryBroker
from taskiq.kicker import AsyncKicker

from eco2.application.ports.chat_jobs import JobQueuePort
from eco2.infrastructure.queue.redis_stream_broker import HeartbeatRedisStreamBroker

RUN_JOB_TASK = "eco2.run_job"

JobHandler = Callable[[str], Awaitable[None]]


def create_broker(
    queue_url: str, *, queue_name: str = "eco2:jobs", claim_idle_ms: int = 30_000
) -> AsyncBroker:
    scheme = queue_url.split("://", 1)[0].lower()
    if scheme in {"redis", "rediss", "unix"}:
        return HeartbeatRedisStreamBroker(queue_url, queue_name=queue_name, claim_idle_ms=claim_idle_ms)
    if scheme in {"amqp", "amqps"}:
        from taskiq_aio_pika import AioPikaBroker, Exchange, Queue

        return AioPikaBroker(
            queue_url,
            exchange=Exchange(name=queue_name),
            task_queues=[Queue(name=queue_name, routing_key=queue_name)],
            qos=1000,
        )
    if scheme == "memory":
        return InMemoryBroker()
    raise ValueError(f"unsupported queue URL scheme '{scheme}' (use redis://, amqp:// or memory://)")


def register_job_handler(broker: AsyncBroker, handler: JobHandler) -> None:
    """Workers call this so that the broker knows what ``eco2.run_job`` does."""
    broker.register_task(handler, task_name=RUN_JOB_TASK)


class TaskiqJobQueue(JobQueuePort):
    def __init__(self, broker: AsyncBroker):
        self._broker = broker

    async def enqueue(self, job_id: str) -> None:
        kicker: AsyncKicker[[str], None] = AsyncKicker(RUN_JOB_TASK, self._broker, {})
        await kicker.kiq(job_id)

    async def depth(self) -> int | None:
        """Messages not yet delivered, where the broker can tell (Redis Streams)."""
        if isinstance(self._broker, HeartbeatRedisStreamBroker):
            return await self._broker.backlog()
        return None

    async def ping(self) -> bool:
        """Whether the broker can take a job right now."""
        if isinstance(self._broker, HeartbeatRedisStreamBroker):
            return await self._broker.ping()
        connection = getattr(self._broker, "write_conn", None)
        if connection is not None:
            return not connection.is_closed
        return isinstance(self._broker, InMemoryBroker)
