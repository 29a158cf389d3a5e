"""Shared fixtures: the knowledge base, and real service URLs.

Service tests use the servers the machine runs (Redis on 6379, PostgreSQL on 5432). When one is not
reachable the test is skipped with the reason, except in CI (CI=true), where that is a failure.
"""

from __future__ import annotations

import os
import socket
import sys
import uuid
from pathlib import Path
from urllib.parse import urlparse

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from kb_fixture import write_kb
from run_summary import SUMMARY_SECTIONS

REDIS_URL = os.environ.get("ECO2_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
POSTGRES_URL = os.environ.get("ECO2_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=1):
            return True
    except OSError:
        return False


def require_service(name: str, url: str, default_port: int) -> str:
    if _reachable(url, default_port):
        return url
    reason = f"{name} is not reachable at {url}"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI must run every service test)")
    pytest.skip(reason)


@pytest.fixture
def redis_url() -> str:
    return require_service("Redis", REDIS_URL, 6379)


@pytest.fixture
def postgres_url() -> str:
    return require_service("PostgreSQL", POSTGRES_URL, 5432)


@pytest.fixture
def unique_prefix() -> str:
    """A key prefix / schema suffix that isolates one test from every other."""
    return f"t{uuid.uuid4().hex[:12]}"


@pytest.fixture
def small_kb_dir(tmp_path: Path) -> Path:
    return write_kb(tmp_path / "kb")


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    for title, text in SUMMARY_SECTIONS:
        terminalreporter.write_sep("-", title)
        terminalreporter.write(text)
