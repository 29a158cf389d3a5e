"""Job records, idempotency keys and per-session lines in Redis, shared by every API and worker process.

A session's line is a Redis list: the first job in it owns the session's thread. Entering and leaving
are single atomic commands, so two processes never both believe they own the same thread.
"""

from __future__ import annotations

import json

from redis.asyncio import Redis

from eco2.application.ports.chat_jobs import ChatJobKind, ChatJobRecord, ChatJobStatus, ChatJobStorePort

# KEYS: job hash, idempotency key. ARGV: ttl, job id, then field/value pairs.
_CREATE = """
if KEYS[2] ~= '' then
  local existing = redis.call('GET', KEYS[2])
  if existing then return existing end
  redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[1])
end
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
redis.call('EXPIRE', KEYS[1], ARGV[1])
return false
"""

# KEYS: job hash. ARGV: expected status, new status.
_TRANSITION = """
if redis.call('HGET', KEYS[1], 'status') == ARGV[1] then
  redis.call('HSET', KEYS[1], 'status', ARGV[2])
  return 1
end
return 0
"""

# KEYS: session line. ARGV: job id. Leaves the job and returns the new head.
_LEAVE = """
redis.call('LREM', KEYS[1], 1, ARGV[1])
return redis.call('LINDEX', KEYS[1], 0)
"""


class RedisChatJobStore(ChatJobStorePort):
    def __init__(self, redis: Redis, *, prefix: str = "eco2", ttl_s: int = 7 * 86_400):
        self._redis = redis
        self._prefix = prefix
        self._ttl_s = ttl_s
        self._create = redis.register_script(_CREATE)
        self._leave = redis.register_script(_LEAVE)
        self._transition = redis.register_script(_TRANSITION)

    def _job_key(self, job_id: str) -> str:
        return f"{self._prefix}:job:{job_id}"

    def _idem_key(self, user_id: str, key: str) -> str:
        return f"{self._prefix}:idem:{user_id}:{key}"

    def _line_key(self, session_id: str) -> str:
        return f"{self._prefix}:line:{session_id}"

    async def create(
        self, record: ChatJobRecord, idempotency_key: str | None = None
    ) -> tuple[ChatJobRecord, bool]:
        idem = self._idem_key(record.user_id, idempotency_key) if idempotency_key else ""
        fields: list[str | int | float] = []
        for name, value in _fields(record).items():
            fields.extend((name, value))
        existing = await self._create(
            keys=[self._job_key(record.job_id), idem], args=[self._ttl_s, record.job_id, *fields]
        )
        if existing:
            stored = await self.get(_text(existing))
            if stored is not None:
                return stored, False
        return record, True

    async def find_by_key(self, user_id: str, idempotency_key: str) -> ChatJobRecord | None:
        job_id = await self._redis.get(self._idem_key(user_id, idempotency_key))
        return await self.get(_text(job_id)) if job_id else None

    async def get(self, job_id: str) -> ChatJobRecord | None:
        raw = await self._redis.hgetall(self._job_key(job_id))
        if not raw:
            return None
        data = {_text(k): _text(v) for k, v in raw.items()}
        return ChatJobRecord(
            job_id=job_id,
            user_id=data["user_id"],
            session_id=data["session_id"],
            kind=ChatJobKind(data["kind"]),
            status=ChatJobStatus(data["status"]),
            created_at=float(data["created_at"]),
            payload=json.loads(data.get("payload") or "{}"),
            attempts=int(data.get("attempts") or 0),
        )

    async def save(self, record: ChatJobRecord) -> None:
        fields = _fields(record)
        await self._redis.hset(self._job_key(record.job_id), mapping=fields)  # type: ignore[arg-type]

    async def transition(self, job_id: str, expected: ChatJobStatus, status: ChatJobStatus) -> bool:
        return bool(await self._transition(keys=[self._job_key(job_id)], args=[expected.value, status.value]))

    async def set_status(self, job_id: str, status: ChatJobStatus) -> None:
        await self._redis.hset(self._job_key(job_id), "status", status.value)

    async def begin_attempt(self, job_id: str) -> int:
        return int(await self._redis.hincrby(self._job_key(job_id), "attempts", 1))

    async def enter_session(self, session_id: str, job_id: str) -> bool:
        key = self._line_key(session_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.rpush(key, job_id)
            pipe.lindex(key, 0)
            pipe.expire(key, self._ttl_s)
            _, head, _ = await pipe.execute()
        return _text(head) == job_id

    async def leave_session(self, session_id: str, job_id: str) -> str | None:
        head = await self._leave(keys=[self._line_key(session_id)], args=[job_id])
        return _text(head) if head else None

    async def session_head(self, session_id: str) -> str | None:
        head = await self._redis.lindex(self._line_key(session_id), 0)
        return _text(head) if head else None

    async def forget_session(self, session_id: str) -> None:
        await self._redis.delete(self._line_key(session_id))


def _fields(record: ChatJobRecord) -> dict[str, str | int | float]:
    return {
        "user_id": record.user_id,
        "session_id": record.session_id,
        "kind": record.kind.value,
        "status": record.status.value,
        "created_at": record.created_at,
        "payload": json.dumps(record.payload, ensure_ascii=False),
        "attempts": record.attempts,
    }


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
