"""Accuracy of intent classification and category retrieval over a labelled question set."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from eco2.application.services.grounding import answer_category
from eco2.application.services.intent_classifier import IntentClassifier
from eco2.application.services.waste_rules import WasteRuleService
from eco2.domain.intents import Intent


@dataclass(frozen=True)
class EvalCase:
    question: str
    intent: Intent
    categories: tuple[str, ...]


@dataclass(frozen=True)
class EvalMiss:
    case: EvalCase
    got_intent: str
    got_category: str | None
    item: str | None


@dataclass
class EvalReport:
    total: int = 0
    intent_correct: int = 0
    waste_total: int = 0
    category_correct: int = 0
    per_category: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    misses: list[EvalMiss] = field(default_factory=list)

    @property
    def intent_accuracy(self) -> float:
        return self.intent_correct / self.total if self.total else 0.0

    @property
    def category_accuracy(self) -> float:
        return self.category_correct / self.waste_total if self.waste_total else 0.0


async def evaluate(cases: list[EvalCase], classifier: IntentClassifier, waste: WasteRuleService) -> EvalReport:
    """Intent is scored on every case; category on waste cases, from the waste lookup alone."""
    report = EvalReport()
    for case in cases:
        chat_intent, _ = await classifier.classify(case.question)
        intent_ok = chat_intent.intent == case.intent
        report.total += 1
        report.intent_correct += intent_ok
        category: str | None = None
        item: str | None = None
        category_ok = True
        if case.intent is Intent.WASTE:
            lookup = waste.lookup(case.question)
            category, item = answer_category(lookup.grounding), lookup.item
            category_ok = category in case.categories
            report.waste_total += 1
            report.category_correct += category_ok
            bucket = report.per_category[case.categories[0]]
            bucket[0] += category_ok
            bucket[1] += 1
        if not (intent_ok and category_ok):
            report.misses.append(EvalMiss(case, chat_intent.intent.value, category, item))
    return report
