"""Where a chat turn stands, so a resume can tell an unknown job from one that is not waiting."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from enum import StrEnum


class TurnStatus(StrEnum):
    RUNNING = "running"
    WAITING_HUMAN = "waiting_human"
    COMPLETED = "completed"
    FAILED = "failed"


@dataclass(frozen=True)
class TurnRecord:
    job_id: str
    session_id: str
    status: TurnStatus
    message: str
    started_at: float
    updated_at: float


class TurnStorePort(ABC):
    @abstractmethod
    async def save(self, record: TurnRecord) -> None: ...

    @abstractmethod
    async def get(self, job_id: str) -> TurnRecord | None: ...
