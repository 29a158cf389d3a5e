"""A user's conversation over real HTTP: post, stream, reconnect, pause for a location, history, queueing."""

from __future__ import annotations

import httpx
from http_harness import answer_text, read_events


def _session(client: httpx.Client, auth: dict[str, str]) -> str:
    response = client.post("/api/v1/chat", headers=auth)
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "created_at"}
    return body["id"]


def _post(client: httpx.Client, auth: dict[str, str], session_id: str, message: str, **extra: object) -> dict:
    response = client.post(f"/api/v1/chat/{session_id}/messages", json={"message": message, **extra}, headers=auth)
    assert response.status_code == 202, response.text
    return response.json()


def test_post_stream_done_and_history(client: httpx.Client, auth: dict[str, str]) -> None:
    session_id = _session(client, auth)
    job = _post(client, auth, session_id, "페트병 어떻게 버려요?")
    assert job["stream_url"] == f"/api/v1/chat/{job['job_id']}/events"
    assert job["status"] == "queued"

    events = read_events(client, job["job_id"], headers=auth)

    kinds = [event.type for event in events]
    assert kinds[-1] == "done" and "token" in kinds and "stage" in kinds
    done = events[-1].data
    assert done["status"] == "completed" and done["category"] == "clear_pet"
    assert answer_text(events) == done["answer"]
    seqs = [event.data["seq"] for event in events]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
    assert all(event.id for event in events)

    # a finished job replays the same events and ends
    assert [e.id for e in read_events(client, job["job_id"], headers=auth)] == [e.id for e in events]
    history = _wait_history(client, auth, session_id, turns=1)
    assert history["turns"][0]["user_message"] == "페트병 어떻게 버려요?"
    assert history["turns"][0]["answer"] == done["answer"]


def test_reconnect_with_last_event_id_loses_and_repeats_nothing(
    client: httpx.Client, auth: dict[str, str]
) -> None:
    session_id = _session(client, auth)
    job = _post(client, auth, session_id, "우유팩은 어떻게 버려요?")

    first = read_events(client, job["job_id"], headers=auth, stop_after=7)  # the connection drops here
    rest = read_events(client, job["job_id"], headers=auth, last_event_id=first[-1].id)

    events = first + rest
    ids = [event.id for event in events]
    assert len(ids) == len(set(ids))
    seqs = [event.data["seq"] for event in events]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
    assert events[-1].type == "done"
    assert answer_text(events) == events[-1].data["answer"]
    # reconnecting after the end gives nothing more and still ends
    assert read_events(client, job["job_id"], headers=auth, last_event_id=events[-1].id) == []


def test_location_question_pauses_for_input_and_resumes(client: httpx.Client, auth: dict[str, str]) -> None:
    session_id = _session(client, auth)
    job = _post(client, auth, session_id, "근처에 폐건전지 수거함 어디 있어요?")

    paused = read_events(client, job["job_id"], headers=auth)
    assert [e.type for e in paused][-2:] == ["needs_input", "done"]
    assert paused[-2].data["input_type"] == "location"
    assert paused[-1].data["status"] == "waiting_human"

    wrong = client.post(f"/api/v1/chat/{job['job_id']}/input", json={"type": "location", "data": {}}, headers=auth)
    assert wrong.status_code == 422
    answer = {"type": "location", "data": {"latitude": 37.5665, "longitude": 126.978}}
    accepted = client.post(f"/api/v1/chat/{job['job_id']}/input", json=answer, headers=auth)
    assert accepted.status_code == 202, accepted.text
    again = client.post(f"/api/v1/chat/{job['job_id']}/input", json=answer, headers=auth)
    assert again.status_code == 409
    assert again.json()["error"]["code"] in {"not_waiting", "already_answered"}

    resumed = read_events(client, job["job_id"], headers=auth, last_event_id=paused[-1].id)
    assert resumed[-1].type == "done" and resumed[-1].data["status"] == "completed"
    location_stage = [e for e in resumed if e.type == "stage" and e.data["stage"] == "location"]
    assert location_stage and location_stage[-1].data["status"] in {"completed", "skipped"}
    # a fresh client (no Last-Event-ID) sees the whole job, pause included, through to the final answer
    whole = read_events(client, job["job_id"], headers=auth)
    assert [e.id for e in whole] == [e.id for e in paused + resumed]


def test_cancel_ends_a_waiting_job(client: httpx.Client, auth: dict[str, str]) -> None:
    session_id = _session(client, auth)
    job = _post(client, auth, session_id, "근처 재활용센터 알려줘")
    paused = read_events(client, job["job_id"], headers=auth)
    assert paused[-1].data["status"] == "waiting_human"

    cancelled = client.post(f"/api/v1/chat/{job['job_id']}/input", json={"type": "cancel"}, headers=auth)
    assert cancelled.status_code == 202 and cancelled.json()["status"] == "cancelled"
    tail = read_events(client, job["job_id"], headers=auth, last_event_id=paused[-1].id)
    assert [e.type for e in tail] == ["done"] and tail[0].data["status"] == "cancelled"
    late = client.post(
        f"/api/v1/chat/{job['job_id']}/input",
        json={"type": "location", "data": {"latitude": 37.5, "longitude": 127.0}},
        headers=auth,
    )
    assert late.status_code == 409


def test_second_message_waits_for_the_first_on_the_same_session(
    client: httpx.Client, auth: dict[str, str], fake_llm
) -> None:
    session_id = _session(client, auth)
    fake_llm.token_interval_s = 0.01
    try:
        first = _post(client, auth, session_id, "유리병 어떻게 버려요?")
        second = _post(client, auth, session_id, "그럼 뚜껑은요?")
        first_events = read_events(client, first["job_id"], headers=auth)
        second_events = read_events(client, second["job_id"], headers=auth)
    finally:
        fake_llm.token_interval_s = 0.0
    assert first_events[-1].type == "done" and second_events[-1].type == "done"
    first_done_ts = _ts(client, auth, first["job_id"])
    second_started_ts = _ts(client, auth, second["job_id"], last=False)
    assert second_started_ts >= first_done_ts


def test_sessions_are_listed_with_cursor_pages_and_deleted(client: httpx.Client, auth: dict[str, str]) -> None:
    created = [_session(client, auth) for _ in range(3)]
    page1 = client.get("/api/v1/chat", params={"limit": 2}, headers=auth).json()
    assert [s["id"] for s in page1["sessions"]] == created[::-1][:2]
    page2 = client.get("/api/v1/chat", params={"limit": 2, "cursor": page1["next_cursor"]}, headers=auth).json()
    assert [s["id"] for s in page2["sessions"]] == [created[0]]
    assert page2["next_cursor"] is None

    job = _post(client, auth, created[0], "캔 어떻게 버려요?")
    read_events(client, job["job_id"], headers=auth)
    _wait_history(client, auth, created[0], turns=1)
    assert client.delete(f"/api/v1/chat/{created[0]}", headers=auth).status_code == 204
    assert client.get(f"/api/v1/chat/{created[0]}", headers=auth).status_code == 404
    remaining = client.get("/api/v1/chat", headers=auth).json()["sessions"]
    assert created[0] not in [s["id"] for s in remaining]


def _ts(client: httpx.Client, auth: dict[str, str], job_id: str, last: bool = True) -> float:
    """When a job's first (or last) event was written, from the stream entry id (ms since the epoch)."""
    events = read_events(client, job_id, headers=auth)
    entry = events[-1] if last else events[0]
    assert entry.id is not None
    return int(entry.id.split("-")[0]) / 1000


def _wait_history(client: httpx.Client, auth: dict[str, str], session_id: str, turns: int) -> dict:
    import time

    deadline = time.monotonic() + 20
    while True:
        history = client.get(f"/api/v1/chat/{session_id}", headers=auth).json()
        if len(history["turns"]) >= turns or time.monotonic() > deadline:
            return history
        time.sleep(0.1)
