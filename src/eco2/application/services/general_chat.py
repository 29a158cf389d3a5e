"""Small talk: decide which kind of non-waste reply fits, so the answer stays on topic."""

from __future__ import annotations

from typing import Any

from eco2.domain.korean_text import compact

_TOPICS = (
    ("thanks", ("고마", "감사", "땡큐", "thank", "thx", "도움됐", "도움이됐")),
    ("greeting", ("안녕", "하이", "반가", "hello", "hi", "hey", "좋은아침", "goodmorning")),
    ("about", ("누구", "뭐할수", "무엇을할수", "뭘할수", "도와줄수", "whoareyou", "whatcanyou", "소개")),
)


class GeneralChatService:
    def reply_grounding(self, message: str) -> dict[str, Any]:
        text = compact(message)
        for topic, words in _TOPICS:
            if any(word in text for word in words):
                return {"kind": "general", "topic": topic}
        return {"kind": "general", "topic": "other"}
