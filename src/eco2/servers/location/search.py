"""Nearby search, done by the database in one query.

Rows are narrowed by an index range scan: ``lat_cell`` (latitude in 0.01-degree bands) IN the bands
the bounding box covers and ``longitude`` BETWEEN its edges, which the composite index answers as a
few short ranges instead of a whole latitude band. Distance is compared as the squared chord between
unit vectors stored with each row: chord^2 = 4 * hav(central angle), so ordering and the radius test
are exactly those of the haversine distance, with no trigonometry per row. The index covers all of
this; only the ``limit`` winners are read from the table. The total inside the radius comes from a
window count; ties in distance are broken by id so results are stable.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eco2.servers.location.geo import EARTH_RADIUS_KM, bounding_box
from eco2.servers.location.places import Place
from eco2.servers.location.store_schema import COLUMNS, lat_cell, row_place, unit_vector


@dataclass(frozen=True)
class NearbyQuery:
    latitude: float
    longitude: float
    radius_m: int
    limit: int
    store_category: str = ""
    pickup_category: str = ""


@dataclass(frozen=True)
class NearbyHit:
    place: Place
    distance_km: float


@dataclass(frozen=True)
class NearbyResult:
    hits: list[NearbyHit]
    total_count: int


def chord2_limit(radius_km: float) -> float:
    """Squared chord length of the arc ``radius_km`` long (capped at the antipode)."""
    half_angle = min(math.pi / 2, radius_km / EARTH_RADIUS_KM / 2)
    return (2 * math.sin(half_angle)) ** 2


def chord_km(chord2: float) -> float:
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(max(chord2, 0.0)) / 2))


def nearby_statement(table: str, query: NearbyQuery, placeholder: str) -> tuple[str, list[object]]:
    """SQL text and parameters; ``placeholder`` is ``?`` or ``%s``; ``table`` must already be quoted."""
    p = placeholder
    radius_km = query.radius_m / 1000
    box = bounding_box(query.latitude, query.longitude, radius_km)
    cells = list(range(lat_cell(box.min_lat), lat_cell(box.max_lat) + 1))
    x0, y0, z0 = unit_vector(query.latitude, query.longitude)
    chord2 = f"(ux - {p}) * (ux - {p}) + (uy - {p}) * (uy - {p}) + (uz - {p}) * (uz - {p})"
    params: list[object] = [x0, x0, y0, y0, z0, z0, *cells, box.min_lon, box.max_lon, box.min_lat, box.max_lat]
    where = (f"lat_cell IN ({', '.join([p] * len(cells))}) AND longitude BETWEEN {p} AND {p} "
             f"AND latitude BETWEEN {p} AND {p}")
    if query.store_category:
        where += f" AND store_category = {p}"
        params.append(query.store_category)
    if query.pickup_category:
        where += f" AND pickup_categories LIKE {p}"
        params.append(f"%|{query.pickup_category}|%")
    columns = ", ".join(f"t.{c}" for c in COLUMNS)
    statement = (
        f"SELECT {columns}, near.chord2, near.total FROM ("
        f"SELECT id, chord2, count(*) OVER () AS total FROM ("
        f"SELECT id, {chord2} AS chord2 FROM {table} WHERE {where}) AS candidates "
        f"WHERE chord2 <= {p} ORDER BY chord2, id LIMIT {p}) AS near "
        f"JOIN {table} AS t ON t.id = near.id ORDER BY near.chord2, near.id"
    )
    params += [chord2_limit(radius_km), query.limit]
    return statement, params


def nearby_result(rows: Sequence[Sequence[Any]]) -> NearbyResult:
    """Rows of the nearby statement: the place columns, the squared chord, then the total count."""
    width = len(COLUMNS)
    hits = [NearbyHit(row_place(row), chord_km(float(row[width]))) for row in rows]
    return NearbyResult(hits, int(rows[0][width + 1]) if rows else 0)
