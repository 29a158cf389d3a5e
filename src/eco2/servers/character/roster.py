"""The character roster: loaded from roster.json and checked so every waste category has a character.

A match label is looked up after normalising (trimmed, lower-cased, spaces removed), so "플라스틱류",
"plastic" and " Plastic " find the same character. Validation refuses a roster where a category slug or
its Korean label (the form the workflow sends) would not resolve.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from eco2.domain.categories import WasteCategory

_FIELDS = ("id", "code", "name", "type", "dialog")


class RosterError(ValueError):
    """The roster file is malformed or incomplete."""


@dataclass(frozen=True)
class Character:
    id: str
    code: str
    name: str
    type: str
    dialog: str
    match_labels: tuple[str, ...]


def normalize_label(text: str) -> str:
    return "".join(text.split()).lower()


class Roster:
    def __init__(self, characters: list[Character], default_code: str):
        self._by_label: dict[str, Character] = {}
        by_code: dict[str, Character] = {}
        for character in characters:
            if character.code in by_code:
                raise RosterError(f"캐릭터 코드가 중복됩니다: {character.code}")
            by_code[character.code] = character
            for label in character.match_labels:
                key = normalize_label(label)
                other = self._by_label.get(key)
                if other is not None:
                    raise RosterError(f"매칭 라벨 '{label}'이 {other.code}와 {character.code}에 중복됩니다")
                self._by_label[key] = character
        if default_code not in by_code:
            raise RosterError(f"기본 캐릭터 '{default_code}'가 명단에 없습니다")
        self.default = by_code[default_code]
        self.characters = tuple(characters)
        missing = [
            label
            for category in WasteCategory
            for label in (category.value, category.label)
            if normalize_label(label) not in self._by_label
        ]
        if missing:
            raise RosterError("캐릭터가 없는 분리배출 종류가 있습니다: " + ", ".join(missing))

    def match(self, label: str) -> Character | None:
        return self._by_label.get(normalize_label(label))


def load_roster(path: Path | None = None) -> Roster:
    """Load the packaged roster (or ``path``) and validate it; raises RosterError with the reason."""
    try:
        if path is None:
            text = resources.files(__package__).joinpath("roster.json").read_text(encoding="utf-8")
        else:
            text = path.read_text(encoding="utf-8")
        data = json.loads(text)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RosterError(f"캐릭터 명단을 읽을 수 없습니다: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("characters"), list):
        raise RosterError('캐릭터 명단은 {"default": ..., "characters": [...]} 형태여야 합니다')
    characters = [_character(index, raw) for index, raw in enumerate(data["characters"])]
    return Roster(characters, str(data.get("default", "")))


def _character(index: int, raw: Any) -> Character:
    if not isinstance(raw, dict):
        raise RosterError(f"characters[{index}]는 객체여야 합니다")
    for name in _FIELDS:
        value = raw.get(name)
        if not isinstance(value, str) or not value.strip():
            raise RosterError(f"characters[{index}].{name}은 비어 있지 않은 문자열이어야 합니다")
    labels = raw.get("match_labels", [])
    if not isinstance(labels, list) or not all(isinstance(v, str) and v.strip() for v in labels):
        raise RosterError(f"characters[{index}].match_labels는 문자열 목록이어야 합니다")
    return Character(
        id=raw["id"], code=raw["code"], name=raw["name"], type=raw["type"], dialog=raw["dialog"],
        match_labels=tuple(labels),
    )
