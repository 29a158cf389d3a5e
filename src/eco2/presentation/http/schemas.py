"""Request and response bodies of the HTTP API (the OpenAPI schema is generated from these)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from eco2.domain.messages import MAX_MESSAGE_CHARS


class Location(BaseModel):
    model_config = ConfigDict(extra="forbid")

    latitude: float = Field(ge=-90, le=90, allow_inf_nan=False)
    longitude: float = Field(ge=-180, le=180, allow_inf_nan=False)


class SessionCreated(BaseModel):
    id: str
    created_at: float


class SessionItem(BaseModel):
    id: str
    created_at: float


class SessionList(BaseModel):
    sessions: list[SessionItem]
    next_cursor: str | None


class Turn(BaseModel):
    job_id: str
    user_message: str
    answer: str
    intent: str | None
    category: str | None
    item: str | None
    started_at: float
    completed_at: float


class SessionHistory(BaseModel):
    id: str
    created_at: float
    turns: list[Turn]


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: str = Field(min_length=1, max_length=MAX_MESSAGE_CHARS)
    user_location: Location | None = None


class JobAccepted(BaseModel):
    job_id: str
    stream_url: str
    status: str


class LocationInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["location"]
    data: Location


class CancelInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["cancel"]
    data: dict[str, Any] | None = None


class InputAccepted(BaseModel):
    job_id: str
    status: str
    stream_url: str


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    checks: dict[str, bool]
