"""Progress events for the UI (seed §2.3): best-effort, per job."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any


class ProgressNotifierPort(ABC):
    @abstractmethod
    async def notify_stage(
        self,
        task_id: str,
        stage: str,
        status: str,
        progress: int | None = None,
        result: dict[str, Any] | None = None,
        message: str | None = None,
    ) -> str: ...

    @abstractmethod
    async def notify_token(self, task_id: str, content: str) -> str: ...

    @abstractmethod
    async def notify_needs_input(
        self, task_id: str, input_type: str, message: str, timeout: int
    ) -> str: ...

    @abstractmethod
    async def notify_done(self, task_id: str, result: dict[str, Any]) -> str:
        """The terminal event of a job that finished (or paused for input)."""

    @abstractmethod
    async def notify_error(self, task_id: str, code: str, message: str) -> str:
        """The terminal event of a job that failed."""
