"""Load on the HTTP service: N concurrent chats, each posting a message and following its SSE stream.

Runs ``eco2 api`` + two ``eco2 worker`` processes on the local Redis, with an OpenAI-compatible fake
model server (its own process) streaming ``TOKENS`` tokens at 30 tokens/s. Reports time to first token,
the inter-token latency the service adds on top of the model's own pace, jobs/s, and lost or
duplicated events (both must be 0). Bounded: a warm-up, then ``CHATS`` chats all at once (a burst), then
``CHATS`` chats started evenly over ``RAMP_S`` seconds (steady streaming: the inter-token target).
The load clients are raw HTTP/1.1 connections in this one process on uvloop, so that they take as
little as possible of the two cores the service under test runs on.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from benchmarks.stats import percentile, print_row

RATE = 30.0  # tokens per second from the model
TOKENS = 240  # 8 s of streaming per answer, so chats started over a few seconds overlap
CHATS = int(os.environ.get("ECO2_BENCH_CHATS", "200"))
RAMP_S = 6.0
FAKE_SERVER = """
import sys, uvicorn
from tests.llm_fakes.openai_server import create_app
from tests.llm_fakes.script import Script
uvicorn.run(create_app(Script(stream_tokens={tokens}, token_interval_s={interval})), host="127.0.0.1",
            port=int(sys.argv[1]), log_level="critical", backlog=4096)
"""


@dataclass
class ChatRun:
    posted: float = 0.0
    token_times: list[float] = field(default_factory=list)
    seqs: list[int] = field(default_factory=list)
    tokens: int = 0
    done: bool = False
    error: str | None = None


MESSAGE = json.dumps({"message": "페트병 어떻게 버려요?"}).encode()


async def _chat(host: str, port: int, run: ChatRun, delay_s: float = 0.0) -> None:
    """One chat on one keep-alive connection: create a session, post the message, follow its events.

    Raw HTTP/1.1 rather than an HTTP client library: the load generator shares the two cores with the
    service, so it must spend as little CPU as it can; what is timed is the same either way.
    """
    await asyncio.sleep(delay_s)
    try:
        reader, writer = await asyncio.open_connection(host, port)
    except OSError as exc:
        run.error = repr(exc)
        return
    try:
        status, body = await _request(reader, writer, host, "POST", "/api/v1/chat", b"")
        if status != 201:
            raise RuntimeError(f"session: {status} {body[:200]!r}")
        session = json.loads(body)["id"]
        run.posted = time.perf_counter()
        path = f"/api/v1/chat/{session}/messages"
        status, body = await _request(reader, writer, host, "POST", path, MESSAGE)
        if status != 202:
            raise RuntimeError(f"message: {status} {body[:200]!r}")
        await _follow(reader, writer, host, json.loads(body)["stream_url"], run)
    except Exception as exc:  # a failed chat is counted, not fatal to the run
        run.error = repr(exc)
    finally:
        writer.close()


async def _request(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str, method: str, path: str, body: bytes
) -> tuple[int, bytes]:
    """One request with a JSON body; the response must carry Content-Length (FastAPI's JSON responses do)."""
    head = f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
    writer.write(f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body)
    status = int((await reader.readline()).split(b" ", 2)[1])
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            length = int(value)
    return status, await reader.readexactly(length)


async def _follow(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str, path: str, run: ChatRun
) -> None:
    """A lean SSE reader (raw HTTP/1.1, chunked): the load generator must not eat the service's CPU."""
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream\r\n\r\n".encode())
    status = await reader.readline()
    if b" 200 " not in status:
        raise RuntimeError(f"events: {status!r}")
    while (await reader.readline()) not in (b"\r\n", b""):
        pass
    pending = b""
    while True:
        size = int((await reader.readline()).strip() or b"0", 16)
        if size == 0:
            return
        pending += (await reader.readexactly(size + 2))[:-2]
        *frames, pending = pending.split(b"\r\n\r\n")
        for frame in frames:
            if _frame(frame, run):
                return


def _frame(frame: bytes, run: ChatRun) -> bool:
    """Handle one SSE frame; True after the terminal event."""
    kind = b""
    data = b""
    for line in frame.split(b"\r\n"):
        if line.startswith(b"event: "):
            kind = line[7:]
        elif line.startswith(b"data: "):
            data = line[6:]
    if not data:
        return False
    run.seqs.append(json.loads(data)["seq"])
    if kind == b"token":
        run.tokens += 1
        run.token_times.append(time.perf_counter())
    elif kind == b"reset":
        run.tokens, run.token_times = 0, []
    elif kind in (b"done", b"error"):
        run.done = kind == b"done"
        run.error = None if run.done else data.decode()
        return True
    return False


async def _round(url: str, chats: int, ramp_s: float = 0.0, tokens: int = 0) -> dict[str, float]:
    """``chats`` chats started evenly over ``ramp_s`` seconds (0: all at once)."""
    label = f"{chats} chats" + (f" over {ramp_s:g} s" if ramp_s else " at once")
    address = httpx.URL(url)
    host, port = address.host, address.port or 80
    runs = [ChatRun() for _ in range(chats)]
    started = time.perf_counter()
    await asyncio.gather(*(_chat(host, port, run, ramp_s * i / chats) for i, run in enumerate(runs)))
    wall = time.perf_counter() - started
    ttft = [run.token_times[0] - run.posted for run in runs if run.token_times]
    added = [
        max(0.0, later - earlier - 1 / RATE)
        for run in runs
        for earlier, later in zip(run.token_times, run.token_times[1:], strict=False)
    ]
    lost = sum(
        (max(run.seqs) - min(run.seqs) + 1 - len(set(run.seqs))) + abs(tokens - run.tokens) * (run.done is True)
        for run in runs
        if run.seqs
    )
    duplicated = sum(len(run.seqs) - len(set(run.seqs)) for run in runs)
    failed = sum(not run.done for run in runs)
    overlap = _peak_overlap(runs)
    reasons = sorted({run.error or "no terminal event" for run in runs if not run.done})
    if reasons:
        print(f"{label}: failures: {'; '.join(reasons[:3])[:400]}", flush=True)
    print_row(f"{label}: time to first token", ttft)
    print_row(f"{label}: added inter-token latency", added)
    print(
        f"{label}: {chats / wall:.1f} jobs/s, wall {wall:.1f} s, failed {failed}, "
        f"lost events {lost}, duplicated events {duplicated}, "
        f"peak concurrent streams {overlap}, added inter-token p99 {percentile(added, 99) * 1000:.1f} ms",
        flush=True,
    )
    return {"failed": failed, "lost": lost, "duplicated": duplicated}


def _peak_overlap(runs: list[ChatRun]) -> int:
    """The most chats that were streaming tokens at the same moment."""
    edges = sorted(
        [(run.token_times[0], 1) for run in runs if run.token_times]
        + [(run.token_times[-1], -1) for run in runs if run.token_times]
    )
    peak = current = 0
    for _, step in edges:
        current += step
        peak = max(peak, current)
    return peak


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(url: str, procs: list[subprocess.Popen[bytes]], timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in procs):
            raise RuntimeError("a service process exited during start-up")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


def main() -> None:
    """On uvloop, like the service: the load clients share the two cores with what they measure."""
    import uvloop

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(_main())


async def _main() -> None:
    eco2 = str(Path(sys.executable).with_name("eco2"))
    prefix = f"bench{uuid.uuid4().hex[:8]}"
    fake_port, api_port = _free_port(), _free_port()
    procs: list[subprocess.Popen[bytes]] = []
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ECO2_", "OPENAI_"))}
        env.update(
            ECO2_REDIS_URL=os.environ.get("ECO2_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"),
            ECO2_DATA_DIR=tmp,
            ECO2_JOBS_PREFIX=prefix,
            ECO2_QUEUE_NAME=f"{prefix}:jobs",
            ECO2_EVENTS_PREFIX=f"{prefix}:events",
            ECO2_DOMAIN_EVENTS_STREAM=f"{prefix}:domain",
            ECO2_CHECKPOINT_PREFIX=f"{prefix}:ckpt",
            ECO2_DATABASE_URL=os.environ.get("ECO2_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"),
            ECO2_RATE_LIMIT_PER_MINUTE="0",
            ECO2_LLM_PROVIDERS="openai",
            OPENAI_BASE_URL=f"http://127.0.0.1:{fake_port}/v1",
            ECO2_LOG_LEVEL="ERROR",
        )
        script = FAKE_SERVER.format(tokens=TOKENS, interval=1 / RATE)
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": env}
        try:
            procs.append(subprocess.Popen([sys.executable, "-c", script, str(fake_port)], **quiet))  # type: ignore[call-overload]
            procs.append(subprocess.Popen([eco2, "api", "--port", str(api_port)], **quiet))  # type: ignore[call-overload]
            for _ in range(2):
                procs.append(subprocess.Popen([eco2, "worker", "--concurrency", "200"], **quiet))  # type: ignore[call-overload]
            url = f"http://127.0.0.1:{api_port}"
            _wait(f"{url}/readyz", procs)
            print(f"model pace {RATE:.0f} tokens/s, {TOKENS} tokens per answer; api + 2 workers", flush=True)
            await _round(url, 10, tokens=TOKENS)  # warm-up
            for ramp_s in (0.0, RAMP_S):
                before = [_cpu_s(proc.pid) for proc in procs]
                client_before = time.process_time()
                await _round(url, CHATS, ramp_s, TOKENS)
                spent = [_cpu_s(proc.pid) - b for proc, b in zip(procs, before, strict=True)]
                names = ["model", "api", "worker", "worker"]
                shares = ", ".join(f"{n} {c:.1f}" for n, c in zip(names, spent, strict=True))
                print(f"  CPU seconds: {shares}, load clients {time.process_time() - client_before:.1f}")
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
