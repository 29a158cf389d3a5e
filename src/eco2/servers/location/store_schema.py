"""The places table, shared by both backends, and how a Place maps to a row and back.

``pickup_categories`` is stored as ``|battery|lighting|``: delimiters on both ends let
``LIKE '%|battery|%'`` match whole slugs only. Derived on write: ``lat_cell`` (the latitude in
0.01-degree bands), which leads the index the nearby search scans, and ``ux, uy, uz``, the point on the
unit sphere, so the search compares squared chord lengths with plain arithmetic (see search.py).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from eco2.domain.categories import WasteCategory
from eco2.servers.location.places import Place, StoreCategory

COLUMNS = ("id", "name", "road_address", "latitude", "longitude", "store_category", "pickup_categories",
           "phone", "hours")
WRITE_COLUMNS = (*COLUMNS, "lat_cell", "ux", "uy", "uz")
INDEX_COLUMNS = "lat_cell, longitude, latitude, ux, uy, uz, id"  # covers the whole search but the winners
LAT_CELLS_PER_DEGREE = 100


def lat_cell(latitude: float) -> int:
    return math.floor(latitude * LAT_CELLS_PER_DEGREE)


def table_ddl(table: str, real: str) -> str:
    return f"""CREATE TABLE IF NOT EXISTS {table} (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, road_address TEXT NOT NULL DEFAULT '',
        latitude {real} NOT NULL, longitude {real} NOT NULL, store_category TEXT NOT NULL,
        pickup_categories TEXT NOT NULL DEFAULT '', phone TEXT NOT NULL DEFAULT '',
        hours TEXT NOT NULL DEFAULT '', lat_cell INTEGER NOT NULL,
        ux {real} NOT NULL, uy {real} NOT NULL, uz {real} NOT NULL)"""


def unit_vector(latitude: float, longitude: float) -> tuple[float, float, float]:
    phi, lam = math.radians(latitude), math.radians(longitude)
    return math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi)


def encode_pickups(categories: Sequence[WasteCategory]) -> str:
    return "|" + "|".join(c.value for c in categories) + "|" if categories else ""


def place_row(place: Place) -> tuple[Any, ...]:
    return (place.id, place.name, place.road_address, place.latitude, place.longitude,
            place.store_category.value, encode_pickups(place.pickup_categories), place.phone, place.hours,
            lat_cell(place.latitude), *unit_vector(place.latitude, place.longitude))


def row_place(row: Sequence[Any]) -> Place:
    pickups = tuple(WasteCategory(v) for v in str(row[6]).split("|") if v)
    return Place(id=row[0], name=row[1], road_address=row[2], latitude=float(row[3]), longitude=float(row[4]),
                 store_category=StoreCategory(row[5]), pickup_categories=pickups, phone=row[7], hours=row[8])

