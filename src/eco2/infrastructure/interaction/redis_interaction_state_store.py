"""Pending human-input requests in Redis, one per job, expiring with the request's timeout.

Clearing is a compare-and-delete in one Lua call, so of two concurrent resumes of the same request
exactly one wins.
"""

from __future__ import annotations

import json
from typing import Any

from redis.asyncio import Redis

from eco2.application.ports.interaction import HumanInputRequest, InputType, InteractionStateStorePort

_CLEAR = """
if redis.call('HGET', KEYS[1], 'request_id') == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
"""


class RedisInteractionStateStore(InteractionStateStorePort):
    def __init__(self, redis: Redis, *, prefix: str = "chat:interaction"):
        self._redis = redis
        self._prefix = prefix
        self._clear = redis.register_script(_CLEAR)

    def _pending_key(self, job_id: str) -> str:
        return f"{self._prefix}:pending:{job_id}"

    def _waiting_key(self, job_id: str) -> str:
        return f"{self._prefix}:waiting:{job_id}"

    async def save_pending_request(self, job_id: str, request: HumanInputRequest) -> None:
        key = self._pending_key(job_id)
        fields = {
            "job_id": request.job_id,
            "request_id": request.request_id,
            "input_type": request.input_type.value,
            "message": request.message,
            "timeout": str(request.timeout),
            "resume_node": request.resume_node,
            "session_id": request.session_id,
            "created_at": repr(request.created_at),
        }
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(key)
            pipe.hset(key, mapping=fields)  # type: ignore[arg-type]
            pipe.expire(key, max(1, request.timeout))
            await pipe.execute()

    async def get_pending_request(self, job_id: str) -> HumanInputRequest | None:
        raw = await self._redis.hgetall(self._pending_key(job_id))  # type: ignore[misc]
        if not raw:
            return None
        values = {_text(k): _text(v) for k, v in raw.items()}
        return HumanInputRequest(
            job_id=values["job_id"],
            request_id=values["request_id"],
            input_type=InputType(values["input_type"]),
            message=values["message"],
            timeout=int(values["timeout"]),
            resume_node=values["resume_node"],
            session_id=values["session_id"],
            created_at=float(values["created_at"]),
        )

    async def clear_pending_request(self, job_id: str, request_id: str) -> bool:
        return bool(await self._clear(keys=[self._pending_key(job_id)], args=[request_id]))

    async def save_waiting_state(self, job_id: str, state: dict[str, Any], ttl_s: int) -> None:
        """A snapshot of the paused pipeline (resume node, session); the graph state is in the checkpoint."""
        await self._redis.set(
            self._waiting_key(job_id), json.dumps(state, ensure_ascii=False, default=str), ex=ttl_s
        )

    async def get_waiting_state(self, job_id: str) -> dict[str, Any] | None:
        raw = await self._redis.get(self._waiting_key(job_id))
        return json.loads(raw) if raw else None


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
