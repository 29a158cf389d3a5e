"""A retriever that picks up edits to a user knowledge base while the service runs.

Municipal rules change and operators edit ``ECO2_KB_DIR`` in place. Every few seconds a search checks the
files' modification times; when they changed, the knowledge base is loaded again. A bad edit is logged
with every problem and the previous knowledge base stays in use until the files are fixed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

import structlog

from eco2.application.ports.retriever import RetrieverPort
from eco2.domain.categories import WasteCategory
from eco2.domain.knowledge import CategoryRule, WasteItem
from eco2.domain.retrieval import RetrievalResult
from eco2.infrastructure.knowledge.loader import KnowledgeBaseError, load_knowledge_base
from eco2.infrastructure.retrieval.kb_retriever import KnowledgeBaseRetriever

log = structlog.get_logger(__name__)

Stamp = tuple[tuple[str, int, int], ...]


class ReloadingRetriever(RetrieverPort):
    def __init__(
        self,
        directories: Sequence[Path],
        *,
        check_interval_s: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._directories = list(directories)
        self._interval = check_interval_s
        self._clock = clock
        self._stamp = _stamp(self._directories)
        self._current = KnowledgeBaseRetriever(load_knowledge_base(self._directories))
        self._checked_at = clock()
        self.last_error: KnowledgeBaseError | None = None

    def reload(self) -> bool:
        """Load the files now; on any problem keep the knowledge base in use and return False."""
        self._stamp = _stamp(self._directories)
        try:
            fresh = KnowledgeBaseRetriever(load_knowledge_base(self._directories))
        except KnowledgeBaseError as exc:
            self.last_error = exc
            log.error("knowledge_base_reload_failed", problems=[str(p) for p in exc.problems])
            return False
        self._current = fresh
        self.last_error = None
        log.info("knowledge_base_reloaded", items=len(fresh.knowledge_base.items))
        return True

    def search(self, query: str, *, limit: int = 5, focus_item: str | None = None) -> RetrievalResult:
        self._reload_if_changed()
        return self._current.search(query, limit=limit, focus_item=focus_item)

    def get_item(self, name: str) -> WasteItem | None:
        return self._current.get_item(name)

    def category_rule(self, category: WasteCategory) -> CategoryRule:
        return self._current.category_rule(category)

    def _reload_if_changed(self) -> None:
        now = self._clock()
        if now - self._checked_at < self._interval:
            return
        self._checked_at = now
        if _stamp(self._directories) != self._stamp:
            self.reload()


def _stamp(directories: Sequence[Path]) -> Stamp:
    entries = []
    for directory in directories:
        for path in sorted(directory.glob("*.json")):
            try:
                stat = path.stat()
            except OSError:  # removed between glob and stat: the next check sees the new state
                continue
            entries.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(entries)
