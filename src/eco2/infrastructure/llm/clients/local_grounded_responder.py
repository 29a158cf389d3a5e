"""A responder that needs no network: it writes the answer only from the retrieved rules.

It implements LLMClientPort so the workflow treats it like any model, but it ignores the prompt and
reads the structured grounding in ``context``. It never states a rule that is not in the grounding.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

from eco2.application.ports.llm import LLMClientPort
from eco2.domain.korean_text import josa, josa_ro

_CHUNK = re.compile(r"\S+\s*|\s+")


class LocalGroundedResponder(LLMClientPort):
    name = "local"

    async def generate(
        self,
        prompt: str,
        system_prompt: str | None = None,
        context: dict[str, Any] | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
        model: str | None = None,
        response_schema: dict[str, Any] | None = None,
    ) -> str:
        return compose_answer(context or {})

    async def generate_stream(
        self,
        prompt: str,
        system_prompt: str | None = None,
        context: dict[str, Any] | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
        model: str | None = None,
    ) -> AsyncIterator[str]:
        for chunk in _CHUNK.findall(compose_answer(context or {})):
            yield chunk


def compose_answer(context: dict[str, Any]) -> str:
    grounding = context.get("grounding") or {}
    kind = grounding.get("kind") or context.get("kind")
    if kind == "waste":
        return _waste(grounding)
    if kind == "character":
        return _character(grounding)
    if kind == "location":
        return _location(grounding)
    if kind == "general":
        return _general(grounding)
    return "근거가 되는 배출 규정이 없어 답할 수 없어요. 버리려는 물건 이름을 알려 주세요."


def _waste(g: dict[str, Any]) -> str:
    if not g.get("found"):
        return _not_found(g)
    category = g["category"]
    item = g.get("item")
    lines: list[str] = []
    if item is None:
        lines.append(f"{josa(category['label'], '은', '는')} 이렇게 버려요. {category['description']}")
        lines += _section("배출 방법", category["steps"], numbered=True)
        lines += _section("주의할 점", category["cautions"])
        lines += _section("자주 하는 실수", category["mistakes"])
        return "\n".join(lines).strip()

    name = item["name"]
    part, condition = g.get("part"), g.get("condition")
    if part is not None:
        label = part["category"]["label"]
        lines.append(f"{name}의 {josa(part['name'], '은', '는')} {josa_ro(label)} 버려요. {part['how']}")
        lines.append(f"{name} 본체는 {josa_ro(category['label'])} 버려요.")
        return "\n".join(lines)

    if condition is not None:
        label = condition["category"]["label"]
        lines.append(f"{condition['when']}: {josa_ro(label)} 버려요. {condition['how']}")
        lines.append(f"그런 상태가 아니라면 {josa(name, '은', '는')} {josa_ro(category['label'])} 버려요.")
    else:
        wrong = [e for e in g.get("exceptions", [])]
        if wrong:
            target = wrong[0]["target_label"]
            lines.append(
                f"{josa(name, '은', '는')} {josa(target, '이', '가')} 아니라 {josa_ro(category['label'])} 버려요."
            )
        else:
            lines.append(f"{josa(name, '은', '는')} {josa_ro(category['label'])} 버려요.")
    for link in g.get("exceptions", []):
        lines.append(f"왜 {josa(link['target_label'], '이', '가')} 아닌가요? {link['reason']}")
    lines += _section("배출 방법", item["steps"], numbered=True)
    if item["remove"]:
        lines.append("")
        lines.append("먼저 떼어낼 것: " + ", ".join(item["remove"]))
    parts = [f"{p['name']} → {p['category_label']}: {p['how']}" for p in item["parts"]]
    lines += _section("부분별로 따로 버리기", parts)
    if condition is None:
        lines += _section(
            "상태에 따라 달라요", [f"{c['when']} → {c['category_label']}: {c['how']}" for c in item["conditions"]]
        )
    lines += _section("주의할 점", item["cautions"])
    lines += _section("자주 하는 실수", item["mistakes"])
    if item.get("deposit"):
        lines += ["", f"보증금: {item['deposit']}"]
    if item.get("pickup"):
        lines += ["", f"수거 서비스: {item['pickup']}"]
    return "\n".join(lines).strip()


def _not_found(g: dict[str, Any]) -> str:
    suggestions = g.get("suggestions") or []
    text = (
        "말씀하신 물건의 배출 규정을 지식베이스에서 찾지 못했어요. "
        "확인되지 않은 규칙을 안내하지 않도록 추측해서 답하지 않을게요."
    )
    if suggestions:
        text += "\n혹시 이 중에 있나요? " + ", ".join(suggestions)
    text += "\n물건 이름이나 재질을 조금 더 구체적으로 알려 주시면 다시 찾아볼게요."
    return text


def _character(g: dict[str, Any]) -> str:
    character = g.get("character")
    if not g.get("available", True):
        return "지금은 캐릭터 서비스에 연결되어 있지 않아 캐릭터를 소개할 수 없어요."
    if not character:
        return "찾는 캐릭터가 없어요. 품목이나 분리배출 종류를 알려 주시면 어울리는 캐릭터를 찾아볼게요."
    intro = f"{josa(character['name'], '이에요', '예요')}! ({character['type_label']})"
    if g.get("category_label"):
        intro = f"{g['category_label']} 담당 캐릭터는 {intro}"
    return f"{intro}\n“{character['dialog']}”"


def _location(g: dict[str, Any]) -> str:
    if not g.get("available", True):
        return "지금은 위치 검색 서비스에 연결되어 있지 않아 주변 장소를 찾을 수 없어요."
    if not g.get("location_known", True):
        return "주변 장소를 찾으려면 위치가 필요해요. 위치를 공유해 주세요."
    places = g.get("places") or []
    if not places:
        return "반경 안에서 조건에 맞는 장소를 찾지 못했어요. 검색 반경을 넓혀 다시 물어봐 주세요."
    lines = ["가까운 곳부터 알려 드릴게요."]
    for index, place in enumerate(places, 1):
        state = "" if place.get("is_open") is None else (" · 영업 중" if place["is_open"] else " · 영업 종료")
        phone = f" · {place['phone']}" if place.get("phone") else ""
        lines.append(f"{index}. {place['name']} — {place['distance_text']}, {place['road_address']}{state}{phone}")
    return "\n".join(lines)


_GENERAL = {
    "greeting": "안녕하세요! 저는 분리배출 도우미 에코에코예요. 버리려는 물건을 알려 주시면 배출 방법을 알려 드릴게요.",
    "thanks": "천만에요! 또 궁금한 물건이 있으면 언제든 물어보세요.",
    "about": (
        "저는 분리배출 도우미예요. 물건을 어떻게 버리는지, 근처 재활용센터가 어디인지, "
        "분리배출 캐릭터가 누구인지 알려 드릴 수 있어요."
    ),
    "other": (
        "저는 분리배출 방법을 안내하는 도우미라서 그 질문에는 답하기 어려워요. "
        "예를 들어 '페트병 어떻게 버려요?'처럼 물어봐 주세요."
    ),
}


def _general(g: dict[str, Any]) -> str:
    return _GENERAL.get(g.get("topic", "other"), _GENERAL["other"])


def _section(title: str, entries: list[str], numbered: bool = False) -> list[str]:
    if not entries:
        return []
    lines = ["", f"{title}:"]
    for index, entry in enumerate(entries, 1):
        lines.append(f"{index}. {entry}" if numbered else f"- {entry}")
    return lines
