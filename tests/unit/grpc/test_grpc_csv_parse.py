"""CSV rows: good rows become places, each bad row is reported with its line number and reason."""

from __future__ import annotations

import pytest

from eco2.domain.categories import WasteCategory
from eco2.servers.location.csv_import import CsvSchemaError, RowError, parse_rows
from eco2.servers.location.places import Place, StoreCategory

HEADER = "id,name,road_address,latitude,longitude,store_category,pickup_categories,phone,hours\n"


def outcomes(text: str) -> tuple[list[Place], list[RowError]]:
    places: list[Place] = []
    errors: list[RowError] = []
    for outcome in parse_rows(text):
        (errors if isinstance(outcome, RowError) else places).append(outcome)  # type: ignore[arg-type]
    return places, errors


def test_good_row_with_korean_labels_and_hours() -> None:
    text = HEADER + "a1,테스트 수거함 1,테스트로 1,37.5,127.0,수거함,전지|lighting,000-0000-0000,월-금 09:00-18:00\n"
    places, errors = outcomes(text)
    assert errors == []
    assert places == [
        Place("a1", "테스트 수거함 1", 37.5, 127.0, StoreCategory.COLLECTION_POINT, "테스트로 1",
              (WasteCategory.BATTERY, WasteCategory.LIGHTING), "000-0000-0000", "월-금 09:00-18:00")
    ]


def test_columns_may_come_in_any_order_and_optional_ones_may_be_missing() -> None:
    places, errors = outcomes("store_category,longitude,latitude,name\nrefill,127.1,37.4,테스트 리필 1\n")
    assert errors == []
    assert places[0].store_category is StoreCategory.REFILL
    assert places[0].id.startswith("p-")  # derived from name and coordinates
    again, _ = outcomes("store_category,longitude,latitude,name\nrefill,127.1,37.4,테스트 리필 1\n")
    assert again[0].id == places[0].id


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("b,,,37.5,127,refill,,,", "name 값이 비어"),
        ("b,테스트,,abc,127,refill,,,", "latitude이 숫자가 아닙니다"),
        ("b,테스트,,91,127,refill,,,", "latitude은 -90 이상 90 이하"),
        ("b,테스트,,37.5,-181,refill,,,", "longitude은 -180 이상 180 이하"),
        ("b,테스트,,nan,127,refill,,,", "latitude은"),
        ("b,테스트,,37.5,127,shop,,,", "알 수 없는 store_category"),
        ("b,테스트,,37.5,127,refill,우주쓰레기,,", "알 수 없는 pickup_categories"),
        ("b,테스트,,37.5,127,refill,,,아무때나", "영업시간 형식"),
        ("b,테스트,,37.5,127,refill,,,,extra", "값이 헤더보다 많습니다"),
    ],
)
def test_bad_rows_are_reported_and_good_rows_kept(row: str, reason: str) -> None:
    text = HEADER + "g1,테스트 좋은 줄,,37.5,127,refill,,,\n" + row + "\n" + "g2,테스트 좋은 줄 2,,37.6,127,refill,,,\n"
    places, errors = outcomes(text)
    assert [p.id for p in places] == ["g1", "g2"]
    assert len(errors) == 1
    assert errors[0].line == 3
    assert reason in errors[0].reason


def test_duplicate_id_in_the_file_points_at_the_first_line() -> None:
    text = HEADER + "d,테스트 1,,37.5,127,refill,,,\n\nd,테스트 2,,37.6,127,refill,,,\n"
    places, errors = outcomes(text)
    assert [p.name for p in places] == ["테스트 1"]
    assert errors == [RowError(4, "id 'd'가 파일 안에서 중복됩니다 (처음: 2번째 줄)")]


def test_line_numbers_follow_multiline_quoted_fields() -> None:
    text = HEADER + 'm,"테스트\n여러 줄",,37.5,127,refill,,,\nx,테스트,,999,127,refill,,,\n'
    _, errors = outcomes(text)
    assert [e.line for e in errors] == [4]


def test_replacement_characters_from_bad_bytes_are_reported() -> None:
    _, errors = outcomes(HEADER + "u,테스트\ufffd,,37.5,127,refill,,,\n")
    assert "UTF-8" in errors[0].reason


def test_missing_required_column_rejects_the_file() -> None:
    with pytest.raises(CsvSchemaError, match="store_category"):
        list(parse_rows("name,latitude,longitude\n테스트,37.5,127\n"))


def test_empty_file_rejects_the_file() -> None:
    with pytest.raises(CsvSchemaError, match="필수 열이 없습니다"):
        list(parse_rows(""))
