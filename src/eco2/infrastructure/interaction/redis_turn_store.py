"""Turn status records in Redis, kept as long as the job's progress stream."""

from __future__ import annotations

from redis.asyncio import Redis

from eco2.application.ports.turns import TurnRecord, TurnStatus, TurnStorePort


class RedisTurnStore(TurnStorePort):
    def __init__(self, redis: Redis, *, prefix: str = "chat:turns", ttl_s: int = 86_400):
        self._redis = redis
        self._prefix = prefix
        self._ttl_s = ttl_s

    async def save(self, record: TurnRecord) -> None:
        key = f"{self._prefix}:{record.job_id}"
        fields = {
            "session_id": record.session_id,
            "status": record.status.value,
            "message": record.message,
            "started_at": repr(record.started_at),
            "updated_at": repr(record.updated_at),
        }
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping=fields)  # type: ignore[arg-type]
            pipe.expire(key, self._ttl_s)
            await pipe.execute()

    async def get(self, job_id: str) -> TurnRecord | None:
        raw = await self._redis.hgetall(f"{self._prefix}:{job_id}")  # type: ignore[misc]
        if not raw:
            return None
        values = {_text(k): _text(v) for k, v in raw.items()}
        return TurnRecord(
            job_id=job_id,
            session_id=values["session_id"],
            status=TurnStatus(values["status"]),
            message=values["message"],
            started_at=float(values["started_at"]),
            updated_at=float(values["updated_at"]),
        )


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
