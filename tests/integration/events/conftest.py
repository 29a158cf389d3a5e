"""Event tests run against the shared Redis and against an embedded Valkey, each isolated by key prefix."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis as redis_sync
from redis.asyncio import Redis

from eco2.infrastructure.embedded_valkey import EmbeddedValkey


@pytest.fixture(scope="session")
def valkey_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = EmbeddedValkey(tmp_path_factory.mktemp("valkey"))
    url = server.start()
    yield url
    server.stop()


@pytest.fixture(params=["redis", "valkey"])
def server_url(request: pytest.FixtureRequest) -> str:
    """The shared Redis 7 and an embedded Valkey: the adapters must behave the same on both."""
    return request.getfixturevalue("redis_url" if request.param == "redis" else "valkey_url")


@pytest.fixture
async def redis(server_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(server_url)
    yield client
    await client.aclose()


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[EmbeddedValkey]:
    """A throwaway server this test may stop and start (never the shared one)."""
    server = EmbeddedValkey(tmp_path / "own-valkey")
    server.start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _forget_test_keys(unique_prefix: str) -> Iterator[None]:
    """Leave nothing behind on the shared Redis: every key a test writes carries its unique prefix."""
    yield
    url = os.environ.get("ECO2_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        client = redis_sync.Redis.from_url(url, socket_connect_timeout=0.5)
        keys = list(client.scan_iter(match=f"{unique_prefix}*", count=1000))
        if keys:
            client.delete(*keys)
        client.close()
    except redis_sync.RedisError:
        pass
