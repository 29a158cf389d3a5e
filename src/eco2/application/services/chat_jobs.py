"""The rules of the chat API, free of HTTP: who may touch which session and job, and when work is queued.

Every failure is a ``ChatJobError`` with a stable code and a Korean message; nothing is stored or queued
before all checks pass, so a rejected request changes no state.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import structlog

from eco2.application.ports.chat_jobs import (
    ChatJobKind,
    ChatJobRecord,
    ChatJobStatus,
    ChatJobStorePort,
    JobQueuePort,
    OwnedSession,
    OwnedSessionPage,
    RateLimiterPort,
    SessionRegistryPort,
)
from eco2.application.ports.interaction import InteractionStateStorePort
from eco2.application.ports.progress import ProgressNotifierPort
from eco2.application.services.human_input import InvalidHumanInputError, parse_input
from eco2.domain.messages import InvalidMessageError, validate_message

log = structlog.get_logger(__name__)

SessionEraser = Callable[[str], Awaitable[object]]


class ChatJobError(Exception):
    status = 400

    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(message)


class NotFoundError(ChatJobError):
    status = 404


class ConflictError(ChatJobError):
    status = 409


class InvalidRequestError(ChatJobError):
    status = 422


class RateLimitedError(ChatJobError):
    status = 429

    def __init__(self, retry_after: float):
        self.retry_after = retry_after
        wait = max(1, round(retry_after))
        super().__init__("rate_limited", f"요청이 너무 많습니다. {wait}초 후에 다시 시도하세요.")


@dataclass(frozen=True)
class SubmittedJob:
    record: ChatJobRecord
    created: bool


class ChatJobService:
    def __init__(
        self,
        sessions: SessionRegistryPort,
        jobs: ChatJobStorePort,
        queue: JobQueuePort,
        rate_limiter: RateLimiterPort,
        interactions: InteractionStateStorePort,
        notifier: ProgressNotifierPort,
        erasers: Sequence[SessionEraser] = (),
        settle_polls: int = 40,
    ):
        self._sessions = sessions
        self._jobs = jobs
        self._queue = queue
        self._rate_limiter = rate_limiter
        self._interactions = interactions
        self._notifier = notifier
        self._erasers = list(erasers)
        self._settle_polls = settle_polls

    async def create_session(self, user_id: str) -> OwnedSession:
        return await self._sessions.create(user_id)

    async def list_sessions(self, user_id: str, cursor: str | None, limit: int) -> OwnedSessionPage:
        return await self._sessions.list(user_id, cursor, limit)

    async def session(self, user_id: str, session_id: str) -> OwnedSession:
        record = await self._sessions.get(session_id)
        if record is None or record.user_id != user_id:
            raise NotFoundError("session_not_found", "대화를 찾을 수 없습니다.")
        return record

    async def delete_session(self, user_id: str, session_id: str) -> None:
        await self.session(user_id, session_id)
        head = await self._jobs.session_head(session_id)
        if head is not None:
            raise ConflictError(
                "session_busy", "답변을 만드는 중인 대화는 지울 수 없습니다. 잠시 후 다시 시도하세요."
            )
        for erase in self._erasers:
            await erase(session_id)
        await self._jobs.forget_session(session_id)
        await self._sessions.delete(session_id)
        log.info("session_deleted", session_id=session_id)

    async def submit_message(
        self,
        user_id: str,
        session_id: str,
        message: str,
        user_location: dict[str, float] | None = None,
        idempotency_key: str | None = None,
    ) -> SubmittedJob:
        await self.session(user_id, session_id)
        if idempotency_key is not None:
            existing = await self._jobs.find_by_key(user_id, idempotency_key)
            if existing is not None:
                return self._same_request(existing, session_id)
        try:
            text = validate_message(message)
        except InvalidMessageError as exc:
            raise InvalidRequestError(exc.code, str(exc)) from None
        retry_after = await self._rate_limiter.hit(user_id)
        if retry_after is not None:
            raise RateLimitedError(retry_after)
        record = ChatJobRecord(
            job_id=uuid.uuid4().hex,
            user_id=user_id,
            session_id=session_id,
            kind=ChatJobKind.MESSAGE,
            status=ChatJobStatus.QUEUED,
            created_at=time.time(),
            payload={"message": text, "user_location": user_location},
        )
        stored, created = await self._jobs.create(record, idempotency_key)
        if not created:
            return self._same_request(stored, session_id)
        await self._start_when_first(stored)
        log.info("job_submitted", job_id=stored.job_id, session_id=session_id)
        return SubmittedJob(stored, True)

    async def job(self, user_id: str, job_id: str) -> ChatJobRecord:
        record = await self._jobs.get(job_id)
        if record is None or record.user_id != user_id:
            raise NotFoundError("job_not_found", "작업을 찾을 수 없습니다.")
        return record

    async def submit_input(
        self, user_id: str, job_id: str, input_type: str, data: dict[str, Any] | None
    ) -> ChatJobRecord:
        """Check the input against the job's pending request, then queue the resume (seed §4.2 step 5).

        The job's own status moves from ``waiting_input`` exactly once, so a second answer (or a
        cancel racing an answer) is refused without touching anything.
        """
        record = await self._settled(await self.job(user_id, job_id))
        if record.status is not ChatJobStatus.WAITING_INPUT:
            raise ConflictError(
                "not_waiting", f"이 작업은 입력을 기다리고 있지 않습니다 (상태: {record.status.value})."
            )
        pending = await self._interactions.get_pending_request(job_id)
        if pending is None:
            raise ConflictError("input_expired", "입력 요청이 만료되었습니다. 질문을 다시 보내 주세요.")
        answer: dict[str, float] | None = None
        if input_type != "cancel":
            if input_type != pending.input_type.value:
                raise InvalidRequestError(
                    "wrong_input_type", f"이 작업은 '{pending.input_type.value}' 입력을 기다리고 있습니다."
                )
            try:
                answer = parse_input(pending, data)
            except InvalidHumanInputError as exc:
                raise InvalidRequestError("invalid_input", str(exc)) from None
        target = ChatJobStatus.CANCELLED if answer is None else ChatJobStatus.QUEUED
        if not await self._jobs.transition(job_id, ChatJobStatus.WAITING_INPUT, target):
            raise ConflictError("already_answered", "이미 응답한 요청입니다.")
        if answer is None:
            await self._interactions.clear_pending_request(job_id, pending.request_id)
            await self._notifier.notify_done(
                job_id, {"session_id": record.session_id, "job_id": job_id, "status": "cancelled"}
            )
            log.info("job_input_cancelled", job_id=job_id, session_id=record.session_id)
            record.status = target
            return record
        record.kind = ChatJobKind.RESUME
        record.status = target
        record.attempts = 0
        record.payload = {**record.payload, "input": {"type": input_type, "data": answer}}
        await self._jobs.save(record)
        await self._start_when_first(record)
        log.info("job_resume_submitted", job_id=job_id, session_id=record.session_id)
        return record

    async def settled(self, job_id: str) -> ChatJobRecord | None:
        """The job's record once it is no longer mid-run (or after a short wait, as it is then)."""
        record = await self._jobs.get(job_id)
        return await self._settled(record) if record is not None else None

    async def _settled(self, record: ChatJobRecord) -> ChatJobRecord:
        """A worker publishes ``needs_input`` a moment before it records the pause; wait that moment out."""
        for _ in range(self._settle_polls):
            if record.status is not ChatJobStatus.RUNNING:
                break
            await asyncio.sleep(0.05)
            record = await self._jobs.get(record.job_id) or record
        return record

    async def _start_when_first(self, record: ChatJobRecord) -> None:
        if await self._jobs.enter_session(record.session_id, record.job_id):
            await self._queue.enqueue(record.job_id)

    @staticmethod
    def _same_request(existing: ChatJobRecord, session_id: str) -> SubmittedJob:
        if existing.session_id != session_id:
            raise ConflictError(
                "idempotency_key_reused", "같은 Idempotency-Key가 다른 대화에 이미 쓰였습니다."
            )
        return SubmittedJob(existing, False)

