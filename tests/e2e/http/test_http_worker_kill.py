"""A worker killed (SIGKILL) in the middle of an answer: another worker finishes the job, once."""

from __future__ import annotations

import time

import httpx
from http_harness import SseEvent, Stack, answer_text, iter_sse


def test_job_of_a_killed_worker_is_finished_by_another(
    stack: Stack, client: httpx.Client, auth: dict[str, str], fake_llm
) -> None:
    session_id = client.post("/api/v1/chat", headers=auth).json()["id"]
    fake_llm.token_interval_s = 0.05  # slow enough that the answer is still streaming when we kill
    try:
        job = client.post(
            f"/api/v1/chat/{session_id}/messages", json={"message": "플라스틱 통 어떻게 버려요?"}, headers=auth
        ).json()
        job_id = job["job_id"]
        events: list[SseEvent] = []
        killed = None
        comments: list[str] = []
        with client.stream("GET", f"/api/v1/chat/{job_id}/events", headers=auth, timeout=90) as response:
            for event in iter_sse(response, comments):
                events.append(event)
                if killed is None and sum(e.type == "token" for e in events) >= 5:
                    killed = _worker_of(stack, job_id)
                    killed.kill()
                    fake_llm.token_interval_s = 0.0
    finally:
        fake_llm.token_interval_s = 0.0
    stack.spawn("worker3", "worker", "--concurrency", "8")  # keep two workers for the tests after this one

    assert killed is not None and killed.popen.returncode == -9
    assert events[-1].type == "done" and events[-1].data["status"] == "completed"
    resets = [e for e in events if e.type == "reset"]
    assert len(resets) == 1 and resets[0].data["attempt"] == 2
    assert answer_text(events) == events[-1].data["answer"]
    ids = [e.id for e in events]
    assert len(ids) == len(set(ids))
    seqs = [e.data["seq"] for e in events]
    assert seqs == sorted(seqs) and len(seqs) == len(set(seqs))
    assert any(comment.startswith(": ping") for comment in comments)  # keepalives while the job was claimed
    finisher = _worker_of(stack, job_id)
    assert finisher is not killed


def _worker_of(stack: Stack, job_id: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        proc = stack.worker_running(job_id)
        if proc is not None:
            return proc
        time.sleep(0.05)
    raise AssertionError(f"no worker logged job {job_id}")
