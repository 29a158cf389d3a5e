"""gRPC integrations: each RPC from the worker's clients, and nearby search over 100,000 places.

The character and location servers run as their own processes (``eco2 *-server --port 0``), the way
they are deployed; the clients are the ones bootstrap wires into the worker. The places are synthetic
(random points over a 33 x 35 km area, names like "합성 장소 123"), written to a CSV and loaded with
the same importer as ``eco2 locations import``. The store rows measure the same search without gRPC;
the peer is a full scan in Python (haversine over every place) on the same data.
Targets: RPC p50 <= 1 ms on loopback, nearby search over 100,000 places p50 <= 5 ms.
"""

from __future__ import annotations

import csv
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from benchmarks.stats import print_row
from eco2.application.ports.location import GeoPoint
from eco2.infrastructure.integrations.character.grpc_client import CharacterGrpcClient
from eco2.infrastructure.integrations.location.grpc_client import LocationGrpcClient
from eco2.servers.location.csv_import import import_csv
from eco2.servers.location.geo import haversine_km
from eco2.servers.location.places import StoreCategory
from eco2.servers.location.search import NearbyQuery
from eco2.servers.location.sqlite_store import SqlitePlaceStore
from eco2.servers.location.store import PlaceStore

PLACES = 100_000
AREA = ((37.40, 37.70), (126.80, 127.20))
RADIUS_M = 3000
RPC_SAMPLES = 2000
SEARCH_SAMPLES = 500
POSTGRES_URL = os.environ.get("ECO2_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _write_places_csv(path: Path, rng: random.Random) -> None:
    pickups = ["", "battery", "battery|lighting", "electronics", "clothing"]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "name", "latitude", "longitude", "store_category", "pickup_categories", "hours"])
        for index in range(PLACES):
            writer.writerow([
                f"s{index}", f"합성 장소 {index}", f"{rng.uniform(*AREA[0]):.6f}", f"{rng.uniform(*AREA[1]):.6f}",
                rng.choice(list(StoreCategory)).value, rng.choice(pickups), rng.choice(["", "월-금 09:00-18:00"]),
            ])


def _points(rng: random.Random, n: int) -> list[tuple[float, float]]:
    (lat0, lat1), (lon0, lon1) = AREA
    return [(rng.uniform(lat0 + 0.05, lat1 - 0.05), rng.uniform(lon0 + 0.05, lon1 - 0.05)) for _ in range(n)]


def _start_server(command: str, data_dir: Path) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "ECO2_DATA_DIR": str(data_dir), "ECO2_LOG_LEVEL": "WARNING"}
    env.pop("ECO2_DATABASE_URL", None)
    process = subprocess.Popen([sys.executable, "-m", "eco2.presentation.cli", command, "--port", "0"], env=env,
                               stdout=subprocess.PIPE, text=True)
    line = process.stdout.readline() if process.stdout else ""
    if "listening on" not in line:
        process.kill()
        raise RuntimeError(f"{command} did not start: {line!r}")
    return process, line.split()[-1]


async def _time(call: Callable[[], Awaitable[Any]], n: int) -> list[float]:
    for _ in range(min(200, n)):
        await call()
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        await call()
        samples.append(time.perf_counter() - t0)
    return samples


def _time_store(store: PlaceStore, points: list[tuple[float, float]]) -> list[float]:
    samples = []
    for lat, lon in points:
        t0 = time.perf_counter()
        store.nearby(NearbyQuery(lat, lon, RADIUS_M, 5))
        samples.append(time.perf_counter() - t0)
    return samples


def _full_scan_peer(rows: list[tuple[float, float]], points: list[tuple[float, float]]) -> list[float]:
    samples = []
    for lat, lon in points:
        t0 = time.perf_counter()
        inside = [(d, i) for i, (a, b) in enumerate(rows) if (d := haversine_km(lat, lon, a, b)) <= RADIUS_M / 1000]
        sorted(inside)[:5]
        samples.append(time.perf_counter() - t0)
    return samples


def _postgres_store(csv_path: Path) -> tuple[PlaceStore, str] | None:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            pass
        from eco2.servers.location.postgres_store import PostgresPlaceStore
    except OSError:
        return None
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    store = PostgresPlaceStore(POSTGRES_URL, schema=schema, table="places")
    t0 = time.perf_counter()
    report = import_csv(csv_path, store)
    print(f"PostgreSQL import: {report.imported} places in {time.perf_counter() - t0:.1f} s")
    return store, schema


async def main() -> None:
    rng = random.Random(20261126)
    with tempfile.TemporaryDirectory(prefix="eco2-bench-grpc-") as tmp:
        data_dir = Path(tmp)
        csv_path = data_dir / "places.csv"
        _write_places_csv(csv_path, rng)
        sqlite = SqlitePlaceStore(data_dir / "places.sqlite")
        t0 = time.perf_counter()
        report = import_csv(csv_path, sqlite)
        print(f"SQLite import: {report.imported} places in {time.perf_counter() - t0:.1f} s, "
              f"{len(report.errors)} bad rows")

        servers = [_start_server("character-server", data_dir), _start_server("location-server", data_dir)]
        character = CharacterGrpcClient(servers[0][1], timeout_s=2)
        location = LocationGrpcClient(servers[1][1], timeout_s=2)
        points = _points(rng, SEARCH_SAMPLES)
        cursor = iter(points * 3)
        try:
            print_row("rpc GetCharacterByMatch (플라스틱류)",
                      await _time(lambda: character.get_character_by_waste_category("플라스틱류"), RPC_SAMPLES))
            print_row("rpc GetDefaultCharacter", await _time(character.get_default_character, RPC_SAMPLES))
            print_row("rpc SearchNearby, r=50 m (few rows)",
                      await _time(lambda: location.search_nearby(GeoPoint(37.5, 127.0), radius_m=50, limit=5),
                                  RPC_SAMPLES))
            rpc = print_row(f"rpc SearchNearby, 100k places, r={RADIUS_M} m, limit 5",
                            await _time(lambda: location.search_nearby(GeoPoint(*next(cursor)), radius_m=RADIUS_M),
                                        SEARCH_SAMPLES))
        finally:
            await character.close()
            await location.close()
            for process, _ in servers:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=30)

        store_row = print_row(f"store SQLite nearby, 100k places, r={RADIUS_M} m", _time_store(sqlite, points))
        with csv_path.open(encoding="utf-8") as handle:
            rows = [(float(r["latitude"]), float(r["longitude"])) for r in csv.DictReader(handle)]
        peer = print_row("peer: Python full scan + haversine, 100k", _full_scan_peer(rows, points[:50]))
        print(f"ratio p50 peer/store = {peer['p50'] / store_row['p50']:.0f}x; "
              f"gRPC overhead p50 = {rpc['p50'] - store_row['p50']:.3f} ms")
        sqlite.close()

        postgres = _postgres_store(csv_path)
        if postgres is None:
            print("PostgreSQL not reachable: skipped the PostgreSQL store row")
            return
        store, schema = postgres
        try:
            print_row(f"store PostgreSQL nearby, 100k places, r={RADIUS_M} m", _time_store(store, points))
        finally:
            store.close()
            import psycopg

            with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
