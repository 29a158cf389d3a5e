"""Domain events as flat string fields, the shape a Redis stream entry and an outbox row both store."""

from __future__ import annotations

import json
from typing import Any

from eco2.domain.events import DomainEvent, EventType


class MalformedEventError(ValueError):
    """An entry that can never become a DomainEvent; it goes straight to the dead-letter stream."""


def encode_event(event: DomainEvent) -> dict[str, str]:
    return {
        "event_id": event.event_id,
        "type": event.type.value,
        "job_id": event.job_id,
        "session_id": event.session_id,
        "occurred_at": repr(event.occurred_at),
        "data": json.dumps(event.data, ensure_ascii=False, default=str),
    }


def decode_event(fields: dict[Any, Any]) -> DomainEvent:
    values = {_text(k): _text(v) for k, v in fields.items()}
    try:
        data = json.loads(values["data"])
        if not isinstance(data, dict):
            raise MalformedEventError("data is not a JSON object")
        return DomainEvent(
            type=EventType(values["type"]),
            job_id=values["job_id"],
            session_id=values["session_id"],
            data=data,
            event_id=values["event_id"],
            occurred_at=float(values["occurred_at"]),
        )
    except (KeyError, ValueError) as exc:
        raise MalformedEventError(f"cannot decode domain event: {exc!r}") from exc


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
