"""Runs one chat turn through the compiled graph and ends the job with a terminal event."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

import structlog
from langgraph.graph.state import CompiledStateGraph

from eco2.application.ports.progress import ProgressNotifierPort
from eco2.domain.categories import WasteCategory
from eco2.domain.messages import validate_message
from eco2.infrastructure.orchestration.langgraph.state import turn_input

log = structlog.get_logger(__name__)


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

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def new_id() -> str:
    return uuid.uuid4().hex


class ChatWorkflow:
    def __init__(self, graph: CompiledStateGraph[Any, Any, Any, Any], notifier: ProgressNotifierPort):
        self._graph = graph
        self._notifier = notifier

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
        """Validate, run the graph on the session's thread and publish ``done`` or ``error``."""
        text = validate_message(message)
        job_id = job_id or new_id()
        config = {"configurable": {"thread_id": session_id}}
        bound = log.bind(job_id=job_id, session_id=session_id)
        try:
            state = await self._graph.ainvoke(turn_input(session_id, job_id, text, user_location), config)
        except Exception as exc:
            bound.exception("turn_failed")
            await self._notifier.notify_error(job_id, "internal_error", "답변을 만드는 중 오류가 발생했습니다.")
            raise TurnFailedError(job_id, str(exc)) from exc
        result = _result(session_id, job_id, state)
        await self._notifier.notify_done(job_id, result.to_dict())
        bound.info("turn_completed", intent=result.intent, category=result.category)
        return result


class TurnFailedError(RuntimeError):
    def __init__(self, job_id: str, reason: str):
        self.job_id = job_id
        super().__init__(f"job {job_id} failed: {reason}")


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
