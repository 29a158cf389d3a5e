"""Retrieval over the project's own waste-rules knowledge base.

Order of evidence: an exact name or alias anywhere in the question (spacing ignored, longest and
item-level first), then a part or condition of that item (or of the item the conversation is about),
then jamo-level fuzzy matching for typos. Below the confidence floor the answer is "not found" with
the closest items as suggestions.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz, process

from eco2.application.ports.retriever import RetrieverPort
from eco2.domain.categories import CATEGORY_LABELS, WasteCategory
from eco2.domain.knowledge import CategoryRule, ItemCondition, ItemPart, KnowledgeBase, WasteItem
from eco2.domain.retrieval import Match, RetrievalResult
from eco2.domain.korean_text import compact, content_words, normalize, to_jamo

CONFIDENCE_FLOOR = 0.8
_MAX_SCAN_CHARS = 300
_SUGGESTIONS = 3


@dataclass(frozen=True)
class _Target:
    category: WasteCategory
    item: WasteItem | None
    alias: str


@dataclass(frozen=True)
class _Hit:
    target: _Target
    start: int
    length: int


class KnowledgeBaseRetriever(RetrieverPort):
    def __init__(self, kb: KnowledgeBase):
        self._kb = kb
        self._items = {item.name: item for item in kb.items}
        self._hangul: dict[str, list[_Target]] = {}
        self._latin: dict[str, list[_Target]] = {}
        for slug, rule in kb.categories.items():
            for alias in (CATEGORY_LABELS[slug], *rule.aliases):
                self._add(alias, _Target(slug, None, alias))
        for item in kb.items:
            for alias in (item.name, *item.aliases):
                self._add(alias, _Target(item.category, item, alias))
        self._longest = max((len(k) for k in self._hangul), default=1)
        self._fuzzy_keys: list[str] = []
        self._fuzzy_targets: list[_Target] = []
        for key, targets in (*self._hangul.items(), *self._latin.items()):
            self._fuzzy_keys.append(to_jamo(key))
            self._fuzzy_targets.append(_preferred(targets))

    @property
    def knowledge_base(self) -> KnowledgeBase:
        return self._kb

    def get_item(self, name: str) -> WasteItem | None:
        return self._items.get(name)

    def category_rule(self, category: WasteCategory) -> CategoryRule:
        return self._kb.rule(category)

    def search(self, query: str, *, limit: int = 5, focus_item: str | None = None) -> RetrievalResult:
        text = normalize(query)
        cq = text.replace(" ", "")[:_MAX_SCAN_CHARS]
        if not cq:
            return RetrievalResult(query=query)
        focus = self._items.get(focus_item) if focus_item else None

        hits = self._exact_hits(text, cq)
        item_hits = [h for h in hits if h.target.item is not None]

        if focus is not None:
            followup = self._followup(focus, cq, item_hits)
            if followup is not None:
                return followup

        if hits:
            matches = self._rank(hits, limit)
            best = matches[0]
            part = _find_part(best.item, cq) if best.item else None
            condition = _find_condition(best.item, cq) if best.item and part is None else None
            return RetrievalResult(query=query, matches=matches, part=part, condition=condition)

        fuzzy = self._fuzzy(query, limit)
        if fuzzy and fuzzy[0].score >= CONFIDENCE_FLOOR:
            best = fuzzy[0]
            condition = _find_condition(best.item, cq) if best.item else None
            return RetrievalResult(query=query, matches=tuple(fuzzy), condition=condition)

        return RetrievalResult(query=query, suggestions=self._suggest(query))

    # -- evidence -------------------------------------------------------------------------------

    def _add(self, alias: str, target: _Target) -> None:
        key = compact(alias)
        if len(key) < 2:
            return
        index = self._latin if key.isascii() else self._hangul
        index.setdefault(normalize(alias) if key.isascii() else key, []).append(target)

    def _exact_hits(self, text: str, cq: str) -> list[_Hit]:
        hits: list[_Hit] = []
        n = len(cq)
        for start in range(n):
            stop = min(n, start + self._longest)
            for end in range(start + 2, stop + 1):
                targets = self._hangul.get(cq[start:end])
                if targets:
                    hits.append(_Hit(_preferred(targets), start, end - start))
        if any(ch.isascii() and ch.isalpha() for ch in text):
            words = text.split()
            for i in range(len(words)):
                for j in range(i + 1, min(len(words), i + 4) + 1):
                    targets = self._latin.get(" ".join(words[i:j]))
                    if targets:
                        hits.append(_Hit(_preferred(targets), i, len(" ".join(words[i:j]))))
        return hits

    def _rank(self, hits: list[_Hit], limit: int) -> tuple[Match, ...]:
        # Items beat whole categories ("치킨 뼈는 음식물 쓰레기야?" is about 치킨 뼈); longer names beat
        # the shorter names they contain ("깨진 유리컵" over "유리컵" over "유리").
        ordered = sorted(hits, key=lambda h: (h.target.item is None, -h.length, h.start))
        matches: list[Match] = []
        seen: set[str] = set()
        top_length = ordered[0].length
        for hit in ordered:
            target = hit.target
            key = target.item.name if target.item else target.category.value
            if key in seen:
                continue
            seen.add(key)
            kind = "품목" if target.item else "카테고리"
            exact = compact(target.alias) == compact(target.item.name if target.item else target.alias)
            reason = f"{kind} {'이름' if exact else '별칭'} '{target.alias}' 일치"
            score = round(min(1.0, 0.7 + 0.3 * hit.length / max(top_length, 1)), 3)
            if target.item is None:
                score = round(score * 0.9, 3)
            matches.append(Match(target.category, score, reason, target.alias, target.item))
            if len(matches) >= limit:
                break
        return tuple(matches)

    def _followup(self, focus: WasteItem, cq: str, item_hits: list[_Hit]) -> RetrievalResult | None:
        part = _find_part(focus, cq)
        longest_item = max((h.length for h in item_hits), default=0)
        if part is not None and longest_item <= max(len(compact(a)) for a in (part.name, *part.aliases)):
            match = Match(focus.category, 0.95, f"이전 품목 '{focus.name}'의 부분 '{part.name}'", part.name, focus)
            return RetrievalResult(query=cq, matches=(match,), part=part)
        if not item_hits:
            condition = _find_condition(focus, cq)
            if condition is not None:
                match = Match(focus.category, 0.9, f"이전 품목 '{focus.name}'의 조건", condition.when, focus)
                return RetrievalResult(query=cq, matches=(match,), condition=condition)
        return None

    def _fuzzy(self, query: str, limit: int) -> list[Match]:
        words = content_words(query)
        candidates: list[str] = []
        for i in range(len(words)):
            for j in range(i + 1, min(len(words), i + 3) + 1):
                candidate = "".join(words[i:j])
                if 2 <= len(candidate) <= 30:
                    candidates.append(candidate)
        best: dict[str, Match] = {}
        for candidate in candidates[:40]:
            jamo = to_jamo(candidate)
            for _key, score, index in process.extract(
                jamo, self._fuzzy_keys, scorer=fuzz.ratio, score_cutoff=70, limit=3
            ):
                target = self._fuzzy_targets[index]
                # Short words tolerate less: one wrong jamo in a two-syllable word is a different word.
                penalty = 0.08 if len(candidate) <= 2 else 0.0
                value = round(score / 100 - penalty, 3)
                name = target.item.name if target.item else target.category.value
                if name not in best or best[name].score < value:
                    reason = f"오타 허용 일치 '{candidate}' ≈ '{target.alias}'"
                    best[name] = Match(target.category, value, reason, target.alias, target.item)
        ranked = sorted(best.values(), key=lambda m: (-m.score, m.item is None))
        return ranked[:limit]

    def _suggest(self, query: str) -> tuple[str, ...]:
        words = content_words(query)
        probe = to_jamo("".join(words))[:60]
        if len(probe) < 2:
            return ()
        names: list[str] = []
        for _key, _score, index in process.extract(
            probe, self._fuzzy_keys, scorer=fuzz.WRatio, score_cutoff=50, limit=12
        ):
            target = self._fuzzy_targets[index]
            name = target.item.name if target.item else target.category.label
            if name not in names:
                names.append(name)
            if len(names) >= _SUGGESTIONS:
                break
        return tuple(names)


def _preferred(targets: list[_Target]) -> _Target:
    for target in targets:
        if target.item is not None:
            return target
    return targets[0]


def _find_part(item: WasteItem | None, cq: str) -> ItemPart | None:
    if item is None:
        return None
    for part in item.parts:
        for alias in (part.name, *part.aliases):
            key = compact(alias)
            if key and key in cq and compact(item.name) != key:
                return part
    return None


def _find_condition(item: WasteItem | None, cq: str) -> ItemCondition | None:
    if item is None:
        return None
    for condition in item.conditions:
        if any(compact(k) and compact(k) in cq for k in condition.keywords):
            return condition
    return None
