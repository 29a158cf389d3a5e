"""One full chat turn through the embedded pipeline (process start excluded), 200 turns.

Peer in the same run: the same graph with LangGraph's in-memory checkpointer, to show what the
durable SQLite checkpoint costs per turn.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from langgraph.checkpoint.memory import InMemorySaver

from benchmarks.stats import print_row
from eco2.bootstrap import build_runtime
from eco2.infrastructure.orchestration.langgraph.workflow import ChatWorkflow
from eco2.presentation.log_setup import configure_logging
from eco2.settings import Settings

QUESTIONS = [
    "생수병 어떻게 버려?", "뚜껑은요?", "치킨 뼈는 음식물 쓰레기야?", "깨진 유리컵 버리는 법", "멸균팩 어떻게 버려요?",
    "보조배터리 버리기", "스티로폼 박스", "형광등 어디에 버려?", "안녕하세요", "소파 버리려면?",
]
TURNS = 200


async def _measure(workflow: ChatWorkflow, label: str) -> dict[str, float]:
    for i in range(10):
        await workflow.run_turn(f"warm-{label}", QUESTIONS[i % len(QUESTIONS)])
    samples = []
    for i in range(TURNS):
        session = f"{label}-{i // 10}"  # ten-turn sessions, so checkpoints grow as in real use
        t0 = time.perf_counter()
        await workflow.run_turn(session, QUESTIONS[i % len(QUESTIONS)])
        samples.append(time.perf_counter() - t0)
    return print_row(label, samples)


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp))
        configure_logging(settings)
        async with build_runtime(settings) as runtime:
            ours = await _measure(runtime.workflow, "turn, embedded default (SQLite checkpoints)")
            # Same nodes and services; only the checkpointer differs.
            memory_graph = runtime.workflow.graph.copy(update={"checkpointer": InMemorySaver()})
            peer_workflow = ChatWorkflow(memory_graph, runtime.notifier)
            peer = await _measure(peer_workflow, "peer: same graph, in-memory checkpoints")
    print(f"ratio p50 embedded/in-memory = {ours['p50'] / peer['p50']:.2f}x (target: embedded p50 <= 10 ms)")
