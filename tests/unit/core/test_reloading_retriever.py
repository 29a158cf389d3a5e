import json
import os
from pathlib import Path

import pytest

from eco2.infrastructure.knowledge.loader import KnowledgeBaseError
from eco2.infrastructure.retrieval.reloading_retriever import ReloadingRetriever


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _write_user_kb(directory: Path, items: list[dict]) -> Path:
    directory.mkdir(exist_ok=True)
    path = directory / "local.json"
    path.write_text(json.dumps({"items": items}, ensure_ascii=False), encoding="utf-8")
    stat = path.stat()  # make the edit visible even within one mtime tick
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    return path


TANGERINE = {"name": "귤껍질", "category": "food", "steps": ["물기를 빼서 배출합니다."]}


@pytest.fixture
def user_dir(tmp_path: Path) -> Path:
    return tmp_path / "user"


def test_edits_are_picked_up_after_the_interval(small_kb_dir, user_dir):
    _write_user_kb(user_dir, [])
    clock = Clock()
    retriever = ReloadingRetriever([small_kb_dir, user_dir], check_interval_s=5, clock=clock)
    assert not retriever.search("귤껍질 버리기").found

    _write_user_kb(user_dir, [TANGERINE])
    clock.now = 1
    assert not retriever.search("귤껍질 버리기").found  # not checked yet
    clock.now = 6
    assert retriever.search("귤껍질 버리기").best.item.name == "귤껍질"


def test_a_bad_edit_keeps_the_previous_knowledge_base(small_kb_dir, user_dir):
    path = _write_user_kb(user_dir, [TANGERINE])
    clock = Clock()
    retriever = ReloadingRetriever([small_kb_dir, user_dir], check_interval_s=5, clock=clock)
    path.write_text('{"items": [{"name": "깨진', encoding="utf-8")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 2_000_000))
    clock.now = 10
    result = retriever.search("귤껍질 버리기")
    assert result.best.item.name == "귤껍질"
    assert retriever.last_error is not None
    assert any("local.json" in str(p) for p in retriever.last_error.problems)

    _write_user_kb(user_dir, [TANGERINE, {**TANGERINE, "name": "레몬 껍질", "aliases": ["레몬껍질"]}])
    clock.now = 20
    assert retriever.search("레몬 껍질").best.item.name == "레몬 껍질"
    assert retriever.last_error is None


def test_a_broken_knowledge_base_at_start_is_an_error(small_kb_dir, user_dir):
    user_dir.mkdir()
    (user_dir / "bad.json").write_text("[", encoding="utf-8")
    with pytest.raises(KnowledgeBaseError):
        ReloadingRetriever([small_kb_dir, user_dir])
