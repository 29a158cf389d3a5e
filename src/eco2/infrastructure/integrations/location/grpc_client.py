"""LocationClientPort over gRPC (location.v1.LocationService)."""

from __future__ import annotations

import grpc
import structlog

from eco2.application.ports.location import GeoPoint, LocationClientPort, LocationServiceError, PlaceDTO
from eco2.infrastructure.integrations.grpc_channel import describe_rpc_error, open_channel
from eco2.infrastructure.integrations.location.proto import location_pb2, location_pb2_grpc

log = structlog.get_logger(__name__)

SERVICE_NAME = "location.v1.LocationService"


class LocationGrpcClient(LocationClientPort):
    """Holds one channel for its lifetime; every call carries the configured deadline."""

    def __init__(self, address: str, *, timeout_s: float = 1.0, max_attempts: int = 3):
        self._address = address
        self._timeout_s = timeout_s
        self._max_attempts = max_attempts
        self._channel: grpc.aio.Channel | None = None
        self._stub: location_pb2_grpc.LocationServiceStub | None = None

    def _get_stub(self) -> location_pb2_grpc.LocationServiceStub:
        if self._stub is None:
            self._channel = open_channel(self._address, SERVICE_NAME, self._max_attempts)
            self._stub = location_pb2_grpc.LocationServiceStub(self._channel)
        return self._stub

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
            latitude=point.latitude,
            longitude=point.longitude,
            radius=radius_m,
            limit=limit,
            store_category=store_category,
            pickup_category=pickup_category,
        )
        try:
            response = await self._get_stub().SearchNearby(request, timeout=self._timeout_s)
        except grpc.aio.AioRpcError as exc:
            log.warning("location_rpc_failed", rpc="SearchNearby", address=self._address,
                        code=exc.code().name)
            raise LocationServiceError(describe_rpc_error(exc)) from exc
        return [place_from_entry(entry) for entry in response.entries]

    async def close(self) -> None:
        if self._channel is not None:
            await self._channel.close()
            self._channel = None
            self._stub = None


def place_from_entry(entry: location_pb2.LocationEntry) -> PlaceDTO:
    return PlaceDTO(
        id=entry.id,
        name=entry.name,
        road_address=entry.road_address,
        latitude=entry.latitude,
        longitude=entry.longitude,
        distance_km=entry.distance_km,
        distance_text=entry.distance_text,
        store_category=entry.store_category,
        pickup_categories=tuple(entry.pickup_categories),
        is_open=entry.is_open if entry.HasField("is_open") else None,
        phone=entry.phone,
    )
