"""The compiled workflow with the SQLite checkpointer: routing, stages, follow-ups and restarts."""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from progress_fakes import InProcessProgressNotifier

from eco2.application.ports.llm import ModelTier, TaskType
from eco2.infrastructure.knowledge.loader import load_knowledge_base
from eco2.infrastructure.llm.clients.local_grounded_responder import LocalGroundedResponder
from eco2.infrastructure.llm.policies.default_policy import DefaultLLMPolicy
from eco2.infrastructure.orchestration.langgraph.factory import create_chat_graph
from eco2.infrastructure.orchestration.langgraph.workflow import ChatWorkflow
from eco2.infrastructure.retrieval.kb_retriever import KnowledgeBaseRetriever


@asynccontextmanager
async def workflow_on(kb_dir: Path, db_path: Path):
    notifier = InProcessProgressNotifier()
    policy = DefaultLLMPolicy({(t, m): "local" for t in TaskType for m in ModelTier})
    async with AsyncSqliteSaver.from_conn_string(str(db_path)) as saver:
        await saver.setup()
        graph = create_chat_graph(
            llm=LocalGroundedResponder(),
            retriever=KnowledgeBaseRetriever(load_knowledge_base([kb_dir])),
            event_publisher=notifier,
            policy=policy,
            checkpointer=saver,
        )
        yield ChatWorkflow(graph, notifier), notifier


async def test_waste_turn_streams_tokens_and_reports_stages(small_kb_dir, tmp_path):
    async with workflow_on(small_kb_dir, tmp_path / "c.sqlite") as (workflow, notifier):
        result = await workflow.run_turn("s1", "생수병 어떻게 버려?", job_id="j1")
    assert (result.intent, result.category, result.item) == ("waste", "clear_pet", "생수병")
    assert "라벨" in result.answer
    events = notifier.events("j1")
    tokens = [e["payload"]["content"] for e in events if e["event_type"] == "token"]
    assert len(tokens) > 5 and "".join(tokens) == result.answer
    stages = [(e["payload"]["stage"], e["payload"]["status"]) for e in events if e["event_type"] == "stage"]
    assert stages == [
        ("intent", "started"), ("intent", "completed"),
        ("waste_rag", "started"), ("waste_rag", "completed"),
        ("answer", "started"), ("answer", "completed"),
    ]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert events[-1]["event_type"] == "done"


async def test_follow_up_is_about_the_same_item(small_kb_dir, tmp_path):
    async with workflow_on(small_kb_dir, tmp_path / "c.sqlite") as (workflow, _):
        await workflow.run_turn("s1", "생수병 어떻게 버려?")
        follow_up = await workflow.run_turn("s1", "뚜껑은요?")
        other_session = await workflow.run_turn("s2", "뚜껑은요?")
    assert follow_up.item == "생수병"
    assert "생수병의 뚜껑" in follow_up.answer
    assert other_session.item != "생수병"


async def test_session_survives_a_restart(small_kb_dir, tmp_path):
    db = tmp_path / "c.sqlite"
    async with workflow_on(small_kb_dir, db) as (workflow, _):
        await workflow.run_turn("s1", "생수병 어떻게 버려?")
    async with workflow_on(small_kb_dir, db) as (workflow, _):
        follow_up = await workflow.run_turn("s1", "라벨은요?")
        state = await workflow.graph.aget_state({"configurable": {"thread_id": "s1"}})
    assert follow_up.category == "vinyl"
    assert [turn["user"] for turn in state.values["history"]] == ["생수병 어떻게 버려?", "라벨은요?"]


async def test_routes_by_intent_with_pass_through_nodes(small_kb_dir, tmp_path):
    async with workflow_on(small_kb_dir, tmp_path / "c.sqlite") as (workflow, notifier):
        greeting = await workflow.run_turn("s1", "안녕하세요", job_id="g")
        character = await workflow.run_turn("s1", "플라스틱 캐릭터 누구야?", job_id="c")
    assert greeting.intent == "general" and "안녕하세요" in greeting.answer
    assert character.intent == "character"
    skipped = [e["payload"] for e in notifier.events("c") if e["event_type"] == "stage"
               and e["payload"]["status"] == "skipped"]
    assert [s["stage"] for s in skipped] == ["character"]


async def test_not_found_is_honest(small_kb_dir, tmp_path):
    async with workflow_on(small_kb_dir, tmp_path / "c.sqlite") as (workflow, _):
        result = await workflow.run_turn("s1", "우주선 잔해 어떻게 버려?")
    assert result.category is None and result.item is None
    assert "찾지 못했어요" in result.answer
    assert result.sources == []
