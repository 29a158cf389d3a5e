"""The shipped knowledge base and rules must stay accurate on the project's eval set."""

from __future__ import annotations

from pathlib import Path

from eco2.application.services.evaluation import evaluate
from eco2.application.services.intent_classifier import IntentClassifier
from eco2.application.services.waste_rules import WasteRuleService
from eco2.infrastructure.knowledge.loader import builtin_kb_dir, load_knowledge_base
from eco2.infrastructure.retrieval.kb_retriever import KnowledgeBaseRetriever
from eco2.presentation.cli.eval_commands import load_cases

EVAL_SET = Path(__file__).parents[2] / "eval" / "questions.jsonl"


async def test_eval_set_accuracy():
    cases = load_cases(EVAL_SET)
    assert len(cases) >= 300
    retriever = KnowledgeBaseRetriever(load_knowledge_base([builtin_kb_dir()]))
    report = await evaluate(cases, IntentClassifier(retriever), WasteRuleService(retriever))
    misses = "\n".join(f"{m.case.question} -> {m.got_intent}/{m.got_category}" for m in report.misses)
    assert report.category_accuracy >= 0.95, misses
    assert report.intent_accuracy >= 0.95, misses
