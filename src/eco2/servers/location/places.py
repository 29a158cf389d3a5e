"""What a place is: its kind (store category) and the waste it takes back (pickup categories)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from eco2.domain.categories import WasteCategory, category_from_label


class StoreCategory(StrEnum):
    RECYCLING_CENTER = "recycling_center"
    ZERO_WASTE = "zero_waste"
    REFILL = "refill"
    COLLECTION_POINT = "collection_point"

    @property
    def label(self) -> str:
        return STORE_LABELS[self]


STORE_LABELS: dict[StoreCategory, str] = {
    StoreCategory.RECYCLING_CENTER: "재활용센터",
    StoreCategory.ZERO_WASTE: "제로웨이스트샵",
    StoreCategory.REFILL: "리필스테이션",
    StoreCategory.COLLECTION_POINT: "수거함",
}


def store_category_from_text(text: str) -> StoreCategory | None:
    """Accept a slug ("refill") or the Korean label ("리필스테이션")."""
    value = text.strip()
    for category in StoreCategory:
        if value in (category.value, category.label):
            return category
    return None


def pickup_category_from_text(text: str) -> WasteCategory | None:
    return category_from_label(text)


@dataclass(frozen=True)
class Place:
    id: str
    name: str
    latitude: float
    longitude: float
    store_category: StoreCategory
    road_address: str = ""
    pickup_categories: tuple[WasteCategory, ...] = field(default=())
    phone: str = ""
    hours: str = ""
