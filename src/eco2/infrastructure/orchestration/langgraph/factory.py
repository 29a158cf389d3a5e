"""The chat workflow (seed §8): intent-routed, built from injected dependencies."""

from __future__ import annotations

from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph

from eco2.application.ports.character import CharacterClientPort
from eco2.application.ports.interaction import InputRequesterPort
from eco2.application.ports.llm import LLMClientPort, LLMPolicyPort
from eco2.application.ports.location import LocationClientPort
from eco2.application.ports.progress import ProgressNotifierPort
from eco2.application.ports.retriever import RetrieverPort
from eco2.application.services.answer_generator import AnswerGenerator
from eco2.application.services.character_lookup import CharacterLookupService
from eco2.application.services.general_chat import GeneralChatService
from eco2.application.services.intent_classifier import IntentClassifier
from eco2.application.services.place_search import PlaceSearchService
from eco2.application.services.waste_rules import WasteRuleService
from eco2.domain.intents import Intent
from eco2.infrastructure.orchestration.langgraph.nodes.answer_node import create_answer_node
from eco2.infrastructure.orchestration.langgraph.nodes.character_node import (
    create_character_node,
    create_character_passthrough,
)
from eco2.infrastructure.orchestration.langgraph.nodes.general_node import create_general_node
from eco2.infrastructure.orchestration.langgraph.nodes.intent_node import create_intent_node
from eco2.infrastructure.orchestration.langgraph.nodes.location_node import (
    create_location_node,
    create_location_passthrough,
)
from eco2.infrastructure.orchestration.langgraph.nodes.stage import StageReporter
from eco2.infrastructure.orchestration.langgraph.nodes.waste_rag_node import create_waste_rag_node
from eco2.infrastructure.orchestration.langgraph.state import ChatState

ROUTES = {
    Intent.WASTE.value: "waste_rag",
    Intent.CHARACTER.value: "character",
    Intent.LOCATION.value: "location",
    Intent.GENERAL.value: "general",
}


def route_by_intent(state: ChatState) -> str:
    return ROUTES.get(state.get("intent") or "", "general")


def create_chat_graph(
    llm: LLMClientPort,
    retriever: RetrieverPort,
    event_publisher: ProgressNotifierPort,
    policy: LLMPolicyPort,
    character_client: CharacterClientPort | None = None,
    location_client: LocationClientPort | None = None,
    input_requester: InputRequesterPort | None = None,
    checkpointer: BaseCheckpointSaver | None = None,
    intent_llm: LLMClientPort | None = None,
) -> CompiledStateGraph[Any, Any, Any, Any]:
    """Build and compile the graph. Optional nodes pass through when their client is absent."""
    stage = lambda name: StageReporter(event_publisher, name)  # noqa: E731

    classifier = IntentClassifier(retriever, intent_llm, policy if intent_llm else None)
    graph = StateGraph(ChatState)
    graph.add_node("intent", create_intent_node(classifier, stage("intent")))
    graph.add_node("waste_rag", create_waste_rag_node(WasteRuleService(retriever), stage("waste_rag")))
    graph.add_node("general", create_general_node(GeneralChatService(), stage("general")))
    if character_client is not None:
        character = CharacterLookupService(character_client, retriever)
        graph.add_node("character", create_character_node(character, stage("character")))
    else:
        graph.add_node("character", create_character_passthrough(stage("character")))
    if location_client is not None:
        places = PlaceSearchService(location_client, retriever)
        graph.add_node("location", create_location_node(places, stage("location"), input_requester))
    else:
        graph.add_node("location", create_location_passthrough(stage("location")))
    answer = AnswerGenerator(llm, policy, event_publisher)
    graph.add_node("answer", create_answer_node(answer, stage("answer")))

    graph.add_edge(START, "intent")
    graph.add_conditional_edges("intent", route_by_intent, list(ROUTES.values()))
    for node in ROUTES.values():
        graph.add_edge(node, "answer")
    graph.add_edge("answer", END)
    return graph.compile(checkpointer=checkpointer)
