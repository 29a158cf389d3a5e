"""One running service for the HTTP end-to-end tests on real Redis and PostgreSQL.

``eco2 api``, two ``eco2 worker``, ``eco2 consume``, the real gRPC character and location servers, and
an OpenAI-compatible fake model server.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest
from http_harness import Stack, bearer, free_port, postgres_service_url, redis_service_url, stack_env
from llm_fakes.openai_server import create_app
from llm_fakes.runner import ServerThread
from llm_fakes.script import Script


@pytest.fixture(scope="session")
def fake_llm() -> Iterator[Script]:
    script = Script()
    server = ServerThread(create_app(script)).start()
    script.base_url = f"{server.url}/v1"  # type: ignore[attr-defined]
    yield script
    server.stop()


@pytest.fixture(scope="session")
def stack(fake_llm: Script, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    redis_url = redis_service_url()
    postgres_url = postgres_service_url()
    workdir = tmp_path_factory.mktemp("http-stack")
    prefix = f"t{uuid.uuid4().hex[:12]}"
    env = stack_env(
        redis_url,
        postgres_url,
        prefix,
        workdir / "data",
        ECO2_LLM_PROVIDERS="openai",
        OPENAI_BASE_URL=fake_llm.base_url,  # type: ignore[attr-defined]
        ECO2_RATE_LIMIT_PER_MINUTE="6",
        ECO2_API_KEYS="key-alice:alice,key-bob:bob",
        ECO2_LLM_MAX_RETRIES="0",
    )
    stack = Stack(env, workdir)
    try:
        location_port, character_port = free_port(), free_port()
        env["ECO2_LOCATION_ADDR"] = f"127.0.0.1:{location_port}"
        env["ECO2_CHARACTER_ADDR"] = f"127.0.0.1:{character_port}"
        stack.spawn("character", "character-server", "--port", str(character_port))
        # its own SQLite place store: the location server's tables are not under test here
        stack.spawn("location", "location-server", "--port", str(location_port), drop_env=("ECO2_DATABASE_URL",))
        stack.start_api()
        stack.spawn("worker1", "worker", "--concurrency", "8")
        stack.spawn("worker2", "worker", "--concurrency", "8")
        stack.spawn("consumer", "consume")
        stack.wait_ready()
        yield stack
    finally:
        stack.stop()


@pytest.fixture
def client(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.url, timeout=30) as http:
        yield http


@pytest.fixture
def user() -> str:
    """A fresh user per test (JWT ``sub``), so rate limits and ownership never leak between tests."""
    return f"user-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def auth(user: str) -> dict[str, str]:
    return bearer(user)
