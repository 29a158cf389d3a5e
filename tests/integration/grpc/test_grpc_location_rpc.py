"""LocationGrpcClient against a real location server (SQLite store) on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import grpc
import pytest
from grpc_support import CENTER, fixed_clock, location_server, synthetic_places

from eco2.application.ports.location import GeoPoint, LocationServiceError
from eco2.infrastructure.integrations.location.grpc_client import LocationGrpcClient
from eco2.infrastructure.integrations.location.proto import location_pb2, location_pb2_grpc
from eco2.servers.location.hours import KST
from eco2.servers.location.sqlite_store import SqlitePlaceStore

# A Saturday at 11:00 in Seoul: p1 (open every day) is open, p2 (weekdays only) is closed.
SATURDAY_11 = datetime(2026, 11, 28, 11, 0, tzinfo=KST)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlitePlaceStore]:
    sqlite = SqlitePlaceStore(tmp_path / "places.sqlite")
    sqlite.ensure_schema()
    sqlite.upsert(synthetic_places())
    yield sqlite
    sqlite.close()


async def test_search_nearby_returns_places_nearest_first(store: SqlitePlaceStore) -> None:
    async with location_server(store, fixed_clock(SATURDAY_11)) as server:
        client = LocationGrpcClient(server.address)
        try:
            places = await client.search_nearby(GeoPoint(*CENTER), radius_m=3000, limit=10)
        finally:
            await client.close()
    assert [p.id for p in places] == ["p5", "p2", "p3", "p1", "p4"]
    distances = [p.distance_km for p in places]
    assert distances == sorted(distances)
    assert [p.distance_text for p in places] == ["56m", "284m", "441m", "1.1km", "2.4km"]
    by_id = {p.id: p for p in places}
    assert by_id["p1"].is_open is True
    assert by_id["p2"].is_open is False
    assert by_id["p3"].is_open is None  # no hours on record
    assert by_id["p3"].pickup_categories == ("battery", "lighting")
    assert by_id["p1"].phone == "000-0000-0001" and by_id["p1"].road_address == "테스트로 1"
    assert by_id["p1"].store_category == "recycling_center"


async def test_filters_limit_and_total_count_over_the_wire(store: SqlitePlaceStore) -> None:
    async with location_server(store) as server, grpc.aio.insecure_channel(server.address) as channel:
        stub = location_pb2_grpc.LocationServiceStub(channel)
        base = {"latitude": CENTER[0], "longitude": CENTER[1], "radius": 3000}
        batteries = await stub.SearchNearby(
            location_pb2.SearchNearbyRequest(**base, limit=1, pickup_category="전지"), timeout=2
        )
        refill = await stub.SearchNearby(
            location_pb2.SearchNearbyRequest(**base, limit=5, store_category="refill"), timeout=2
        )
        default_radius = await stub.SearchNearby(
            location_pb2.SearchNearbyRequest(latitude=CENTER[0], longitude=CENTER[1], limit=50), timeout=2
        )
    assert [e.id for e in batteries.entries] == ["p5"] and batteries.total_count == 2
    assert [e.id for e in refill.entries] == ["p2"] and refill.total_count == 1
    assert default_radius.total_count == 5  # radius 0 means the 3 km default; "far" stays out


async def test_empty_area_returns_no_entries(store: SqlitePlaceStore) -> None:
    async with location_server(store) as server:
        client = LocationGrpcClient(server.address)
        try:
            assert await client.search_nearby(GeoPoint(-33.9, 18.4), radius_m=5000) == []
        finally:
            await client.close()


@pytest.mark.parametrize(
    ("fields", "needle"),
    [
        ({"latitude": 91.0, "limit": 5}, "latitude"),
        ({"longitude": -180.5, "limit": 5}, "longitude"),
        ({"radius": -10, "limit": 5}, "radius"),
        ({"limit": 0}, "limit"),
        ({"limit": 51}, "limit"),
        ({"limit": 5, "store_category": "bakery"}, "store_category"),
        ({"limit": 5, "pickup_category": "moon_rock"}, "pickup_category"),
    ],
)
async def test_bad_requests_get_invalid_argument(store: SqlitePlaceStore, fields: dict, needle: str) -> None:
    request = {"latitude": CENTER[0], "longitude": CENTER[1], **fields}
    async with location_server(store) as server, grpc.aio.insecure_channel(server.address) as channel:
        stub = location_pb2_grpc.LocationServiceStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await stub.SearchNearby(location_pb2.SearchNearbyRequest(**request), timeout=2)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert needle in (caught.value.details() or "")


async def test_client_reports_invalid_argument_as_a_port_error(store: SqlitePlaceStore) -> None:
    async with location_server(store) as server:
        client = LocationGrpcClient(server.address)
        try:
            with pytest.raises(LocationServiceError, match="INVALID_ARGUMENT"):
                await client.search_nearby(GeoPoint(*CENTER), limit=0)
        finally:
            await client.close()
