"""bootstrap wires the gRPC clients from ECO2_CHARACTER_ADDR / ECO2_LOCATION_ADDR, or in-process ones."""

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


async def test_without_addresses_the_roster_and_place_store_answer_in_process(data_dir: Path) -> None:
    """The embedded default needs no servers: the roster and the data dir's place store serve directly."""
    local = SqlitePlaceStore(data_dir / "places.sqlite")
    local.ensure_schema()
    local.upsert(synthetic_places())
    local.close()
    async with build_runtime(Settings(data_dir=data_dir)) as runtime:
        character = await runtime.workflow.run_turn("b3", "플라스틱 캐릭터 누구야?")
        nearby = await runtime.workflow.run_turn(
            "b4", "근처 건전지 수거함 어디 있어?",
            user_location={"latitude": CENTER[0], "longitude": CENTER[1]},
        )
    assert "플라코" in character.answer
    assert nearby.answer.index("테스트 수거함 5") < nearby.answer.index("테스트 수거함 3")
    assert "테스트 재활용센터" not in nearby.answer
