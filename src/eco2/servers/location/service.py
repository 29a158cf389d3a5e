"""location.v1.LocationService: validates the request, searches off the event loop, adds is_open."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from datetime import datetime

import grpc
import structlog

from eco2.infrastructure.integrations.location.proto import location_pb2, location_pb2_grpc
from eco2.servers.location.geo import distance_text
from eco2.servers.location.hours import KST, HoursError, parse_hours
from eco2.servers.location.places import pickup_category_from_text, store_category_from_text
from eco2.servers.location.search import NearbyHit, NearbyQuery
from eco2.servers.location.store import PlaceStore

log = structlog.get_logger(__name__)

SERVICE_NAME = location_pb2.DESCRIPTOR.services_by_name["LocationService"].full_name
DEFAULT_RADIUS_M = 3000
MAX_RADIUS_M = 50_000
MAX_LIMIT = 50

Clock = Callable[[], datetime]


class InvalidSearchError(ValueError):
    """The request cannot be answered as asked; the message is shown to the caller."""


def validate(request: location_pb2.SearchNearbyRequest) -> NearbyQuery:
    lat, lon = request.latitude, request.longitude
    if not math.isfinite(lat) or not -90 <= lat <= 90:
        raise InvalidSearchError(f"latitude는 -90 이상 90 이하여야 합니다 (받은 값: {lat})")
    if not math.isfinite(lon) or not -180 <= lon <= 180:
        raise InvalidSearchError(f"longitude는 -180 이상 180 이하여야 합니다 (받은 값: {lon})")
    if request.radius < 0 or request.radius > MAX_RADIUS_M:
        raise InvalidSearchError(
            f"radius는 0 이상 {MAX_RADIUS_M} 이하(미터)여야 합니다 (받은 값: {request.radius})"
        )
    if not 1 <= request.limit <= MAX_LIMIT:
        raise InvalidSearchError(f"limit은 1 이상 {MAX_LIMIT} 이하여야 합니다 (받은 값: {request.limit})")
    store = ""
    if request.store_category.strip():
        found = store_category_from_text(request.store_category)
        if found is None:
            raise InvalidSearchError(f"알 수 없는 store_category입니다: {request.store_category}")
        store = found.value
    pickup = ""
    if request.pickup_category.strip():
        category = pickup_category_from_text(request.pickup_category)
        if category is None:
            raise InvalidSearchError(f"알 수 없는 pickup_category입니다: {request.pickup_category}")
        pickup = category.value
    return NearbyQuery(lat, lon, request.radius or DEFAULT_RADIUS_M, request.limit, store, pickup)


class LocationServicer(location_pb2_grpc.LocationServiceServicer):
    def __init__(self, store: PlaceStore, clock: Clock | None = None):
        self._store = store
        self._clock = clock or (lambda: datetime.now(KST))

    async def SearchNearby(
        self, request: location_pb2.SearchNearbyRequest, context: grpc.aio.ServicerContext
    ) -> location_pb2.SearchNearbyResponse:
        try:
            query = validate(request)
        except InvalidSearchError as exc:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(exc))
            raise  # abort raises; this keeps the type checker aware
        result = await asyncio.to_thread(self._store.nearby, query)
        now = self._clock()
        log.debug("search_nearby", radius_m=query.radius_m, total=result.total_count,
                  returned=len(result.hits))
        return location_pb2.SearchNearbyResponse(
            entries=[entry_from_hit(hit, now) for hit in result.hits], total_count=result.total_count
        )


def entry_from_hit(hit: NearbyHit, now: datetime) -> location_pb2.LocationEntry:
    place = hit.place
    entry = location_pb2.LocationEntry(
        id=place.id,
        name=place.name,
        road_address=place.road_address,
        latitude=place.latitude,
        longitude=place.longitude,
        distance_km=round(hit.distance_km, 3),
        distance_text=distance_text(hit.distance_km),
        store_category=place.store_category.value,
        pickup_categories=[c.value for c in place.pickup_categories],
        phone=place.phone,
    )
    try:
        hours = parse_hours(place.hours)
    except HoursError:
        log.warning("stored_hours_invalid", place_id=place.id)
        hours = None
    if hours is not None:
        entry.is_open = hours.is_open(now)
    return entry


def location_registrar(store: PlaceStore, clock: Clock | None = None):
    def register(server: grpc.aio.Server) -> None:
        location_pb2_grpc.add_LocationServiceServicer_to_server(LocationServicer(store, clock), server)

    return register
