"""Character service port (seed §6.3); DTOs only, no protobuf types."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass


@dataclass(frozen=True)
class CharacterDTO:
    name: str
    type_label: str
    dialog: str
    match_label: str
    code: str = ""


class CharacterServiceError(RuntimeError):
    """The character service could not answer (down, too slow, or refused the request)."""


class CharacterClientPort(ABC):
    @abstractmethod
    async def get_character_by_waste_category(self, waste_category: str) -> CharacterDTO | None: ...

    @abstractmethod
    async def get_default_character(self) -> CharacterDTO | None: ...
