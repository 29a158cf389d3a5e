"""Shared helpers for the checkpoint integration tests: an isolated schema, key cleanup, saver factories."""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import quote

import psycopg
from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.checkpoint.conformance.test_utils import generate_checkpoint
from redis.asyncio import Redis
from redis.exceptions import RedisError

from eco2.infrastructure.checkpoint.cached_saver import CachedPostgresSaver
from eco2.infrastructure.checkpoint.postgres_l2 import PooledPostgresSaver, PoolOptions, open_pool
from eco2.infrastructure.checkpoint.redis_deadline import checkpoint_redis


def schema_url(postgres_url: str, schema: str) -> str:
    joiner = "&" if "?" in postgres_url else "?"
    return f"{postgres_url}{joiner}options={quote(f'-c search_path={schema}')}"


@asynccontextmanager
async def isolated_schema(postgres_url: str, name: str) -> AsyncIterator[str]:
    """A fresh schema for one test; yields a URL whose search_path points at it; dropped afterwards."""
    schema = f"ckpt_{name}"
    async with await psycopg.AsyncConnection.connect(postgres_url, autocommit=True) as conn:
        await conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield schema_url(postgres_url, schema)
    finally:
        async with await psycopg.AsyncConnection.connect(postgres_url, autocommit=True) as conn:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


async def delete_keys(redis: Redis, pattern: str) -> int:
    deleted = 0
    async for key in redis.scan_iter(match=pattern, count=500):
        deleted += await redis.delete(key)
    return deleted


async def flush_l1(redis: Redis, prefix: str) -> None:
    """Drop every cached thread entry of one saver prefix (never the replay queue)."""
    await delete_keys(redis, f"{prefix}:{{*")


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@asynccontextmanager
async def cached_saver(
    database_url: str,
    redis_url: str,
    prefix: str,
    *,
    pool: PoolOptions | None = None,
    saver_class: type[CachedPostgresSaver] = CachedPostgresSaver,
    **kwargs: Any,
) -> AsyncIterator[CachedPostgresSaver]:
    """A saver on its own pool and on a Redis client made as in production (``checkpoint_redis``)."""
    timeout_s = kwargs.setdefault("redis_timeout_s", 2.0)
    redis = checkpoint_redis(redis_url, timeout_s)
    try:
        async with open_pool(database_url, pool or PoolOptions(max_size=4, timeout_s=2)) as pg_pool:
            saver = saver_class(PooledPostgresSaver(pg_pool), redis, prefix=prefix, **kwargs)
            await saver.setup()
            try:
                yield saver
            finally:
                await saver.aclose()
    finally:
        await redis.aclose()


class TcpProxy:
    """A loopback TCP proxy the test can cut (listener and live connections closed) and restore."""

    def __init__(self, target_port: int, target_host: str = "127.0.0.1"):
        self._target = (target_host, target_port)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self.port = 0

    async def start(self) -> int:
        self._server = await asyncio.start_server(
            self._handle, "127.0.0.1", self.port, reuse_address=True
        )
        self.port = int(self._server.sockets[0].getsockname()[1])
        return self.port

    async def cut(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def restore(self) -> None:
        await self.start()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self._target)
        except OSError:
            writer.transport.abort()
            return
        self._writers.update({writer, up_writer})
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            self._writers.discard(writer)
            writer.transport.abort()


class OwnRedis:
    """A throwaway redis-server on a free port that the test may stop and start again."""

    def __init__(self, *options: str) -> None:
        """``options`` are extra redis-server arguments."""
        self.port = closed_port()
        self._options = options
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> None:
        self._process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no", *self._options],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        client = Redis.from_url(self.url)
        try:
            for _ in range(200):
                try:
                    if await client.ping():
                        return
                except (ConnectionError, OSError, RedisError):
                    await asyncio.sleep(0.02)
            raise RuntimeError("own redis-server did not start")
        finally:
            await client.aclose()

    def freeze(self) -> None:
        """SIGSTOP: connections stay open and nothing answers, like a hung server or a dropped route."""
        if self._process is not None:
            self._process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        if self._process is not None:
            self._process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self._process is not None:
            self.thaw()
            self._process.terminate()
            self._process.wait(timeout=10)
            self._process = None


def thread_config(thread_id: str, checkpoint_id: str | None = None) -> RunnableConfig:
    configurable: dict[str, Any] = {"thread_id": thread_id, "checkpoint_ns": ""}
    if checkpoint_id:
        configurable["checkpoint_id"] = checkpoint_id
    return {"configurable": configurable}


async def run_turn(
    saver: BaseCheckpointSaver[Any], thread_id: str, text: str, *, pause_s: float = 0.0
) -> str:
    """One chat-like turn: read the latest checkpoint, append a message, save it and its pending write."""
    latest = await saver.aget_tuple(thread_config(thread_id))
    parent = latest.checkpoint["id"] if latest else None
    messages = [*(latest.checkpoint["channel_values"].get("messages", []) if latest else []), text]
    previous = latest.checkpoint["channel_versions"].get("messages") if latest else None
    version = saver.get_next_version(previous, None)
    if pause_s:
        await asyncio.sleep(pause_s)
    checkpoint = generate_checkpoint(
        channel_values={"messages": messages}, channel_versions={"messages": version}
    )
    step = len(messages)
    stored = await saver.aput(thread_config(thread_id, parent), checkpoint,
                              {"source": "loop", "step": step, "parents": {}}, {"messages": version})
    await saver.aput_writes(stored, [("reply", f"answer to {text}")], f"task-{step}")
    return checkpoint["id"]


async def table_counts(database_url: str, thread_id: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        for table in ("checkpoints", "checkpoint_writes", "checkpoint_blobs"):
            cur = await conn.execute(f"SELECT count(*) FROM {table} WHERE thread_id = %s", (thread_id,))
            row = await cur.fetchone()
            counts[table] = int(row[0]) if row else 0
    return counts


async def l2_chain(database_url: str, thread_id: str) -> list[tuple[str, str | None]]:
    """(checkpoint_id, parent_id) of a thread straight from PostgreSQL, oldest first."""
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        cur = await conn.execute(
            "SELECT checkpoint_id, parent_checkpoint_id FROM checkpoints WHERE thread_id = %s "
            "AND checkpoint_ns = '' ORDER BY checkpoint_id", (thread_id,)
        )
        return [(row[0], row[1]) for row in await cur.fetchall()]
