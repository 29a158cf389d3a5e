"""Progress events kept in process memory: a fake of ProgressNotifierPort for tests."""

from __future__ import annotations

import itertools
import time
from collections import defaultdict, deque
from collections.abc import Callable
from typing import Any

from eco2.application.ports.progress import ProgressNotifierPort

Listener = Callable[[str, dict[str, Any]], None]


class InProcessProgressNotifier(ProgressNotifierPort):
    """Keeps the last events of recent jobs and hands every event to listeners as it happens."""

    def __init__(self, max_jobs: int = 256, max_events_per_job: int = 5000):
        self._events: dict[str, deque[dict[str, Any]]] = defaultdict(lambda: deque(maxlen=max_events_per_job))
        self._jobs: deque[str] = deque()
        self._max_jobs = max_jobs
        self._seq: dict[str, itertools.count[int]] = {}
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def events(self, job_id: str) -> list[dict[str, Any]]:
        return list(self._events.get(job_id, ()))

    async def notify_stage(
        self,
        task_id: str,
        stage: str,
        status: str,
        progress: int | None = None,
        result: dict[str, Any] | None = None,
        message: str | None = None,
    ) -> str:
        payload = {"stage": stage, "status": status, "progress": progress, "result": result, "message": message}
        return self._emit(task_id, "stage", payload)

    async def notify_token(self, task_id: str, content: str) -> str:
        return self._emit(task_id, "token", {"content": content})

    async def notify_needs_input(self, task_id: str, input_type: str, message: str, timeout: int) -> str:
        return self._emit(task_id, "needs_input", {"input_type": input_type, "message": message, "timeout": timeout})

    async def notify_done(self, task_id: str, result: dict[str, Any]) -> str:
        return self._emit(task_id, "done", result)

    async def notify_error(self, task_id: str, code: str, message: str) -> str:
        return self._emit(task_id, "error", {"code": code, "message": message})

    def _emit(self, job_id: str, event_type: str, payload: dict[str, Any]) -> str:
        if job_id not in self._seq:
            self._seq[job_id] = itertools.count(1)
            self._jobs.append(job_id)
            while len(self._jobs) > self._max_jobs:
                old = self._jobs.popleft()
                self._events.pop(old, None)
                self._seq.pop(old, None)
        seq = next(self._seq[job_id])
        event = {"event_type": event_type, "seq": seq, "ts": time.time(), "payload": payload}
        self._events[job_id].append(event)
        for listener in list(self._listeners):
            listener(job_id, event)
        return f"{job_id}-{seq}"
