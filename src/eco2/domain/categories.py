"""Waste categories of the Korean separate-collection guideline, as the workflow names them."""

from __future__ import annotations

from enum import StrEnum


class WasteCategory(StrEnum):
    PAPER = "paper"
    PAPER_PACK = "paper_pack"
    METAL = "metal"
    GLASS_BOTTLE = "glass_bottle"
    PLASTIC = "plastic"
    CLEAR_PET = "clear_pet"
    VINYL = "vinyl"
    STYROFOAM = "styrofoam"
    CLOTHING = "clothing"
    ELECTRONICS = "electronics"
    BATTERY = "battery"
    LIGHTING = "lighting"
    FOOD = "food"
    GENERAL = "general"
    NONCOMBUSTIBLE = "noncombustible"
    BULKY = "bulky"
    HAZARDOUS = "hazardous"
    CONSTRUCTION = "construction"

    @property
    def label(self) -> str:
        return CATEGORY_LABELS[self]

    @property
    def is_recyclable(self) -> bool:
        return self in RECYCLABLE


CATEGORY_LABELS: dict[WasteCategory, str] = {
    WasteCategory.PAPER: "종이",
    WasteCategory.PAPER_PACK: "종이팩",
    WasteCategory.METAL: "금속류",
    WasteCategory.GLASS_BOTTLE: "유리병",
    WasteCategory.PLASTIC: "플라스틱류",
    WasteCategory.CLEAR_PET: "무색페트병",
    WasteCategory.VINYL: "비닐류",
    WasteCategory.STYROFOAM: "발포합성수지",
    WasteCategory.CLOTHING: "의류및원단",
    WasteCategory.ELECTRONICS: "전기전자제품",
    WasteCategory.BATTERY: "전지",
    WasteCategory.LIGHTING: "조명제품",
    WasteCategory.FOOD: "음식물류폐기물",
    WasteCategory.GENERAL: "일반종량제폐기물",
    WasteCategory.NONCOMBUSTIBLE: "불연성종량제폐기물",
    WasteCategory.BULKY: "대형폐기물",
    WasteCategory.HAZARDOUS: "생활계유해폐기물",
    WasteCategory.CONSTRUCTION: "공사장생활폐기물",
}

RECYCLABLE = frozenset(
    {
        WasteCategory.PAPER,
        WasteCategory.PAPER_PACK,
        WasteCategory.METAL,
        WasteCategory.GLASS_BOTTLE,
        WasteCategory.PLASTIC,
        WasteCategory.CLEAR_PET,
        WasteCategory.VINYL,
        WasteCategory.STYROFOAM,
        WasteCategory.CLOTHING,
        WasteCategory.ELECTRONICS,
        WasteCategory.BATTERY,
        WasteCategory.LIGHTING,
    }
)


def category_from_label(text: str) -> WasteCategory | None:
    """Accept either a slug ("clear_pet") or a Korean label ("무색페트병")."""
    value = text.strip()
    try:
        return WasteCategory(value)
    except ValueError:
        pass
    for category, label in CATEGORY_LABELS.items():
        if label == value:
            return category
    return None
