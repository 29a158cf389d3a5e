"""Runs one chat turn through the compiled graph and ends the job with a terminal event."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import asdict, dataclass, field
from typing import Any

import structlog
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command

from eco2.application.ports.domain_events import DomainEventBusPort
from eco2.application.ports.interaction import InputRequesterPort, InputType, InteractionStateStorePort
from eco2.application.ports.progress import ProgressNotifierPort
from eco2.application.ports.turns import TurnRecord, TurnStatus, TurnStorePort
from eco2.application.services.human_input import (
    InputAlreadyAnsweredError,
    JobNotWaitingError,
    check_waiting,
    parse_input,
)
from eco2.domain.categories import WasteCategory
from eco2.domain.events import DomainEvent, EventType
from eco2.domain.messages import validate_message
from eco2.infrastructure.orchestration.langgraph.state import turn_input

log = structlog.get_logger(__name__)

_FAILED_MESSAGE = "답변을 만드는 중 오류가 발생했습니다."


@dataclass
class TurnResult:
    session_id: str
    job_id: str
    status: str  # completed | waiting_human | failed
    intent: str | None = None
    category: str | None = None
    category_label: str | None = None
    item: str | None = None
    answer: str = ""
    sources: list[dict[str, Any]] = field(default_factory=list)
    needs_input: dict[str, Any] | None = None  # what the user must send to ``resume`` (waiting_human)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def new_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class HumanInTheLoop:
    """What pausing for user input needs; without it the graph never pauses."""

    requester: InputRequesterPort
    store: InteractionStateStorePort
    turns: TurnStorePort
    timeout_s: int = 300


class ChatWorkflow:
    def __init__(
        self,
        graph: CompiledStateGraph[Any, Any, Any, Any],
        notifier: ProgressNotifierPort,
        event_bus: DomainEventBusPort | None = None,
        hitl: HumanInTheLoop | None = None,
        turn_lock: Callable[[str], AbstractAsyncContextManager[None]] | None = None,
    ):
        self._graph = graph
        self._notifier = notifier
        self._events = event_bus
        self._hitl = hitl
        # Serialises turns on one session across workers (the checkpointer's per-thread lock).
        self._turn_lock = turn_lock or (lambda _session_id: nullcontext())

    @property
    def graph(self) -> CompiledStateGraph[Any, Any, Any, Any]:
        return self._graph

    async def run_turn(
        self,
        session_id: str,
        message: str,
        *,
        job_id: str | None = None,
        user_location: dict[str, float] | None = None,
    ) -> TurnResult:
        """Validate, run the graph on the session's thread and publish ``done`` or ``error``.

        A turn that needs user input ends with status ``waiting_human`` (``needs_input``, then ``done``).
        """
        text = validate_message(message)
        job_id = job_id or new_id()
        job = TurnRecord(job_id, session_id, TurnStatus.RUNNING, text, time.time(), time.time())
        await self._save_job(job)
        await self._publish(EventType.JOB_STARTED, job, {"message": text, "started_at": job.started_at})
        return await self._run(job, turn_input(session_id, job_id, text, user_location))

    async def resume(self, job_id: str, value: Any) -> TurnResult:
        """Continue a job paused for input from its checkpoint. ResumeError subclasses leave it unchanged."""
        if self._hitl is None:
            raise JobNotWaitingError(job_id, "hitl_disabled")
        job = await self._hitl.turns.get(job_id)
        request = check_waiting(job_id, job, await self._hitl.store.get_pending_request(job_id))
        answer = parse_input(request, value)
        assert job is not None
        snapshot = await self._graph.aget_state(_config(job.session_id))
        if request.resume_node not in snapshot.next:
            raise JobNotWaitingError(job_id, "superseded")
        if not await self._hitl.store.clear_pending_request(job_id, request.request_id):
            raise InputAlreadyAnsweredError(job_id)
        running = _with_status(job, TurnStatus.RUNNING)
        await self._save_job(running)
        await self._publish(
            EventType.INPUT_RECEIVED,
            running,
            {"request_id": request.request_id, "input_type": request.input_type.value},
        )
        log.info("turn_resumed", job_id=job_id, session_id=job.session_id, resume_node=request.resume_node)
        return await self._run(running, Command(resume=answer))

    async def _run(self, job: TurnRecord, graph_input: Any) -> TurnResult:
        # Every log line of this turn, in any module (LLM chain, clients, nodes), carries its ids.
        with structlog.contextvars.bound_contextvars(job_id=job.job_id, session_id=job.session_id):
            return await self._run_bound(job, graph_input)

    async def _run_bound(self, job: TurnRecord, graph_input: Any) -> TurnResult:
        bound = log.bind(job_id=job.job_id, session_id=job.session_id)
        try:
            async with self._turn_lock(job.session_id):
                # A turn is short and is re-run whole if a worker dies, so one checkpoint at its end
                # (or at an interrupt) is enough; per-step checkpoints would triple the writes.
                state = await self._graph.ainvoke(graph_input, _config(job.session_id), durability="exit")
            if state.get("__interrupt__"):
                return await self._pause(job, state)
        except Exception as exc:
            bound.exception("turn_failed")
            await self._save_job(_with_status(job, TurnStatus.FAILED))
            await self._publish(EventType.JOB_FAILED, job, {"message": job.message, "reason": str(exc)})
            await self._notifier.notify_error(job.job_id, "internal_error", _FAILED_MESSAGE)
            raise TurnFailedError(job.job_id, str(exc)) from exc
        result = _result(job.session_id, job.job_id, state)
        await self._save_job(_with_status(job, TurnStatus.COMPLETED))
        await self._publish(EventType.JOB_COMPLETED, job, _turn_data(job, result))
        await self._notifier.notify_done(job.job_id, result.to_dict())
        bound.info("turn_completed", intent=result.intent, category=result.category)
        return result

    async def _pause(self, job: TurnRecord, state: dict[str, Any]) -> TurnResult:
        """The graph stopped at ``interrupt()`` and its checkpoint is saved: now ask the user."""
        if self._hitl is None:
            raise RuntimeError("the graph asked for input but the workflow has no input requester")
        ask = dict(state["__interrupt__"][0].value)
        resume_node = str(ask["resume_node"])
        snapshot = {"session_id": job.session_id, "message": job.message, "started_at": job.started_at}
        await self._hitl.requester.save_waiting_state(job.job_id, snapshot, resume_node)
        await self._save_job(_with_status(job, TurnStatus.WAITING_HUMAN), required=True)
        input_type = InputType(ask["input_type"])
        request_id = await self._hitl.requester.request_input(
            job.job_id, input_type, ask["message"], self._hitl.timeout_s, session_id=job.session_id
        )
        needs_input = {
            "request_id": request_id,
            "input_type": input_type.value,
            "message": ask["message"],
            "timeout": self._hitl.timeout_s,
        }
        await self._publish(EventType.INPUT_REQUESTED, job, needs_input)
        result = TurnResult(job.session_id, job.job_id, "waiting_human", needs_input=needs_input)
        await self._notifier.notify_done(job.job_id, result.to_dict())
        log.info("turn_waiting_human", job_id=job.job_id, session_id=job.session_id, resume_node=resume_node)
        return result

    async def _save_job(self, job: TurnRecord, *, required: bool = False) -> None:
        """Turn records serve resumes; only a pause cannot do without one."""
        if self._hitl is None:
            return
        try:
            await self._hitl.turns.save(job)
        except Exception:
            if required:
                raise
            log.warning("turn_record_not_saved", job_id=job.job_id, status=job.status, exc_info=True)

    async def _publish(self, event_type: EventType, job: TurnRecord, data: dict[str, Any]) -> None:
        """Best effort at this level: the bus keeps events durable; only a total outage loses one, loudly."""
        if self._events is None:
            return
        try:
            await self._events.publish(DomainEvent(event_type, job.job_id, job.session_id, data))
        except Exception:
            log.exception("domain_event_lost", job_id=job.job_id, session_id=job.session_id, type=event_type)


class TurnFailedError(RuntimeError):
    def __init__(self, job_id: str, reason: str):
        self.job_id = job_id
        super().__init__(f"job {job_id} failed: {reason}")


def _config(session_id: str) -> Any:
    return {"configurable": {"thread_id": session_id}}


def _with_status(job: TurnRecord, status: TurnStatus) -> TurnRecord:
    return TurnRecord(job.job_id, job.session_id, status, job.message, job.started_at, time.time())


def _turn_data(job: TurnRecord, result: TurnResult) -> dict[str, Any]:
    return {
        "message": job.message,
        "answer": result.answer,
        "intent": result.intent,
        "category": result.category,
        "item": result.item,
        "started_at": job.started_at,
        "completed_at": time.time(),
    }


def _result(session_id: str, job_id: str, state: dict[str, Any]) -> TurnResult:
    category = state.get("category")
    return TurnResult(
        session_id=session_id,
        job_id=job_id,
        status="completed",
        intent=state.get("intent"),
        category=category,
        category_label=WasteCategory(category).label if category else None,
        item=state.get("item"),
        answer=state.get("answer") or "",
        sources=list(state.get("sources") or []),
    )
