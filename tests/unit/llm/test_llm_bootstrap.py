"""build_llm: ECO2_LLM_PROVIDERS becomes a provider chain that always ends at the local responder."""

from __future__ import annotations

import pytest

from eco2.bootstrap import build_llm, build_policy
from eco2.infrastructure.llm.clients.local_grounded_responder import LocalGroundedResponder
from eco2.settings import Settings

SECRET = "sk-test-very-secret-key"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "GEMINI_API_KEY", "GOOGLE_API_KEY"):
        monkeypatch.delenv(name, raising=False)


def chain_names(settings: Settings) -> tuple[list[str], list[str] | None]:
    answer, intent = build_llm(settings, build_policy(settings))
    assert isinstance(answer.fallback, LocalGroundedResponder)
    return [p.name for p in answer.providers], (None if intent is None else [p.name for p in intent.providers])


def test_only_local_means_no_intent_llm():
    assert chain_names(Settings(llm_providers="local")) == ([], None)


def test_providers_keep_their_order_and_local_is_always_last():
    settings = Settings(llm_providers="gemini,openai", gemini_api_key="g-key", openai_api_key=SECRET)
    answer, intent = build_llm(settings, build_policy(settings))
    assert [p.name for p in answer.providers] == ["gemini", "openai"]
    assert isinstance(answer.fallback, LocalGroundedResponder)
    assert intent is not None and intent.fallback is None


def test_provider_without_key_is_skipped():
    assert chain_names(Settings(llm_providers="openai,gemini", gemini_api_key="g-key")) == (["gemini"], ["gemini"])
    assert chain_names(Settings(llm_providers="gemini")) == ([], None)


def test_openai_compatible_server_needs_no_key():
    names = chain_names(Settings(llm_providers="openai", openai_base_url="http://127.0.0.1:9/v1"))
    assert names == (["openai"], ["openai"])


def test_providers_after_local_are_unreachable_and_left_out():
    settings = Settings(llm_providers="local,openai", openai_api_key=SECRET)
    assert chain_names(settings) == ([], None)


def test_model_names_map_to_each_providers_own_tier():
    settings = Settings(llm_providers="openai,gemini", openai_api_key=SECRET, gemini_api_key="g-key")
    answer, _ = build_llm(settings, build_policy(settings))
    gemini = answer.providers[1]
    assert gemini.model_for(settings.openai_model_small) == settings.gemini_model_small
    assert gemini.model_for(settings.openai_model_large) == settings.gemini_model_large


def test_secrets_never_show_in_reprs():
    settings = Settings(llm_providers="openai,gemini", openai_api_key=SECRET, gemini_api_key=SECRET)
    answer, _ = build_llm(settings, build_policy(settings))
    shown = repr(settings) + repr(answer) + "".join(repr(p.client) for p in answer.providers)
    assert SECRET not in shown
