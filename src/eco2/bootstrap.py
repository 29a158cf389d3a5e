"""The composition root: settings in, a wired chat runtime out. Nothing else builds adapters."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from eco2.application.ports.llm import LLMClientPort, ModelTier, TaskType
from eco2.domain.knowledge import KnowledgeBase
from eco2.infrastructure.events.in_process_notifier import InProcessProgressNotifier
from eco2.infrastructure.knowledge.loader import builtin_kb_dir, load_knowledge_base
from eco2.infrastructure.llm.clients.local_grounded_responder import LocalGroundedResponder
from eco2.infrastructure.llm.policies.default_policy import DefaultLLMPolicy
from eco2.infrastructure.orchestration.langgraph.factory import create_chat_graph
from eco2.infrastructure.orchestration.langgraph.workflow import ChatWorkflow
from eco2.infrastructure.retrieval.kb_retriever import KnowledgeBaseRetriever
from eco2.settings import Settings


@dataclass
class ChatRuntime:
    settings: Settings
    workflow: ChatWorkflow
    notifier: InProcessProgressNotifier
    retriever: KnowledgeBaseRetriever


def kb_directories(settings: Settings) -> list[Path]:
    directories = [builtin_kb_dir()]
    if settings.kb_dir is not None:
        directories.append(settings.kb_dir)
    return directories


def load_kb(settings: Settings) -> KnowledgeBase:
    return load_knowledge_base(kb_directories(settings))


def build_retriever(settings: Settings) -> KnowledgeBaseRetriever:
    return KnowledgeBaseRetriever(load_kb(settings))


def build_policy(settings: Settings) -> DefaultLLMPolicy:
    provider = next((p for p in settings.llm_providers if p != "local"), "local")
    small, large = {
        "openai": (settings.openai_model_small, settings.openai_model_large),
        "gemini": (settings.gemini_model_small, settings.gemini_model_large),
    }.get(provider, ("local", "local"))
    models = {
        (TaskType.INTENT, ModelTier.SMALL): small,
        (TaskType.INTENT, ModelTier.LARGE): large,
        (TaskType.ANSWER, ModelTier.SMALL): small,
        (TaskType.ANSWER, ModelTier.LARGE): large,
    }
    return DefaultLLMPolicy(models)


@asynccontextmanager
async def build_runtime(settings: Settings | None = None) -> AsyncIterator[ChatRuntime]:
    settings = settings or Settings()
    async with AsyncExitStack() as stack:
        retriever = build_retriever(settings)
        notifier = InProcessProgressNotifier()
        policy = build_policy(settings)
        llm: LLMClientPort = LocalGroundedResponder()
        checkpointer = await stack.enter_async_context(_sqlite_checkpointer(settings))
        graph = create_chat_graph(
            llm=llm,
            retriever=retriever,
            event_publisher=notifier,
            policy=policy,
            checkpointer=checkpointer,
        )
        yield ChatRuntime(settings, ChatWorkflow(graph, notifier), notifier, retriever)


@asynccontextmanager
async def _sqlite_checkpointer(settings: Settings) -> AsyncIterator[object]:
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    async with AsyncSqliteSaver.from_conn_string(str(settings.checkpoint_path)) as saver:
        await saver.setup()
        yield saver
