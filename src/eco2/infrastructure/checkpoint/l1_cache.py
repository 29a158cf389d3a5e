"""The L1 cache: plain Redis (no modules), one small key family per thread.

Per thread ``T`` (all keys share the hash tag ``{T}``):

- ``<p>:{T}:h``  head: ``epoch`` (random, replaced when the thread is invalidated), ``gen`` (bumped by
  every mutation) and ``n:<ns>`` -> the newest checkpoint id of each namespace.
- ``<p>:{T}:m:<ns>:<id>``  one checkpoint's bookkeeping: ``e`` (epoch it belongs to), ``v`` (a random
  stamp of the stored record), ``s`` (set when it was populated from L2) and a ``w...`` field per pending
  write.
- ``<p>:{T}:r:<ns>:<id>``  that checkpoint's record, behind its stamp (a string).
- ``<p>:{T}:l:<ns>``  a copy of the newest record of the namespace, so that reading the latest checkpoint
  is one round trip even though its id is not known yet.
- ``<p>:{T}:k``  the set of all keys above but the head, so invalidation can delete them.

An entry is only served when its epoch equals the head's, so invalidating a thread is one atomic script
and a missed key can never resurrect deleted data. Population after an L2 read only lands when ``gen`` is
unchanged since the read started, so a concurrent write is never overwritten by an older snapshot.

Records never pass through Lua: handing a 64 KiB value to or from a script costs Redis over 100 µs, against
a few µs for a plain GET or SET. A write is a SET of the record, behind a fresh random stamp, and a script
for the small bookkeeping, which records that stamp, in one MULTI. A read is a script (checks, TTLs,
pending writes) followed by a GET of the record, in one batch on one connection (see
:class:`RedisExchange`) but not in one transaction: a record is served only if its stamp is the one the
bookkeeping holds, so a read that raced a write is a miss, never a mix. Population stages its record under
a key of its own and replaces an entry whose stamp does not match.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from redis.asyncio import Redis

from eco2.infrastructure.checkpoint.redis_deadline import DEFAULT_TIMEOUT_S, within
from eco2.infrastructure.checkpoint.redis_exchange import RedisExchange

# Point the namespace's newest id at this checkpoint unless a newer one is already there, and copy its
# record into the latest slot. COPY arrived in Redis 6.2; older servers copy through Lua.
_ADVANCE = """
local function advance(head, set, nfield, cid, record, latest, ttl)
  local cur = redis.call('HGET', head, nfield)
  if cur and cur > cid then return end
  redis.call('HSET', head, nfield, cid)
  local copied = redis.pcall('COPY', record, latest, 'REPLACE')
  if type(copied) == 'table' and copied.err then
    redis.call('SET', latest, redis.call('GET', record))
  end
  redis.call('PEXPIRE', latest, ttl)
  redis.call('SADD', set, latest)
end
"""

# KEYS: head, set, latest slot, replay queue. ARGV: n-field, id ('' for the newest), bookkeeping prefix,
# record prefix, ttl. Sent just before a GET of the record (latest slot or by id). Returns gen and the
# replay queue's length, then on a hit the id and the bookkeeping fields.
_READ = _ADVANCE + """
local head = redis.call('HMGET', KEYS[1], 'epoch', 'gen')
local epoch, gen = head[1], head[2] or '0'
local miss = {gen, redis.call('LLEN', KEYS[4])}
if not epoch then return miss end
local ttl = tonumber(ARGV[5])
local cid = ARGV[2]
local newest = cid == ''
if newest then
  cid = redis.call('HGET', KEYS[1], ARGV[1])
  if not cid then return miss end
end
local meta, record = ARGV[3] .. cid, ARGV[4] .. cid
if redis.call('HGET', meta, 'e') ~= epoch then return miss end
if newest then
  if redis.call('EXISTS', KEYS[3]) == 0 then
    if redis.call('EXISTS', record) == 0 then return miss end
    advance(KEYS[1], KEYS[2], ARGV[1], cid, record, KEYS[3], ttl)
  end
  redis.call('PEXPIRE', KEYS[3], ttl)
end
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[2], ttl)
redis.call('PEXPIRE', meta, ttl)
redis.call('PEXPIRE', record, ttl)
return {gen, miss[2], cid, redis.call('HGETALL', meta)}
"""

# KEYS: head, set, bookkeeping, record, latest slot, replay queue. ARGV: n-field, id, epoch to start
# with, ttl, stamp. Runs right after the SET of the record, in one MULTI; returns the replay queue's
# length.
_PUT = _ADVANCE + """
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then
  epoch = ARGV[3]
  redis.call('HSET', KEYS[1], 'epoch', epoch)
end
redis.call('HINCRBY', KEYS[1], 'gen', 1)
if redis.call('HGET', KEYS[3], 'e') ~= epoch then redis.call('DEL', KEYS[3]) end
redis.call('HSET', KEYS[3], 'e', epoch, 'v', ARGV[5])
redis.call('SADD', KEYS[2], KEYS[3], KEYS[4])
local ttl = tonumber(ARGV[4])
advance(KEYS[1], KEYS[2], ARGV[1], ARGV[2], KEYS[4], KEYS[5], ttl)
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[2], ttl)
redis.call('PEXPIRE', KEYS[3], ttl)
return redis.call('LLEN', KEYS[6])
"""

# KEYS: head, bookkeeping, replay queue. ARGV: ttl, then (field, 'o'verwrite or 'n'ot, frame) triples.
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

# KEYS: head, set, bookkeeping, record, latest slot, staging. ARGV: gen seen before the L2 read, n-field,
# id, '1' if it was a latest read, epoch to start with, ttl, stamp, stamp length, then (field, frame)
# pairs. Sent right after the SET of the staged record (a key of its own, so no other call touches it).
# An entry of this epoch whose record carries its stamp is kept; otherwise the staged record replaces it.
_POPULATE = _ADVANCE + """
local gen = redis.call('HGET', KEYS[1], 'gen') or '0'
if gen ~= ARGV[1] then
  redis.call('DEL', KEYS[6])
  return 0
end
local epoch = redis.call('HGET', KEYS[1], 'epoch')
if not epoch then
  epoch = ARGV[5]
  redis.call('HSET', KEYS[1], 'epoch', epoch)
end
local meta = redis.call('HMGET', KEYS[3], 'e', 'v')
if meta[1] == epoch and meta[2] == redis.call('GETRANGE', KEYS[4], 0, ARGV[8] - 1) then
  redis.call('DEL', KEYS[6])
else
  redis.call('DEL', KEYS[3])
  redis.call('RENAME', KEYS[6], KEYS[4])
  redis.call('HSET', KEYS[3], 'e', epoch, 'v', ARGV[7], 's', '1')
  for i = 9, #ARGV, 2 do redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 1]) end
  redis.call('SADD', KEYS[2], KEYS[3], KEYS[4])
end
local ttl = tonumber(ARGV[6])
if ARGV[4] == '1' then advance(KEYS[1], KEYS[2], ARGV[2], ARGV[3], KEYS[4], KEYS[5], ttl) end
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[2], ttl)
redis.call('PEXPIRE', KEYS[3], ttl)
redis.call('PEXPIRE', KEYS[4], ttl)
return 1
"""

# KEYS: head, set. ARGV: new epoch, ttl.
_INVALIDATE = """
for _, k in ipairs(redis.call('SMEMBERS', KEYS[2])) do redis.call('DEL', k) end
redis.call('DEL', KEYS[2])
local gen = tonumber(redis.call('HGET', KEYS[1], 'gen') or '0')
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'epoch', ARGV[1], 'gen', gen + 1)
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
return 1
"""


_STAMP_BYTES = 8


@dataclass(frozen=True)
class L1Entry:
    """What the cache holds for one checkpoint: its record and its pending-write frames."""

    checkpoint_id: str
    record: bytes | memoryview | None
    writes: list[bytes] = field(default_factory=list)


@dataclass(frozen=True)
class L1Read:
    gen: str
    pending: int  # writes waiting in the replay queue
    entry: L1Entry | None


@functools.lru_cache(maxsize=4096)
def _part(value: str) -> str:
    return quote(value, safe="")


def _epoch() -> str:
    return secrets.token_hex(8)


class RedisL1Cache:
    """Byte-level L1 operations; the saver owns serialization and the fallback policy."""

    def __init__(
        self, redis: Redis, exchange: RedisExchange, prefix: str, ttl_s: float, timeout_s: float = DEFAULT_TIMEOUT_S
    ):
        self._redis = redis
        self._exchange = exchange
        self._timeout_s = timeout_s
        self._prefix = prefix
        self._ttl_ms = max(1, int(ttl_s * 1000))

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

    def _family(self, thread_id: str, kind: str, ns: str) -> str:
        """Prefix of one namespace's keys of a kind (``m``, ``r``); the checkpoint id follows."""
        return self.thread_key(thread_id, f"{kind}:{_part(ns)}:")

    def _latest_key(self, thread_id: str, ns: str) -> str:
        return self.thread_key(thread_id, f"l:{_part(ns)}")

    async def read(self, thread_id: str, ns: str, checkpoint_id: str | None) -> L1Read:
        latest = self._latest_key(thread_id, ns)
        records = self._family(thread_id, "r", ns)
        found, stored = await self._exchange.send(
            ("EVAL", _READ, 4, self.thread_key(thread_id, "h"), self.thread_key(thread_id, "k"), latest,
             self.queue_key(), f"n:{ns}", checkpoint_id or "", self._family(thread_id, "m", ns), records,
             self._ttl_ms),
            ("GET", records + checkpoint_id if checkpoint_id else latest),
        )
        gen, pending = _text(found[0]), int(found[1])
        if len(found) < 4:
            return L1Read(gen, pending, None)
        flat = found[3]
        fields = {flat[i]: flat[i + 1] for i in range(0, len(flat), 2)}
        stamp = fields.get(b"v")
        if stored is None or stamp is None or stored[:_STAMP_BYTES] != stamp:
            return L1Read(gen, pending, None)  # a write landed between the script and the GET: read L2
        writes = [value for key, value in fields.items() if key.startswith(b"w")]
        return L1Read(gen, pending, L1Entry(_text(found[2]), memoryview(stored)[_STAMP_BYTES:], writes))

    async def put(self, thread_id: str, ns: str, checkpoint_id: str, record: bytes) -> int:
        record_key = self._family(thread_id, "r", ns) + checkpoint_id
        stamp = _stamp()
        # One transaction: a population landing between the SET and the script could otherwise leave an
        # older record under this write's stamp.
        _, pending = await self._exchange.send_atomically(
            ("SET", record_key, stamp + record, "PX", self._ttl_ms),
            ("EVAL", _PUT, 6, self.thread_key(thread_id, "h"), self.thread_key(thread_id, "k"),
             self._family(thread_id, "m", ns) + checkpoint_id, record_key, self._latest_key(thread_id, ns),
             self.queue_key(), f"n:{ns}", checkpoint_id, _epoch(), self._ttl_ms, stamp),
        )
        return int(pending)

    async def put_writes(
        self, thread_id: str, ns: str, checkpoint_id: str, items: Sequence[tuple[str, bool, bytes]]
    ) -> int:
        """``items`` are (field, overwrite, frame); without overwrite the first write of a field wins."""
        args: list[Any] = [self._ttl_ms]
        for name, overwrite, frame in items:
            args.extend([name, "o" if overwrite else "n", frame])
        (pending,) = await self._exchange.send(
            ("EVAL", _WRITES, 3, self.thread_key(thread_id, "h"),
             self._family(thread_id, "m", ns) + checkpoint_id, self.queue_key(), *args),
        )
        return int(pending)

    async def populate(
        self, thread_id: str, ns: str, entry: L1Entry, *, gen: str, latest: bool
    ) -> bool:
        staging = self.thread_key(thread_id, f"t:{secrets.token_hex(8)}")
        stamp = _stamp()
        args: list[Any] = [gen, f"n:{ns}", entry.checkpoint_id, "1" if latest else "0", _epoch(), self._ttl_ms,
                           stamp, _STAMP_BYTES]
        for index, frame in enumerate(entry.writes):
            args.extend([f"w{index:06d}", frame])
        _, landed = await self._exchange.send(
            ("SET", staging, stamp + (entry.record or b""), "PX", self._ttl_ms),
            ("EVAL", _POPULATE, 6, self.thread_key(thread_id, "h"), self.thread_key(thread_id, "k"),
             self._family(thread_id, "m", ns) + entry.checkpoint_id,
             self._family(thread_id, "r", ns) + entry.checkpoint_id,
             self._latest_key(thread_id, ns), staging, *args),
        )
        return bool(landed)

    async def invalidate(self, thread_ids: Iterable[str]) -> None:
        async with self._redis.pipeline(transaction=False) as pipe:
            for thread_id in thread_ids:
                pipe.eval(_INVALIDATE, 2, self.thread_key(thread_id, "h"), self.thread_key(thread_id, "k"),
                          _epoch(), self._ttl_ms)
            await within(self._timeout_s, pipe.execute())

    async def drop(self, thread_id: str, ns: str, checkpoint_id: str) -> None:
        await within(self._timeout_s, self._redis.delete(
            self._family(thread_id, "m", ns) + checkpoint_id, self._family(thread_id, "r", ns) + checkpoint_id
        ))


def _stamp() -> bytes:
    return secrets.token_bytes(_STAMP_BYTES)


def _text(value: bytes | str | int) -> str:
    if isinstance(value, bytes):
        return value.decode()
    return str(value)
