"""Posting a message: validated, rate-limited, idempotent, queued behind the session's running job."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Request

from eco2.presentation.http.auth import current_user
from eco2.presentation.http.errors import responses
from eco2.presentation.http.schemas import JobAccepted, MessageIn

router = APIRouter(prefix="/api/v1/chat", tags=["messages"])


def stream_url(job_id: str) -> str:
    return f"/api/v1/chat/{job_id}/events"


@router.post(
    "/{session_id}/messages",
    status_code=202,
    response_model=JobAccepted,
    responses=responses(400, 401, 404, 409, 422, 429),
)
async def post_message(
    request: Request,
    body: MessageIn,
    user: Annotated[str, Depends(current_user)],
    session_id: Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")],
    # typed ``str`` so the schema says "a string when present", not "string or null"
    idempotency_key: str = Header(  # type: ignore[assignment]
        default=None, alias="Idempotency-Key", min_length=1, max_length=200, pattern=r"^[\x21-\x7e]+$"
    ),
) -> JobAccepted:
    location = body.user_location.model_dump() if body.user_location else None
    submitted = await request.app.state.services.service.submit_message(
        user, session_id, body.message, location, idempotency_key
    )
    record = submitted.record
    return JobAccepted(job_id=record.job_id, stream_url=stream_url(record.job_id), status=record.status.value)
