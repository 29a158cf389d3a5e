"""Answering a paused job: a location (or a cancel), checked against the pending request, then resumed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path, Request
from pydantic import Field

from eco2.presentation.http.auth import current_user
from eco2.presentation.http.errors import responses
from eco2.presentation.http.routes_messages import stream_url
from eco2.presentation.http.schemas import CancelInput, InputAccepted, LocationInput

router = APIRouter(prefix="/api/v1/chat", tags=["input"])

InputBody = Annotated[LocationInput | CancelInput, Field(discriminator="type")]


@router.post(
    "/{job_id}/input",
    status_code=202,
    response_model=InputAccepted,
    responses=responses(400, 401, 404, 409, 422),
)
async def post_input(
    request: Request,
    body: Annotated[InputBody, Body()],
    user: Annotated[str, Depends(current_user)],
    job_id: Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")],
) -> InputAccepted:
    data = body.data.model_dump() if isinstance(body, LocationInput) else None
    record = await request.app.state.services.service.submit_input(user, job_id, body.type, data)
    return InputAccepted(
        job_id=record.job_id, status=record.status.value, stream_url=stream_url(record.job_id)
    )
