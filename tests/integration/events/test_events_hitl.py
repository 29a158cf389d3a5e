"""HITL state in Redis, and a full interrupt → resume across two processes."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from redis.asyncio import Redis

from eco2.application.ports.interaction import HumanInputRequest, InputType
from eco2.domain.events import EventType
from eco2.infrastructure.events.domain_event_codec import decode_event
from eco2.infrastructure.events.progress_stream_reader import ProgressStreamReader
from eco2.infrastructure.events.redis_progress_notifier import RedisProgressNotifier
from eco2.infrastructure.interaction.redis_input_requester import RedisInputRequester
from eco2.infrastructure.interaction.redis_interaction_state_store import RedisInteractionStateStore

ROOT = Path(__file__).resolve().parents[3]
HERE = Path(__file__).resolve().parent


def request(job_id: str = "j1", timeout: int = 60) -> HumanInputRequest:
    return HumanInputRequest(job_id, "r1", InputType.LOCATION, "위치를 알려 주세요", timeout, "location", "s1", 5.0)


async def test_a_pending_request_round_trips(redis: Redis, unique_prefix: str) -> None:
    store = RedisInteractionStateStore(redis, prefix=unique_prefix)
    await store.save_pending_request("j1", request())

    assert await store.get_pending_request("j1") == request()
    assert await store.get_pending_request("other") is None
    assert 0 < await redis.ttl(f"{unique_prefix}:pending:j1") <= 60


async def test_only_one_of_many_concurrent_clears_wins(redis: Redis, unique_prefix: str) -> None:
    store = RedisInteractionStateStore(redis, prefix=unique_prefix)
    await store.save_pending_request("j1", request())

    outcomes = await asyncio.gather(*(store.clear_pending_request("j1", "r1") for _ in range(20)))

    assert outcomes.count(True) == 1
    assert await store.get_pending_request("j1") is None


async def test_clearing_another_request_id_changes_nothing(redis: Redis, unique_prefix: str) -> None:
    store = RedisInteractionStateStore(redis, prefix=unique_prefix)
    await store.save_pending_request("j1", request())

    assert await store.clear_pending_request("j1", "stale") is False
    assert await store.get_pending_request("j1") == request()


async def test_a_pending_request_expires(redis: Redis, unique_prefix: str) -> None:
    store = RedisInteractionStateStore(redis, prefix=unique_prefix)
    await store.save_pending_request("j1", request(timeout=1))
    await redis.pexpire(f"{unique_prefix}:pending:j1", 20)
    await asyncio.sleep(0.1)

    assert await store.get_pending_request("j1") is None


async def test_the_requester_saves_the_request_and_publishes_needs_input(redis: Redis, unique_prefix: str) -> None:
    notifier = RedisProgressNotifier(redis, prefix=f"{unique_prefix}:events")
    store = RedisInteractionStateStore(redis, prefix=unique_prefix)
    requester = RedisInputRequester(notifier, store)

    await requester.save_waiting_state("j1", {"session_id": "s1"}, "location")
    request_id = await requester.request_input("j1", InputType.LOCATION, "위치를 알려 주세요", 90, session_id="s1")

    pending = await store.get_pending_request("j1")
    assert pending is not None
    assert (pending.request_id, pending.resume_node, pending.session_id) == (request_id, "location", "s1")
    events = await ProgressStreamReader(redis, prefix=f"{unique_prefix}:events").history("j1")
    assert events[-1]["event_type"] == "needs_input"
    assert events[-1]["payload"] == {"input_type": "location", "message": "위치를 알려 주세요", "timeout": 90}


def run_side(env: dict[str, str], *args: str) -> dict:
    done = subprocess.run(
        [sys.executable, str(HERE / "events_hitl_process.py"), *args],
        env=env, capture_output=True, text=True, timeout=60, cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


async def test_interrupt_and_resume_in_two_processes(redis_url: str, unique_prefix: str, data_dir: Path) -> None:
    env = {
        **os.environ,
        "ECO2_REDIS_URL": redis_url,
        "ECO2_DATA_DIR": str(data_dir),
        "ECO2_EVENTS_PREFIX": f"{unique_prefix}:events",
        "ECO2_DOMAIN_EVENTS_STREAM": f"{unique_prefix}:domain",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "tests"), str(HERE)]),
    }
    paused = run_side(env, "ask", "s1", "j1", "근처 재활용센터 알려줘")
    assert paused["status"] == "waiting_human"
    assert paused["needs_input"]["input_type"] == "location"

    finished = run_side(env, "resume", "j1", "37.5665", "126.978")
    assert finished["status"] == "completed" and finished["session_id"] == "s1"
    assert "행복동 재활용센터" in finished["answer"]

    redis = Redis.from_url(redis_url)
    events = await ProgressStreamReader(redis, prefix=f"{unique_prefix}:events").history("j1")
    types = [e["event_type"] for e in events]
    paused_at = types.index("needs_input")
    assert types[paused_at + 1] == "done" and events[paused_at + 1]["payload"]["status"] == "waiting_human"
    assert types[-1] == "done" and events[-1]["payload"]["status"] == "completed"
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    domain = [decode_event(fields) for _id, fields in await redis.xrange(f"{unique_prefix}:domain")]
    assert [e.type for e in domain] == [
        EventType.JOB_STARTED, EventType.INPUT_REQUESTED, EventType.INPUT_RECEIVED, EventType.JOB_COMPLETED,
    ]
    assert domain[-1].data["message"] == "근처 재활용센터 알려줘"
    assert domain[-1].data["started_at"] <= time.time()
    await redis.aclose()
