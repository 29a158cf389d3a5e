"""Ports for chat jobs as the API and the workers share them: records, sessions, queue, rate limit.

A chat job is one unit of queued work on a session's thread (a user message, or the resume after an
input). Every record names its owner so that one user can never see or steer another user's work.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class ChatJobKind(StrEnum):
    MESSAGE = "message"
    RESUME = "resume"


class ChatJobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    WAITING_INPUT = "waiting_input"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in {ChatJobStatus.COMPLETED, ChatJobStatus.FAILED, ChatJobStatus.CANCELLED}


@dataclass
class ChatJobRecord:
    job_id: str
    user_id: str
    session_id: str
    kind: ChatJobKind
    status: ChatJobStatus
    created_at: float
    payload: dict[str, Any] = field(default_factory=dict)
    attempts: int = 0


@dataclass(frozen=True)
class OwnedSession:
    session_id: str
    user_id: str
    created_at: float


@dataclass(frozen=True)
class OwnedSessionPage:
    sessions: list[OwnedSession]
    next_cursor: str | None


class InvalidPageCursorError(ValueError):
    """The cursor did not come from a previous page."""


class SessionRegistryPort(ABC):
    """Which sessions exist and who owns them (the conversation store holds what was said)."""

    @abstractmethod
    async def create(self, user_id: str) -> OwnedSession: ...

    @abstractmethod
    async def get(self, session_id: str) -> OwnedSession | None: ...

    @abstractmethod
    async def list(self, user_id: str, cursor: str | None, limit: int) -> OwnedSessionPage:
        """Newest first; ``cursor`` is opaque and comes from the previous page."""

    @abstractmethod
    async def delete(self, session_id: str) -> bool: ...


class ChatJobStorePort(ABC):
    @abstractmethod
    async def create(
        self, record: ChatJobRecord, idempotency_key: str | None = None
    ) -> tuple[ChatJobRecord, bool]:
        """Store a new job, or return the job already stored under the user's idempotency key (False)."""

    @abstractmethod
    async def find_by_key(self, user_id: str, idempotency_key: str) -> ChatJobRecord | None: ...

    @abstractmethod
    async def get(self, job_id: str) -> ChatJobRecord | None: ...

    @abstractmethod
    async def save(self, record: ChatJobRecord) -> None:
        """Overwrite the job's status, kind, payload and attempt count."""

    @abstractmethod
    async def transition(self, job_id: str, expected: ChatJobStatus, status: ChatJobStatus) -> bool:
        """Set ``status`` only if the job is still ``expected``; of two racing callers one wins."""

    @abstractmethod
    async def set_status(self, job_id: str, status: ChatJobStatus) -> None: ...

    @abstractmethod
    async def begin_attempt(self, job_id: str) -> int:
        """Count one more delivery of the job and return its number (1 for the first)."""

    @abstractmethod
    async def enter_session(self, session_id: str, job_id: str) -> bool:
        """Queue the job on its session; True when it is first in line and may run now."""

    @abstractmethod
    async def leave_session(self, session_id: str, job_id: str) -> str | None:
        """Take the job off its session's line and return the job that may run next, if any."""

    @abstractmethod
    async def session_head(self, session_id: str) -> str | None: ...

    @abstractmethod
    async def forget_session(self, session_id: str) -> None: ...


class JobQueuePort(ABC):
    """Hands a job id to the workers; delivery is at least once."""

    @abstractmethod
    async def enqueue(self, job_id: str) -> None: ...


class RateLimiterPort(ABC):
    @abstractmethod
    async def hit(self, user_id: str) -> float | None:
        """Count one request; None when allowed, else the seconds to wait."""
