"""The ``eco2`` CLI as a user runs it: a real process, the shipped knowledge base, embedded defaults."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ECO2 = str(Path(sys.executable).with_name("eco2"))


def run_eco2(
    *args: str, data_dir: Path, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("ECO2_", "OPENAI_", "GEMINI_"))}
    env = {**clean, "ECO2_DATA_DIR": str(data_dir), **(env or {})}
    return subprocess.run([ECO2, *args], capture_output=True, text=True, env=env, input=stdin, timeout=120)


def test_ask_json_clear_pet(data_dir):
    proc = run_eco2("ask", "--json", "생수병 어떻게 버려?", data_dir=data_dir)
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    assert record["intent"] == "waste"
    assert record["category"] == "clear_pet"
    assert record["category_label"] == "무색페트병"
    assert "라벨" in record["answer"]
    assert {"category": "clear_pet", "item": record["item"]} in record["sources"]
    stages = {(e["stage"], e["status"]) for e in record["events"]}
    for stage in ("intent", "waste_rag", "answer"):
        assert (stage, "started") in stages and (stage, "completed") in stages
    assert set(record) >= {"session_id", "job_id", "intent", "category", "category_label", "item", "answer",
                           "sources", "events"}


def test_ask_json_chicken_bones_says_why(data_dir):
    proc = run_eco2("ask", "--json", "치킨 뼈는 음식물 쓰레기야?", data_dir=data_dir)
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    assert record["category"] == "general"
    assert "음식물류폐기물이 아니라" in record["answer"]
    assert "왜" in record["answer"]


def test_ask_plain_streams_answer_and_stages(data_dir):
    proc = run_eco2("ask", "멸균팩 어떻게 버려요?", data_dir=data_dir)
    assert proc.returncode == 0, proc.stderr
    assert "종이팩" in proc.stdout
    assert "[intent: started" in proc.stderr


@pytest.mark.parametrize(
    ("message", "fragment"),
    [("", "비어"), ("   ", "비어"), ("가" * 4001, "너무 깁니다"), ("페트병\x07", "제어 문자")],
)
def test_bad_input_is_a_clear_error(data_dir, message, fragment):
    proc = run_eco2("ask", "--json", message, data_dir=data_dir)
    assert proc.returncode == 2
    assert fragment in proc.stderr
    assert proc.stdout == ""


def test_batch_answers_in_order_and_reports_bad_lines_in_place(data_dir, tmp_path):
    batch = tmp_path / "batch.jsonl"
    batch.write_bytes(
        b"".join(
            [
                json.dumps({"q": "생수병 어떻게 버려?", "session": "a"}, ensure_ascii=False).encode() + b"\n",
                b'{"q": "broken\n',
                b'{"q": "\xff\xfe \xec\x9d"}\n',
                json.dumps({"q": "뚜껑은요?", "session": "a"}, ensure_ascii=False).encode() + b"\n",
                json.dumps({"q": "   "}).encode() + b"\n",
                json.dumps({"nope": 1}).encode() + b"\n",
                json.dumps({"q": "How do I dispose of a fluorescent lamp?"}).encode() + b"\n",
            ]
        )
    )
    proc = run_eco2("ask", "--batch", str(batch), data_dir=data_dir)
    assert proc.returncode == 1  # some lines were bad; the rest were still answered
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [row["line"] for row in rows] == [1, 2, 3, 4, 5, 6, 7]
    assert rows[0]["category"] == "clear_pet"
    assert rows[1]["error"]["code"] == "malformed_json"
    assert rows[2]["error"]["code"] == "invalid_utf8"
    assert rows[3]["item"] == rows[0]["item"] and rows[3]["session_id"] == "a"
    assert rows[4]["error"]["code"] == "empty_message"
    assert rows[5]["error"]["code"] == "missing_q"
    assert rows[6]["category"] == "lighting"


def test_issue_examples_in_one_batch(data_dir, tmp_path):
    expected = {
        "깨진 유리컵 어떻게 버려?": "noncombustible",
        "멸균팩 버리는 법": "paper_pack",
        "보조배터리 어떻게 버려요?": "battery",
        "양파 껍질은 음식물 쓰레기야?": "general",
        "유색 페트병은 어디에 버려?": "plastic",
        "스티로폼 박스 버리는 법": "styrofoam",
        "형광등 어떻게 버려?": "lighting",
        "폐의약품 버리는 방법": "hazardous",
        "소파 버리려면?": "bulky",
    }
    batch = tmp_path / "b.jsonl"
    batch.write_text("\n".join(json.dumps({"q": q}, ensure_ascii=False) for q in expected), encoding="utf-8")
    proc = run_eco2("ask", "--batch", str(batch), data_dir=data_dir)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert all(row["answer"] for row in rows)
    assert {q: row["category"] for q, row in zip(expected, rows, strict=True)} == expected


def test_session_survives_between_processes(data_dir):
    def ask(question: str) -> dict:
        return json.loads(run_eco2("ask", "--json", "--session", "s", question, data_dir=data_dir).stdout)

    first = ask("생수병 어떻게 버려?")
    second = ask("뚜껑은요?")
    assert second["item"] == first["item"]
    assert "뚜껑" in second["answer"]


def test_unknown_item_is_not_found_with_suggestions(data_dir):
    record = json.loads(run_eco2("ask", "--json", "우주선 잔해 어떻게 버려?", data_dir=data_dir).stdout)
    assert record["category"] is None and record["item"] is None
    assert "찾지 못했어요" in record["answer"]
