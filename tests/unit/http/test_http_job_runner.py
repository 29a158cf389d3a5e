"""The worker's job runner with a fake workflow: outcomes, time limits, redelivery, the session line."""

from __future__ import annotations

import asyncio
from typing import Any

from http_fakes import FakeJobs, FakeNotifier, FakeQueue

from eco2.application.ports.chat_jobs import ChatJobKind, ChatJobRecord, ChatJobStatus
from eco2.infrastructure.orchestration.langgraph.workflow import TurnResult
from eco2.presentation.worker import JobRunner


class FakeWorkflow:
    def __init__(self, delay_s: float = 0.0, status: str = "completed") -> None:
        self.delay_s = delay_s
        self.status = status
        self.calls: list[tuple[str, Any]] = []

    async def run_turn(
        self, session_id: str, message: str, *, job_id: str | None = None,
        user_location: dict[str, float] | None = None,
    ) -> TurnResult:
        self.calls.append(("run_turn", (message, user_location)))
        await asyncio.sleep(self.delay_s)
        return TurnResult(session_id, job_id or "", self.status)

    async def resume(self, job_id: str, value: Any) -> TurnResult:
        self.calls.append(("resume", value))
        return TurnResult("s", job_id, "completed")


async def _job(jobs: FakeJobs, job_id: str, kind: ChatJobKind = ChatJobKind.MESSAGE, **payload: Any) -> None:
    record = ChatJobRecord(job_id, "alice", "s", kind, ChatJobStatus.QUEUED, 0.0, {"message": "캔", **payload})
    await jobs.create(record)
    await jobs.enter_session("s", job_id)


def _runner(workflow: FakeWorkflow, jobs: FakeJobs, queue: FakeQueue, notifier: FakeNotifier, timeout_s: float = 5):
    return JobRunner(workflow, jobs, queue, notifier, timeout_s=timeout_s)


async def test_a_finished_job_leaves_the_line_and_starts_the_next() -> None:
    jobs, queue, notifier, workflow = FakeJobs(), FakeQueue(), FakeNotifier(), FakeWorkflow()
    await _job(jobs, "j1")
    await _job(jobs, "j2")
    await _runner(workflow, jobs, queue, notifier).run("j2")  # not first in line: left for later
    assert workflow.calls == []
    await _runner(workflow, jobs, queue, notifier).run("j1")
    assert jobs.records["j1"].status is ChatJobStatus.COMPLETED
    assert queue.enqueued == ["j2"]


async def test_a_job_past_its_time_limit_ends_with_an_error_event() -> None:
    jobs, queue, notifier = FakeJobs(), FakeQueue(), FakeNotifier()
    await _job(jobs, "j1")
    await _runner(FakeWorkflow(delay_s=5), jobs, queue, notifier, timeout_s=0.05).run("j1")
    assert jobs.records["j1"].status is ChatJobStatus.FAILED
    assert notifier.events[-1][:2] == ("j1", "error") and notifier.events[-1][2]["code"] == "timeout"
    assert jobs.lines["s"] == []


async def test_a_redelivered_job_announces_the_restart_and_a_settled_one_is_skipped() -> None:
    jobs, queue, notifier, workflow = FakeJobs(), FakeQueue(), FakeNotifier(), FakeWorkflow()
    await _job(jobs, "j1")
    jobs.records["j1"].attempts = 1  # the first worker died mid-run
    jobs.records["j1"].status = ChatJobStatus.RUNNING
    await _runner(workflow, jobs, queue, notifier).run("j1")
    assert notifier.events[0] == ("j1", "stage", {"stage": "job", "status": "restarted", "result": {"attempt": 2}})
    assert jobs.records["j1"].status is ChatJobStatus.COMPLETED
    await _runner(workflow, jobs, queue, notifier).run("j1")  # delivered once more after it finished
    assert len(workflow.calls) == 1


async def test_a_paused_job_waits_for_input_and_its_resume_continues_it() -> None:
    jobs, queue, notifier = FakeJobs(), FakeQueue(), FakeNotifier()
    await _job(jobs, "j1")
    await _runner(FakeWorkflow(status="waiting_human"), jobs, queue, notifier).run("j1")
    assert jobs.records["j1"].status is ChatJobStatus.WAITING_INPUT and jobs.lines["s"] == []

    record = jobs.records["j1"]
    record.kind, record.status, record.attempts = ChatJobKind.RESUME, ChatJobStatus.QUEUED, 0
    record.payload["input"] = {"type": "location", "data": {"latitude": 1.0, "longitude": 2.0}}
    await jobs.enter_session("s", "j1")
    workflow = FakeWorkflow()
    await _runner(workflow, jobs, queue, notifier).run("j1")
    assert workflow.calls == [("resume", {"latitude": 1.0, "longitude": 2.0})]

    # a resume whose worker died is answered afresh with the location already given
    record = jobs.records["j1"]
    record.status, record.attempts = ChatJobStatus.RUNNING, 1
    await jobs.enter_session("s", "j1")
    workflow = FakeWorkflow()
    await _runner(workflow, jobs, queue, notifier).run("j1")
    assert workflow.calls == [("run_turn", ("캔", {"latitude": 1.0, "longitude": 2.0}))]
