"""Find the character that matches the item or category the user talks about."""

from __future__ import annotations

from typing import Any

from eco2.application.ports.character import CharacterClientPort
from eco2.application.ports.retriever import RetrieverPort
from eco2.domain.categories import WasteCategory


class CharacterLookupService:
    def __init__(self, client: CharacterClientPort, retriever: RetrieverPort):
        self._client = client
        self._retriever = retriever

    async def find(self, message: str, focus_category: str | None = None) -> dict[str, Any]:
        result = self._retriever.search(message)
        category = result.category
        if category is None and focus_category:
            category = WasteCategory(focus_category)
        if category is not None:
            character = await self._client.get_character_by_waste_category(category.label)
        else:
            character = await self._client.get_default_character()
        return {
            "kind": "character",
            "available": True,
            "category": category.value if category else None,
            "category_label": category.label if category else None,
            "character": None
            if character is None
            else {
                "name": character.name,
                "type_label": character.type_label,
                "dialog": character.dialog,
                "match_label": character.match_label,
                "code": character.code,
            },
        }
