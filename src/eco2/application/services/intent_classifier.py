"""Intent classification: rules first, an LLM only when configured and only if it answers sensibly."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from eco2.application.ports.llm import LLMClientPort, LLMPolicyPort, ModelTier, TaskType
from eco2.application.ports.retriever import RetrieverPort
from eco2.domain.intents import Intent
from eco2.domain.korean_text import compact
from eco2.domain.retrieval import RetrievalResult

_CHARACTER_WORDS = ("캐릭터", "마스코트", "character", "characters", "mascot", "이코")
_NEAR_WORDS = (
    "근처", "주변", "가까운", "가까이", "인근", "우리동네", "동네", "near", "nearby", "closest", "nearest", "around me",
)
_PLACE_WORDS = (
    "센터", "수거함", "수거장소", "가게", "매장", "샵", "숍", "리필스테이션", "리필", "제로웨이스트", "집하장",
    "주민센터", "행정복지센터", "고물상", "회수기", "무인회수기", "마트", "버릴수있는곳", "버릴곳", "store", "shop",
    "center", "centre", "drop off", "dropoff",
    "collection point", "collection box",
)
_WHERE_WORDS = (
    "어디있", "어딨", "어디에있", "어디야", "위치", "어디서", "찾아", "있어", "있나", "있을까", "있는곳",
    "where is", "where are", "where can i find",
)
_GREETING_WORDS = (
    "안녕", "하이", "반가", "고마", "감사", "땡큐", "수고", "잘가", "바이", "hello", "hi", "hey", "thank",
    "thanks", "bye", "good morning",
)
_ABOUT_WORDS = (
    "누구야", "누구세요", "너는뭐", "넌뭐", "뭘할수", "무엇을할수", "뭐할수있", "도와줄수",
    "who are you", "what can you",
)
_WHY_WORDS = ("왜", "이유", "의미", "효과", "환경에", "탄소", "why", "what is recycling")
# Questions about waste in general rather than about throwing a thing away.
_TOPIC_WORDS = (
    "재활용률", "원칙", "기본규칙", "줄이", "줄일", "미세플라스틱", "바다", "얼마나", "통계", "제로웨이스트란",
    "기후", "환경오염", "생분해", "왜해야",
)
_DISPOSAL_WORDS = (
    "버려", "버리", "버림", "분리수거", "분리배출", "배출", "재활용", "수거", "쓰레기", "폐기", "throw", "dispose",
    "recycle", "recycling", "recycled", "trash", "garbage", "bin",
)


@dataclass(frozen=True)
class ChatIntent:
    intent: Intent
    confidence: float
    source: str  # "rules" or "llm"


class RuleBasedIntentClassifier:
    """Keyword rules plus one signal from the knowledge base: does the message name a waste item?"""

    def classify(self, message: str, retrieval: RetrievalResult | None, has_focus_item: bool = False) -> ChatIntent:
        text = compact(message)
        spaced = " ".join(message.casefold().split())
        found = retrieval is not None and retrieval.found

        if _has(text, spaced, _CHARACTER_WORDS):
            return ChatIntent(Intent.CHARACTER, 0.95, "rules")
        near = _has(text, spaced, _NEAR_WORDS)
        place = _has(text, spaced, _PLACE_WORDS)
        where = _has(text, spaced, _WHERE_WORDS)
        if near or (place and where):
            return ChatIntent(Intent.LOCATION, 0.9, "rules")
        disposal = _has(text, spaced, _DISPOSAL_WORDS)
        names_item = found and retrieval is not None and retrieval.best is not None and retrieval.best.item is not None
        about_waste_in_general = _has(text, spaced, _TOPIC_WORDS) or _has(text, spaced, _WHY_WORDS)
        if names_item or (found and not about_waste_in_general):
            return ChatIntent(Intent.WASTE, 0.9, "rules")
        if _has(text, spaced, _GREETING_WORDS) or _has(text, spaced, _ABOUT_WORDS):
            return ChatIntent(Intent.GENERAL, 0.9, "rules")
        if about_waste_in_general:
            return ChatIntent(Intent.GENERAL, 0.7, "rules")
        if disposal or has_focus_item:
            return ChatIntent(Intent.WASTE, 0.6, "rules")
        return ChatIntent(Intent.GENERAL, 0.5, "rules")


class IntentClassifier:
    """Uses the LLM when one is configured; falls back to the rules on any doubt."""

    def __init__(
        self,
        retriever: RetrieverPort,
        llm: LLMClientPort | None = None,
        policy: LLMPolicyPort | None = None,
    ):
        self._retriever = retriever
        self._rules = RuleBasedIntentClassifier()
        self._llm = llm
        self._policy = policy

    async def classify(self, message: str, focus_item: str | None = None) -> tuple[ChatIntent, RetrievalResult]:
        retrieval = self._retriever.search(message, focus_item=focus_item)
        by_rules = self._rules.classify(message, retrieval, has_focus_item=focus_item is not None)
        if self._llm is None or self._policy is None:
            return by_rules, retrieval
        llm_intent = await self._classify_with_llm(message)
        return (llm_intent or by_rules), retrieval

    async def _classify_with_llm(self, message: str) -> ChatIntent | None:
        assert self._llm is not None and self._policy is not None
        llm, policy = self._llm, self._policy
        prompt = policy.format_prompt("intent", message=message)
        system = policy.format_prompt("intent_system")
        model = policy.select_model(TaskType.INTENT, ModelTier.SMALL)
        # No execute_with_retry here: the intent LLM (a provider chain) already retries, times out and
        # falls back per provider; wrapping it again would multiply the wait before the rules answer.
        try:
            raw = await llm.generate(
                prompt, system_prompt=system, model=model, response_schema=INTENT_SCHEMA, temperature=0.0,
                max_tokens=64,
            )
        except Exception:
            return None
        return parse_llm_intent(raw)


INTENT_SCHEMA: dict = {
    "type": "object",
    "properties": {
        "intent": {"type": "string", "enum": [i.value for i in Intent]},
        "confidence": {"type": "number"},
    },
    "required": ["intent", "confidence"],
    "additionalProperties": False,
}


def parse_llm_intent(raw: str) -> ChatIntent | None:
    """Accept only a JSON object naming a known intent; anything else means "ask the rules"."""
    try:
        data = json.loads(raw)
        intent = Intent(data["intent"])
        confidence = float(data.get("confidence", 0.8))
    except (ValueError, KeyError, TypeError):
        return None
    return ChatIntent(intent, max(0.0, min(1.0, confidence)), "llm")


def _has(packed: str, spaced: str, words: tuple[str, ...]) -> bool:
    for word in words:
        if word.isascii():
            if re.search(rf"(?<![a-z]){re.escape(word)}(?![a-z])", spaced):
                return True
        elif word.replace(" ", "") in packed:
            return True
    return False
