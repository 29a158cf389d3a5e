"""bootstrap wires the gRPC clients from ECO2_CHARACTER_ADDR / ECO2_LOCATION_ADDR and closes them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from grpc_support import CENTER, character_server, location_server, synthetic_places

from eco2.bootstrap import build_runtime
from eco2.servers.location.sqlite_store import SqlitePlaceStore
from eco2.settings import Settings


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlitePlaceStore]:
    sqlite = SqlitePlaceStore(tmp_path / "places.sqlite")
    sqlite.ensure_schema()
    sqlite.upsert(synthetic_places())
    yield sqlite
    sqlite.close()


async def test_runtime_answers_character_and_location_questions(store: SqlitePlaceStore, data_dir: Path) -> None:
    async with character_server() as characters, location_server(store) as places:
        settings = Settings(data_dir=data_dir, character_addr=characters.address, location_addr=places.address)
        async with build_runtime(settings) as runtime:
            character = await runtime.workflow.run_turn("b1", "플라스틱 캐릭터 누구야?")
            nearby = await runtime.workflow.run_turn(
                "b2", "근처 건전지 수거함 어디 있어?",
                user_location={"latitude": CENTER[0], "longitude": CENTER[1]},
            )
    assert "플라코" in character.answer
    assert nearby.intent == "location"
    # battery boxes only, nearest first: p5 (56 m) before p3 (441 m)
    assert nearby.answer.index("테스트 수거함 5") < nearby.answer.index("테스트 수거함 3")
    assert "테스트 재활용센터" not in nearby.answer


async def test_without_addresses_the_nodes_pass_through(data_dir: Path) -> None:
    async with build_runtime(Settings(data_dir=data_dir)) as runtime:
        result = await runtime.workflow.run_turn("b3", "플라스틱 캐릭터 누구야?")
    assert result.status == "completed"
    assert "캐릭터 서비스에 연결되어 있지 않아" in result.answer
