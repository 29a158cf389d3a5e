"""Both servers answer gRPC health checks and reflection, and report NOT_SERVING while stopping."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from google.protobuf import descriptor_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from grpc_support import character_server, location_server

from eco2.servers.location.sqlite_store import SqlitePlaceStore


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlitePlaceStore]:
    sqlite = SqlitePlaceStore(tmp_path / "places.sqlite")
    sqlite.ensure_schema()
    yield sqlite
    sqlite.close()


async def _reflect(channel: grpc.aio.Channel, request: reflection_pb2.ServerReflectionRequest):
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    call = stub.ServerReflectionInfo(iter([request]), timeout=2)
    return [response async for response in call]


async def test_character_server_health_and_reflection() -> None:
    async with character_server() as server, grpc.aio.insecure_channel(server.address) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        for service in ("", "character.v1.CharacterService"):
            reply = await health.Check(health_pb2.HealthCheckRequest(service=service), timeout=2)
            assert reply.status == health_pb2.HealthCheckResponse.SERVING
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await health.Check(health_pb2.HealthCheckRequest(service="no.such.Service"), timeout=2)
        assert caught.value.code() == grpc.StatusCode.NOT_FOUND

        [listing] = await _reflect(channel, reflection_pb2.ServerReflectionRequest(list_services=""))
        names = {s.name for s in listing.list_services_response.service}
        assert {"character.v1.CharacterService", "grpc.health.v1.Health"} <= names


async def test_location_server_health_and_reflection_describe_the_contract(store: SqlitePlaceStore) -> None:
    async with location_server(store) as server, grpc.aio.insecure_channel(server.address) as channel:
        reply = await health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service="location.v1.LocationService"), timeout=2
        )
        assert reply.status == health_pb2.HealthCheckResponse.SERVING
        [found] = await _reflect(
            channel, reflection_pb2.ServerReflectionRequest(file_containing_symbol="location.v1.LocationService")
        )
    files = [descriptor_pb2.FileDescriptorProto.FromString(raw)
             for raw in found.file_descriptor_response.file_descriptor_proto]
    entry = next(m for f in files for m in f.message_type if m.name == "LocationEntry")
    assert [f.name for f in entry.field] == [
        "id", "name", "road_address", "latitude", "longitude", "distance_km", "distance_text",
        "store_category", "pickup_categories", "is_open", "phone",
    ]


async def test_health_turns_not_serving_when_the_server_stops() -> None:
    async with character_server() as server, grpc.aio.insecure_channel(server.address) as channel:
        health = health_pb2_grpc.HealthStub(channel)
        watch = health.Watch(health_pb2.HealthCheckRequest(service=""), timeout=5)
        first = await watch.read()
        assert first.status == health_pb2.HealthCheckResponse.SERVING
        await server.stop(grace_s=1)
        second = await watch.read()
        assert second.status == health_pb2.HealthCheckResponse.NOT_SERVING
