"""The commands as a user runs them: servers in subprocesses, CSV import, `eco2 ask` end to end."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog

from eco2.presentation.cli import main

PLACES_CSV = (
    "id,name,road_address,latitude,longitude,store_category,pickup_categories,phone,hours\n"
    "c1,테스트 재활용센터 1,테스트로 1,37.5100,127.0000,recycling_center,electronics,,매일 00:00-24:00\n"
    "c2,테스트 재활용센터 2,테스트로 2,37.5020,127.0020,재활용센터,,,\n"
    "c3,테스트 재활용센터 3,테스트로 3,37.5000,127.0300,recycling_center,,,\n"
    "bad1,테스트 잘못된 줄,,37.5,200,recycling_center,,,\n"
    "bad2,테스트 잘못된 줄 2,,37.5,127,bakery,,,\n"
)


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECO2_")}
    env.update({"ECO2_DATA_DIR": str(data_dir), "ECO2_LOG_LEVEL": "WARNING", **extra})
    return env


def _eco2(*args: str) -> list[str]:
    return [sys.executable, "-m", "eco2.presentation.cli", *args]


class Server:
    """A server subprocess; the first stdout line announces the bound address."""

    def __init__(self, command: str, data_dir: Path):
        self.process = subprocess.Popen(_eco2(command, "--port", "0", "--grace", "1"), env=_env(data_dir),
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.address = ""

    def wait_started(self) -> Server:
        line = self.process.stdout.readline() if self.process.stdout else ""
        if "listening on" not in line:
            self.process.kill()
            raise AssertionError(f"server did not start: {line!r}")
        self.address = line.split()[-1]
        return self

    def terminate(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=15)


@pytest.fixture
def servers(data_dir: Path) -> Iterator[tuple[Server, Server]]:
    started = [Server("character-server", data_dir), Server("location-server", data_dir)]
    try:
        yield started[0].wait_started(), started[1].wait_started()
    finally:
        for server in started:
            if server.process.poll() is None:
                server.process.kill()
                server.process.wait()


@pytest.fixture
def cli_env(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for name in [k for k in os.environ if k.startswith("ECO2_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("ECO2_DATA_DIR", str(data_dir))
    yield data_dir
    structlog.reset_defaults()  # main() points structlog at the captured stderr, which pytest closes


def test_locations_import_reports_bad_rows_and_keeps_good_ones(
    tmp_path: Path, cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv_path = tmp_path / "places.csv"
    csv_path.write_text(PLACES_CSV, encoding="utf-8")
    assert main(["locations", "import", str(csv_path)]) == 1
    out, err = capsys.readouterr()
    assert "가져온 장소 3개, 잘못된 줄 2개" in out
    assert f"{csv_path}:5: longitude" in err
    assert f"{csv_path}:6: 알 수 없는 store_category: bakery" in err
    assert (cli_env / "places.sqlite").exists()


def test_locations_import_of_a_file_without_required_columns_fails_cleanly(
    tmp_path: Path, cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv_path = tmp_path / "places.csv"
    csv_path.write_text("name,lat,lon\n테스트,37.5,127\n", encoding="utf-8")
    assert main(["locations", "import", str(csv_path)]) == 1
    assert "필수 열이 없습니다: latitude, longitude, store_category" in capsys.readouterr().err
    assert main(["locations", "import", str(tmp_path / "missing.csv")]) == 1
    assert "파일을 읽을 수 없습니다" in capsys.readouterr().err


def test_ask_with_both_servers_running(
    tmp_path: Path, cli_env: Path, servers: tuple[Server, Server], monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    characters, places = servers
    csv_path = tmp_path / "places.csv"
    csv_path.write_text(PLACES_CSV, encoding="utf-8")
    main(["locations", "import", str(csv_path)])  # the server reads the same SQLite file
    monkeypatch.setenv("ECO2_DATA_DIR", str(cli_env / "worker"))
    monkeypatch.setenv("ECO2_CHARACTER_ADDR", characters.address)
    monkeypatch.setenv("ECO2_LOCATION_ADDR", places.address)
    capsys.readouterr()

    assert main(["ask", "플라스틱 캐릭터 누구야?"]) == 0
    assert "플라코" in capsys.readouterr().out

    assert main(["ask", "근처 재활용센터 어디야?", "--location", "37.5,127.0"]) == 0
    answer = capsys.readouterr().out
    order = [answer.index(f"테스트 재활용센터 {n}") for n in (2, 1, 3)]
    assert order == sorted(order), answer  # 284 m, 1.1 km, 2.6 km

    assert characters.terminate() == 0  # SIGTERM: graceful stop, clean exit
    assert places.terminate() == 0


def test_ask_rejects_a_malformed_location(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["ask", "근처 재활용센터", "--location", "37.5;127"])
    assert caught.value.code == 2
    assert "위치는 위도,경도 형식이어야 합니다" in capsys.readouterr().err


def test_server_refuses_a_port_in_use(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["character-server", "--port", str(port)]) == 1
    assert "서버를 시작할 수 없습니다" in capsys.readouterr().err
