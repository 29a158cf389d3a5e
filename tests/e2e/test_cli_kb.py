"""``eco2 kb`` and ``eco2 eval`` as an operator runs them."""

from __future__ import annotations

import json
from pathlib import Path

from test_cli_ask import run_eco2


def test_kb_validate_reports_every_problem_with_its_place(data_dir, tmp_path):
    user = tmp_path / "user"
    user.mkdir()
    (user / "broken.json").write_text('{"items": [', encoding="utf-8")
    (user / "wrong.json").write_text(
        json.dumps({"items": [{"name": "이상한 것", "category": "trash", "steps": ["a"]},
                              {"name": "물병 둘", "category": "plastic", "aliases": ["생수병"], "steps": ["a"]}]},
                   ensure_ascii=False),
        encoding="utf-8",
    )
    proc = run_eco2("kb", "validate", str(user), data_dir=data_dir)
    assert proc.returncode == 1
    assert "broken.json: line 1" in proc.stderr
    assert "wrong.json: items[0] '이상한 것'" in proc.stderr and "category" in proc.stderr
    assert "wrong.json: items[1] '물병 둘'" in proc.stderr and "'생수병'" in proc.stderr


def test_kb_validate_and_search_with_a_user_directory(data_dir, tmp_path):
    user = tmp_path / "user"
    user.mkdir()
    (user / "local.json").write_text(
        json.dumps({"items": [{"name": "귤 상자 완충지", "category": "paper", "steps": ["펼쳐서 배출합니다."]}]},
                   ensure_ascii=False),
        encoding="utf-8",
    )
    assert run_eco2("kb", "validate", str(user), data_dir=data_dir).returncode == 0
    proc = run_eco2("kb", "search", "귤 상자 완충지", data_dir=data_dir, env={"ECO2_KB_DIR": str(user)})
    assert proc.returncode == 0
    first = proc.stdout.splitlines()[0]
    assert "귤 상자 완충지" in first and "score=" in first and "paper" in first


def test_eval_prints_accuracy_and_misses(data_dir):
    eval_set = Path(__file__).parents[1] / "eval" / "holdout.jsonl"
    proc = run_eco2("eval", "--json", str(eval_set), data_dir=data_dir)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["questions"] == 160
    assert set(summary["per_category"]) >= {"clear_pet", "general", "battery"}
    assert summary["category_accuracy"] >= 0.9
