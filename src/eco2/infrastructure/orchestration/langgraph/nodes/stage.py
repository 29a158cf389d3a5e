"""Stage events around a node's work (started/completed/skipped with progress)."""

from __future__ import annotations

from typing import Any

from eco2.application.ports.progress import ProgressNotifierPort

PROGRESS = {
    "intent": (5, 20),
    "waste_rag": (25, 45),
    "character": (25, 45),
    "location": (25, 45),
    "general": (25, 45),
    "answer": (50, 100),
}


class StageReporter:
    def __init__(self, notifier: ProgressNotifierPort, stage: str):
        self._notifier = notifier
        self._stage = stage

    async def started(self, job_id: str) -> None:
        await self._notifier.notify_stage(job_id, self._stage, "started", progress=PROGRESS[self._stage][0])

    async def completed(self, job_id: str, result: dict[str, Any] | None = None) -> None:
        await self._notifier.notify_stage(
            job_id, self._stage, "completed", progress=PROGRESS[self._stage][1], result=result
        )

    async def skipped(self, job_id: str, reason: str) -> None:
        await self._notifier.notify_stage(
            job_id, self._stage, "skipped", progress=PROGRESS[self._stage][1], message=reason
        )
