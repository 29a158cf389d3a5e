"""CachedPostgresSaver: a Redis L1 in front of a durable L2 checkpoint store (PostgreSQL, or SQLite).

Reads go to L1 first and populate it on a miss; writes go through L1 and L2. When Redis is down every
operation is served by L2 alone and counted. When PostgreSQL is down the turn still completes from L1:
the L2 write is queued in Redis and replayed in order once PostgreSQL answers again. While the queue is
not empty, later writes queue behind it, so L2 always receives writes in the order they were made.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Collection, Iterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, cast

import ormsgpack
import structlog
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    WRITES_IDX_MAP,
    BaseCheckpointSaver,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
    get_serializable_checkpoint_metadata,
)
from langgraph.checkpoint.serde.base import SerializerProtocol
from redis.asyncio import Redis
from redis.exceptions import RedisError

from eco2.infrastructure.checkpoint.errors import (
    CheckpointTooLargeError,
    CheckpointUnavailableError,
    SyncCheckpointCallError,
)
from eco2.infrastructure.checkpoint.l1_cache import L1Entry, RedisL1Cache
from eco2.infrastructure.checkpoint.metrics import (
    L1_CORRUPT,
    L1_FAILURES,
    L1_HITS,
    L1_MISSES,
    L2_FAILURES,
    REPLAY_QUEUED,
    REPLAYED,
)
from eco2.infrastructure.checkpoint.postgres_l2 import (
    PooledPostgresSaver,
    PoolOptions,
    is_postgres_unavailable,
    open_pool,
)
from eco2.infrastructure.checkpoint.postgres_retention import PruneReport
from eco2.infrastructure.checkpoint.records import (
    CheckpointRecord,
    CorruptEntryError,
    decode_checkpoint,
    decode_writes,
    encode_checkpoint,
    encode_write,
    normalize_metadata,
    storable_checkpoint,
)
from eco2.infrastructure.checkpoint.redis_deadline import DEFAULT_TIMEOUT_S, checkpoint_redis
from eco2.infrastructure.checkpoint.redis_exchange import RedisExchange
from eco2.infrastructure.checkpoint.replay_queue import RedisReplayQueue
from eco2.infrastructure.checkpoint.thread_lock import ThreadLocks

log = structlog.get_logger(__name__)

T = TypeVar("T")

DEFAULT_MAX_BYTES = 8 * 1024 * 1024


class _Skipped:
    """Marks an L1 step that did not run because Redis is unavailable."""


SKIPPED = _Skipped()


class CachedPostgresSaver(BaseCheckpointSaver[str]):
    """Async-only checkpoint saver; see the module docstring for the read, write and failure paths."""

    def __init__(
        self,
        l2: BaseCheckpointSaver[Any],
        redis: Redis,
        *,
        prefix: str = "eco2:ckpt",
        l1_ttl_s: float = 3600.0,
        max_bytes: int = DEFAULT_MAX_BYTES,
        l1_retry_s: float = 2.0,
        l2_retry_s: float = 2.0,
        lock_ttl_s: float = 30.0,
        lock_wait_s: float = 60.0,
        redis_timeout_s: float = DEFAULT_TIMEOUT_S,
        unavailable: Callable[[BaseException], bool] = is_postgres_unavailable,
    ):
        super().__init__(serde=l2.serde)
        self._l2 = l2
        exchange = RedisExchange(redis, redis_timeout_s)
        self._l1 = RedisL1Cache(redis, exchange, prefix, l1_ttl_s, redis_timeout_s)
        self._queue = RedisReplayQueue(redis, self._l1.queue_key(), timeout_s=redis_timeout_s)
        self._locks = ThreadLocks(
            exchange, lambda thread_id: self._l1.thread_key(thread_id, "lock"),
            ttl_s=lock_ttl_s, wait_s=lock_wait_s,
        )
        self._max_bytes = max_bytes
        self._l1_retry_s = l1_retry_s
        self._l2_retry_s = l2_retry_s
        self._unavailable = unavailable
        self._l1_down_until = 0.0
        self._l2_down_until = 0.0
        self._dirty: set[str] = set()
        self._replaying = asyncio.Lock()
        self._filling: dict[str, asyncio.Task[None]] = {}
        self._replayer: asyncio.Task[None] | None = None

    # -- construction ---------------------------------------------------------------------------------

    @classmethod
    @asynccontextmanager
    async def from_urls(
        cls,
        *,
        redis_url: str,
        database_url: str,
        redis_timeout_s: float = DEFAULT_TIMEOUT_S,
        **options: Any,
    ) -> AsyncIterator[CachedPostgresSaver]:
        """Open the Redis client and the PostgreSQL pool, yield a saver, close both on exit.

        ``options`` are those of :meth:`with_postgres`; ``redis_timeout_s`` bounds every Redis call.
        """
        redis = checkpoint_redis(redis_url, redis_timeout_s)
        try:
            async with cls.with_postgres(
                database_url=database_url, redis=redis, redis_timeout_s=redis_timeout_s, **options
            ) as saver:
                yield saver
        finally:
            await redis.aclose()

    @classmethod
    @asynccontextmanager
    async def with_postgres(
        cls,
        *,
        database_url: str,
        redis: Redis,
        pool: PoolOptions | None = None,
        serde: SerializerProtocol | None = None,
        replay_interval_s: float = 1.0,
        **options: Any,
    ) -> AsyncIterator[CachedPostgresSaver]:
        """A saver on a new PostgreSQL pool and an existing Redis client; the pool closes on exit."""
        async with open_pool(database_url, pool or PoolOptions()) as pg_pool:
            saver = cls(PooledPostgresSaver(pg_pool, serde=serde), redis, **options)
            saver.start_replayer(replay_interval_s)
            try:
                yield saver
            finally:
                await saver.aclose()

    async def setup(self) -> None:
        """Create or migrate the L2 tables (idempotent)."""
        setup = getattr(self._l2, "setup", None)
        if setup is not None:
            await setup()

    def start_replayer(self, interval_s: float) -> None:
        """Replay queued writes in the background every ``interval_s`` while the queue is not empty."""
        if self._replayer is None and interval_s > 0:
            self._replayer = asyncio.create_task(self._replay_loop(interval_s))

    async def wait_for_cache_fills(self) -> None:
        """Wait until the L1 population started by earlier misses has landed (or failed)."""
        while self._filling:
            await asyncio.gather(*self._filling.values(), return_exceptions=True)

    async def aclose(self) -> None:
        await self.wait_for_cache_fills()
        if self._replayer is not None:
            self._replayer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._replayer
            self._replayer = None

    @property
    def l2(self) -> BaseCheckpointSaver[Any]:
        return self._l2

    def thread_lock(self, thread_id: str) -> AbstractAsyncContextManager[None]:
        """Hold while running a turn so two workers never interleave one thread's checkpoint chain."""
        return self._locks.hold(thread_id)

    def with_allowlist(self, extra_allowlist: Collection[tuple[str, ...]]) -> CachedPostgresSaver:
        l2 = self._l2.with_allowlist(extra_allowlist)
        if l2 is self._l2:
            return self
        clone = copy.copy(self)
        clone._l2 = l2
        clone.serde = l2.serde
        return clone

    def get_next_version(self, current: str | None, channel: None) -> str:
        return cast(str, self._l2.get_next_version(current, channel))

    # -- reads ----------------------------------------------------------------------------------------

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        thread_id, ns, checkpoint_id = _address(config)
        def from_l2() -> Awaitable[CheckpointTuple | None]:
            return self._l2.aget_tuple(_l2_config(thread_id, ns, checkpoint_id))

        filling = self._filling.get(thread_id)
        if filling is not None:
            await asyncio.shield(filling)  # read what this process just read from L2, from L1
        read = await self._l1_call("get", lambda: self._l1.read(thread_id, ns, checkpoint_id))
        if isinstance(read, _Skipped):
            return await self._l2_read("get", from_l2)
        cached = read.entry
        if cached is not None and cached.record is not None:
            try:
                hit = self._from_entry(thread_id, ns, cached)
                L1_HITS.inc()
                return hit
            except CorruptEntryError as exc:
                L1_CORRUPT.inc()
                log.warning("checkpoint_l1_entry_corrupt", thread_id=thread_id, error=str(exc))
                await self._l1_call("drop", lambda: self._l1.drop(thread_id, ns, cached.checkpoint_id))
        L1_MISSES.inc()
        if read.pending:
            await self._drain_before_read()
        found = await self._l2_read("get", from_l2)
        entry = self._to_entry(found) if found is not None else None  # bytes now: the caller may mutate
        if entry is not None:
            self._fill_later(thread_id, ns, entry, gen=read.gen, latest=checkpoint_id is None)
        return found

    async def alist(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[CheckpointTuple]:
        await self._drain_before_read()
        if self._l2_is_down():
            raise CheckpointUnavailableError("checkpoint store (PostgreSQL) is unavailable; cannot list")
        try:
            async for item in self._l2.alist(config, filter=filter, before=before, limit=limit):
                yield item
        except Exception as exc:
            if self._unavailable(exc):
                self._l2_failed("list", exc)
                raise CheckpointUnavailableError("checkpoint store (PostgreSQL) is unavailable") from exc
            raise

    # -- writes ---------------------------------------------------------------------------------------

    async def aput(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        thread_id, ns, parent_id = _address(config)
        merged = normalize_metadata(get_serializable_checkpoint_metadata(config, metadata))
        record = encode_checkpoint(
            self.serde, CheckpointRecord(storable_checkpoint(checkpoint), merged, parent_id)
        )
        self._check_size("checkpoint", len(record))
        checkpoint_id = checkpoint["id"]
        pending = await self._l1_call(
            "put", lambda: self._l1.put(thread_id, ns, checkpoint_id, record), thread_id
        )

        async def apply() -> None:
            await self._l2.aput(_l2_config(thread_id, ns, parent_id), checkpoint, merged, new_versions)

        op = {"op": "put", "thread_id": thread_id, "ns": ns, "parent": parent_id, "checkpoint": checkpoint,
              "metadata": merged, "new_versions": new_versions}
        await self._write_l2("put", thread_id, pending, apply, op)
        return {"configurable": {"thread_id": thread_id, "checkpoint_ns": ns, "checkpoint_id": checkpoint_id}}

    async def aput_writes(
        self,
        config: RunnableConfig,
        writes: Sequence[tuple[str, Any]],
        task_id: str,
        task_path: str = "",
    ) -> None:
        thread_id, ns, checkpoint_id = _address(config)
        if checkpoint_id is None:
            raise ValueError("aput_writes needs config.configurable.checkpoint_id (the writes' checkpoint)")
        overwrite = all(channel in WRITES_IDX_MAP for channel, _ in writes)
        items: list[tuple[str, bool, bytes]] = []
        for idx, (channel, value) in enumerate(writes):
            slot = WRITES_IDX_MAP.get(channel, idx)
            frame = encode_write(self.serde, (task_path, task_id, slot), task_id, channel, value)
            items.append((f"w{task_id}\x00{slot}", overwrite, frame))
        self._check_size("pending writes", sum(len(frame) for _, _, frame in items))
        pending = await self._l1_call(
            "put_writes", lambda: self._l1.put_writes(thread_id, ns, checkpoint_id, items), thread_id
        )

        async def apply() -> None:
            await self._l2.aput_writes(_l2_config(thread_id, ns, checkpoint_id), writes, task_id, task_path)

        op = {"op": "writes", "thread_id": thread_id, "ns": ns, "checkpoint_id": checkpoint_id,
              "writes": [list(w) for w in writes], "task_id": task_id, "task_path": task_path}
        await self._write_l2("put_writes", thread_id, pending, apply, op)

    async def adelete_thread(self, thread_id: str) -> None:
        thread_id = str(thread_id)
        pending = await self._l1_call("delete", self._queue.length, thread_id)

        async def apply() -> None:
            await self._l2.adelete_thread(thread_id)

        await self._write_l2("delete", thread_id, pending, apply, {"op": "delete", "thread_id": thread_id})
        await self._forget([thread_id])

    # -- maintenance (needs L2 reachable) -------------------------------------------------------------

    async def adelete_for_runs(self, run_ids: Sequence[str]) -> None:
        report = await self._maintain(lambda pg: pg.delete_runs(run_ids), "delete_for_runs")
        await self._forget(report.threads)

    async def acopy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        await self._drain_before_read()
        await self._l2_read("copy_thread", lambda: self._l2.acopy_thread(source_thread_id, target_thread_id))
        await self._forget([str(target_thread_id)])

    async def aprune(self, thread_ids: Sequence[str], *, strategy: str = "keep_latest") -> None:
        await self._drain_before_read()
        await self._l2_read("prune", lambda: self._l2.aprune(thread_ids, strategy=strategy))
        if not isinstance(thread_ids, str):
            await self._forget([str(t) for t in thread_ids])

    async def apply_retention(
        self,
        *,
        keep_latest: int | None = None,
        older_than_days: float | None = None,
        thread_ttl_days: float | None = None,
        thread_ids: Sequence[str] | None = None,
    ) -> PruneReport:
        """Trim history to the newest ``keep_latest`` / drop history older than ``older_than_days`` and
        delete threads idle for ``thread_ttl_days``; the newest checkpoint of a live thread is kept."""
        now = datetime.now(UTC)
        older_than = now - timedelta(days=older_than_days) if older_than_days is not None else None
        idle_since = now - timedelta(days=thread_ttl_days) if thread_ttl_days is not None else None
        report = await self._maintain(
            lambda pg: pg.prune_history(keep_latest=keep_latest, older_than=older_than, idle_since=idle_since,
                                        thread_ids=thread_ids),
            "retention",
        )
        await self._forget(report.threads)
        return report

    async def prune_keep_latest(self, keep: int, thread_ids: Sequence[str] | None = None) -> PruneReport:
        return await self.apply_retention(keep_latest=keep, thread_ids=thread_ids)

    async def prune_older_than(self, days: float, thread_ids: Sequence[str] | None = None) -> PruneReport:
        return await self.apply_retention(older_than_days=days, thread_ids=thread_ids)

    async def prune_idle_threads(self, days: float) -> PruneReport:
        return await self.apply_retention(thread_ttl_days=days)

    # -- replay ---------------------------------------------------------------------------------------

    async def replay_pending(self) -> int:
        """Apply queued writes to L2 in order; stop at the first that L2 cannot take. Returns how many."""
        applied = 0
        async with self._replaying, self._queue.exclusive() as mine:
            if not mine:
                return 0
            while (head := await self._queue.head()) is not None:
                item_id, payload = head
                try:
                    await self._apply(self._decode_op(payload))
                    applied += 1
                    REPLAYED.inc()
                except Exception as exc:
                    if self._unavailable(exc):
                        self._l2_failed("replay", exc)
                        break
                    # An item L2 rejects for good would block the queue forever: park it, loudly.
                    log.error("checkpoint_replay_item_dead", item_id=item_id, error=repr(exc))
                    await self._queue.park(payload)
                await self._queue.remove_head(item_id)
        if applied:
            self._l2_down_until = 0.0
            log.info("checkpoint_replayed", count=applied)
        return applied

    async def pending_count(self) -> int:
        return await self._queue.length()

    # -- sync API: not supported ----------------------------------------------------------------------

    def get_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        raise SyncCheckpointCallError("get_tuple")

    def list(
        self,
        config: RunnableConfig | None,
        *,
        filter: dict[str, Any] | None = None,
        before: RunnableConfig | None = None,
        limit: int | None = None,
    ) -> Iterator[CheckpointTuple]:
        raise SyncCheckpointCallError("list")

    def put(
        self,
        config: RunnableConfig,
        checkpoint: Checkpoint,
        metadata: CheckpointMetadata,
        new_versions: ChannelVersions,
    ) -> RunnableConfig:
        raise SyncCheckpointCallError("put")

    def put_writes(
        self, config: RunnableConfig, writes: Sequence[tuple[str, Any]], task_id: str, task_path: str = ""
    ) -> None:
        raise SyncCheckpointCallError("put_writes")

    def delete_thread(self, thread_id: str) -> None:
        raise SyncCheckpointCallError("delete_thread")

    def delete_for_runs(self, run_ids: Sequence[str]) -> None:
        raise SyncCheckpointCallError("delete_for_runs")

    def copy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        raise SyncCheckpointCallError("copy_thread")

    def prune(self, thread_ids: Sequence[str], *, strategy: str = "keep_latest") -> None:
        raise SyncCheckpointCallError("prune")

    # -- internals ------------------------------------------------------------------------------------

    def _fill_later(self, thread_id: str, ns: str, entry: L1Entry, *, gen: str, latest: bool) -> None:
        """Populate L1 after a miss without holding up the read that missed. The population lands only if
        nothing changed the thread since ``gen`` (see RedisL1Cache), so it cannot undo a later write."""

        async def fill() -> None:
            try:
                await self._l1_call("populate", lambda: self._l1.populate(thread_id, ns, entry, gen=gen, latest=latest))
            except Exception as exc:
                log.warning("checkpoint_l1_populate_failed", thread_id=thread_id, error=repr(exc))
            finally:
                if self._filling.get(thread_id) is task:
                    del self._filling[thread_id]

        task = asyncio.get_running_loop().create_task(fill())
        self._filling[thread_id] = task

    def _check_size(self, what: str, size: int) -> None:
        if size > self._max_bytes:
            raise CheckpointTooLargeError(what, size, self._max_bytes)

    async def _l1_call(
        self, op: str, call: Callable[[], Awaitable[T]], dirty_thread: str | None = None
    ) -> T | _Skipped:
        """Run an L1 step; on a Redis failure count it, back off, and remember threads L1 may now hold
        stale data for (they are invalidated as soon as Redis answers again)."""
        if await self._l1_ready():
            try:
                return await call()
            except RedisError as exc:
                self._l1_down_until = time.monotonic() + self._l1_retry_s
                log.warning("checkpoint_l1_unavailable", op=op, error=str(exc))
        L1_FAILURES.labels(op=op).inc()
        if dirty_thread is not None:
            self._dirty.add(dirty_thread)
        return SKIPPED

    async def _l1_ready(self) -> bool:
        if time.monotonic() < self._l1_down_until:
            return False
        if self._dirty:
            stale = set(self._dirty)
            try:
                await self._l1.invalidate(stale)
            except RedisError as exc:
                self._l1_down_until = time.monotonic() + self._l1_retry_s
                log.warning("checkpoint_l1_unavailable", op="invalidate", error=str(exc))
                return False
            self._dirty -= stale
        return True

    def _l2_is_down(self) -> bool:
        return time.monotonic() < self._l2_down_until

    def _l2_failed(self, op: str, exc: BaseException) -> None:
        L2_FAILURES.labels(op=op).inc()
        self._l2_down_until = time.monotonic() + self._l2_retry_s
        log.warning("checkpoint_l2_unavailable", op=op, error=str(exc))

    async def _l2_read(self, op: str, call: Callable[[], Awaitable[T]]) -> T:
        if self._l2_is_down():
            raise CheckpointUnavailableError(f"checkpoint store (PostgreSQL) is unavailable ({op})")
        try:
            return await call()
        except Exception as exc:
            if self._unavailable(exc):
                self._l2_failed(op, exc)
                raise CheckpointUnavailableError(
                    f"checkpoint store (PostgreSQL) is unavailable ({op})"
                ) from exc
            raise

    async def _write_l2(
        self, op: str, thread_id: str, pending: int | _Skipped, apply: Callable[[], Awaitable[None]],
        queued_op: dict[str, Any],
    ) -> None:
        """Apply a write to L2, or queue it behind earlier queued writes / while L2 is down."""
        if isinstance(pending, _Skipped):
            await self._l2_read(op, apply)
            return
        if pending == 0 and not self._l2_is_down():
            try:
                await apply()
                return
            except Exception as exc:
                if not self._unavailable(exc):
                    await self._forget([thread_id])
                    raise
                self._l2_failed(op, exc)
        try:
            await self._queue.push(self._encode_op(queued_op))
        except RedisError as exc:
            self._dirty.add(thread_id)
            raise CheckpointUnavailableError(
                f"neither PostgreSQL nor Redis accepted the {op}; the write was not stored"
            ) from exc
        REPLAY_QUEUED.inc()
        log.warning("checkpoint_write_queued", op=op, thread_id=thread_id)
        if not self._l2_is_down():
            await self.replay_pending()

    async def _drain_before_read(self) -> None:
        """L2 must not be read past writes still waiting in the queue."""
        try:
            if await self._queue.length() == 0:
                return
        except RedisError:
            return
        deadline = time.monotonic() + max(self._l2_retry_s, 1.0)
        while True:
            if not self._l2_is_down():
                await self.replay_pending()
            if await self._queue.length() == 0:
                return
            if self._l2_is_down() or time.monotonic() > deadline:
                raise CheckpointUnavailableError(
                    "checkpoint is not cached and queued writes cannot reach PostgreSQL yet"
                )
            await asyncio.sleep(0.02)

    async def _maintain(self, action: Callable[[PooledPostgresSaver], Awaitable[T]], op: str) -> T:
        l2 = self._l2
        if not isinstance(l2, PooledPostgresSaver):
            raise NotImplementedError(f"{op} needs the PostgreSQL checkpoint store (ECO2_DATABASE_URL)")
        await self._drain_before_read()
        return await self._l2_read(op, lambda: action(l2))

    async def _forget(self, thread_ids: Collection[str]) -> None:
        if not thread_ids:
            return
        done = await self._l1_call("invalidate", lambda: self._l1.invalidate(thread_ids))
        if isinstance(done, _Skipped):
            self._dirty.update(thread_ids)

    async def _apply(self, op: dict[str, Any]) -> None:
        kind = op["op"]
        if kind == "put":
            await self._l2.aput(_l2_config(op["thread_id"], op["ns"], op["parent"]), op["checkpoint"],
                                op["metadata"], op["new_versions"])
        elif kind == "writes":
            await self._l2.aput_writes(_l2_config(op["thread_id"], op["ns"], op["checkpoint_id"]),
                                       [tuple(w) for w in op["writes"]], op["task_id"], op["task_path"])
        elif kind == "delete":
            await self._l2.adelete_thread(op["thread_id"])
        else:
            raise ValueError(f"unknown queued operation {kind!r}")

    def _encode_op(self, op: dict[str, Any]) -> bytes:
        return ormsgpack.packb(list(self.serde.dumps_typed(op)))

    def _decode_op(self, payload: bytes) -> dict[str, Any]:
        kind, body = ormsgpack.unpackb(payload)
        return cast(dict[str, Any], self.serde.loads_typed((kind, body)))

    def _from_entry(self, thread_id: str, ns: str, entry: L1Entry) -> CheckpointTuple:
        record = decode_checkpoint(self.serde, entry.record or b"", entry.checkpoint_id)
        return CheckpointTuple(
            config=_l2_config(thread_id, ns, entry.checkpoint_id),
            checkpoint=record.checkpoint,
            metadata=record.metadata,
            parent_config=(
                _l2_config(thread_id, ns, record.parent_id) if record.parent_id else None
            ),
            pending_writes=decode_writes(self.serde, entry.writes),
        )

    def _to_entry(self, found: CheckpointTuple) -> L1Entry | None:
        parent = found.parent_config["configurable"]["checkpoint_id"] if found.parent_config else None
        record = encode_checkpoint(self.serde, CheckpointRecord(found.checkpoint, found.metadata, parent))
        writes = [
            encode_write(self.serde, ("", "", index), task_id, channel, value)
            for index, (task_id, channel, value) in enumerate(found.pending_writes or [])
        ]
        if len(record) + sum(map(len, writes)) > self._max_bytes:
            return None
        return L1Entry(found.config["configurable"]["checkpoint_id"], record, writes)

    async def _replay_loop(self, interval_s: float) -> None:
        while True:
            await asyncio.sleep(interval_s)
            try:
                if not self._l2_is_down() and await self._queue.length() > 0:
                    await self.replay_pending()
            except Exception as exc:
                log.warning("checkpoint_replay_loop_error", error=repr(exc))


def _address(config: RunnableConfig) -> tuple[str, str, str | None]:
    configurable = config.get("configurable") or {}
    if "thread_id" not in configurable:
        raise ValueError("checkpoint config needs configurable.thread_id")
    return (str(configurable["thread_id"]), str(configurable.get("checkpoint_ns") or ""),
            configurable.get("checkpoint_id") or None)


def _l2_config(thread_id: str, ns: str, checkpoint_id: str | None) -> RunnableConfig:
    configurable: dict[str, Any] = {"thread_id": thread_id, "checkpoint_ns": ns}
    if checkpoint_id is not None:
        configurable["checkpoint_id"] = checkpoint_id
    return {"configurable": configurable}
