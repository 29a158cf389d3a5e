"""``eco2 eval FILE``: accuracy per category and overall, intent accuracy, and every miss."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from eco2.application.services.evaluation import EvalCase, EvalReport, evaluate
from eco2.application.services.intent_classifier import IntentClassifier
from eco2.application.services.waste_rules import WasteRuleService
from eco2.bootstrap import build_retriever
from eco2.domain.categories import WasteCategory
from eco2.domain.intents import Intent
from eco2.infrastructure.knowledge.loader import KnowledgeBaseError
from eco2.presentation.cli.errors import CliError
from eco2.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("eval", help="평가 질문 세트로 정확도를 측정합니다")
    parser.add_argument("file", type=Path, help='JSON Lines: {"q", "intent", "categories": [...]}')
    parser.add_argument("--json", action="store_true", help="요약을 JSON으로 출력")
    parser.set_defaults(handler=eval_command)


def load_cases(path: Path) -> list[EvalCase]:
    cases: list[EvalCase] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"평가 파일을 읽을 수 없습니다: {exc}") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            categories = tuple(WasteCategory(c).value for c in data.get("categories") or [])
            case = EvalCase(str(data["q"]), Intent(data["intent"]), categories)
        except (json.JSONDecodeError, KeyError, ValueError, TypeError) as exc:
            raise CliError(f"{path}:{number}: 잘못된 평가 항목입니다 ({exc})") from None
        if case.intent is Intent.WASTE and not case.categories:
            raise CliError(f"{path}:{number}: waste 항목에는 categories가 필요합니다")
        cases.append(case)
    return cases


async def eval_command(args: argparse.Namespace, settings: Settings) -> int:
    cases = load_cases(args.file)
    try:
        retriever = build_retriever(settings)
    except KnowledgeBaseError as exc:
        raise CliError(str(exc), code=1) from None
    report = await evaluate(cases, IntentClassifier(retriever), WasteRuleService(retriever))
    if args.json:
        print(json.dumps(_summary(report), ensure_ascii=False))
    else:
        _print(report)
    return 0


def _summary(report: EvalReport) -> dict[str, object]:
    return {
        "questions": report.total,
        "intent_accuracy": round(report.intent_accuracy, 4),
        "waste_questions": report.waste_total,
        "category_accuracy": round(report.category_accuracy, 4),
        "per_category": {k: {"correct": v[0], "total": v[1]} for k, v in sorted(report.per_category.items())},
        "misses": [
            {"q": m.case.question, "want_intent": m.case.intent.value, "got_intent": m.got_intent,
             "want": list(m.case.categories), "got": m.got_category, "item": m.item}
            for m in report.misses
        ],
    }


def _print(report: EvalReport) -> None:
    print(f"질문 {report.total}개 · 의도 정확도 {report.intent_accuracy:.1%} ({report.intent_correct}/{report.total})")
    print(f"분리배출 질문 {report.waste_total}개 · 카테고리 정확도 {report.category_accuracy:.1%} "
          f"({report.category_correct}/{report.waste_total})")
    print("\n카테고리별:")
    for slug, (correct, total) in sorted(report.per_category.items()):
        print(f"  {slug:<15} {WasteCategory(slug).label:<10} {correct:>3}/{total:<3} {correct / total:.0%}")
    if report.misses:
        print(f"\n틀린 항목 {len(report.misses)}개:")
        for miss in report.misses:
            print(f"  - {miss.case.question!r}: 의도 {miss.got_intent} (정답 {miss.case.intent.value}), "
                  f"카테고리 {miss.got_category} / 품목 {miss.item} (정답 {', '.join(miss.case.categories) or '-'})")
