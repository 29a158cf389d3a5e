"""Conversation history (what was asked and answered), kept for listing, reading and deletion."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass


@dataclass(frozen=True)
class ConversationTurn:
    session_id: str
    job_id: str
    event_id: str
    user_message: str
    answer: str
    intent: str | None
    category: str | None
    item: str | None
    started_at: float
    completed_at: float


@dataclass(frozen=True)
class SessionSummary:
    session_id: str
    turns: int
    first_at: float
    last_at: float
    last_message: str


@dataclass(frozen=True)
class SessionPage:
    sessions: list[SessionSummary]
    next_cursor: str | None  # pass back to list_sessions for the next (older) page; None at the end


class InvalidCursorError(ValueError):
    """The cursor was not produced by list_sessions."""


class ConversationStorePort(ABC):
    @abstractmethod
    async def setup(self) -> None:
        """Create tables if they do not exist."""

    @abstractmethod
    async def save_turn(self, turn: ConversationTurn) -> bool:
        """Store the turn once per job; False when it was already stored (a redelivered event)."""

    @abstractmethod
    async def list_sessions(self, limit: int = 20, cursor: str | None = None) -> SessionPage:
        """Sessions, most recently active first, ``limit`` per page."""

    @abstractmethod
    async def get_history(self, session_id: str, limit: int = 100) -> list[ConversationTurn]:
        """The session's turns, oldest first (the last ``limit``)."""

    @abstractmethod
    async def delete_session(self, session_id: str) -> int:
        """Delete the session's turns; returns how many were deleted."""
