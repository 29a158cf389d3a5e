"""The CLI as a user drives it: ask, consume (once and until SIGTERM), resume errors."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def eco2(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "eco2.presentation.cli", *args],
        env=env, capture_output=True, text=True, timeout=60, cwd=ROOT,
    )


@pytest.fixture
def embedded_env(data_dir: Path) -> dict[str, str]:
    """No ECO2_REDIS_URL and no ECO2_DATABASE_URL: embedded Valkey and SQLite under the data directory."""
    env = {k: v for k, v in os.environ.items() if k not in {"ECO2_REDIS_URL", "ECO2_DATABASE_URL"}}
    return {**env, "ECO2_DATA_DIR": str(data_dir)}


def stored_turns(data_dir: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(data_dir / "eco2.sqlite") as conn:
        return conn.execute("SELECT job_id, user_message FROM conversation_turns").fetchall()


def test_ask_then_consume_stores_the_turn_once(embedded_env: dict[str, str], data_dir: Path) -> None:
    asked = eco2(embedded_env, "ask", "페트병 어떻게 버려요?")
    assert asked.returncode == 0, asked.stderr
    assert "무색페트병" in asked.stdout
    assert "[answer: completed 100]" in asked.stderr
    job_id = asked.stderr.rsplit("job: ", 1)[1].split(")")[0]

    first = eco2(embedded_env, "consume", "--once", "--name", "c1")
    again = eco2(embedded_env, "consume", "--once", "--name", "c2")

    assert first.returncode == 0 and again.returncode == 0, first.stderr + again.stderr
    assert stored_turns(data_dir) == [(job_id, "페트병 어떻게 버려요?")]


def test_resume_of_an_unknown_job_is_a_clear_error(redis_url: str, unique_prefix: str, data_dir: Path) -> None:
    env = {**os.environ, "ECO2_REDIS_URL": redis_url, "ECO2_DATA_DIR": str(data_dir),
           "ECO2_EVENTS_PREFIX": f"{unique_prefix}:events"}

    done = eco2(env, "resume", "no-such-job", "--location", "37.5,127.0")

    assert done.returncode == 1
    assert "알 수 없는 작업입니다: no-such-job" in done.stderr
    assert "Traceback" not in done.stderr


def test_consume_stops_gracefully_on_sigterm(redis_url: str, unique_prefix: str, data_dir: Path) -> None:
    env = {**os.environ, "ECO2_REDIS_URL": redis_url, "ECO2_DATA_DIR": str(data_dir),
           "ECO2_DOMAIN_EVENTS_STREAM": f"{unique_prefix}:domain"}
    process = subprocess.Popen(
        [sys.executable, "-m", "eco2.presentation.cli", "consume", "--name", "c1"],
        env=env, stderr=subprocess.PIPE, text=True, cwd=ROOT,
    )
    try:
        assert process.stderr is not None
        first_line = process.stderr.readline()
        assert "시작" in first_line, first_line + process.stderr.read()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
        assert "멈췄습니다" in process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
