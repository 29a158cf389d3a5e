"""``eco2 kb validate`` and ``eco2 kb search``."""

from __future__ import annotations

import argparse
from pathlib import Path

from eco2.bootstrap import build_retriever, kb_directories
from eco2.infrastructure.knowledge.loader import KnowledgeBaseError, builtin_kb_dir, load_knowledge_base
from eco2.presentation.cli.errors import CliError
from eco2.settings import Settings


def register(sub: argparse._SubParsersAction) -> None:
    kb = sub.add_parser("kb", help="지식베이스 검사와 검색")
    kb_sub = kb.add_subparsers(dest="kb_command", required=True, metavar="KB_COMMAND")
    validate = kb_sub.add_parser("validate", help="지식베이스 디렉터리를 검사합니다")
    validate.add_argument("directory", nargs="?", type=Path, help="검사할 디렉터리 (기본: 내장 + ECO2_KB_DIR)")
    validate.set_defaults(handler=validate_command)
    search = kb_sub.add_parser("search", help="질문에 맞는 품목을 점수와 함께 보여 줍니다")
    search.add_argument("query")
    search.add_argument("--limit", type=int, default=5)
    search.set_defaults(handler=search_command)


def validate_command(args: argparse.Namespace, settings: Settings) -> int:
    directories = [builtin_kb_dir(), args.directory] if args.directory else kb_directories(settings)
    try:
        kb = load_knowledge_base(directories)
    except KnowledgeBaseError as exc:
        raise CliError(str(exc), code=1) from None
    print(f"OK: 카테고리 {len(kb.categories)}개, 품목 {len(kb.items)}개 ({', '.join(map(str, directories))})")
    return 0


def search_command(args: argparse.Namespace, settings: Settings) -> int:
    try:
        retriever = build_retriever(settings)
    except KnowledgeBaseError as exc:
        raise CliError(str(exc), code=1) from None
    result = retriever.search(args.query, limit=args.limit)
    if not result.found:
        print("찾지 못했습니다.")
        if result.suggestions:
            print("비슷한 품목: " + ", ".join(result.suggestions))
        return 0
    for rank, match in enumerate(result.matches, 1):
        print(f"{rank}. {match.label} [{match.category.value} {match.category.label}] "
              f"score={match.score:.3f} — {match.reason}")
    if result.part:
        print(f"   부분: {result.part.name} → {result.part.category.label}")
    if result.condition:
        print(f"   조건: {result.condition.when} → {result.condition.category.label}")
    return 0
