"""What the user wants from a turn; the workflow routes on it."""

from __future__ import annotations

from enum import StrEnum


class Intent(StrEnum):
    WASTE = "waste"
    CHARACTER = "character"
    LOCATION = "location"
    GENERAL = "general"
