"""Turn retrieval results into the grounding an answer may use, and nothing else.

The grounding is a plain, JSON-serialisable dict: it is stored in the workflow state, placed in LLM
prompts as text, and read by the local responder. Every sentence an answer states comes from here.
"""

from __future__ import annotations

from typing import Any

from eco2.application.ports.retriever import RetrieverPort
from eco2.domain.categories import WasteCategory
from eco2.domain.knowledge import CategoryRule
from eco2.domain.retrieval import RetrievalResult


def rule_dict(rule: CategoryRule) -> dict[str, Any]:
    return {
        "slug": rule.slug.value,
        "label": rule.label,
        "description": rule.description,
        "steps": list(rule.steps),
        "cautions": list(rule.cautions),
        "mistakes": list(rule.mistakes),
    }


def waste_grounding(result: RetrievalResult, retriever: RetrieverPort) -> dict[str, Any]:
    best = result.best
    if best is None:
        return {"kind": "waste", "found": False, "query": result.query, "suggestions": list(result.suggestions)}
    grounding: dict[str, Any] = {
        "kind": "waste",
        "found": True,
        "query": result.query,
        "match": {"score": best.score, "reason": best.reason},
        "category": rule_dict(retriever.category_rule(best.category)),
        "item": None,
        "part": None,
        "condition": None,
        "exceptions": [],
    }
    item = best.item
    if item is not None:
        grounding["item"] = {
            "name": item.name,
            "steps": list(item.steps),
            "remove": list(item.remove),
            "cautions": list(item.cautions),
            "mistakes": list(item.mistakes),
            "parts": [
                {"name": p.name, "category": p.category.value, "category_label": p.category.label, "how": p.how}
                for p in item.parts
            ],
            "conditions": [
                {"when": c.when, "category": c.category.value, "category_label": c.category.label, "how": c.how}
                for c in item.conditions
            ],
            "deposit": item.deposit,
            "pickup": item.pickup,
        }
        grounding["exceptions"] = [
            {"target": link.target, "target_label": _target_label(link.target), "reason": link.reason}
            for link in item.exceptions
        ]
    if result.part is not None:
        grounding["part"] = {
            "name": result.part.name,
            "how": result.part.how,
            "category": rule_dict(retriever.category_rule(result.part.category)),
        }
    if result.condition is not None:
        grounding["condition"] = {
            "when": result.condition.when,
            "how": result.condition.how,
            "category": rule_dict(retriever.category_rule(result.condition.category)),
        }
    return grounding


def sources(grounding: dict[str, Any]) -> list[dict[str, Any]]:
    """The knowledge-base entries an answer rests on."""
    if grounding.get("kind") != "waste" or not grounding.get("found"):
        return []
    item = grounding.get("item")
    found = [{"category": grounding["category"]["slug"], "item": item["name"] if item else None}]
    for key in ("part", "condition"):
        extra = grounding.get(key)
        if extra and extra["category"]["slug"] != found[0]["category"]:
            found.append({"category": extra["category"]["slug"], "item": item["name"] if item else None})
    return found


def answer_category(grounding: dict[str, Any]) -> str | None:
    """The category the answer sends the asked thing to."""
    if grounding.get("kind") != "waste" or not grounding.get("found"):
        return None
    for key in ("part", "condition"):
        if grounding.get(key):
            return str(grounding[key]["category"]["slug"])
    return str(grounding["category"]["slug"])


def rules_text(grounding: dict[str, Any]) -> str:
    """The grounding as Korean text for an LLM prompt."""
    if grounding.get("kind") != "waste":
        return "(이 질문에는 배출 규정 근거가 필요하지 않습니다)"
    if not grounding.get("found"):
        suggestions = ", ".join(grounding.get("suggestions") or []) or "없음"
        return f"지식베이스에서 일치하는 품목을 찾지 못했습니다. 비슷한 품목: {suggestions}"
    category = grounding["category"]
    lines = [f"[분류] {category['label']} ({category['slug']}): {category['description']}"]
    lines += [f"- 공통 배출 방법: {s}" for s in category["steps"]]
    lines += [f"- 공통 주의: {s}" for s in category["cautions"]]
    item = grounding.get("item")
    if item:
        lines.append(f"[품목] {item['name']}")
        lines += [f"- 배출 단계: {s}" for s in item["steps"]]
        lines += [f"- 먼저 제거: {s}" for s in item["remove"]]
        lines += [f"- 주의: {s}" for s in item["cautions"]]
        lines += [f"- 흔한 실수: {s}" for s in item["mistakes"]]
        lines += [f"- 부분 '{p['name']}' → {p['category_label']}: {p['how']}" for p in item["parts"]]
        lines += [f"- 조건 '{c['when']}' → {c['category_label']}: {c['how']}" for c in item["conditions"]]
        if item.get("deposit"):
            lines.append(f"- 보증금: {item['deposit']}")
        if item.get("pickup"):
            lines.append(f"- 수거 서비스: {item['pickup']}")
    for link in grounding.get("exceptions", []):
        lines.append(f"- 예외: {link['target_label']}(으)로 버리지 않습니다. 이유: {link['reason']}")
    if grounding.get("part"):
        part = grounding["part"]
        lines.append(f"[질문한 부분] {part['name']} → {part['category']['label']}: {part['how']}")
    if grounding.get("condition"):
        cond = grounding["condition"]
        lines.append(f"[질문한 상태] {cond['when']} → {cond['category']['label']}: {cond['how']}")
    return "\n".join(lines)


def _target_label(target: str) -> str:
    try:
        return WasteCategory(target).label
    except ValueError:
        return target
