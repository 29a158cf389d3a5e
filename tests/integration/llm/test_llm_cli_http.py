"""``eco2 ask`` as a user runs it, with ECO2_LLM_PROVIDERS=openai and OPENAI_BASE_URL at the fake server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ECO2 = str(Path(sys.executable).with_name("eco2"))


def test_ask_answers_through_an_openai_compatible_server(openai_fake, data_dir):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ECO2_", "OPENAI_", "GEMINI_", "GOOGLE_"))}
    env |= {"ECO2_DATA_DIR": str(data_dir), "ECO2_LLM_PROVIDERS": "openai", "OPENAI_BASE_URL": openai_fake.url}
    proc = subprocess.run(
        [ECO2, "ask", "--json", "페트병 어떻게 버려요?"], capture_output=True, text=True, env=env, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    assert record["answer"].startswith("근거 규정에 따르면")
    assert "라벨" in record["answer"]
    assert record["category"] == "clear_pet"
    intent_stage = next(e for e in record["events"] if e["stage"] == "intent" and e["status"] == "completed")
    assert intent_stage["result"]["source"] == "llm"
    assert openai_fake.script.count == 2  # one intent call, one streamed answer
