"""Answer generation: prompt from the grounding, stream tokens to the UI as they arrive."""

from __future__ import annotations

from typing import Any

from eco2.application.ports.llm import LLMClientPort, LLMPolicyPort, ModelTier, TaskType
from eco2.application.ports.progress import ProgressNotifierPort
from eco2.application.services.grounding import rules_text

_HISTORY_TURNS = 4


class AnswerGenerator:
    def __init__(self, llm: LLMClientPort, policy: LLMPolicyPort, notifier: ProgressNotifierPort):
        self._llm = llm
        self._policy = policy
        self._notifier = notifier

    async def generate(
        self,
        job_id: str,
        message: str,
        grounding: dict[str, Any],
        history: list[dict[str, str]] | None = None,
    ) -> str:
        kind = grounding.get("kind", "general")
        system_prompt = self._policy.format_prompt("answer_system")
        prompt = self._policy.format_prompt(
            "answer",
            kind=kind,
            message=message,
            rules=rules_text(grounding),
            extra=_extra_text(grounding),
            history=_history_text(history or []),
        )
        model = self._policy.select_model(TaskType.ANSWER, ModelTier.LARGE)
        context = {"kind": kind, "grounding": grounding, "message": message}
        chunks: list[str] = []
        async for chunk in self._llm.generate_stream(prompt, system_prompt=system_prompt, context=context, model=model):
            if not chunk:
                continue
            chunks.append(chunk)
            await self._notifier.notify_token(job_id, chunk)
        return "".join(chunks)


def _history_text(history: list[dict[str, str]]) -> str:
    recent = history[-_HISTORY_TURNS:]
    if not recent:
        return "(없음)"
    return "\n".join(f"사용자: {turn['user']}\n도우미: {turn['assistant'][:300]}" for turn in recent)


def _extra_text(grounding: dict[str, Any]) -> str:
    kind = grounding.get("kind")
    if kind == "character":
        character = grounding.get("character")
        if not character:
            return "캐릭터 정보를 가져오지 못했습니다."
        return f"캐릭터: {character['name']} ({character['type_label']}) — 대사: {character['dialog']}"
    if kind == "location":
        places = grounding.get("places") or []
        if not places:
            return "주변 장소 정보를 가져오지 못했습니다."
        return "\n".join(
            f"- {p['name']} ({p['distance_text']}, {p['road_address']})" for p in places
        )
    return "(없음)"
