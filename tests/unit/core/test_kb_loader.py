import json
from pathlib import Path

import pytest

from eco2.infrastructure.knowledge.loader import KnowledgeBaseError, builtin_kb_dir, load_knowledge_base


def _edit(path: Path, change) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    change(document)
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")


def test_small_kb_loads(small_kb_dir):
    kb = load_knowledge_base([small_kb_dir])
    assert len(kb.categories) == 18
    assert kb.item("생수병").category.value == "clear_pet"


def test_builtin_kb_loads_and_is_large():
    kb = load_knowledge_base([builtin_kb_dir()])
    assert len(kb.categories) == 18
    assert len(kb.items) >= 500


def _problems(directories) -> list[str]:
    with pytest.raises(KnowledgeBaseError) as info:
        load_knowledge_base(directories)
    return [str(p) for p in info.value.problems]


def test_syntax_error_names_file_and_line(small_kb_dir):
    (small_kb_dir / "paper.json").write_text('{"category": {', encoding="utf-8")
    problems = _problems([small_kb_dir])
    assert any("paper.json" in p and "line 1" in p and "JSON" in p for p in problems)


def test_wrong_type_names_entry(small_kb_dir):
    _edit(small_kb_dir / "clear_pet.json", lambda d: d["items"][0].update(steps="한 줄"))
    problems = _problems([small_kb_dir])
    assert any("clear_pet.json" in p and "'생수병'" in p and "steps" in p for p in problems)


def test_unknown_category_slug(small_kb_dir):
    _edit(small_kb_dir / "general.json", lambda d: d["items"][0].update(category="trash"))
    problems = _problems([small_kb_dir])
    assert any("general.json" in p and "'치킨 뼈'" in p and "category" in p for p in problems)


def test_duplicate_alias_across_files(small_kb_dir):
    _edit(small_kb_dir / "general.json", lambda d: d["items"][0]["aliases"].append("물 병"))
    problems = _problems([small_kb_dir])
    assert any("'물 병'" in p and "중복" in p for p in problems)


def test_dangling_exception_link(small_kb_dir):
    _edit(
        small_kb_dir / "noncombustible.json",
        lambda d: d["items"][0]["exceptions"].append({"target": "없는품목", "reason": "이유"}),
    )
    problems = _problems([small_kb_dir])
    assert any("noncombustible.json" in p and "없는품목" in p for p in problems)


def test_every_problem_is_reported(small_kb_dir):
    (small_kb_dir / "paper.json").write_text("[1, 2", encoding="utf-8")
    _edit(small_kb_dir / "general.json", lambda d: d["items"][0].update(category="trash"))
    assert len(_problems([small_kb_dir])) >= 3  # syntax, bad item, missing paper category


def test_user_directory_overrides_items_and_rules(small_kb_dir, tmp_path):
    user = tmp_path / "user"
    user.mkdir()
    (user / "local.json").write_text(
        json.dumps(
            {
                "category": {"slug": "food", "label": "음식물류폐기물", "description": "우리 구 기준",
                             "steps": ["전용 용기에 넣습니다."]},
                "items": [
                    {"name": "생수병", "category": "clear_pet", "steps": ["우리 구는 목요일에 배출합니다."]},
                    {"name": "귤껍질", "category": "food", "steps": ["물기를 빼고 배출합니다."]},
                ],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    kb = load_knowledge_base([small_kb_dir, user])
    assert kb.item("생수병").steps == ("우리 구는 목요일에 배출합니다.",)
    assert kb.item("귤껍질") is not None
    assert kb.rule(kb.item("귤껍질").category).description == "우리 구 기준"


def test_item_without_category_in_file_without_rule(tmp_path, small_kb_dir):
    user = tmp_path / "user"
    user.mkdir()
    (user / "x.json").write_text('{"items": [{"name": "무언가", "steps": ["a"]}]}', encoding="utf-8")
    problems = _problems([small_kb_dir, user])
    assert any("x.json" in p and "category" in p for p in problems)
