"""Retrieval over the project's own waste-rules knowledge base.

Order of evidence: an exact name or alias anywhere in the question (spacing ignored, longest and
item-level first), then a part or condition of that item (or of the item the conversation is about),
then jamo-level fuzzy matching for typos. Below the confidence floor the answer is "not found" with
the closest items as suggestions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from eco2.application.ports.retriever import RetrieverPort
from eco2.domain.categories import CATEGORY_LABELS, WasteCategory
from eco2.domain.knowledge import CategoryRule, ItemCondition, ItemPart, KnowledgeBase, WasteItem
from eco2.domain.korean_text import compact, content_words, normalize, standardize, strip_particle, to_jamo
from eco2.domain.retrieval import Match, RetrievalResult

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
        self._single: dict[str, list[_Target]] = {}
        for slug, rule in kb.categories.items():
            for alias in (CATEGORY_LABELS[slug], *rule.aliases):
                self._add(alias, _Target(slug, None, alias))
        for item in kb.items:
            for alias in (item.name, *item.aliases):
                self._add(alias, _Target(item.category, item, alias))
        self._longest = max((len(k) for k in self._hangul), default=1)
        self._fuzzy_keys: list[str] = []
        self._fuzzy_targets: list[_Target] = []
        # Syllable -> fuzzy keys containing it: a typo leaves most syllables intact, so scoring only the
        # keys that share one keeps typo matching fast.
        self._by_syllable: dict[str, list[int]] = {}
        for key, targets in (*self._hangul.items(), *self._latin.items(), *self._single.items()):
            for syllable in _syllables(key):
                self._by_syllable.setdefault(syllable, []).append(len(self._fuzzy_keys))
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
        text = standardize(normalize(query))
        cq = text.replace(" ", "")[:_MAX_SCAN_CHARS]
        if not cq:
            return RetrievalResult(query=query)
        focus = self._items.get(focus_item) if focus_item else None

        hits = _resolve_overlaps(self._exact_hits(text, cq), cq, _word_starts(text))
        item_hits = [h for h in hits if h.target.item is not None]

        if focus is not None:
            followup = self._followup(focus, cq, item_hits)
            if followup is not None:
                return followup

        if hits:
            matches = self._rank(hits, cq, limit)
            best = matches[0]
            span = next(((h.start, h.start + h.length) for h in hits if h.target.alias == best.matched_text), (0, 0))
            part = _find_part(best.item, cq, span) if best.item else None
            condition = _find_condition(best.item, cq) if best.item and part is None else None
            return RetrievalResult(query=query, matches=matches, part=part, condition=condition)

        fuzzy = self._fuzzy(text, limit)
        if fuzzy and fuzzy[0].score >= CONFIDENCE_FLOOR:
            best = fuzzy[0]
            condition = _find_condition(best.item, cq) if best.item else None
            return RetrievalResult(query=query, matches=tuple(fuzzy), condition=condition)

        return RetrievalResult(query=query, suggestions=self._suggest(text))

    # -- evidence -------------------------------------------------------------------------------

    def _add(self, alias: str, target: _Target) -> None:
        key = compact(alias)
        if not key:
            return
        if key.isascii():
            self._latin.setdefault(_singular(normalize(alias)), []).append(target)
        elif len(key) == 1:
            self._single.setdefault(key, []).append(target)
        else:
            self._hangul.setdefault(key, []).append(target)

    def _exact_hits(self, text: str, cq: str) -> list[_Hit]:
        hits: list[_Hit] = []
        n = len(cq)
        for start in range(n):
            stop = min(n, start + self._longest)
            for end in range(start + 2, stop + 1):
                targets = self._hangul.get(cq[start:end])
                if targets:
                    hits.append(_Hit(_preferred(targets), start, end - start))
        offset = 0
        for word in text.split():
            # One-syllable names ("옷", "책") count only as a whole word, never inside another word.
            stem = strip_particle(word)
            targets = self._single.get(stem) if len(stem) == 1 else None
            if targets:
                hits.append(_Hit(_preferred(targets), offset, 1))
            offset += len(word)
        if any(ch.isascii() and ch.isalpha() for ch in text):
            words = [_singular(w) for w in text.split()]
            positions = _word_starts(text)
            for i in range(len(words)):
                for j in range(i + 1, min(len(words), i + 4) + 1):
                    targets = self._latin.get(" ".join(words[i:j]))
                    if targets:
                        hits.append(_Hit(_preferred(targets), positions[i], len("".join(words[i:j]))))
        return hits

    def _rank(self, hits: list[_Hit], cq: str, limit: int) -> tuple[Match, ...]:
        # Items beat whole categories ("치킨 뼈는 음식물 쓰레기야?" is about 치킨 뼈). A name followed by a
        # place particle or a removal verb is not what is being thrown away ("신문지에 싸서",
        # "테이프 떼고"). Otherwise the last noun is the head ("노트북에서 뺀 배터리" is about 배터리).
        def key(hit: _Hit) -> tuple[bool, bool, int]:
            return (_is_modifier(cq, hit), hit.target.item is None, -hit.start)

        ordered = sorted(hits, key=key)
        matches: list[Match] = []
        seen: set[str] = set()
        top_length = max(h.length for h in hits)
        for hit in ordered:
            target = hit.target
            name = target.item.name if target.item else target.category.value
            if name in seen:
                continue
            seen.add(name)
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

    def _fuzzy(self, text: str, limit: int) -> list[Match]:
        words = content_words(text)
        candidates: list[str] = []
        for i in range(len(words)):
            for j in range(i + 1, min(len(words), i + 2) + 1):
                candidate = "".join(words[i:j])
                if 2 <= len(candidate) <= 30:
                    candidates.append(candidate)
        best: dict[str, Match] = {}
        for candidate in candidates[:16]:
            pool = self._pool(candidate)
            # Latin words get no jamo slack: "light" is not a typo of "lighter".
            cutoff = 90 if candidate.isascii() else 75
            for _key, score, position in process.extract(
                to_jamo(candidate), [self._fuzzy_keys[i] for i in pool], scorer=fuzz.ratio, score_cutoff=cutoff, limit=3
            ):
                target = self._fuzzy_targets[pool[position]]
                # Short words tolerate less: one wrong jamo in a two-syllable word is a different word.
                penalty = 0.08 if len(candidate) <= 2 else 0.0
                value = round(score / 100 - penalty, 3)
                name = target.item.name if target.item else target.category.value
                if name not in best or best[name].score < value:
                    reason = f"오타 허용 일치 '{candidate}' ≈ '{target.alias}'"
                    best[name] = Match(target.category, value, reason, target.alias, target.item)
        ranked = sorted(best.values(), key=lambda m: (-m.score, m.item is None))
        return ranked[:limit]

    def _pool(self, word: str) -> list[int]:
        found: set[int] = set()
        for syllable in _syllables(word):
            found.update(self._by_syllable.get(syllable, ()))
        return sorted(found)

    def _suggest(self, text: str) -> tuple[str, ...]:
        words = content_words(text)
        probe = to_jamo("".join(words))[:60]
        if len(probe) < 2:
            return ()
        names: list[str] = []
        pool = self._pool("".join(words))
        for _key, _score, position in process.extract(
            probe, [self._fuzzy_keys[i] for i in pool], scorer=fuzz.ratio, score_cutoff=40, limit=12
        ):
            target = self._fuzzy_targets[pool[position]]
            name = target.item.name if target.item else target.category.label
            if name not in names:
                names.append(name)
            if len(names) >= _SUGGESTIONS:
                break
        return tuple(names)


def _syllables(word: str) -> set[str]:
    """Hangul words by syllable; Latin words by their first three letters."""
    return {word[:3]} if word.isascii() else set(word)


def _preferred(targets: list[_Target]) -> _Target:
    for target in targets:
        if target.item is not None:
            return target
    return targets[0]


def _find_part(item: WasteItem | None, cq: str, skip: tuple[int, int] = (0, 0)) -> ItemPart | None:
    """The part of ``item`` the question is about, if any.

    A part that is being removed or merely present ("라벨 떼고", "손잡이 끈 있는데", "remove the label")
    describes the item; the question is still about the item itself.
    """
    if item is None:
        return None
    for part in item.parts:
        for alias in (part.name, *part.aliases):
            key = compact(alias)
            if not key or compact(item.name) == key:
                continue
            occurrences = [m.start() for m in re.finditer(re.escape(key), cq)]
            occurrences = [at for at in occurrences if not (skip[0] <= at < skip[1])]
            if not occurrences:
                continue
            if any(_describes_item(cq, at, at + len(key)) for at in occurrences):
                return None
            return part
    return None


def _describes_item(cq: str, start: int, end: int) -> bool:
    if _REMOVAL.match(cq, end) or _ATTACHED.match(cq, end):
        return True
    return cq[:start].endswith(_ENGLISH_REMOVAL)


def _find_condition(item: WasteItem | None, cq: str) -> ItemCondition | None:
    if item is None:
        return None
    for condition in item.conditions:
        for keyword in condition.keywords:
            key = compact(keyword)
            if key and any(not _negated(cq, m.start(), m.end()) for m in re.finditer(re.escape(key), cq)):
                return condition
    return None


def _negated(cq: str, start: int, end: int) -> bool:
    """ "안 깨진", "코팅 안 된", "음식 안 묻은", "기름 없는" state the opposite of the keyword."""
    return cq[:start].endswith("안") or _NEGATED_AFTER.match(cq, end) is not None


# After a name: a place/direction particle ("신문지에", "노트북에서", "종이로") or a removal verb
# ("테이프 떼고", "스프링 빼고") marks something other than the thing being thrown away.
_PLACE_PARTICLE = re.compile(r"(에서|에다가|에다|에는|에도|에|으로|로)")
_REMOVAL = re.compile(
    r"(은|는|을|를|도|만|이|가)?(안|다|잘|꼭|좀|먼저|다시)?(떼|뗀|떼어|빼|뺀|빼고|제거|분리|벗기|벗겨|뜯)"
)
# "신문지랑 같이", "두부 담겨있던 용기", "반찬통": the name is company, content or the owner of a container.
_WITH = re.compile(r"(이랑|랑|하고|와|과)(같이|함께|섞어|묶어)")
_CONTENT = re.compile(r"(이|가|을|를)?(담겨|담긴|담았|들어있|들어 있|들었던|넣었던|포장했던)")
_CONTAINER = re.compile(r"(통|용기|그릇|케이스|포장재|포장지|봉지|봉투|박스|상자)")
_NEGATION = "안"
_NEGATED_AFTER = re.compile(r"(은|는|이|가|도)?(안된|안됨|안돼|안되|안됐|않|없|아닌|아니)")
_ATTACHED = re.compile(r"(이|가|은|는|도)?(있|달린|달려|달린|붙은|붙어|붙어있|끼워|끼운)")
_ENGLISH_REMOVAL = ("remove", "removethe", "peel", "peeloff", "peeltheoff", "peelthe", "takeoff", "takeoffthe",
                    "without", "withoutthe", "removing", "removingthe")
# "X은 페트병이야?" names a guess, not the thing: the subject comes first.
_PREDICATE = re.compile(r"(이야|인가|인지|이에요|예요|이냐|일까|이죠|이지|에해당|맞)")


def _is_modifier(cq: str, hit: _Hit) -> bool:
    end = hit.start + hit.length
    if _REMOVAL.match(cq, end) or _PREDICATE.match(cq, end) or (end == len(cq) - 1 and cq.endswith("야")):
        return True
    if _ATTACHED.match(cq, end) or _WITH.match(cq, end) or _CONTENT.match(cq, end) or _CONTAINER.match(cq, end):
        return True
    if _PLACE_PARTICLE.match(cq, end):
        follow = cq[end:]
        # "종이로 버려?" names a destination; "로" inside a longer word ("로봇") does not count.
        return not follow.startswith(("로봇", "로션", "로프"))
    return False


def _word_starts(text: str) -> list[int]:
    """Offsets in the space-free text at which each word starts."""
    starts, offset = [], 0
    for word in text.split():
        starts.append(offset)
        offset += len(word)
    return starts


def _resolve_overlaps(hits: list[_Hit], cq: str, word_starts: list[int]) -> list[_Hit]:
    """Keep the best of overlapping names: whole words first, then the longer name.

    "택배박스 테이프" holds 택배박스 and 박스테이프; 박스테이프 starts inside a word, so 택배박스 wins.
    A name right after "안" ("안 깨진 형광등") is negated: it yields to the shorter name inside it.
    """
    starts = set(word_starts)

    def negated(hit: _Hit) -> bool:
        return hit.start > 0 and cq[hit.start - 1] == _NEGATION and hit.start in starts

    ranked = sorted(hits, key=lambda h: (negated(h), h.start not in starts, -h.length, h.start))
    kept: list[_Hit] = []
    for hit in ranked:
        end = hit.start + hit.length
        if any(hit.start < k.start + k.length and k.start < end for k in kept):
            continue
        kept.append(hit)
    return kept


def _singular(text: str) -> str:
    words = []
    for word in text.split():
        if len(word) > 3 and word.endswith("es") and word[-3] in "sxz":
            word = word[:-2]
        elif len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        words.append(word)
    return " ".join(words)
