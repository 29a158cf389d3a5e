"""One running service for the HTTP end-to-end tests: ``eco2 api``, two ``eco2 worker``, ``eco2 consume``,
the real gRPC location server and an OpenAI-compatible fake model server, on real Redis and PostgreSQL."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from conftest import POSTGRES_URL, REDIS_URL, require_service
from http_harness import Stack, bearer, stack_env
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
    redis_url = require_service("Redis", REDIS_URL, 6379)
    postgres_url = require_service("PostgreSQL", POSTGRES_URL, 5432)
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
        location = stack.spawn("location", "location-server", "--port", "0")
        env["ECO2_LOCATION_ADDR"] = _listening_address(location.log_path)
        stack.start_api()
        stack.spawn("worker1", "worker", "--concurrency", "8")
        stack.spawn("worker2", "worker", "--concurrency", "8")
        stack.spawn("consumer", "consume")
        stack.wait_ready()
        yield stack
    finally:
        stack.stop()


def _listening_address(log_path: Path, timeout_s: float = 60) -> str:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        text = log_path.read_text(errors="replace") if log_path.exists() else ""
        match = re.search(r"listening on (\S+)", text)
        if match:
            return match.group(1)
        time.sleep(0.1)
    raise RuntimeError(f"the location server did not start: {log_path.read_text(errors='replace')}")


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
