"""SearchNearby requests the server refuses, and the defaults it fills in."""

from __future__ import annotations

import math

import pytest

from eco2.infrastructure.integrations.location.proto import location_pb2
from eco2.servers.location.service import DEFAULT_RADIUS_M, MAX_LIMIT, InvalidSearchError, validate


def request(**overrides: object) -> location_pb2.SearchNearbyRequest:
    fields: dict[str, object] = {"latitude": 37.5, "longitude": 127.0, "radius": 1000, "limit": 5}
    fields.update(overrides)
    return location_pb2.SearchNearbyRequest(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"latitude": 90.5}, "latitude"),
        ({"latitude": -91}, "latitude"),
        ({"latitude": math.nan}, "latitude"),
        ({"longitude": 180.01}, "longitude"),
        ({"longitude": math.inf}, "longitude"),
        ({"radius": -1}, "radius"),
        ({"radius": 50_001}, "radius"),
        ({"limit": 0}, "limit"),
        ({"limit": MAX_LIMIT + 1}, "limit"),
        ({"limit": -3}, "limit"),
        ({"store_category": "shop"}, "store_category"),
        ({"pickup_category": "우주쓰레기"}, "pickup_category"),
    ],
)
def test_bad_requests_are_refused_naming_the_field(overrides: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidSearchError, match=field):
        validate(request(**overrides))


def test_zero_radius_means_the_default_and_categories_are_normalised() -> None:
    query = validate(request(radius=0, store_category="리필스테이션", pickup_category="전지"))
    assert query.radius_m == DEFAULT_RADIUS_M
    assert query.store_category == "refill"
    assert query.pickup_category == "battery"


def test_edges_of_the_valid_ranges_are_accepted() -> None:
    query = validate(request(latitude=-90, longitude=180, radius=50_000, limit=MAX_LIMIT))
    assert (query.latitude, query.longitude, query.radius_m, query.limit) == (-90, 180, 50_000, MAX_LIMIT)
