"""Sessions: create, list (cursor pages), read the history, delete history and checkpoints."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from eco2.presentation.http.auth import current_user
from eco2.presentation.http.errors import responses
from eco2.presentation.http.schemas import SessionCreated, SessionHistory, SessionItem, SessionList, Turn

router = APIRouter(prefix="/api/v1/chat", tags=["sessions"])

User = Annotated[str, Depends(current_user)]
SessionId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


@router.post("", status_code=201, response_model=SessionCreated, responses=responses(401))
async def create_session(request: Request, user: User) -> SessionCreated:
    session = await request.app.state.services.service.create_session(user)
    return SessionCreated(id=session.session_id, created_at=session.created_at)


@router.get("", response_model=SessionList, responses=responses(401, 422))
async def list_sessions(
    request: Request,
    user: User,
    cursor: Annotated[str | None, Query(max_length=200, pattern=r"^\d{1,12}(\.\d{1,9})?:[A-Za-z0-9_-]{1,64}$")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> SessionList:
    page = await request.app.state.services.service.list_sessions(user, cursor, limit)
    items = [SessionItem(id=s.session_id, created_at=s.created_at) for s in page.sessions]
    return SessionList(sessions=items, next_cursor=page.next_cursor)


@router.get("/{session_id}", response_model=SessionHistory, responses=responses(401, 404, 422))
async def get_session(request: Request, user: User, session_id: SessionId) -> SessionHistory:
    services = request.app.state.services
    session = await services.service.session(user, session_id)
    turns = await services.conversations.get_history(session_id)
    return SessionHistory(
        id=session.session_id,
        created_at=session.created_at,
        turns=[
            Turn(
                job_id=t.job_id,
                user_message=t.user_message,
                answer=t.answer,
                intent=t.intent,
                category=t.category,
                item=t.item,
                started_at=t.started_at,
                completed_at=t.completed_at,
            )
            for t in turns
        ],
    )


@router.delete(
    "/{session_id}", status_code=204, response_class=Response, responses=responses(401, 404, 409, 422)
)
async def delete_session(request: Request, user: User, session_id: SessionId) -> Response:
    await request.app.state.services.service.delete_session(user, session_id)
    return Response(status_code=204)
