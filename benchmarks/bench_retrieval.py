"""Retrieval: KB load time, per-query latency over the eval set, peak memory, accuracy.

The peer is plain substring matching of item names over the same knowledge base (what a simple
keyword lookup does), measured in the same run on the same questions.
"""

from __future__ import annotations

import asyncio
import time
import tracemalloc
from pathlib import Path

from benchmarks.stats import print_row
from eco2.application.services.evaluation import evaluate
from eco2.application.services.intent_classifier import IntentClassifier
from eco2.application.services.waste_rules import WasteRuleService
from eco2.domain.intents import Intent
from eco2.domain.knowledge import KnowledgeBase
from eco2.infrastructure.knowledge.loader import builtin_kb_dir, load_knowledge_base
from eco2.infrastructure.retrieval.kb_retriever import KnowledgeBaseRetriever
from eco2.presentation.cli.eval_commands import load_cases

EVAL_SET = Path(__file__).parents[1] / "tests" / "eval" / "questions.jsonl"
HOLDOUT_SET = Path(__file__).parents[1] / "tests" / "eval" / "holdout.jsonl"


def _substring_peer(kb: KnowledgeBase, question: str) -> str | None:
    for item in kb.items:
        if item.name in question:
            return item.category.value
    return None


def main() -> None:
    tracemalloc.start()
    start = time.perf_counter()
    kb = load_knowledge_base([builtin_kb_dir()])
    retriever = KnowledgeBaseRetriever(kb)
    load_s = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"KB: {len(kb.items)} items, load + index {load_s * 1000:.1f} ms, peak traced memory {peak / 2**20:.1f} MiB")

    cases = load_cases(EVAL_SET)
    questions = [c.question for c in cases]
    for q in questions:  # warm-up
        retriever.search(q)
    ours, peer = [], []
    for _ in range(5):
        for q in questions:
            t0 = time.perf_counter()
            retriever.search(q)
            ours.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            _substring_peer(kb, q)
            peer.append(time.perf_counter() - t0)
    a = print_row("retriever.search (eval questions)", ours)
    b = print_row("peer: substring scan of item names", peer)
    print(f"ratio p50 ours/peer = {a['p50'] / b['p50']:.2f}x")

    report = asyncio.run(evaluate(cases, IntentClassifier(retriever), WasteRuleService(retriever)))
    waste = [c for c in cases if c.intent is Intent.WASTE]
    peer_ok = sum(_substring_peer(kb, c.question) in c.categories for c in waste)
    print(f"category accuracy: ours {report.category_accuracy:.1%} ({report.category_correct}/{report.waste_total}), "
          f"peer {peer_ok / len(waste):.1%} ({peer_ok}/{len(waste)})")
    print(f"intent accuracy: {report.intent_accuracy:.1%} ({report.intent_correct}/{report.total})")
    holdout = asyncio.run(evaluate(load_cases(HOLDOUT_SET), IntentClassifier(retriever), WasteRuleService(retriever)))
    print(f"held-out set: category {holdout.category_accuracy:.1%} "
          f"({holdout.category_correct}/{holdout.waste_total}), intent {holdout.intent_accuracy:.1%}")
