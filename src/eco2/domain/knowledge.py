"""Knowledge-base value objects: category rules and the items residents ask about.

These are the shapes the data files under ``infrastructure/assets/kb`` must have; pydantic
validates every file on load so a typo in the data is a clear error, never a silent gap.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from eco2.domain.categories import WasteCategory

_TEXT = Field(min_length=1, max_length=400)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class CategoryRule(_Frozen):
    """The common rules of one category; items refer to it by slug."""

    slug: WasteCategory
    label: str = Field(min_length=1, max_length=40)
    description: str = _TEXT
    aliases: tuple[str, ...] = ()
    steps: tuple[str, ...] = Field(min_length=1)
    cautions: tuple[str, ...] = ()
    mistakes: tuple[str, ...] = ()

    @field_validator("label")
    @classmethod
    def _label_matches_slug(cls, value: str, info) -> str:  # type: ignore[no-untyped-def]
        slug = info.data.get("slug")
        if slug is not None and value != slug.label:
            raise ValueError(f"label '{value}' does not match slug '{slug.value}' ({slug.label})")
        return value


class ItemPart(_Frozen):
    """A part of an item that goes elsewhere (생수병 → 뚜껑, 라벨)."""

    name: str = Field(min_length=1, max_length=40)
    aliases: tuple[str, ...] = ()
    category: WasteCategory
    how: str = _TEXT


class ItemCondition(_Frozen):
    """A state of the item that changes where it goes (오염된 피자 상자 → 일반종량제)."""

    when: str = _TEXT
    keywords: tuple[str, ...] = Field(min_length=1)
    category: WasteCategory
    how: str = _TEXT


class ExceptionLink(_Frozen):
    """Where residents wrongly put the item, and why it does not belong there.

    ``target`` is a category slug or the name of another item in the knowledge base.
    """

    target: str = Field(min_length=1, max_length=60)
    reason: str = _TEXT


class WasteItem(_Frozen):
    name: str = Field(min_length=1, max_length=60)
    category: WasteCategory
    aliases: tuple[str, ...] = ()
    steps: tuple[str, ...] = Field(min_length=1)
    remove: tuple[str, ...] = ()
    cautions: tuple[str, ...] = ()
    mistakes: tuple[str, ...] = ()
    parts: tuple[ItemPart, ...] = ()
    conditions: tuple[ItemCondition, ...] = ()
    exceptions: tuple[ExceptionLink, ...] = ()
    deposit: str | None = None
    pickup: str | None = None


class KnowledgeBase(_Frozen):
    """A validated, cross-checked knowledge base (built by the loader)."""

    categories: dict[WasteCategory, CategoryRule]
    items: tuple[WasteItem, ...]

    def item(self, name: str) -> WasteItem | None:
        for item in self.items:
            if item.name == name:
                return item
        return None

    def rule(self, category: WasteCategory) -> CategoryRule:
        return self.categories[category]
