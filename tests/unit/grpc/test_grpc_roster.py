"""The packaged roster: every waste category resolves, by slug and by the Korean label the workflow sends."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eco2.domain.categories import WasteCategory
from eco2.servers.character.roster import RosterError, load_roster


@pytest.mark.parametrize("category", list(WasteCategory), ids=lambda c: c.value)
def test_every_category_resolves_by_slug_and_korean_label(category: WasteCategory) -> None:
    roster = load_roster()
    by_label = roster.match(category.label)
    by_slug = roster.match(category.value)
    assert by_label is not None and by_slug is not None
    assert by_label == by_slug
    assert by_label.code == category.value


def test_matching_ignores_case_and_spaces() -> None:
    roster = load_roster()
    found = roster.match("  Clear_PET ")
    assert found is not None and found.code == "clear_pet"
    spaced = roster.match("의류 및 원단")
    assert spaced is not None and spaced.code == "clothing"


def test_unknown_label_has_no_character() -> None:
    assert load_roster().match("우주쓰레기") is None


def test_default_character_is_not_tied_to_a_category() -> None:
    roster = load_roster()
    assert roster.default.match_labels == ()
    assert roster.default.name


def test_every_character_speaks_korean_and_codes_are_unique() -> None:
    roster = load_roster()
    codes = [c.code for c in roster.characters]
    assert len(codes) == len(set(codes))
    for character in roster.characters:
        assert any("가" <= ch <= "힣" for ch in character.dialog), character.code


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "roster.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def _packaged() -> dict:
    source = Path(__import__("eco2.servers.character", fromlist=["x"]).__file__).parent / "roster.json"
    return json.loads(source.read_text(encoding="utf-8"))


def test_roster_missing_a_category_is_refused(tmp_path: Path) -> None:
    data = _packaged()
    data["characters"] = [c for c in data["characters"] if c["code"] != "battery"]
    with pytest.raises(RosterError, match="전지"):
        load_roster(_write(tmp_path, data))


def test_roster_with_duplicate_label_is_refused(tmp_path: Path) -> None:
    data = _packaged()
    data["characters"][1]["match_labels"].append("플라스틱류")
    with pytest.raises(RosterError, match="중복"):
        load_roster(_write(tmp_path, data))


def test_roster_with_empty_field_is_refused(tmp_path: Path) -> None:
    data = _packaged()
    data["characters"][2]["dialog"] = " "
    with pytest.raises(RosterError, match="dialog"):
        load_roster(_write(tmp_path, data))


def test_roster_with_unknown_default_is_refused(tmp_path: Path) -> None:
    data = _packaged()
    data["default"] = "nobody"
    with pytest.raises(RosterError, match="nobody"):
        load_roster(_write(tmp_path, data))


def test_roster_that_is_not_json_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "roster.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(RosterError, match="읽을 수 없습니다"):
        load_roster(path)
