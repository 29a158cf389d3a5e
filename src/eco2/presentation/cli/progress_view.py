"""Shows a job's progress in the terminal by following its Redis stream, as an SSE client would."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any, TextIO

import structlog
from redis.exceptions import RedisError

from eco2.bootstrap import ChatRuntime
from eco2.infrastructure.orchestration.langgraph.workflow import TurnResult

log = structlog.get_logger(__name__)

_DRAIN_S = 2.0  # after the turn returns, how long to wait for its last events to be read


def printer(tokens: TextIO, stages: TextIO) -> Callable[[dict[str, Any]], None]:
    def show(event: dict[str, Any]) -> None:
        payload = event["payload"]
        if event["event_type"] == "token":
            tokens.write(payload["content"])
            tokens.flush()
        elif event["event_type"] == "stage" and stages is not tokens:
            stages.write(f"[{payload['stage']}: {payload['status']} {payload.get('progress') or ''}]\n")
            stages.flush()
        elif event["event_type"] == "needs_input":
            stages.write(f"\n[입력 필요: {payload['message']}]\n")
            stages.flush()

    return show


async def follow(
    runtime: ChatRuntime, job_id: str, turn: Awaitable[TurnResult], show: Callable[[dict[str, Any]], None]
) -> TurnResult:
    """Run ``turn`` while printing the job's new events; stop at its terminal event (or shortly after)."""
    try:
        after = await runtime.events.progress.last_id(job_id)
    except (RedisError, OSError) as exc:  # progress is best-effort: the answer is printed from the result
        log.warning("progress_view_unavailable", job_id=job_id, error=repr(exc))
        result = await turn
        show({"event_type": "token", "payload": {"content": result.answer}})
        return result

    async def read() -> None:
        async for _entry_id, event in runtime.events.progress.read(job_id, after=after, block_ms=1000):
            show(event)

    reader = asyncio.create_task(read())
    try:
        result = await turn
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(reader), timeout=_DRAIN_S)
        return result
    finally:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader
