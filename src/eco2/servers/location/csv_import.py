"""``eco2 locations import FILE.csv``: load places from a CSV file, row by row.

Column schema (UTF-8, optional BOM, comma separated, a header row naming the columns; order free,
unknown columns ignored):

=================  ========  =====================================================================
column             required  meaning
=================  ========  =====================================================================
id                 no        stable identifier; importing the same id again updates the place.
                             Default: derived from name, latitude and longitude.
name               yes       place name
road_address       no        road-name address
latitude           yes       decimal degrees, -90..90 (WGS84)
longitude          yes       decimal degrees, -180..180 (WGS84)
store_category     yes       recycling_center | zero_waste | refill | collection_point
                             (or 재활용센터 | 제로웨이스트샵 | 리필스테이션 | 수거함)
pickup_categories  no        waste the place takes back, separated by "|": category slugs
                             (battery|lighting) or Korean labels (전지|조명제품)
phone              no        phone number as shown to users
hours              no        opening hours, e.g. "월-금 09:00-18:00; 토 10:00-13:00",
                             "매일 00:00-24:00", "24시간"; empty means unknown (see hours.py)
=================  ========  =====================================================================

A bad row (missing value, coordinates out of range, unknown category, malformed hours, duplicate id
in the file, bytes that are not UTF-8) is reported with its line number and reason; every good row is
imported. A missing required column rejects the whole file before anything is written.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from eco2.domain.categories import WasteCategory
from eco2.servers.location.hours import HoursError, parse_hours
from eco2.servers.location.places import Place, pickup_category_from_text, store_category_from_text
from eco2.servers.location.store import PlaceStore

REQUIRED_COLUMNS = ("name", "latitude", "longitude", "store_category")
OPTIONAL_COLUMNS = ("id", "road_address", "pickup_categories", "phone", "hours")
BATCH_SIZE = 1000
MAX_FIELD_LENGTH = 500


class CsvSchemaError(ValueError):
    """The file as a whole cannot be imported (unreadable, no header, missing columns)."""


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str


@dataclass
class ImportReport:
    imported: int = 0
    errors: list[RowError] = field(default_factory=list)


def parse_rows(text: str) -> Iterator[Place | RowError]:
    """Yield a Place or a RowError per data row, in file order (line = the row's last physical line)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [name.strip() for name in next(reader, [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        required = ", ".join(REQUIRED_COLUMNS)
        raise CsvSchemaError(f"필수 열이 없습니다: {', '.join(missing)} (필수: {required})")
    seen: dict[str, int] = {}
    for cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        line = reader.line_num
        try:
            if len(cells) > len(header):
                raise ValueError(f"값이 헤더보다 많습니다 ({len(cells)}개, 헤더 {len(header)}개)")
            place = _place(dict(zip(header, cells, strict=False)))
        except ValueError as exc:
            yield RowError(line, str(exc))
            continue
        if place.id in seen:
            yield RowError(line, f"id '{place.id}'가 파일 안에서 중복됩니다 (처음: {seen[place.id]}번째 줄)")
            continue
        seen[place.id] = line
        yield place


def import_csv(path: Path, store: PlaceStore) -> ImportReport:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CsvSchemaError(f"파일을 읽을 수 없습니다: {exc}") from exc
    text = raw.decode("utf-8-sig", errors="replace")
    report = ImportReport()
    batch: list[Place] = []
    store.ensure_schema()
    for outcome in parse_rows(text):
        if isinstance(outcome, RowError):
            report.errors.append(outcome)
            continue
        batch.append(outcome)
        if len(batch) >= BATCH_SIZE:
            report.imported += store.upsert(batch)
            batch = []
    if batch:
        report.imported += store.upsert(batch)
    if report.imported:
        store.refresh_statistics()
    return report


def _place(row: dict[str, str]) -> Place:
    values = {key: value.strip() for key, value in row.items()}
    for key, value in values.items():
        if "\ufffd" in value:
            raise ValueError(f"{key}에 UTF-8이 아닌 바이트가 있습니다")
        if len(value) > MAX_FIELD_LENGTH:
            raise ValueError(f"{key}이 너무 깁니다 (최대 {MAX_FIELD_LENGTH}자)")
    for column in REQUIRED_COLUMNS:
        if not values.get(column):
            raise ValueError(f"{column} 값이 비어 있습니다")
    latitude = _coordinate(values["latitude"], "latitude", 90)
    longitude = _coordinate(values["longitude"], "longitude", 180)
    store = store_category_from_text(values["store_category"])
    if store is None:
        raise ValueError(f"알 수 없는 store_category: {values['store_category']}")
    pickups = _pickups(values.get("pickup_categories", ""))
    hours = values.get("hours", "")
    try:
        parse_hours(hours)
    except HoursError as exc:
        raise ValueError(str(exc)) from None
    name = values["name"]
    place_id = values.get("id") or _derived_id(name, latitude, longitude)
    return Place(id=place_id, name=name, latitude=latitude, longitude=longitude, store_category=store,
                 road_address=values.get("road_address", ""), pickup_categories=pickups,
                 phone=values.get("phone", ""), hours=hours)


def _coordinate(text: str, column: str, bound: float) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{column}이 숫자가 아닙니다: {text}") from None
    if not math.isfinite(value) or not -bound <= value <= bound:
        raise ValueError(f"{column}은 -{bound:g} 이상 {bound:g} 이하여야 합니다: {text}")
    return value


def _pickups(text: str) -> tuple[WasteCategory, ...]:
    categories: list[WasteCategory] = []
    for part in text.split("|"):
        if not part.strip():
            continue
        category = pickup_category_from_text(part)
        if category is None:
            raise ValueError(f"알 수 없는 pickup_categories 값: {part.strip()}")
        if category not in categories:
            categories.append(category)
    return tuple(categories)


def _derived_id(name: str, latitude: float, longitude: float) -> str:
    digest = hashlib.sha1(f"{name}|{latitude:.6f}|{longitude:.6f}".encode()).hexdigest()
    return f"p-{digest[:16]}"
