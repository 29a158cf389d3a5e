"""LocationClientPort over the place store in process, for the embedded default (no location server).

It runs the location service's own validation and entry mapping, so the answer is the same as over gRPC.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime

from eco2.application.ports.location import GeoPoint, LocationClientPort, LocationServiceError, PlaceDTO
from eco2.infrastructure.integrations.location.grpc_client import place_from_entry
from eco2.infrastructure.integrations.location.proto import location_pb2
from eco2.servers.location.hours import KST
from eco2.servers.location.service import InvalidSearchError, entry_from_hit, validate
from eco2.servers.location.store import PlaceStore


class PlaceStoreLocationClient(LocationClientPort):
    """Opens the store on first use, so a runtime that never searches never connects."""

    def __init__(self, open_store: Callable[[], PlaceStore]):
        self._open_store = open_store
        self._store: PlaceStore | None = None
        self._opening = asyncio.Lock()

    async def _get_store(self) -> PlaceStore:
        async with self._opening:
            if self._store is None:
                try:
                    self._store = await asyncio.to_thread(self._open_store)
                except Exception as exc:  # unreachable database, unwritable data dir
                    raise LocationServiceError(f"장소 저장소를 열 수 없습니다: {exc}") from exc
            return self._store

    async def search_nearby(
        self,
        point: GeoPoint,
        *,
        radius_m: int = 3000,
        limit: int = 5,
        store_category: str = "",
        pickup_category: str = "",
    ) -> list[PlaceDTO]:
        request = location_pb2.SearchNearbyRequest(
            latitude=point.latitude, longitude=point.longitude, radius=radius_m, limit=limit,
            store_category=store_category, pickup_category=pickup_category,
        )
        try:
            query = validate(request)
        except InvalidSearchError as exc:
            raise LocationServiceError(str(exc)) from exc
        store = await self._get_store()
        result = await asyncio.to_thread(store.nearby, query)
        now = datetime.now(KST)
        return [place_from_entry(entry_from_hit(hit, now)) for hit in result.hits]

    async def close(self) -> None:
        if self._store is not None:
            await asyncio.to_thread(self._store.close)
            self._store = None
