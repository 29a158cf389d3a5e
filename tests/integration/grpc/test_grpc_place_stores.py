"""Both PlaceStore backends against the real databases: same contract, same nearby answers."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from grpc_support import CENTER, synthetic_places

from eco2.domain.categories import WasteCategory
from eco2.servers.location.csv_import import import_csv
from eco2.servers.location.geo import EARTH_RADIUS_KM, haversine_km
from eco2.servers.location.places import Place, StoreCategory
from eco2.servers.location.postgres_store import PostgresPlaceStore
from eco2.servers.location.search import NearbyQuery
from eco2.servers.location.sqlite_store import SqlitePlaceStore
from eco2.servers.location.store import PlaceStore


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path, unique_prefix: str) -> Iterator[PlaceStore]:
    if request.param == "sqlite":
        sqlite = SqlitePlaceStore(tmp_path / "places.sqlite")
        sqlite.ensure_schema()
        yield sqlite
        sqlite.close()
        return
    url = request.getfixturevalue("postgres_url")
    postgres = PostgresPlaceStore(url, schema=unique_prefix, table="places")
    postgres.ensure_schema()
    try:
        yield postgres
    finally:
        postgres.close()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{unique_prefix}" CASCADE')


def near(store: PlaceStore, radius_m: int = 3000, limit: int = 10, **filters: str) -> list[str]:
    return [h.place.id for h in store.nearby(NearbyQuery(CENTER[0], CENTER[1], radius_m, limit, **filters)).hits]


def test_upsert_and_count_round_trip(store: PlaceStore) -> None:
    places = synthetic_places()
    assert store.upsert(places) == len(places)
    assert store.count() == len(places)
    hits = store.nearby(NearbyQuery(CENTER[0], CENTER[1], 3000, 10)).hits
    assert {h.place for h in hits} == set(places[:5])  # every field survives the round trip


def test_upsert_updates_by_id(store: PlaceStore) -> None:
    store.upsert(synthetic_places())
    moved = Place("p2", "테스트 리필샵 2 (이전)", 37.6, 127.1, StoreCategory.REFILL, pickup_categories=())
    store.upsert([moved])
    assert store.count() == len(synthetic_places())
    assert "p2" not in near(store)
    hits = store.nearby(NearbyQuery(37.6, 127.1, 100, 5)).hits
    assert [h.place for h in hits] == [moved]


def test_category_filters(store: PlaceStore) -> None:
    store.upsert(synthetic_places())
    assert near(store, store_category="collection_point") == ["p5", "p3"]
    assert near(store, pickup_category="lighting") == ["p3"]
    assert near(store, store_category="collection_point", pickup_category="battery") == ["p5", "p3"]
    assert near(store, store_category="refill", pickup_category="battery") == []


def test_pickup_filter_matches_whole_slugs_only(store: PlaceStore) -> None:
    store.upsert([Place("pp", "테스트 종이팩함", CENTER[0], CENTER[1], StoreCategory.COLLECTION_POINT,
                        pickup_categories=(WasteCategory.PAPER_PACK,))])
    assert near(store, pickup_category="paper") == []
    assert near(store, pickup_category="paper_pack") == ["pp"]


def test_places_across_latitude_bands_and_on_the_radius_edge(store: PlaceStore) -> None:
    # 0.01-degree bands: these straddle 37.49/37.50/37.51; the one due east sits just inside 1 km.
    lat, lon = CENTER
    east_1km = lon + math.degrees(0.9999 / EARTH_RADIUS_KM / math.cos(math.radians(lat)))
    store.upsert([
        Place("south", "테스트 남쪽", lat - 0.0049, lon, StoreCategory.REFILL),
        Place("north", "테스트 북쪽", lat + 0.0089, lon, StoreCategory.REFILL),
        Place("east", "테스트 동쪽", lat, east_1km, StoreCategory.REFILL),
        Place("out", "테스트 밖", lat + 0.0091, lon, StoreCategory.REFILL),
    ])
    assert near(store, radius_m=1000) == ["south", "north", "east"]


def test_nearby_search_orders_by_hand_computed_distance(store: PlaceStore) -> None:
    store.upsert(synthetic_places())
    result = store.nearby(NearbyQuery(CENTER[0], CENTER[1], radius_m=3000, limit=10))
    # By hand (1 deg lat = 111.195 km, 1 deg lon = 111.195 * cos(37.5 deg) km): p5 55.6 m, p2 283.9 m,
    # p3 441.1 m, p1 1112.0 m, p4 2392.5 m;
    # "far" (111 km) is outside the radius.
    assert [h.place.id for h in result.hits] == ["p5", "p2", "p3", "p1", "p4"]
    assert result.total_count == 5
    expected_km = {"p5": 0.0556, "p2": 0.2839, "p3": 0.4411, "p1": 1.1120, "p4": 2.3925}
    for hit in result.hits:
        assert hit.distance_km == pytest.approx(expected_km[hit.place.id], abs=5e-4)
        assert hit.distance_km == pytest.approx(haversine_km(*CENTER, hit.place.latitude, hit.place.longitude))


def test_limit_and_radius_cut_the_list_but_total_counts_all_inside(store: PlaceStore) -> None:
    store.upsert(synthetic_places())
    result = store.nearby(NearbyQuery(CENTER[0], CENTER[1], radius_m=1000, limit=2))
    assert [h.place.id for h in result.hits] == ["p5", "p2"]
    assert result.total_count == 3


def test_csv_import_into_the_store(store: PlaceStore, tmp_path: Path) -> None:
    csv_path = tmp_path / "places.csv"
    csv_path.write_text(
        "name,latitude,longitude,store_category,pickup_categories\n"
        "테스트 재활용센터 1,37.5,127.0,재활용센터,전기전자제품\n"
        "테스트 잘못된 줄,370,127.0,재활용센터,\n"
        "테스트 수거함 2,37.501,127.0,수거함,전지|조명제품\n",
        encoding="utf-8-sig",
    )
    report = import_csv(csv_path, store)
    assert report.imported == 2
    assert [(e.line, "latitude" in e.reason) for e in report.errors] == [(3, True)]
    result = store.nearby(NearbyQuery(37.5, 127.0, radius_m=500, limit=5, pickup_category="lighting"))
    assert [h.place.name for h in result.hits] == ["테스트 수거함 2"]
    assert result.hits[0].place.pickup_categories == (WasteCategory.BATTERY, WasteCategory.LIGHTING)
