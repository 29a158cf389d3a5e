"""Intent classification through a real OpenAI-compatible server; any doubt falls back to the rules."""

from __future__ import annotations

import pytest

from eco2.application.services.intent_classifier import IntentClassifier
from eco2.bootstrap import build_llm, build_policy
from eco2.domain.intents import Intent
from eco2.infrastructure.knowledge.loader import builtin_kb_dir, load_knowledge_base
from eco2.infrastructure.retrieval.kb_retriever import KnowledgeBaseRetriever
from eco2.settings import Settings

QUESTION = "페트병 어떻게 버려요?"


@pytest.fixture
async def classifier(openai_fake):
    settings = Settings(llm_providers="openai", openai_base_url=openai_fake.url, openai_api_key=None)
    policy = build_policy(settings)
    answer, intent = build_llm(settings, policy)
    retriever = KnowledgeBaseRetriever(load_knowledge_base([builtin_kb_dir()]))
    yield IntentClassifier(retriever, intent, policy)
    await answer.aclose()


async def test_a_valid_llm_answer_is_used(classifier, openai_fake):
    openai_fake.script.intent_reply = '{"intent": "general", "confidence": 0.66}'
    intent, _ = await classifier.classify(QUESTION)
    assert (intent.intent, intent.source, intent.confidence) == (Intent.GENERAL, "llm", 0.66)
    assert openai_fake.script.requests[0]["model"] == Settings().openai_model_small


@pytest.mark.parametrize(
    "reply",
    ["이건 JSON이 아니에요", '{"intent": "weather", "confidence": 0.9}', '["waste"]', '{"confidence": 0.9}'],
)
async def test_malformed_or_unknown_llm_answer_falls_back_to_the_rules(classifier, openai_fake, reply):
    openai_fake.script.intent_reply = reply
    intent, _ = await classifier.classify(QUESTION)
    assert (intent.intent, intent.source) == (Intent.WASTE, "rules")
    assert openai_fake.script.count == 1


async def test_server_error_falls_back_to_the_rules_without_retrying(classifier, openai_fake):
    from llm_fakes.script import Fault

    openai_fake.script.fail(Fault(status=500), Fault(status=500))
    intent, _ = await classifier.classify(QUESTION)
    assert (intent.intent, intent.source) == (Intent.WASTE, "rules")
    assert openai_fake.script.count == 1  # the rules are a cheap fallback: no retries for intent
