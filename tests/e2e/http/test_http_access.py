"""Who may do what, over real HTTP: tokens, ownership, idempotency, the rate limit and bad input."""

from __future__ import annotations

import httpx
import pytest
from http_harness import read_events, token_for


def _session(client: httpx.Client, auth: dict[str, str]) -> str:
    return client.post("/api/v1/chat", headers=auth).json()["id"]


def _error(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    return body["error"]["code"]


def test_tokens_api_keys_and_expired_jwt(client: httpx.Client) -> None:
    assert _error(client.get("/api/v1/chat"), 401) == "missing_token"
    assert _error(client.get("/api/v1/chat", headers={"Authorization": "Bearer nope"}), 401) == "invalid_token"
    assert _error(client.get("/api/v1/chat", headers={"Authorization": "Basic abc"}), 401) == "invalid_token"
    expired = {"Authorization": f"Bearer {token_for('carol', expires_in_s=-60)}"}
    assert _error(client.post("/api/v1/chat", headers=expired), 401) == "token_expired"
    alice = {"Authorization": "Bearer key-alice"}
    assert client.post("/api/v1/chat", headers=alice).status_code == 201
    assert client.get("/healthz").status_code == 200


def test_another_users_ids_answer_404_and_change_nothing(client: httpx.Client, auth: dict[str, str]) -> None:
    session_id = _session(client, auth)
    job = client.post(
        f"/api/v1/chat/{session_id}/messages", json={"message": "근처 수거함 어디 있어요?"}, headers=auth
    ).json()
    paused = read_events(client, job["job_id"], headers=auth)
    assert paused[-1].data["status"] == "waiting_human"

    mallory = {"Authorization": f"Bearer {token_for('mallory')}"}
    location = {"type": "location", "data": {"latitude": 37.5, "longitude": 127.0}}
    assert _error(client.get(f"/api/v1/chat/{session_id}", headers=mallory), 404) == "session_not_found"
    assert _error(client.delete(f"/api/v1/chat/{session_id}", headers=mallory), 404) == "session_not_found"
    assert _error(
        client.post(f"/api/v1/chat/{session_id}/messages", json={"message": "안녕"}, headers=mallory), 404
    ) == "session_not_found"
    assert _error(client.get(f"/api/v1/chat/{job['job_id']}/events", headers=mallory), 404) == "job_not_found"
    assert _error(
        client.post(f"/api/v1/chat/{job['job_id']}/input", json=location, headers=mallory), 404
    ) == "job_not_found"
    assert client.get("/api/v1/chat", headers=mallory).json()["sessions"] == []

    # the owner's job is still waiting, untouched
    accepted = client.post(f"/api/v1/chat/{job['job_id']}/input", json=location, headers=auth)
    assert accepted.status_code == 202


def test_idempotency_key_returns_the_same_job(client: httpx.Client, auth: dict[str, str]) -> None:
    session_id = _session(client, auth)
    headers = {**auth, "Idempotency-Key": "retry-1"}
    first = client.post(f"/api/v1/chat/{session_id}/messages", json={"message": "캔 어떻게 버려요?"}, headers=headers)
    second = client.post(f"/api/v1/chat/{session_id}/messages", json={"message": "캔 어떻게 버려요?"}, headers=headers)
    assert first.status_code == second.status_code == 202
    assert first.json()["job_id"] == second.json()["job_id"]
    events = read_events(client, first.json()["job_id"], headers=auth)
    assert events[-1].type == "done"
    other_session = _session(client, auth)
    reused = client.post(
        f"/api/v1/chat/{other_session}/messages", json={"message": "캔 어떻게 버려요?"}, headers=headers
    )
    assert _error(reused, 409) == "idempotency_key_reused"


def test_rate_limit_answers_429_with_retry_after(client: httpx.Client, auth: dict[str, str]) -> None:
    session_id = _session(client, auth)
    statuses = []
    for index in range(7):  # the stack allows 6 messages per user per minute
        response = client.post(
            f"/api/v1/chat/{session_id}/messages", json={"message": f"질문 {index}"}, headers=auth
        )
        statuses.append(response.status_code)
    assert statuses == [202] * 6 + [429]
    assert 1 <= int(response.headers["Retry-After"]) <= 61
    assert _error(response, 429) == "rate_limited"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b"{not json", 400, "malformed_json"),
        (b'{"message": 42}', 422, "invalid_request"),
        (b"{}", 422, "invalid_request"),
        (b'{"message": ""}', 422, "invalid_request"),
        (b'{"message": "   "}', 422, "empty_message"),
        (b'{"message": "' + "가".encode() * 4001 + b'"}', 422, "invalid_request"),
        (b'{"message": "hi", "user_location": {"latitude": 91, "longitude": 0}}', 422, "invalid_request"),
        (b'{"message": "hi", "extra": 1}', 422, "invalid_request"),
    ],
)
def test_bad_message_bodies_are_4xx_and_queue_nothing(
    client: httpx.Client, auth: dict[str, str], body: bytes, status: int, code: str
) -> None:
    session_id = _session(client, auth)
    response = client.post(
        f"/api/v1/chat/{session_id}/messages", content=body, headers={**auth, "Content-Type": "application/json"}
    )
    assert _error(response, status) == code
    # nothing was queued: the next message is the session's first job and the rate limit was not spent
    for _ in range(6):
        ok = client.post(f"/api/v1/chat/{session_id}/messages", json={"message": "종이컵"}, headers=auth)
        assert ok.status_code == 202


def test_unknown_ids_and_input_for_a_job_that_is_not_waiting(client: httpx.Client, auth: dict[str, str]) -> None:
    assert _error(client.get("/api/v1/chat/0123456789abcdef", headers=auth), 404) == "session_not_found"
    assert _error(client.get("/api/v1/chat/nope/events", headers=auth), 404) == "job_not_found"
    location = {"type": "location", "data": {"latitude": 37.5, "longitude": 127.0}}
    assert _error(client.post("/api/v1/chat/nope/input", json=location, headers=auth), 404) == "job_not_found"
    assert _error(client.get("/api/v1/chat/nope/events", headers={**auth, "Last-Event-ID": "x"}), 422)
    assert _error(client.put("/api/v1/chat", headers=auth), 405) == "method_not_allowed"
    assert _error(client.get("/no/such/page"), 404) == "not_found"

    session_id = _session(client, auth)
    job = client.post(f"/api/v1/chat/{session_id}/messages", json={"message": "캔"}, headers=auth).json()
    assert read_events(client, job["job_id"], headers=auth)[-1].data["status"] == "completed"
    assert _error(client.post(f"/api/v1/chat/{job['job_id']}/input", json=location, headers=auth), 409) == (
        "not_waiting"
    )
    bad = {"type": "telepathy", "data": {}}
    assert _error(client.post(f"/api/v1/chat/{job['job_id']}/input", json=bad, headers=auth), 422)
