"""The workflow state. Per-turn keys are reset by each new turn; the rest lives for the session."""

from __future__ import annotations

from typing import Annotated, Any, TypedDict

HISTORY_LIMIT = 20


def keep_recent(current: list[dict[str, Any]] | None, new: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    merged = [*(current or []), *(new or [])]
    return merged[-HISTORY_LIMIT:]


class ChatState(TypedDict, total=False):
    # per turn
    job_id: str
    message: str
    user_location: dict[str, float] | None
    intent: str | None
    intent_source: str | None
    grounding: dict[str, Any] | None
    answer: str | None
    sources: list[dict[str, Any]]
    category: str | None
    item: str | None
    # per session
    session_id: str
    focus_item: str | None
    focus_category: str | None
    last_location: dict[str, float] | None
    history: Annotated[list[dict[str, Any]], keep_recent]


def turn_input(
    session_id: str, job_id: str, message: str, user_location: dict[str, float] | None
) -> dict[str, Any]:
    """A new turn's input: clears what the previous turn left behind."""
    return {
        "session_id": session_id,
        "job_id": job_id,
        "message": message,
        "user_location": user_location,
        "intent": None,
        "intent_source": None,
        "grounding": None,
        "answer": None,
        "sources": [],
        "category": None,
        "item": None,
    }
