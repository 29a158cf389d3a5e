"""Sessions and their owners in Redis: a hash per session and a per-user index sorted by creation time."""

from __future__ import annotations

import time
import uuid
from typing import Any

from redis.asyncio import Redis

from eco2.application.ports.chat_jobs import (
    InvalidPageCursorError,
    OwnedSession,
    OwnedSessionPage,
    SessionRegistryPort,
)


class RedisSessionRegistry(SessionRegistryPort):
    def __init__(self, redis: Redis, *, prefix: str = "eco2"):
        self._redis = redis
        self._prefix = prefix

    def _session_key(self, session_id: str) -> str:
        return f"{self._prefix}:session:{session_id}"

    def _index_key(self, user_id: str) -> str:
        return f"{self._prefix}:sessions:{user_id}"

    async def create(self, user_id: str) -> OwnedSession:
        record = OwnedSession(uuid.uuid4().hex, user_id, time.time())
        async with self._redis.pipeline(transaction=True) as pipe:
            fields = {"user_id": user_id, "created_at": record.created_at}
            pipe.hset(self._session_key(record.session_id), mapping=fields)  # type: ignore[arg-type]
            pipe.zadd(self._index_key(user_id), {record.session_id: record.created_at})
            await pipe.execute()
        return record

    async def get(self, session_id: str) -> OwnedSession | None:
        raw = await self._redis.hgetall(self._session_key(session_id))
        if not raw:
            return None
        data = {_text(k): _text(v) for k, v in raw.items()}
        return OwnedSession(session_id, data["user_id"], float(data["created_at"]))

    async def list(self, user_id: str, cursor: str | None, limit: int) -> OwnedSessionPage:
        """Newest first. The cursor is the (score, id) of the last session shown, so pages stay stable."""
        top: str = "+inf"
        after: tuple[float, str] | None = None
        if cursor:
            score_text, _, after_id = cursor.partition(":")
            try:
                after = (float(score_text), after_id)
            except ValueError:
                raise InvalidPageCursorError("잘못된 페이지 커서입니다.") from None
            top = score_text
        rows: Any = await self._redis.zrevrangebyscore(
            self._index_key(user_id), top, "-inf", start=0, num=limit + 64, withscores=True
        )
        sessions: list[OwnedSession] = []
        for member, score in rows:
            session_id = _text(member)
            if after is not None and (float(score), session_id) >= after:
                continue
            sessions.append(OwnedSession(session_id, user_id, float(score)))
            if len(sessions) > limit:
                break
        more = len(sessions) > limit
        sessions = sessions[:limit]
        last = sessions[-1] if more else None
        return OwnedSessionPage(sessions, f"{last.created_at!r}:{last.session_id}" if last else None)

    async def delete(self, session_id: str) -> bool:
        record = await self.get(session_id)
        if record is None:
            return False
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(self._session_key(session_id))
            pipe.zrem(self._index_key(record.user_id), session_id)
            await pipe.execute()
        return True


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
