"""Opaque cursors for paging through sessions, newest activity first."""

from __future__ import annotations

import base64
import json

from eco2.application.ports.conversations import InvalidCursorError


def encode_cursor(last_at: float, session_id: str) -> str:
    raw = json.dumps([last_at, session_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[float, str]:
    """The (last_at, session_id) position after which the next page starts."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        last_at, session_id = json.loads(raw)
        return float(last_at), str(session_id)
    except (ValueError, TypeError) as exc:
        raise InvalidCursorError("잘못된 페이지 커서입니다.") from exc
