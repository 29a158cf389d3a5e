"""The job queue on real brokers: Redis Streams redelivery after a dead worker, and RabbitMQ."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from eco2.infrastructure.queue.redis_stream_broker import HeartbeatRedisStreamBroker
from eco2.infrastructure.queue.taskiq_queue import TaskiqJobQueue, create_broker


@pytest.fixture
async def stream_names(redis_url: str, unique_prefix: str) -> AsyncIterator[str]:
    yield f"{unique_prefix}:jobs"
    client = Redis.from_url(redis_url)
    await client.delete(f"{unique_prefix}:jobs")
    await client.aclose()


async def _next(broker: HeartbeatRedisStreamBroker, timeout_s: float = 10):  # type: ignore[no-untyped-def]
    listener = broker.listen()
    try:
        return await asyncio.wait_for(anext(listener), timeout_s), listener
    except BaseException:
        await listener.aclose()
        raise


async def test_a_message_held_by_a_dead_consumer_is_claimed_by_a_live_one(redis_url: str, stream_names: str) -> None:
    first = HeartbeatRedisStreamBroker(redis_url, queue_name=stream_names, claim_idle_ms=600)
    second = HeartbeatRedisStreamBroker(redis_url, queue_name=stream_names, claim_idle_ms=600)
    for broker in (first, second):
        await broker.startup()
    try:
        await TaskiqJobQueue(first).enqueue("job-1")
        held, listener = await _next(first)
        # the first consumer "dies": its heartbeat and its listener stop without acknowledging
        assert first._heartbeat is not None
        first._heartbeat.cancel()
        await listener.aclose()
        claimed, other = await _next(second)
        assert claimed.data == held.data
        await claimed.ack()
        await other.aclose()
        assert await second.backlog() == 0
    finally:
        for broker in (first, second):
            await broker.shutdown()


async def test_a_live_consumers_message_is_not_taken_from_it(redis_url: str, stream_names: str) -> None:
    busy = HeartbeatRedisStreamBroker(redis_url, queue_name=stream_names, claim_idle_ms=600)
    idle = HeartbeatRedisStreamBroker(redis_url, queue_name=stream_names, claim_idle_ms=600)
    for broker in (busy, idle):
        await broker.startup()
    try:
        await TaskiqJobQueue(busy).enqueue("job-1")
        held, listener = await _next(busy)
        with pytest.raises(TimeoutError):
            await _next(idle, timeout_s=2.0)  # three claim periods: the heartbeat keeps it busy's
        assert await busy.backlog() == 1
        await held.ack()
        await listener.aclose()
    finally:
        for broker in (busy, idle):
            await broker.shutdown()


def _rabbitmq_url() -> str:
    url = os.environ.get("ECO2_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
    try:
        with socket.create_connection(("127.0.0.1", 5672), timeout=1):
            return url
    except OSError:
        if os.environ.get("CI") == "true":
            pytest.fail("RabbitMQ is not reachable (CI must run every service test)")
        pytest.skip("RabbitMQ is not reachable on 127.0.0.1:5672")


async def test_rabbitmq_queue_delivers_to_the_registered_handler(unique_prefix: str) -> None:
    from taskiq.api.receiver import run_receiver_task

    from eco2.infrastructure.queue.taskiq_queue import register_job_handler

    broker = create_broker(_rabbitmq_url(), queue_name=f"{unique_prefix}.jobs")
    received: asyncio.Queue[str] = asyncio.Queue()

    async def handler(job_id: str) -> None:
        await received.put(job_id)

    register_job_handler(broker, handler)
    broker.is_worker_process = True
    await broker.startup()
    queue = TaskiqJobQueue(broker)
    receiver = asyncio.create_task(run_receiver_task(broker, max_async_tasks=2))
    try:
        assert await queue.ping() is True
        await queue.enqueue("job-amqp")
        assert await asyncio.wait_for(received.get(), 15) == "job-amqp"
    finally:
        receiver.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await receiver
        channel = getattr(broker, "write_channel", None)
        if channel is not None:
            with contextlib.suppress(Exception):
                await channel.queue_delete(f"{unique_prefix}.jobs")
                await channel.exchange_delete(f"{unique_prefix}.jobs")
        await broker.shutdown()


def test_the_queue_url_scheme_selects_the_broker() -> None:
    assert isinstance(create_broker("redis://127.0.0.1:6379/0"), HeartbeatRedisStreamBroker)
    assert type(create_broker("memory://")).__name__ == "InMemoryBroker"
    assert type(create_broker("amqp://guest:guest@127.0.0.1/")).__name__ == "AioPikaBroker"
    with pytest.raises(ValueError):
        create_broker("kafka://somewhere")
