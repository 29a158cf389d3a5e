"""Hand-written in-memory fakes of the chat-job ports, for the HTTP unit tests."""

from __future__ import annotations

import dataclasses
import itertools
from typing import Any

from events_fakes import FakeInteractionStore as FakeInteractions  # noqa: F401 (re-exported for the http tests)

from eco2.application.ports.chat_jobs import (
    ChatJobRecord,
    ChatJobStatus,
    ChatJobStorePort,
    JobQueuePort,
    OwnedSession,
    OwnedSessionPage,
    RateLimiterPort,
    SessionRegistryPort,
)
from eco2.application.ports.progress import ProgressNotifierPort


class FakeSessions(SessionRegistryPort):
    def __init__(self) -> None:
        self.sessions: dict[str, OwnedSession] = {}
        self._ids = itertools.count(1)

    async def create(self, user_id: str) -> OwnedSession:
        number = next(self._ids)
        session = OwnedSession(f"s{number}", user_id, float(number))
        self.sessions[session.session_id] = session
        return session

    async def get(self, session_id: str) -> OwnedSession | None:
        return self.sessions.get(session_id)

    async def list(self, user_id: str, cursor: str | None, limit: int) -> OwnedSessionPage:
        mine = sorted((s for s in self.sessions.values() if s.user_id == user_id), key=lambda s: -s.created_at)
        return OwnedSessionPage(mine[:limit], None)

    async def delete(self, session_id: str) -> bool:
        return self.sessions.pop(session_id, None) is not None


class FakeJobs(ChatJobStorePort):
    def __init__(self) -> None:
        self.records: dict[str, ChatJobRecord] = {}
        self.keys: dict[tuple[str, str], str] = {}
        self.lines: dict[str, list[str]] = {}

    async def create(self, record: ChatJobRecord, idempotency_key: str | None = None) -> tuple[ChatJobRecord, bool]:
        if idempotency_key is not None:
            existing = self.keys.get((record.user_id, idempotency_key))
            if existing is not None:
                return self.records[existing], False
            self.keys[(record.user_id, idempotency_key)] = record.job_id
        self.records[record.job_id] = dataclasses.replace(record)
        return record, True

    async def find_by_key(self, user_id: str, idempotency_key: str) -> ChatJobRecord | None:
        job_id = self.keys.get((user_id, idempotency_key))
        return self.records[job_id] if job_id else None

    async def get(self, job_id: str) -> ChatJobRecord | None:
        record = self.records.get(job_id)
        return dataclasses.replace(record) if record else None

    async def save(self, record: ChatJobRecord) -> None:
        self.records[record.job_id] = dataclasses.replace(record)

    async def transition(self, job_id: str, expected: ChatJobStatus, status: ChatJobStatus) -> bool:
        if self.records[job_id].status is not expected:
            return False
        self.records[job_id].status = status
        return True

    async def set_status(self, job_id: str, status: ChatJobStatus) -> None:
        self.records[job_id].status = status

    async def begin_attempt(self, job_id: str) -> int:
        self.records[job_id].attempts += 1
        return self.records[job_id].attempts

    async def enter_session(self, session_id: str, job_id: str) -> bool:
        line = self.lines.setdefault(session_id, [])
        line.append(job_id)
        return line[0] == job_id

    async def leave_session(self, session_id: str, job_id: str) -> str | None:
        line = self.lines.get(session_id, [])
        if job_id in line:
            line.remove(job_id)
        return line[0] if line else None

    async def session_head(self, session_id: str) -> str | None:
        line = self.lines.get(session_id, [])
        return line[0] if line else None

    async def forget_session(self, session_id: str) -> None:
        self.lines.pop(session_id, None)


class FakeQueue(JobQueuePort):
    def __init__(self) -> None:
        self.enqueued: list[str] = []

    async def enqueue(self, job_id: str) -> None:
        self.enqueued.append(job_id)


class FakeRateLimiter(RateLimiterPort):
    def __init__(self, limit: int = 100) -> None:
        self.limit = limit
        self.hits: dict[str, int] = {}

    async def hit(self, user_id: str) -> float | None:
        self.hits[user_id] = self.hits.get(user_id, 0) + 1
        return None if self.hits[user_id] <= self.limit else 12.0


class FakeNotifier(ProgressNotifierPort):
    def __init__(self) -> None:
        self.events: list[tuple[str, str, dict[str, Any]]] = []

    async def notify_stage(
        self,
        task_id: str,
        stage: str,
        status: str,
        progress: int | None = None,
        result: dict[str, Any] | None = None,
        message: str | None = None,
    ) -> str:
        self.events.append((task_id, "stage", {"stage": stage, "status": status, "result": result}))
        return ""

    async def notify_token(self, task_id: str, content: str) -> str:
        self.events.append((task_id, "token", {"content": content}))
        return ""

    async def notify_needs_input(self, task_id: str, input_type: str, message: str, timeout: int) -> str:
        self.events.append((task_id, "needs_input", {"input_type": input_type}))
        return ""

    async def notify_done(self, task_id: str, result: dict[str, Any]) -> str:
        self.events.append((task_id, "done", result))
        return ""

    async def notify_error(self, task_id: str, code: str, message: str) -> str:
        self.events.append((task_id, "error", {"code": code, "message": message}))
        return ""
