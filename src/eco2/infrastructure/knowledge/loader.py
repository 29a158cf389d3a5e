"""Load and cross-check knowledge-base files.

A knowledge base is a directory of JSON files, one per category (any file name works):

    {"category": {...CategoryRule...},          # optional in user overrides
     "items": [{...WasteItem, "category" defaults to the file's...}]}

Later directories override earlier ones: an item with the same name replaces the earlier item, a
category entry replaces the earlier rule. Every problem is reported with its file and entry.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from eco2.domain.categories import WasteCategory
from eco2.domain.knowledge import CategoryRule, KnowledgeBase, WasteItem

BUILTIN_KB = "infrastructure/assets/kb"


@dataclass(frozen=True)
class KBProblem:
    file: str
    entry: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.entry}: {self.reason}"


class KnowledgeBaseError(ValueError):
    """The knowledge base has problems; each one names its file and entry."""

    def __init__(self, problems: Sequence[KBProblem]):
        self.problems = tuple(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"지식베이스 오류 {len(self.problems)}건:\n{lines}")


def alias_key(text: str) -> str:
    """Aliases collide when they differ only in case or spacing."""
    return "".join(text.casefold().split())


def builtin_kb_dir() -> Path:
    return Path(str(resources.files("eco2").joinpath(BUILTIN_KB)))


def load_knowledge_base(directories: Iterable[Path]) -> KnowledgeBase:
    """Load directories in order (later ones override); raise KnowledgeBaseError on any problem."""
    problems: list[KBProblem] = []
    categories: dict[WasteCategory, CategoryRule] = {}
    items: dict[str, tuple[WasteItem, str]] = {}
    for directory in directories:
        _load_directory(Path(directory), categories, items, problems)
    for slug in WasteCategory:
        if slug not in categories:
            problems.append(KBProblem("(knowledge base)", f"category {slug.value}", "카테고리 규칙이 없습니다"))
    _cross_check(categories, items, problems)
    if problems:
        raise KnowledgeBaseError(problems)
    ordered = tuple(item for item, _ in items.values())
    return KnowledgeBase(categories=categories, items=ordered)


def _load_directory(
    directory: Path,
    categories: dict[WasteCategory, CategoryRule],
    items: dict[str, tuple[WasteItem, str]],
    problems: list[KBProblem],
) -> None:
    if not directory.is_dir():
        problems.append(KBProblem(str(directory), "(directory)", "디렉터리가 없습니다"))
        return
    files = sorted(directory.glob("*.json"))
    if not files:
        problems.append(KBProblem(str(directory), "(directory)", "JSON 파일이 없습니다"))
    for path in files:
        _load_file(path, categories, items, problems)


def _load_file(
    path: Path,
    categories: dict[WasteCategory, CategoryRule],
    items: dict[str, tuple[WasteItem, str]],
    problems: list[KBProblem],
) -> None:
    name = str(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        problems.append(KBProblem(name, "(file)", f"UTF-8이 아닙니다: {exc.reason}"))
        return
    except json.JSONDecodeError as exc:
        problems.append(KBProblem(name, f"line {exc.lineno} column {exc.colno}", f"JSON 문법 오류: {exc.msg}"))
        return
    if not isinstance(document, dict):
        problems.append(KBProblem(name, "(file)", "최상위 값은 객체여야 합니다"))
        return
    unknown = set(document) - {"category", "items"}
    if unknown:
        problems.append(KBProblem(name, "(file)", f"알 수 없는 키: {', '.join(sorted(unknown))}"))

    file_category: WasteCategory | None = None
    raw_category = document.get("category")
    if raw_category is not None:
        try:
            rule = CategoryRule.model_validate(raw_category)
        except ValidationError as exc:
            slug = raw_category.get("slug") if isinstance(raw_category, dict) else None
            problems.append(KBProblem(name, f"category {slug!r}", _describe(exc)))
        else:
            categories[rule.slug] = rule
            file_category = rule.slug

    raw_items = document.get("items", [])
    if not isinstance(raw_items, list):
        problems.append(KBProblem(name, "items", "items는 배열이어야 합니다"))
        return
    for index, raw in enumerate(raw_items):
        label = _entry_label(index, raw)
        if not isinstance(raw, dict):
            problems.append(KBProblem(name, label, "항목은 객체여야 합니다"))
            continue
        if "category" not in raw:
            if file_category is None:
                problems.append(KBProblem(name, label, "category가 없고 파일에도 카테고리 규칙이 없습니다"))
                continue
            raw = {**raw, "category": file_category.value}
        try:
            item = WasteItem.model_validate(raw)
        except ValidationError as exc:
            problems.append(KBProblem(name, label, _describe(exc)))
            continue
        previous = items.get(item.name)
        if previous is not None and previous[1] == name:
            problems.append(KBProblem(name, label, f"같은 파일에 '{item.name}' 항목이 두 번 있습니다"))
            continue
        items[item.name] = (item, f"{name}#{index}")


def _cross_check(
    categories: dict[WasteCategory, CategoryRule],
    items: dict[str, tuple[WasteItem, str]],
    problems: list[KBProblem],
) -> None:
    owners: dict[str, str] = {}
    for slug, rule in categories.items():
        for alias in rule.aliases:
            owners.setdefault(alias_key(alias), f"category {slug.value}")
    for name, (item, where) in items.items():
        file, _, index = where.partition("#")
        entry = f"items[{index}] '{name}'"
        seen_here: set[str] = set()
        for alias in (item.name, *item.aliases):
            key = alias_key(alias)
            if not key:
                problems.append(KBProblem(file, entry, "빈 별칭이 있습니다"))
                continue
            if key in seen_here:
                continue
            seen_here.add(key)
            owner = owners.get(key)
            if owner is not None and owner != f"item {name}" and not owner.startswith("category"):
                problems.append(KBProblem(file, entry, f"별칭 '{alias}'이(가) {owner}와 중복됩니다"))
                continue
            owners[key] = f"item {name}"
        for link in item.exceptions:
            if link.target not in items and _slug(link.target) is None:
                problems.append(
                    KBProblem(file, entry, f"예외 링크 대상 '{link.target}'이(가) 항목이나 카테고리에 없습니다")
                )


def _slug(text: str) -> WasteCategory | None:
    try:
        return WasteCategory(text)
    except ValueError:
        return None


def _entry_label(index: int, raw: Any) -> str:
    name = raw.get("name") if isinstance(raw, dict) else None
    return f"items[{index}] '{name}'" if name else f"items[{index}]"


def _describe(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        location = ".".join(str(p) for p in error["loc"]) or "(entry)"
        parts.append(f"{location}: {error['msg']}")
    return "; ".join(parts)
