"""The chat API's rules without HTTP: ownership, idempotency, limits, per-session lines, input checks."""

from __future__ import annotations

import pytest
from http_fakes import FakeInteractions, FakeJobs, FakeNotifier, FakeQueue, FakeRateLimiter, FakeSessions

from eco2.application.ports.chat_jobs import ChatJobKind, ChatJobStatus
from eco2.application.ports.interaction import HumanInputRequest, InputType
from eco2.application.services.chat_jobs import (
    ChatJobService,
    ConflictError,
    InvalidRequestError,
    NotFoundError,
    RateLimitedError,
)


class World:
    def __init__(self, limit: int = 100) -> None:
        self.sessions = FakeSessions()
        self.jobs = FakeJobs()
        self.queue = FakeQueue()
        self.limiter = FakeRateLimiter(limit)
        self.interactions = FakeInteractions()
        self.notifier = FakeNotifier()
        self.erased: list[str] = []

        async def erase(session_id: str) -> None:
            self.erased.append(session_id)

        self.service = ChatJobService(
            self.sessions, self.jobs, self.queue, self.limiter, self.interactions, self.notifier, [erase],
            settle_polls=2,
        )

    def pause(self, job_id: str) -> None:
        self.jobs.records[job_id].status = ChatJobStatus.WAITING_INPUT
        self.interactions.pending[job_id] = HumanInputRequest(job_id, "r1", InputType.LOCATION, "위치?", 60, "location")


async def test_a_message_is_queued_on_the_owners_session() -> None:
    world = World()
    session = await world.service.create_session("alice")
    submitted = await world.service.submit_message("alice", session.session_id, "  페트병  ")
    assert submitted.created and submitted.record.payload["message"] == "페트병"
    assert world.queue.enqueued == [submitted.record.job_id]
    with pytest.raises(NotFoundError):
        await world.service.submit_message("mallory", session.session_id, "안녕")
    with pytest.raises(NotFoundError):
        await world.service.job("mallory", submitted.record.job_id)
    assert len(world.jobs.records) == 1


async def test_a_second_message_waits_until_the_first_leaves_the_session() -> None:
    world = World()
    session = await world.service.create_session("alice")
    first = await world.service.submit_message("alice", session.session_id, "하나")
    second = await world.service.submit_message("alice", session.session_id, "둘")
    assert world.queue.enqueued == [first.record.job_id]
    assert await world.jobs.leave_session(session.session_id, first.record.job_id) == second.record.job_id


async def test_idempotency_key_returns_the_stored_job() -> None:
    world = World()
    session = await world.service.create_session("alice")
    first = await world.service.submit_message("alice", session.session_id, "캔", idempotency_key="k")
    again = await world.service.submit_message("alice", session.session_id, "캔", idempotency_key="k")
    assert not again.created and again.record.job_id == first.record.job_id
    assert world.queue.enqueued == [first.record.job_id] and world.limiter.hits["alice"] == 1
    other = await world.service.create_session("alice")
    with pytest.raises(ConflictError):
        await world.service.submit_message("alice", other.session_id, "캔", idempotency_key="k")


async def test_bad_messages_and_the_rate_limit_store_nothing() -> None:
    world = World(limit=1)
    session = await world.service.create_session("alice")
    with pytest.raises(InvalidRequestError) as bad:
        await world.service.submit_message("alice", session.session_id, "가" * 4001)
    assert bad.value.code == "message_too_long"
    await world.service.submit_message("alice", session.session_id, "하나")
    with pytest.raises(RateLimitedError) as limited:
        await world.service.submit_message("alice", session.session_id, "둘")
    assert limited.value.retry_after == 12.0 and limited.value.status == 429
    assert len(world.jobs.records) == 1


async def test_input_is_checked_against_the_pending_request_once() -> None:
    world = World()
    session = await world.service.create_session("alice")
    job = (await world.service.submit_message("alice", session.session_id, "근처 수거함")).record
    with pytest.raises(ConflictError) as early:
        await world.service.submit_input("alice", job.job_id, "location", {"latitude": 1, "longitude": 2})
    assert early.value.code == "not_waiting"
    world.pause(job.job_id)
    with pytest.raises(InvalidRequestError):
        await world.service.submit_input("alice", job.job_id, "location", {"latitude": 100, "longitude": 2})
    with pytest.raises(NotFoundError):
        await world.service.submit_input("mallory", job.job_id, "location", {"latitude": 1, "longitude": 2})
    assert world.jobs.records[job.job_id].status is ChatJobStatus.WAITING_INPUT

    resumed = await world.service.submit_input("alice", job.job_id, "location", {"latitude": 1, "longitude": 2})
    assert resumed.kind is ChatJobKind.RESUME and resumed.status is ChatJobStatus.QUEUED
    assert resumed.payload["input"]["data"] == {"latitude": 1.0, "longitude": 2.0}
    with pytest.raises(ConflictError):
        await world.service.submit_input("alice", job.job_id, "location", {"latitude": 1, "longitude": 2})


async def test_cancel_ends_the_waiting_job_with_a_done_event() -> None:
    world = World()
    session = await world.service.create_session("alice")
    job = (await world.service.submit_message("alice", session.session_id, "근처 수거함")).record
    world.pause(job.job_id)
    cancelled = await world.service.submit_input("alice", job.job_id, "cancel", None)
    assert cancelled.status is ChatJobStatus.CANCELLED
    assert world.notifier.events[-1][1:] == ("done", {"session_id": session.session_id, "job_id": job.job_id,
                                                      "status": "cancelled"})
    assert world.interactions.pending == {}


async def test_delete_erases_history_unless_a_job_is_running() -> None:
    world = World()
    session = await world.service.create_session("alice")
    job = (await world.service.submit_message("alice", session.session_id, "캔")).record
    with pytest.raises(ConflictError):
        await world.service.delete_session("alice", session.session_id)
    await world.jobs.leave_session(session.session_id, job.job_id)
    await world.service.delete_session("alice", session.session_id)
    assert world.erased == [session.session_id]
    with pytest.raises(NotFoundError):
        await world.service.session("alice", session.session_id)
