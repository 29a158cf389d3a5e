"""Server-Sent Events for one job: replay from ``Last-Event-ID``, follow live, end after the terminal event.

``id:`` is the Redis stream entry id, so a reconnecting EventSource resumes exactly after the last
event it received. A ``done`` that only pauses the job for input ends the stream while the job waits;
once the input is given the same job continues, and a reconnect picks up from where it stopped.
A worker that died mid-job leaves a partial attempt: its successor's first event arrives as
``event: reset``, telling clients to discard what the dead attempt had streamed.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Request
from sse_starlette import EventSourceResponse

from eco2.application.ports.chat_jobs import ChatJobStatus
from eco2.presentation.http.auth import current_user
from eco2.presentation.http.errors import responses
from eco2.presentation.worker import RESTART_STAGE, RESTART_STATUS

router = APIRouter(prefix="/api/v1/chat", tags=["events"])

# A settled job's stream holds everything it will ever hold: no entry within this long means none is left.
SETTLED_IDLE_S = 1.0

Entry = tuple[str, dict[str, Any]]


@router.get(
    "/{job_id}/events",
    response_class=EventSourceResponse,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "진행 이벤트 스트림"},
        **responses(401, 404, 422),
    },
)
async def job_events(
    request: Request,
    user: Annotated[str, Depends(current_user)],
    job_id: Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")],
    # typed ``str`` so the schema says "a string when present", not "string or null"
    last_event_id: str = Header(  # type: ignore[assignment]
        default=None, alias="Last-Event-ID", max_length=64, pattern=r"^\d+-\d+$"
    ),
) -> EventSourceResponse:
    services = request.app.state.services
    await services.service.job(user, job_id)
    ping = services.settings.sse_ping_s
    return EventSourceResponse(_events(services, job_id, last_event_id or "0-0"), ping=ping)


async def _events(services: Any, job_id: str, after: str) -> AsyncIterator[bytes]:
    last = after
    while True:
        record = await services.jobs.get(job_id)
        settled = record is None or record.status.finished or record.status is ChatJobStatus.WAITING_INPUT
        final: dict[str, Any] | None = None
        async for entry_id, event in _entries(services.hub, job_id, last, settled):
            last = entry_id
            yield _to_sse(entry_id, event)
            if event["event_type"] in {"done", "error"}:
                final = event
        if final is None or not _pauses(final):
            return
        record = await services.service.settled(job_id)
        if record is None or record.status is ChatJobStatus.WAITING_INPUT:
            return


async def _entries(reader: Any, job_id: str, after: str, settled: bool) -> AsyncIterator[Entry]:
    """The reader's entries until its terminal event.

    A settled job's stream already ends with one, so the reader stops by itself; only a client that
    has seen everything gets nothing at all, and that first read waits ``SETTLED_IDLE_S`` at most.
    """
    entries = reader.read(job_id, after)
    first = True
    try:
        while True:
            try:
                if settled and first:
                    entry = await asyncio.wait_for(anext(entries), SETTLED_IDLE_S)
                else:
                    entry = await anext(entries)
            except (StopAsyncIteration, TimeoutError):
                return
            first = False
            yield entry
    finally:
        await entries.aclose()


def _pauses(event: dict[str, Any]) -> bool:
    return event["event_type"] == "done" and event["payload"].get("status") == "waiting_human"


def _to_sse(entry_id: str, event: dict[str, Any]) -> bytes:
    """One SSE frame, encoded here (JSON never contains a raw newline, so ``data:`` is one line)."""
    kind = event["event_type"]
    payload = event["payload"]
    if kind == "stage" and payload.get("stage") == RESTART_STAGE and payload.get("status") == RESTART_STATUS:
        kind = "reset"
        payload = {"attempt": (payload.get("result") or {}).get("attempt")}
    data = json.dumps({**payload, "seq": event["seq"]}, ensure_ascii=False)
    return f"id: {entry_id}\r\nevent: {kind}\r\ndata: {data}\r\n\r\n".encode()
