"""ProgressStreamHub on a real server: many subscribers over one blocking read, replay exact, live."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from eco2.infrastructure.embedded_valkey import EmbeddedValkey
from eco2.infrastructure.events.progress_stream_hub import ProgressStreamHub
from eco2.infrastructure.events.redis_progress_notifier import RedisProgressNotifier

Entry = tuple[str, dict]


@pytest.fixture
async def hub(server_url: str, unique_prefix: str) -> AsyncIterator[ProgressStreamHub]:
    blocking = Redis.from_url(server_url)
    hub = ProgressStreamHub(blocking, prefix=f"{unique_prefix}:events", block_ms=2000, retry_max_s=0.1)
    yield hub
    await hub.aclose()
    await blocking.aclose()


def publisher(redis: Redis, prefix: str) -> RedisProgressNotifier:
    return RedisProgressNotifier(redis, prefix=f"{prefix}:events", token_batch_size=1)


async def collect(hub: ProgressStreamHub, job_id: str, after: str = "0-0") -> list[Entry]:
    return [entry async for entry in hub.read(job_id, after)]


def contents(entries: list[Entry]) -> list[str]:
    return [event["payload"].get("content", event["event_type"]) for _id, event in entries]


async def test_many_live_subscribers_each_get_exactly_their_job(
    hub: ProgressStreamHub, redis: Redis, unique_prefix: str
) -> None:
    progress = publisher(redis, unique_prefix)
    jobs = [f"j{i}" for i in range(50)]
    readers = [asyncio.create_task(collect(hub, job)) for job in jobs]
    await asyncio.sleep(0.05)  # every reader is waiting on the shared read before anything exists
    for round_ in range(3):
        for job in jobs:
            await progress.notify_token(job, f"{job}-{round_}")
    for job in jobs:
        await progress.notify_done(job, {})

    results = await asyncio.wait_for(asyncio.gather(*readers), timeout=10)
    for job, entries in zip(jobs, results, strict=True):
        assert contents(entries) == [f"{job}-0", f"{job}-1", f"{job}-2", "done"]
        assert [event["seq"] for _id, event in entries] == [1, 2, 3, 4]
    assert hub.following == 0


async def test_replay_from_an_id_then_live_is_exact(
    hub: ProgressStreamHub, redis: Redis, unique_prefix: str
) -> None:
    progress = publisher(redis, unique_prefix)
    for i in range(5):
        await progress.notify_token("j1", str(i))
    everything: list[Entry] = []
    async for entry in hub.read("j1"):
        everything.append(entry)
        if len(everything) == 5:
            break  # the client went away after five events
    resumed = asyncio.create_task(collect(hub, "j1", after=everything[2][0]))
    await asyncio.sleep(0.05)
    for i in range(5, 7):
        await progress.notify_token("j1", str(i))
    await progress.notify_done("j1", {})

    rest = await asyncio.wait_for(resumed, timeout=5)
    assert contents(rest) == ["3", "4", "5", "6", "done"]
    assert rest[:2] == everything[3:5]


async def test_subscribers_of_one_job_at_different_positions(
    hub: ProgressStreamHub, redis: Redis, unique_prefix: str
) -> None:
    """A second tab replaying from the start must not hold back or duplicate the first one's events."""
    progress = publisher(redis, unique_prefix)
    for i in range(3):
        await progress.notify_token("j1", str(i))
    first = hub.read("j1")
    seen = [await anext(first) for _ in range(3)]
    second = asyncio.create_task(collect(hub, "j1"))
    await progress.notify_token("j1", "3")
    await progress.notify_done("j1", {})
    seen += [entry async for entry in first]

    assert contents(seen) == ["0", "1", "2", "3", "done"]
    assert await asyncio.wait_for(second, timeout=5) == seen


async def test_a_settled_stream_ends_after_its_terminal_event(
    hub: ProgressStreamHub, redis: Redis, unique_prefix: str
) -> None:
    progress = publisher(redis, unique_prefix)
    await progress.notify_token("j1", "a")
    await progress.notify_error("j1", "timeout", "늦었습니다")
    await progress.notify_token("j1", "after the end")

    entries = await asyncio.wait_for(collect(hub, "j1"), timeout=5)
    assert contents(entries) == ["a", "error"]


async def test_a_subscriber_dropping_out_leaves_the_others_streaming(
    hub: ProgressStreamHub, redis: Redis, unique_prefix: str
) -> None:
    progress = publisher(redis, unique_prefix)
    staying = asyncio.create_task(collect(hub, "stay"))
    leaving = hub.read("leave")
    await progress.notify_token("leave", "x")
    assert contents([await anext(leaving)]) == ["x"]
    await leaving.aclose()
    await progress.notify_token("leave", "nobody listens")
    await progress.notify_token("stay", "y")
    await progress.notify_done("stay", {})

    assert contents(await asyncio.wait_for(staying, timeout=5)) == ["y", "done"]
    assert hub.following == 0


async def test_a_subscriber_joining_mid_read_is_not_kept_waiting(
    server_url: str, redis: Redis, unique_prefix: str
) -> None:
    """The shared read would block for a minute; a newcomer interrupts it instead of waiting it out."""
    blocking = Redis.from_url(server_url)
    hub = ProgressStreamHub(blocking, prefix=f"{unique_prefix}:events", block_ms=60_000)
    progress = publisher(redis, unique_prefix)
    idle = asyncio.create_task(collect(hub, "idle"))
    await asyncio.sleep(0.1)  # the shared read is now blocked on the idle job alone
    await progress.notify_done("newcomer", {"answer": "끝"})

    entries = await asyncio.wait_for(collect(hub, "newcomer"), timeout=10)
    assert contents(entries) == ["done"]
    idle.cancel()
    await hub.aclose()
    await blocking.aclose()


async def test_the_hub_survives_a_server_restart(own_server: EmbeddedValkey, unique_prefix: str) -> None:
    redis = Redis.from_url(own_server.url)
    blocking = Redis.from_url(own_server.url)
    hub = ProgressStreamHub(blocking, prefix=f"{unique_prefix}:events", block_ms=500, retry_max_s=0.1)
    progress = publisher(redis, unique_prefix)
    await progress.notify_token("j1", "before")
    got: list[str] = []

    async def follow() -> None:
        async for _id, event in hub.read("j1"):
            got.append(event["payload"].get("content", event["event_type"]))

    task = asyncio.create_task(follow())
    while not got:
        await asyncio.sleep(0.01)
    own_server.stop()
    await asyncio.sleep(0.3)
    own_server.start()
    await progress.notify_token("j1", "after")
    await progress.notify_done("j1", {})

    await asyncio.wait_for(task, timeout=10)
    assert got == ["before", "after", "done"]
    await hub.aclose()
    await blocking.aclose()
    await redis.aclose()
