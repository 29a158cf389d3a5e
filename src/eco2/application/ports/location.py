"""Location service port; DTOs only, no protobuf types."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field


@dataclass(frozen=True)
class GeoPoint:
    latitude: float
    longitude: float


@dataclass(frozen=True)
class PlaceDTO:
    id: str
    name: str
    road_address: str
    latitude: float
    longitude: float
    distance_km: float
    distance_text: str
    store_category: str
    pickup_categories: tuple[str, ...] = field(default=())
    is_open: bool | None = None
    phone: str = ""


class LocationServiceError(RuntimeError):
    """The location service could not answer (down, too slow, or refused the request)."""


class LocationClientPort(ABC):
    @abstractmethod
    async def search_nearby(
        self,
        point: GeoPoint,
        *,
        radius_m: int = 3000,
        limit: int = 5,
        store_category: str = "",
        pickup_category: str = "",
    ) -> list[PlaceDTO]: ...
