"""``eco2 character-server``, ``eco2 location-server`` and ``eco2 locations import``.

The servers are their own deployables; these commands are their composition root.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from eco2.bootstrap import build_place_store
from eco2.presentation.cli.errors import CliError
from eco2.servers.character.roster import RosterError, load_roster
from eco2.servers.character.service import SERVICE_NAME as CHARACTER_SERVICE
from eco2.servers.character.service import character_registrar
from eco2.servers.grpc_runtime import GrpcServer
from eco2.servers.location.csv_import import CsvSchemaError, import_csv
from eco2.servers.location.service import SERVICE_NAME as LOCATION_SERVICE
from eco2.servers.location.service import location_registrar
from eco2.servers.location.store import PlaceStore
from eco2.settings import Settings

CHARACTER_PORT = 50051
LOCATION_PORT = 50052


def register(sub: argparse._SubParsersAction) -> None:
    character = sub.add_parser("character-server", help="캐릭터 gRPC 서버를 실행합니다")
    _server_options(character, CHARACTER_PORT)
    character.add_argument("--roster", type=Path, help="캐릭터 명단 JSON (기본: 내장 명단)")
    character.set_defaults(handler=character_server_command)

    location = sub.add_parser("location-server", help="위치 gRPC 서버를 실행합니다")
    _server_options(location, LOCATION_PORT)
    _store_option(location)
    location.set_defaults(handler=location_server_command)

    locations = sub.add_parser("locations", help="장소 데이터 관리")
    locations_sub = locations.add_subparsers(dest="locations_command", required=True, metavar="COMMAND")
    importer = locations_sub.add_parser("import", help="CSV 파일의 장소를 가져옵니다 (열 형식은 README 참고)")
    importer.add_argument("file", type=Path, help="CSV 파일")
    _store_option(importer)
    importer.set_defaults(handler=import_command)


def _server_options(parser: argparse.ArgumentParser, port: int) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="바인딩할 주소 (기본: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=port, help=f"포트 (기본: {port}, 0이면 빈 포트)")
    parser.add_argument("--grace", type=float, default=5.0, help="종료 시 진행 중인 요청을 기다릴 초")


def _store_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database-url", help="PostgreSQL URL (기본: ECO2_DATABASE_URL, 없으면 SQLite)")


def _announce(name: str):
    def show(address: str) -> None:
        print(f"{name} listening on {address}", flush=True)

    return show


async def character_server_command(args: argparse.Namespace, settings: Settings) -> int:
    try:
        roster = load_roster(args.roster)
    except RosterError as exc:
        raise CliError(str(exc), code=1) from None
    server = GrpcServer("character", [CHARACTER_SERVICE], character_registrar(roster), args.host, args.port)
    await _serve(server, args.grace, "character-server")
    return 0


async def location_server_command(args: argparse.Namespace, settings: Settings) -> int:
    store = _open_store(args.database_url, settings)
    try:
        server = GrpcServer("location", [LOCATION_SERVICE], location_registrar(store), args.host, args.port)
        await _serve(server, args.grace, "location-server")
    finally:
        store.close()
    return 0


async def _serve(server: GrpcServer, grace: float, name: str) -> None:
    try:
        await server.serve_until_signal(grace, on_started=_announce(name))
    except OSError as exc:
        raise CliError(f"서버를 시작할 수 없습니다: {exc}", code=1) from None


def import_command(args: argparse.Namespace, settings: Settings) -> int:
    store = _open_store(args.database_url, settings)
    try:
        report = import_csv(args.file, store)
    except CsvSchemaError as exc:
        raise CliError(str(exc), code=1) from None
    finally:
        store.close()
    for error in report.errors:
        print(f"{args.file}:{error.line}: {error.reason}", file=sys.stderr)
    print(f"가져온 장소 {report.imported}개, 잘못된 줄 {len(report.errors)}개")
    return 1 if report.errors else 0


def _open_store(database_url: str | None, settings: Settings) -> PlaceStore:
    try:
        return build_place_store(settings, database_url)
    except Exception as exc:  # connection refused, bad URL, unwritable data dir
        raise CliError(f"장소 저장소를 열 수 없습니다: {exc}", code=1) from None
