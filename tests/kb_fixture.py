"""A small, complete knowledge base for tests that must not depend on the shipped data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from eco2.domain.categories import WasteCategory


def category_entry(slug: WasteCategory, **extra: Any) -> dict[str, Any]:
    return {
        "slug": slug.value,
        "label": slug.label,
        "description": f"{slug.label} 설명입니다.",
        "steps": [f"{slug.label} 공통 단계입니다."],
        **extra,
    }


ITEMS: dict[WasteCategory, list[dict[str, Any]]] = {
    WasteCategory.CLEAR_PET: [
        {
            "name": "생수병",
            "aliases": ["물병", "water bottle"],
            "steps": ["물을 비웁니다.", "라벨을 떼어냅니다.", "찌그러뜨려 뚜껑을 닫습니다."],
            "remove": ["비닐 라벨"],
            "parts": [
                {"name": "뚜껑", "aliases": ["병뚜껑"], "category": "clear_pet", "how": "닫아서 함께 배출합니다."},
                {"name": "라벨", "category": "vinyl", "how": "비닐류로 배출합니다."},
            ],
        }
    ],
    WasteCategory.GENERAL: [
        {
            "name": "치킨 뼈",
            "aliases": ["닭뼈", "chicken bones"],
            "steps": ["살을 발라냅니다.", "종량제 봉투에 넣습니다."],
            "exceptions": [{"target": "food", "reason": "딱딱해서 사료로 쓸 수 없습니다."}],
        }
    ],
    WasteCategory.NONCOMBUSTIBLE: [
        {
            "name": "깨진 유리컵",
            "aliases": ["깨진 컵"],
            "steps": ["신문지로 감쌉니다.", "불연성 마대에 넣습니다."],
            "exceptions": [{"target": "glass_bottle", "reason": "유리병과 성분이 다릅니다."}],
        }
    ],
    WasteCategory.PAPER: [
        {
            "name": "피자 상자",
            "aliases": ["피자 박스", "pizza box"],
            "steps": ["펼쳐서 종이로 배출합니다."],
            "conditions": [
                {"when": "기름으로 오염된 부분", "keywords": ["기름", "오염"], "category": "general",
                 "how": "오염된 부분은 잘라 종량제 봉투에 넣습니다."}
            ],
        }
    ],
}


def write_kb(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for slug in WasteCategory:
        extra = {"aliases": ["유리"]} if slug is WasteCategory.GLASS_BOTTLE else {}
        if slug is WasteCategory.FOOD:
            extra = {"aliases": ["음식물 쓰레기"]}
        document = {"category": category_entry(slug, **extra), "items": ITEMS.get(slug, [])}
        (directory / f"{slug.value}.json").write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return directory
