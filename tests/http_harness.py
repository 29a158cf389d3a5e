"""Helpers for the HTTP tests and the load benchmark: eco2 processes, an SSE client, tokens."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jwt

ECO2 = str(Path(sys.executable).with_name("eco2"))


def _root_conftest() -> Any:
    """The service checks of tests/conftest.py (a nested conftest cannot import it by name)."""
    spec = importlib.util.spec_from_file_location("eco2_root_conftest", Path(__file__).with_name("conftest.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_ROOT = _root_conftest()


def redis_service_url() -> str:
    return str(_ROOT.require_service("Redis", _ROOT.REDIS_URL, 6379))


def postgres_service_url() -> str:
    return str(_ROOT.require_service("PostgreSQL", _ROOT.POSTGRES_URL, 5432))
JWT_SECRET = "test-secret-for-eco2-http-tests-only"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def token_for(user: str, *, expires_in_s: float = 600) -> str:
    claims = {"sub": user, "exp": int(time.time() + expires_in_s)}
    return jwt.encode(claims, JWT_SECRET, algorithm="HS256")


def bearer(user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(user)}"}


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGKILL)
            self.popen.wait(timeout=10)

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=8)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass
class Stack:
    """eco2 processes sharing one Redis/PostgreSQL namespace (unique prefixes)."""

    env: dict[str, str]
    workdir: Path
    procs: list[Proc] = field(default_factory=list)
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def spawn(self, name: str, *args: str, drop_env: tuple[str, ...] = ()) -> Proc:
        log_path = self.workdir / f"{name}.log"
        handle = log_path.open("wb")
        env = {k: v for k, v in self.env.items() if k not in drop_env}
        popen = subprocess.Popen([ECO2, *args], env=env, stdout=handle, stderr=subprocess.STDOUT)
        proc = Proc(name, popen, log_path)
        self.procs.append(proc)
        return proc

    def start_api(self) -> Proc:
        self.port = free_port()
        return self.spawn("api", "api", "--port", str(self.port))

    def wait_ready(self, timeout_s: float = 90) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for proc in self.procs:
                if proc.popen.poll() is not None:
                    raise RuntimeError(f"{proc.name} exited early:\n{proc.log()[-3000:]}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError("the eco2 API did not become ready:\n" + "\n".join(p.log()[-2000:] for p in self.procs))

    def worker_running(self, job_id: str) -> Proc | None:
        for proc in self.procs:
            if proc.name.startswith("worker") and proc.popen.poll() is None and f"job_id={job_id}" in proc.log():
                return proc
        return None

    def stop(self) -> None:
        for proc in self.procs:
            proc.stop()


def stack_env(redis_url: str, postgres_url: str | None, prefix: str, data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ECO2_", "OPENAI_", "GEMINI_", "GOOGLE_"))}
    env.update(
        ECO2_REDIS_URL=redis_url,
        ECO2_DATA_DIR=str(data_dir),
        ECO2_JOBS_PREFIX=prefix,
        ECO2_QUEUE_NAME=f"{prefix}:jobs",
        ECO2_EVENTS_PREFIX=f"{prefix}:events",
        ECO2_DOMAIN_EVENTS_STREAM=f"{prefix}:domain",
        ECO2_CONSUMER_GROUP=f"{prefix}-history",
        ECO2_CHECKPOINT_PREFIX=f"{prefix}:ckpt",
        ECO2_CONSUMER_MIN_IDLE_MS="2000",
        ECO2_QUEUE_CLAIM_IDLE_S="1.5",
        ECO2_JWT_SECRET=JWT_SECRET,
        ECO2_LOG_LEVEL="INFO",
        ECO2_SSE_PING_S="1",
    )
    if postgres_url:
        env["ECO2_DATABASE_URL"] = postgres_url
    env.update(extra)
    return env


@dataclass
class SseEvent:
    id: str | None
    type: str
    data: dict[str, Any]


def iter_sse(response: httpx.Response, comments: list[str] | None = None) -> Iterator[SseEvent]:
    """Parse an SSE body (``id``/``event``/``data`` lines) as it arrives; comments go to ``comments``."""
    fields: dict[str, str] = {}
    data: list[str] = []
    for line in response.iter_lines():
        if line == "":
            if data or fields:
                yield SseEvent(fields.get("id"), fields.get("event", "message"), json.loads("\n".join(data) or "{}"))
            fields, data = {}, []
            continue
        if line.startswith(":"):
            if comments is not None:
                comments.append(line)
            continue
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "data":
            data.append(value)
        else:
            fields[name] = value


def read_events(
    client: httpx.Client,
    job_id: str,
    *,
    headers: dict[str, str],
    last_event_id: str | None = None,
    stop_after: int | None = None,
    timeout_s: float = 60,
) -> list[SseEvent]:
    """Events of one connection: until the server ends the stream, or ``stop_after`` events (a drop)."""
    extra = dict(headers)
    if last_event_id:
        extra["Last-Event-ID"] = last_event_id
    events: list[SseEvent] = []
    with client.stream("GET", f"/api/v1/chat/{job_id}/events", headers=extra, timeout=timeout_s) as response:
        assert response.status_code == 200, response.read()
        for event in iter_sse(response):
            events.append(event)
            if stop_after is not None and len(events) >= stop_after:
                break
    return events


def answer_text(events: list[SseEvent]) -> str:
    """The streamed text a client shows: tokens after the last ``reset``."""
    text = ""
    for event in events:
        if event.type == "reset":
            text = ""
        elif event.type == "token":
            text += event.data["content"]
    return text


class ServiceThread:
    """``create_app`` over a real ``build_service`` runtime, served by uvicorn in a thread with its own loop."""

    def __init__(self, settings: Any, *, with_worker: bool = False):
        self._settings = settings
        self._with_worker = with_worker
        self._server: Any = None
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)
        self._error: BaseException | None = None
        self.port = free_port()

    async def _main(self) -> None:
        import uvicorn

        from eco2.bootstrap import build_service
        from eco2.presentation.cli.http_commands import run_worker
        from eco2.presentation.http.app import create_app

        try:
            async with build_service(self._settings, worker=self._with_worker) as services:
                worker = asyncio.create_task(run_worker(services, 4)) if self._with_worker else None
                config = uvicorn.Config(
                    create_app(services), host="127.0.0.1", port=self.port, lifespan="off", log_level="critical"
                )
                self._server = uvicorn.Server(config)
                await self._server.serve()
                if worker is not None:
                    worker.cancel()
        except BaseException as exc:
            self._error = exc
            raise

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ServiceThread:
        self._thread.start()
        deadline = time.monotonic() + 60
        while self._server is None or not self._server.started:
            if self._error is not None or not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the service did not start: {self._error!r}")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        self._thread.join(timeout=15)
