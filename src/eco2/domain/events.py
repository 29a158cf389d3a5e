"""Typed domain events published on the system event bus."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class EventType(StrEnum):
    JOB_STARTED = "chat.job.started"
    JOB_COMPLETED = "chat.job.completed"
    JOB_FAILED = "chat.job.failed"
    INPUT_REQUESTED = "chat.input.requested"
    INPUT_RECEIVED = "chat.input.received"


@dataclass(frozen=True)
class DomainEvent:
    type: EventType
    job_id: str
    session_id: str
    data: dict[str, Any] = field(default_factory=dict)
    event_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    occurred_at: float = field(default_factory=time.time)
