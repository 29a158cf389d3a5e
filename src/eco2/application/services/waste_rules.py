"""Find the rules for the item a resident asks about, following the conversation's item."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eco2.application.ports.retriever import RetrieverPort
from eco2.application.services.grounding import waste_grounding


@dataclass(frozen=True)
class WasteLookup:
    grounding: dict[str, Any]
    item: str | None
    category: str | None


class WasteRuleService:
    def __init__(self, retriever: RetrieverPort):
        self._retriever = retriever

    def lookup(self, message: str, focus_item: str | None = None) -> WasteLookup:
        result = self._retriever.search(message, focus_item=focus_item)
        grounding = waste_grounding(result, self._retriever)
        best = result.best
        return WasteLookup(
            grounding=grounding,
            item=best.item.name if best and best.item else None,
            category=best.category.value if best else None,
        )
