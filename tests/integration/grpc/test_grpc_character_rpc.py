"""CharacterGrpcClient against a real character server on loopback."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from grpc_support import character_server

from eco2.application.ports.character import CharacterServiceError
from eco2.domain.categories import WasteCategory
from eco2.infrastructure.integrations.character.grpc_client import SERVICE_NAME, CharacterGrpcClient
from eco2.infrastructure.integrations.character.proto import character_pb2, character_pb2_grpc
from eco2.servers.grpc_runtime import GrpcServer


async def test_every_category_resolves_over_the_wire_by_label_and_slug() -> None:
    async with character_server() as server:
        client = CharacterGrpcClient(server.address)
        try:
            for category in WasteCategory:
                by_label = await client.get_character_by_waste_category(category.label)
                by_slug = await client.get_character_by_waste_category(category.value)
                assert by_label is not None and by_slug is not None, category
                assert by_label.code == by_slug.code == category.value
                assert by_label.match_label == category.label
                assert by_label.name and by_label.type_label and by_label.dialog
        finally:
            await client.close()


async def test_plastic_character_and_default_character() -> None:
    async with character_server() as server:
        client = CharacterGrpcClient(server.address)
        try:
            plastic = await client.get_character_by_waste_category("플라스틱류")
            default = await client.get_default_character()
        finally:
            await client.close()
    assert plastic is not None and plastic.name == "플라코" and plastic.type_label == "플라스틱 탐험가"
    assert default is not None and default.code == "eco" and default.name == "에코링"


async def test_unknown_label_is_not_found_rather_than_an_error() -> None:
    async with character_server() as server:
        client = CharacterGrpcClient(server.address)
        try:
            assert await client.get_character_by_waste_category("우주쓰레기") is None
        finally:
            await client.close()


async def test_default_character_response_carries_an_id() -> None:
    async with character_server() as server, grpc.aio.insecure_channel(server.address) as channel:
        stub = character_pb2_grpc.CharacterServiceStub(channel)
        response = await stub.GetDefaultCharacter(character_pb2.GetDefaultCharacterRequest(), timeout=2)
    assert response.found and response.character_id == "chr-00" and response.character_code == "eco"


@pytest.mark.parametrize("label", ["", "   ", "가" * 101])
async def test_blank_or_oversized_label_is_invalid_argument(label: str) -> None:
    async with character_server() as server, grpc.aio.insecure_channel(server.address) as channel:
        stub = character_pb2_grpc.CharacterServiceStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await stub.GetCharacterByMatch(character_pb2.GetByMatchRequest(match_label=label), timeout=2)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "match_label" in (caught.value.details() or "")


async def test_client_surfaces_invalid_argument_as_a_port_error() -> None:
    async with character_server() as server:
        client = CharacterGrpcClient(server.address)
        try:
            with pytest.raises(CharacterServiceError, match="INVALID_ARGUMENT"):
                await client.get_character_by_waste_category("")
        finally:
            await client.close()


class _FlakyCharacters(character_pb2_grpc.CharacterServiceServicer):
    """Answers UNAVAILABLE a set number of times, then succeeds: exercises the channel's retry policy."""

    def __init__(self, failures: int, delay_s: float = 0.0):
        self.calls = 0
        self.entered = asyncio.Event()
        self._failures = failures
        self._delay_s = delay_s

    async def GetDefaultCharacter(self, request, context):  # type: ignore[no-untyped-def]
        self.calls += 1
        self.entered.set()
        if self.calls <= self._failures:
            await context.abort(grpc.StatusCode.UNAVAILABLE, "잠시 후 다시 시도하세요")
        await asyncio.sleep(self._delay_s)
        return character_pb2.GetDefaultCharacterResponse(found=True, character_code="x", character_name="테스트")


async def _flaky_server(servicer: _FlakyCharacters) -> GrpcServer:
    server = GrpcServer("flaky", [SERVICE_NAME],
                        lambda s: character_pb2_grpc.add_CharacterServiceServicer_to_server(servicer, s),
                        "127.0.0.1", 0)
    await server.start()
    return server


async def test_unavailable_is_retried_by_the_channel() -> None:
    servicer = _FlakyCharacters(failures=2)
    server = await _flaky_server(servicer)
    client = CharacterGrpcClient(server.address, max_attempts=3, timeout_s=5)
    try:
        character = await client.get_default_character()
    finally:
        await client.close()
        await server.stop(0)
    assert character is not None and character.name == "테스트"
    assert servicer.calls == 3


async def test_retries_stop_at_max_attempts() -> None:
    servicer = _FlakyCharacters(failures=5)
    server = await _flaky_server(servicer)
    client = CharacterGrpcClient(server.address, max_attempts=2, timeout_s=5)
    try:
        with pytest.raises(CharacterServiceError, match="UNAVAILABLE"):
            await client.get_default_character()
    finally:
        await client.close()
        await server.stop(0)
    assert servicer.calls == 2


async def test_slow_server_hits_the_deadline() -> None:
    server = await _flaky_server(_FlakyCharacters(failures=0, delay_s=2.0))
    client = CharacterGrpcClient(server.address, timeout_s=0.2)
    try:
        with pytest.raises(CharacterServiceError, match="DEADLINE_EXCEEDED"):
            await client.get_default_character()
    finally:
        await client.close()
        await server.stop(0)


async def test_graceful_stop_lets_an_in_flight_call_finish() -> None:
    servicer = _FlakyCharacters(failures=0, delay_s=0.5)
    server = await _flaky_server(servicer)
    client = CharacterGrpcClient(server.address, timeout_s=5)
    try:
        call = asyncio.ensure_future(client.get_default_character())
        await asyncio.wait_for(servicer.entered.wait(), timeout=5)  # the call is inside the handler
        await server.stop(grace_s=3)
        character = await call
    finally:
        await client.close()
    assert character is not None and character.name == "테스트"
