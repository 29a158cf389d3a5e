"""A service that is down, slow or restarted: its node is skipped, the chat still answers, and the
long-lived channel recovers once the server is back."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from grpc_support import CENTER, SlowStore, character_server, location_server, synthetic_places
from progress_fakes import InProcessProgressNotifier

from eco2.application.ports.character import CharacterServiceError
from eco2.application.ports.location import GeoPoint, LocationServiceError
from eco2.bootstrap import build_policy, build_retriever
from eco2.infrastructure.integrations.character.grpc_client import CharacterGrpcClient
from eco2.infrastructure.integrations.location.grpc_client import LocationGrpcClient
from eco2.infrastructure.llm.clients.local_grounded_responder import LocalGroundedResponder
from eco2.infrastructure.orchestration.langgraph.factory import create_chat_graph
from eco2.infrastructure.orchestration.langgraph.workflow import ChatWorkflow
from eco2.servers.location.sqlite_store import SqlitePlaceStore
from eco2.settings import Settings

CHARACTER_QUESTION = "플라스틱 캐릭터 누구야?"
LOCATION_QUESTION = "근처 재활용센터 어디야?"
USER_LOCATION = {"latitude": CENTER[0], "longitude": CENTER[1]}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlitePlaceStore]:
    sqlite = SqlitePlaceStore(tmp_path / "places.sqlite")
    sqlite.ensure_schema()
    sqlite.upsert(synthetic_places())
    yield sqlite
    sqlite.close()


def workflow(character: CharacterGrpcClient, location: LocationGrpcClient) -> tuple[ChatWorkflow, Any]:
    settings = Settings()
    notifier = InProcessProgressNotifier()
    graph = create_chat_graph(
        llm=LocalGroundedResponder(),
        retriever=build_retriever(settings),
        event_publisher=notifier,
        policy=build_policy(settings),
        character_client=character,
        location_client=location,
    )
    return ChatWorkflow(graph, notifier), notifier


def stage_status(notifier: InProcessProgressNotifier, job_id: str, stage: str) -> list[str]:
    return [e["payload"]["status"] for e in notifier.events(job_id)
            if e["event_type"] == "stage" and e["payload"]["stage"] == stage]


async def test_services_down_nodes_skip_and_the_chat_completes() -> None:
    dead = f"127.0.0.1:{free_port()}"
    character = CharacterGrpcClient(dead, timeout_s=1)
    location = LocationGrpcClient(dead, timeout_s=1)
    chat, notifier = workflow(character, location)
    try:
        first = await chat.run_turn("s1", CHARACTER_QUESTION, job_id="job-c")
        second = await chat.run_turn("s2", LOCATION_QUESTION, job_id="job-l", user_location=USER_LOCATION)
    finally:
        await character.close()
        await location.close()
    assert first.status == "completed" and first.intent == "character"
    assert stage_status(notifier, "job-c", "character") == ["started", "skipped"]
    assert "캐릭터 서비스에 연결되어 있지 않아" in first.answer
    assert second.status == "completed" and second.intent == "location"
    assert stage_status(notifier, "job-l", "location") == ["started", "skipped"]
    assert "위치 검색 서비스에 연결되어 있지 않아" in second.answer
    assert [e["event_type"] for e in notifier.events("job-l")][-1] == "done"


async def test_slow_location_service_is_skipped_at_the_deadline(store: SqlitePlaceStore) -> None:
    async with location_server(SlowStore(store, delay_s=0.8)) as server:
        location = LocationGrpcClient(server.address, timeout_s=0.2)
        character = CharacterGrpcClient(f"127.0.0.1:{free_port()}")
        chat, notifier = workflow(character, location)
        try:
            with pytest.raises(LocationServiceError, match="DEADLINE_EXCEEDED"):
                await location.search_nearby(GeoPoint(*CENTER))
            result = await chat.run_turn("s3", LOCATION_QUESTION, job_id="job-slow", user_location=USER_LOCATION)
        finally:
            await location.close()
            await character.close()
    assert result.status == "completed"
    assert stage_status(notifier, "job-slow", "location") == ["started", "skipped"]


async def test_services_up_nodes_complete_with_real_answers(store: SqlitePlaceStore) -> None:
    async with character_server() as characters, location_server(store) as places:
        character = CharacterGrpcClient(characters.address)
        location = LocationGrpcClient(places.address)
        chat, notifier = workflow(character, location)
        try:
            first = await chat.run_turn("s4", CHARACTER_QUESTION, job_id="job-c2")
            second = await chat.run_turn("s5", LOCATION_QUESTION, job_id="job-l2", user_location=USER_LOCATION)
        finally:
            await character.close()
            await location.close()
    assert stage_status(notifier, "job-c2", "character") == ["started", "completed"]
    assert "플라코" in first.answer
    assert stage_status(notifier, "job-l2", "location") == ["started", "completed"]
    # the question asks for recycling centres, so only p1 qualifies within the radius
    assert "테스트 재활용센터 1" in second.answer


async def test_channel_recovers_after_the_server_restarts() -> None:
    port = free_port()
    client = CharacterGrpcClient(f"127.0.0.1:{port}", timeout_s=1)
    try:
        async with character_server(port):
            assert await client.get_default_character() is not None
        with pytest.raises(CharacterServiceError, match="UNAVAILABLE"):
            await client.get_default_character()
        async with character_server(port):
            recovered = None
            for _ in range(50):  # the channel reconnects on its own backoff (at most 1 s)
                try:
                    recovered = await client.get_default_character()
                    break
                except CharacterServiceError:
                    await asyncio.sleep(0.1)
            assert recovered is not None and recovered.code == "eco"
    finally:
        await client.close()
