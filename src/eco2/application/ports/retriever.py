"""Knowledge-base retrieval port."""

from __future__ import annotations

from abc import ABC, abstractmethod

from eco2.domain.categories import WasteCategory
from eco2.domain.knowledge import CategoryRule, WasteItem
from eco2.domain.retrieval import RetrievalResult


class RetrieverPort(ABC):
    @abstractmethod
    def search(self, query: str, *, limit: int = 5, focus_item: str | None = None) -> RetrievalResult:
        """Rank items for ``query``; ``focus_item`` is the item the conversation is about, for follow-ups."""

    @abstractmethod
    def get_item(self, name: str) -> WasteItem | None: ...

    @abstractmethod
    def category_rule(self, category: WasteCategory) -> CategoryRule: ...
