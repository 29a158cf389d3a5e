"""CharacterClientPort over the roster in process, for the embedded default (no character server)."""

from __future__ import annotations

from eco2.application.ports.character import CharacterClientPort, CharacterDTO
from eco2.servers.character.roster import Character, Roster


class RosterCharacterClient(CharacterClientPort):
    def __init__(self, roster: Roster):
        self._roster = roster

    async def get_character_by_waste_category(self, waste_category: str) -> CharacterDTO | None:
        character = self._roster.match(waste_category)
        return _dto(character, waste_category) if character else None

    async def get_default_character(self) -> CharacterDTO | None:
        return _dto(self._roster.default, "")


def _dto(character: Character, match_label: str) -> CharacterDTO:
    return CharacterDTO(
        name=character.name,
        type_label=character.type,
        dialog=character.dialog,
        match_label=match_label,
        code=character.code,
    )
