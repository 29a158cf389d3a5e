"""Great-circle distance and the bounding box that prefilters candidates on indexed lat/lon."""

from __future__ import annotations

import math
from dataclasses import dataclass

EARTH_RADIUS_KM = 6371.0088
_PAD_DEG = 1e-9  # about 0.1 mm: keeps points exactly on the circle despite rounding


@dataclass(frozen=True)
class BoundingBox:
    min_lat: float
    max_lat: float
    min_lon: float
    max_lon: float


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(latitude: float, longitude: float, radius_km: float) -> BoundingBox:
    """A box that contains every point within ``radius_km``; wider than the circle, never narrower.

    Near a pole or the antimeridian the longitude span is simply opened to the whole range.
    """
    d_lat = math.degrees(radius_km / EARTH_RADIUS_KM) + _PAD_DEG
    min_lat, max_lat = latitude - d_lat, latitude + d_lat
    if min_lat <= -90 or max_lat >= 90:
        return BoundingBox(max(min_lat, -90.0), min(max_lat, 90.0), -180.0, 180.0)
    spread = math.sin(radius_km / EARTH_RADIUS_KM) / math.cos(math.radians(latitude))
    d_lon = math.degrees(math.asin(min(1.0, spread))) + _PAD_DEG
    min_lon, max_lon = longitude - d_lon, longitude + d_lon
    if min_lon < -180 or max_lon > 180:
        return BoundingBox(min_lat, max_lat, -180.0, 180.0)
    return BoundingBox(min_lat, max_lat, min_lon, max_lon)


def distance_text(distance_km: float) -> str:
    if distance_km < 1:
        return f"{round(distance_km * 1000)}m"
    return f"{distance_km:.1f}km"
