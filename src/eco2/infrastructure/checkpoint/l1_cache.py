"""The L1 cache: plain Redis hashes (no modules), one small key family per thread.

Per thread ``T`` (all keys share the hash tag ``{T}``):

- ``<p>:{T}:h``  head: ``epoch`` (random, replaced when the thread is invalidated), ``gen`` (bumped by
  every mutation) and ``n:<ns>`` -> the newest checkpoint id of each namespace.
- ``<p>:{T}:c:<ns>:<id>``  one checkpoint: ``c`` (record), ``e`` (epoch it belongs to), ``s`` (set when it
  was populated from L2) and one ``w...`` field per pending write.
- ``<p>:{T}:k``  the set of checkpoint keys, so invalidation can delete them.

An entry is only served when its epoch equals the head's, so invalidating a thread is one atomic script
and a missed key can never resurrect deleted data. Population after an L2 read only lands when ``gen`` is
unchanged since the read started, so a concurrent write is never overwritten by an older snapshot.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import quote

from redis.asyncio import Redis

from eco2.infrastructure.checkpoint.redis_deadline import DEFAULT_TIMEOUT_S, within

_READ = """
local head = redis.call('HMGET', KEYS[1], 'epoch', 'gen')
local epoch, gen = head[1], head[2] or '0'
if not epoch then return {gen} end
local cid = ARGV[2]
if cid == '' then
  cid = redis.call('HGET', KEYS[1], ARGV[1])
  if not cid then return {gen} end
end
local ckey = ARGV[3] .. cid
if redis.call('HGET', ckey, 'e') ~= epoch then return {gen} end
local ttl = tonumber(ARGV[4])
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[2], ttl)
redis.call('PEXPIRE', ckey, ttl)
return {gen, cid, redis.call('HGETALL', ckey)}
"""

_PUT = """
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then
  epoch = ARGV[4]
  redis.call('HSET', KEYS[1], 'epoch', epoch)
end
redis.call('HINCRBY', KEYS[1], 'gen', 1)
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if (not cur) or cur < ARGV[2] then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
if redis.call('HGET', KEYS[3], 'e') ~= epoch then redis.call('DEL', KEYS[3]) end
redis.call('HSET', KEYS[3], 'c', ARGV[3], 'e', epoch)
redis.call('SADD', KEYS[2], KEYS[3])
local ttl = tonumber(ARGV[5])
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[2], ttl)
redis.call('PEXPIRE', KEYS[3], ttl)
return redis.call('LLEN', KEYS[4])
"""

_WRITES = """
redis.call('HINCRBY', KEYS[1], 'gen', 1)
local epoch = redis.call('HGET', KEYS[1], 'epoch')
local ttl = tonumber(ARGV[1])
if epoch and redis.call('HGET', KEYS[2], 'e') == epoch then
  if redis.call('HEXISTS', KEYS[2], 's') == 1 then
    redis.call('DEL', KEYS[2])
  else
    for i = 2, #ARGV, 3 do
      if ARGV[i + 1] == 'n' then
        redis.call('HSETNX', KEYS[2], ARGV[i], ARGV[i + 2])
      else
        redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 2])
      end
    end
    redis.call('PEXPIRE', KEYS[2], ttl)
  end
end
redis.call('PEXPIRE', KEYS[1], ttl)
return redis.call('LLEN', KEYS[3])
"""

_POPULATE = """
local gen = redis.call('HGET', KEYS[1], 'gen') or '0'
if gen ~= ARGV[1] then return 0 end
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then
  epoch = ARGV[5]
  redis.call('HSET', KEYS[1], 'epoch', epoch)
end
if redis.call('HGET', KEYS[3], 'e') == epoch and redis.call('HEXISTS', KEYS[3], 'c') == 1 then return 0 end
redis.call('DEL', KEYS[3])
redis.call('HSET', KEYS[3], 'c', ARGV[7], 'e', epoch, 's', '1')
for i = 8, #ARGV, 2 do redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 1]) end
if ARGV[4] == '1' then
  local cur = redis.call('HGET', KEYS[1], ARGV[2])
  if (not cur) or cur < ARGV[3] then redis.call('HSET', KEYS[1], ARGV[2], ARGV[3]) end
end
redis.call('SADD', KEYS[2], KEYS[3])
local ttl = tonumber(ARGV[6])
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[2], ttl)
redis.call('PEXPIRE', KEYS[3], ttl)
return 1
"""

_INVALIDATE = """
for _, k in ipairs(redis.call('SMEMBERS', KEYS[2])) do redis.call('DEL', k) end
redis.call('DEL', KEYS[2])
local gen = tonumber(redis.call('HGET', KEYS[1], 'gen') or '0')
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'epoch', ARGV[1], 'gen', gen + 1)
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
return 1
"""


@dataclass(frozen=True)
class L1Entry:
    """What the cache holds for one checkpoint: its record and its pending-write frames."""

    checkpoint_id: str
    record: bytes | None
    writes: list[bytes] = field(default_factory=list)


@dataclass(frozen=True)
class L1Read:
    gen: str
    entry: L1Entry | None


def _part(value: str) -> str:
    return quote(value, safe="")


def _epoch() -> str:
    return secrets.token_hex(8)


class RedisL1Cache:
    """Byte-level L1 operations; the saver owns serialization and the fallback policy."""

    def __init__(self, redis: Redis, prefix: str, ttl_s: float, timeout_s: float = DEFAULT_TIMEOUT_S):
        self._redis = redis
        self._timeout_s = timeout_s
        self._prefix = prefix
        self._ttl_ms = max(1, int(ttl_s * 1000))
        self._read = redis.register_script(_READ)
        self._put = redis.register_script(_PUT)
        self._writes = redis.register_script(_WRITES)
        self._populate = redis.register_script(_POPULATE)
        self._invalidate = redis.register_script(_INVALIDATE)

    @property
    def redis(self) -> Redis:
        return self._redis

    @property
    def prefix(self) -> str:
        return self._prefix

    def queue_key(self) -> str:
        return f"{self._prefix}:replay"

    def thread_key(self, thread_id: str, suffix: str) -> str:
        return f"{self._prefix}:{{{_part(thread_id)}}}:{suffix}"

    def _checkpoint_prefix(self, thread_id: str, ns: str) -> str:
        return self.thread_key(thread_id, f"c:{_part(ns)}:")

    async def read(self, thread_id: str, ns: str, checkpoint_id: str | None) -> L1Read:
        result = cast(list[Any], await within(self._timeout_s, self._read(
            keys=[self.thread_key(thread_id, "h"), self.thread_key(thread_id, "k")],
            args=[f"n:{ns}", checkpoint_id or "", self._checkpoint_prefix(thread_id, ns), self._ttl_ms],
        )))
        gen = _text(result[0])
        if len(result) < 3:
            return L1Read(gen, None)
        flat = result[2]
        fields = {flat[i]: flat[i + 1] for i in range(0, len(flat), 2)}
        writes = [value for key, value in fields.items() if key.startswith(b"w")]
        return L1Read(gen, L1Entry(_text(result[1]), fields.get(b"c"), writes))

    async def put(self, thread_id: str, ns: str, checkpoint_id: str, record: bytes) -> int:
        ckey = self._checkpoint_prefix(thread_id, ns) + checkpoint_id
        return int(await within(self._timeout_s, self._put(
            keys=[self.thread_key(thread_id, "h"), self.thread_key(thread_id, "k"), ckey, self.queue_key()],
            args=[f"n:{ns}", checkpoint_id, record, _epoch(), self._ttl_ms],
        )))

    async def put_writes(
        self, thread_id: str, ns: str, checkpoint_id: str, items: Sequence[tuple[str, bool, bytes]]
    ) -> int:
        """``items`` are (field, overwrite, frame); without overwrite the first write of a field wins."""
        args: list[Any] = [self._ttl_ms]
        for name, overwrite, frame in items:
            args.extend([name, "s" if overwrite else "n", frame])
        ckey = self._checkpoint_prefix(thread_id, ns) + checkpoint_id
        return int(await within(self._timeout_s, self._writes(
            keys=[self.thread_key(thread_id, "h"), ckey, self.queue_key()], args=args
        )))

    async def populate(
        self, thread_id: str, ns: str, entry: L1Entry, *, gen: str, latest: bool
    ) -> bool:
        ckey = self._checkpoint_prefix(thread_id, ns) + entry.checkpoint_id
        args: list[Any] = [gen, f"n:{ns}", entry.checkpoint_id, "1" if latest else "0", _epoch(),
                           self._ttl_ms, entry.record or b""]
        for index, frame in enumerate(entry.writes):
            args.extend([f"w{index:06d}", frame])
        return bool(await within(self._timeout_s, self._populate(
            keys=[self.thread_key(thread_id, "h"), self.thread_key(thread_id, "k"), ckey], args=args
        )))

    async def invalidate(self, thread_ids: Iterable[str]) -> None:
        async with self._redis.pipeline(transaction=False) as pipe:
            for thread_id in thread_ids:
                await self._invalidate(
                    keys=[self.thread_key(thread_id, "h"), self.thread_key(thread_id, "k")],
                    args=[_epoch(), self._ttl_ms],
                    client=pipe,
                )
            await within(self._timeout_s, pipe.execute())

    async def drop(self, thread_id: str, ns: str, checkpoint_id: str) -> None:
        await within(self._timeout_s, self._redis.delete(self._checkpoint_prefix(thread_id, ns) + checkpoint_id))


def _text(value: bytes | str | int) -> str:
    if isinstance(value, bytes):
        return value.decode()
    return str(value)
