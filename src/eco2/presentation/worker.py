"""The worker side of a chat job: take a job id off the queue and run the turn (or the resume).

A job is acknowledged only after this returns, so a worker killed mid-job has its message claimed by
another worker. That second delivery is attempt 2: it first publishes a ``stage`` event
``{"stage": "job", "status": "restarted"}``, which the SSE layer turns into ``event: reset`` so
clients drop the partial text of the dead attempt and show exactly one answer.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Protocol

import structlog

from eco2.application.ports.chat_jobs import (
    ChatJobKind,
    ChatJobRecord,
    ChatJobStatus,
    ChatJobStorePort,
    JobQueuePort,
)
from eco2.application.ports.progress import ProgressNotifierPort
from eco2.application.services.human_input import ResumeError
from eco2.domain.messages import InvalidMessageError
from eco2.infrastructure.orchestration.langgraph.workflow import TurnFailedError, TurnResult
from eco2.presentation.http.metrics import JOB_REDELIVERIES, JOB_SECONDS, JOBS, STAGE_SECONDS, TOKENS

log = structlog.get_logger(__name__)

RESTART_STAGE = "job"
RESTART_STATUS = "restarted"



class TurnRunner(Protocol):
    """What a worker needs of the chat workflow (``ChatWorkflow``)."""

    async def run_turn(
        self, session_id: str, message: str, *, job_id: str | None = None,
        user_location: dict[str, float] | None = None,
    ) -> TurnResult: ...

    async def resume(self, job_id: str, value: Any) -> TurnResult: ...


class EventHistory(Protocol):
    """The events a job's stream holds (the progress stream reader)."""

    async def history(self, job_id: str) -> list[dict[str, Any]]: ...


class JobRunner:
    def __init__(
        self,
        workflow: TurnRunner,
        jobs: ChatJobStorePort,
        queue: JobQueuePort,
        notifier: ProgressNotifierPort,
        *,
        timeout_s: float,
        history: EventHistory | None = None,
    ):
        self._workflow = workflow
        self._jobs = jobs
        self._queue = queue
        self._notifier = notifier
        self._timeout_s = timeout_s
        self._history = history

    async def run(self, job_id: str) -> None:
        record = await self._jobs.get(job_id)
        if record is None:
            log.warning("job_unknown", job_id=job_id)
            return
        bound = log.bind(job_id=job_id, session_id=record.session_id)
        if record.status.finished or record.status is ChatJobStatus.WAITING_INPUT:
            bound.info("job_already_settled", status=record.status.value)
            await self._release(record)
            return
        head = await self._jobs.session_head(record.session_id)
        if head != job_id:
            bound.info("job_not_first_in_session", head=head)
            return
        attempt = await self._jobs.begin_attempt(job_id)
        bound.info("job_started", attempt=attempt, kind=record.kind.value)
        if attempt > 1:
            JOB_REDELIVERIES.inc()
            bound.warning("job_redelivered", attempt=attempt)
            await self._notifier.notify_stage(
                job_id, RESTART_STAGE, RESTART_STATUS, result={"attempt": attempt}, message="다시 시작합니다"
            )
        await self._jobs.set_status(job_id, ChatJobStatus.RUNNING)
        started = time.perf_counter()
        status = await self._execute(record, attempt, bound)
        JOB_SECONDS.observe(time.perf_counter() - started)
        JOBS.labels(outcome=status.value).inc()
        await self._jobs.set_status(job_id, status)
        await self._release(record)
        await self._observe_stages(job_id)

    async def _execute(self, record: ChatJobRecord, attempt: int, bound: Any) -> ChatJobStatus:
        job_id = record.job_id
        try:
            async with asyncio.timeout(self._timeout_s):
                result = await self._turn(record, attempt)
        except TimeoutError:
            bound.warning("job_timed_out", timeout_s=self._timeout_s)
            await self._notifier.notify_error(
                job_id, "timeout", f"답변 시간({self._timeout_s:g}초)을 넘겼습니다. 다시 시도해 주세요."
            )
            return ChatJobStatus.FAILED
        except TurnFailedError:
            return ChatJobStatus.FAILED
        except (ResumeError, InvalidMessageError) as exc:
            code = getattr(exc, "code", "invalid_input")
            bound.warning("job_rejected", code=code, error=str(exc))
            await self._notifier.notify_error(job_id, code, str(exc))
            return ChatJobStatus.FAILED
        except Exception:
            bound.exception("job_crashed")
            await self._notifier.notify_error(job_id, "internal_error", "답변을 만드는 중 오류가 났습니다.")
            return ChatJobStatus.FAILED
        return ChatJobStatus.WAITING_INPUT if result.status == "waiting_human" else ChatJobStatus.COMPLETED

    async def _turn(self, record: ChatJobRecord, attempt: int) -> TurnResult:
        payload = record.payload
        if record.kind is ChatJobKind.RESUME:
            answer = payload["input"]["data"]
            if attempt == 1:
                return await self._workflow.resume(record.job_id, answer)
            # The first resume died after taking the pending request: answer the question afresh,
            # this time with the location the user already gave.
            return await self._workflow.run_turn(
                record.session_id, payload["message"], job_id=record.job_id, user_location=answer
            )
        location = payload.get("user_location")
        return await self._workflow.run_turn(
            record.session_id, payload["message"], job_id=record.job_id, user_location=location
        )

    async def _release(self, record: ChatJobRecord) -> None:
        """Leave the session's line and start whichever job of the session waited behind this one."""
        following = await self._jobs.leave_session(record.session_id, record.job_id)
        if following is not None and following != record.job_id:
            await self._queue.enqueue(following)

    async def _observe_stages(self, job_id: str) -> None:
        if self._history is None:
            return
        try:
            events = await self._history.history(job_id)
        except Exception as exc:  # metrics must never fail a job
            log.warning("stage_metrics_unavailable", job_id=job_id, error=repr(exc))
            return
        started: dict[str, float] = {}
        tokens = 0
        for event in events:
            if event["event_type"] == "token":
                tokens += 1
            elif event["event_type"] == "stage":
                stage, status = event["payload"].get("stage"), event["payload"].get("status")
                if status == "started":
                    started[stage] = event["ts"]
                elif stage in started:
                    STAGE_SECONDS.labels(stage=stage).observe(max(0.0, event["ts"] - started.pop(stage)))
        TOKENS.inc(tokens)
