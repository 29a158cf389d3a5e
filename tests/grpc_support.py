"""Helpers for the gRPC tests: in-process servers on loopback and synthetic place fixtures."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime

from eco2.domain.categories import WasteCategory
from eco2.servers.character.roster import load_roster
from eco2.servers.character.service import SERVICE_NAME as CHARACTER_SERVICE
from eco2.servers.character.service import character_registrar
from eco2.servers.grpc_runtime import GrpcServer
from eco2.servers.location.places import Place, StoreCategory
from eco2.servers.location.search import NearbyQuery, NearbyResult
from eco2.servers.location.service import SERVICE_NAME as LOCATION_SERVICE
from eco2.servers.location.service import Clock, location_registrar
from eco2.servers.location.store import PlaceStore

CENTER = (37.5000, 127.0000)


@asynccontextmanager
async def character_server(port: int = 0) -> AsyncIterator[GrpcServer]:
    server = GrpcServer("character", [CHARACTER_SERVICE], character_registrar(load_roster()), "127.0.0.1", port)
    await server.start()
    try:
        yield server
    finally:
        await server.stop(0)


@asynccontextmanager
async def location_server(store: PlaceStore, clock: Clock | None = None, port: int = 0) -> AsyncIterator[GrpcServer]:
    server = GrpcServer("location", [LOCATION_SERVICE], location_registrar(store, clock), "127.0.0.1", port)
    await server.start()
    try:
        yield server
    finally:
        await server.stop(0)


def synthetic_places() -> list[Place]:
    """Obviously invented places at known offsets north/east of CENTER (0.001 deg lat ~ 111 m)."""
    lat, lon = CENTER
    return [
        Place("p1", "테스트 재활용센터 1", lat + 0.010, lon, StoreCategory.RECYCLING_CENTER,
              "테스트로 1", (WasteCategory.ELECTRONICS,), "000-0000-0001", "매일 00:00-24:00"),
        Place("p2", "테스트 리필샵 2", lat + 0.002, lon + 0.002, StoreCategory.REFILL, "테스트로 2", (), "",
              "월-금 09:00-18:00"),
        Place("p3", "테스트 수거함 3", lat, lon + 0.005, StoreCategory.COLLECTION_POINT, "테스트로 3",
              (WasteCategory.BATTERY, WasteCategory.LIGHTING), "", ""),
        Place("p4", "테스트 제로웨이스트 4", lat - 0.020, lon - 0.010, StoreCategory.ZERO_WASTE, "테스트로 4"),
        Place("p5", "테스트 수거함 5", lat + 0.0005, lon, StoreCategory.COLLECTION_POINT, "테스트로 5",
              (WasteCategory.BATTERY,)),
        Place("far", "테스트 먼 재활용센터", lat + 1.0, lon, StoreCategory.RECYCLING_CENTER, "먼 테스트로"),
    ]


class SlowStore(PlaceStore):
    """Wraps a real store and stalls every search, to push the client past its deadline."""

    def __init__(self, inner: PlaceStore, delay_s: float):
        self._inner = inner
        self._delay_s = delay_s

    def ensure_schema(self) -> None:
        self._inner.ensure_schema()

    def upsert(self, places: Sequence[Place]) -> int:
        return self._inner.upsert(places)

    def refresh_statistics(self) -> None:
        self._inner.refresh_statistics()

    def nearby(self, query: NearbyQuery) -> NearbyResult:
        time.sleep(self._delay_s)  # runs in the server's worker thread
        return self._inner.nearby(query)

    def count(self) -> int:
        return self._inner.count()

    def close(self) -> None:
        self._inner.close()


def fixed_clock(moment: datetime) -> Clock:
    return lambda: moment
