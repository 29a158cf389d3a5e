"""What a knowledge-base search found, and why."""

from __future__ import annotations

from dataclasses import dataclass, field

from eco2.domain.categories import WasteCategory
from eco2.domain.knowledge import ItemCondition, ItemPart, WasteItem


@dataclass(frozen=True)
class Match:
    """One ranked candidate: an item, or a whole category when the question names only that."""

    category: WasteCategory
    score: float
    reason: str
    matched_text: str
    item: WasteItem | None = None

    @property
    def label(self) -> str:
        return self.item.name if self.item else self.category.label


@dataclass(frozen=True)
class RetrievalResult:
    query: str
    matches: tuple[Match, ...] = ()
    part: ItemPart | None = None
    condition: ItemCondition | None = None
    suggestions: tuple[str, ...] = field(default=())

    @property
    def found(self) -> bool:
        return bool(self.matches)

    @property
    def best(self) -> Match | None:
        return self.matches[0] if self.matches else None

    @property
    def category(self) -> WasteCategory | None:
        """Where the asked thing goes, after parts and conditions are applied."""
        if self.part is not None:
            return self.part.category
        if self.condition is not None:
            return self.condition.category
        return self.best.category if self.best else None
