"""ProviderChain with hand-written fake clients: fallback order, breakers, streaming before/after tokens."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from eco2.application.ports.llm import LLMClientPort, LLMError, ModelTier, TaskType
from eco2.infrastructure.llm.policies.circuit_breaker import BreakerState, CircuitBreaker
from eco2.infrastructure.llm.policies.default_policy import DefaultLLMPolicy
from eco2.infrastructure.llm.provider_chain import INTERRUPTED_NOTICE, Provider, ProviderChain


class FakeClient(LLMClientPort):
    """Answers ``text`` token by token; ``errors`` are raised first (one per call); ``fail_after``
    breaks a stream after that many tokens; ``hang_after`` stalls it."""

    def __init__(self, name: str, text: str = "", *errors: BaseException, fail_after: int | None = None,
                 hang_after: int | None = None):
        self.name = name
        self.text = text
        self.errors = list(errors)
        self.fail_after = fail_after
        self.hang_after = hang_after
        self.calls: list[dict[str, Any]] = []

    async def generate(self, prompt: str, system_prompt: str | None = None, context: dict[str, Any] | None = None,
                       max_tokens: int | None = None, temperature: float | None = None, model: str | None = None,
                       response_schema: dict[str, Any] | None = None) -> str:
        self.calls.append({"prompt": prompt, "model": model, "schema": response_schema})
        if self.errors:
            raise self.errors.pop(0)
        return self.text

    async def generate_stream(self, prompt: str, system_prompt: str | None = None,
                              context: dict[str, Any] | None = None, max_tokens: int | None = None,
                              temperature: float | None = None, model: str | None = None) -> AsyncIterator[str]:
        self.calls.append({"prompt": prompt, "model": model, "stream": True})
        if self.errors:
            raise self.errors.pop(0)
        for index, token in enumerate(self.text.split(" ")):
            if self.fail_after is not None and index >= self.fail_after:
                raise LLMError("connection reset", retryable=True)
            if self.hang_after is not None and index >= self.hang_after:
                await asyncio.sleep(30)
            yield token + " "


class NoSleep:
    async def __call__(self, seconds: float) -> None:
        return None


def policy() -> DefaultLLMPolicy:
    return DefaultLLMPolicy({(TaskType.ANSWER, ModelTier.LARGE): "gpt-large"}, sleep=NoSleep(), timeout_s=5)


def provider(client: FakeClient, threshold: int = 3, models: dict[str, str] | None = None) -> Provider:
    return Provider(client, CircuitBreaker(client.name, failure_threshold=threshold, cooldown_s=60), models or {})


async def collect(stream: AsyncIterator[str]) -> str:
    return "".join([chunk async for chunk in stream])


async def test_generate_falls_back_to_the_next_provider():
    first = FakeClient("openai", "", LLMError("400 bad key", retryable=False))
    second = FakeClient("gemini", "from gemini")
    chain = ProviderChain([provider(first), provider(second)], policy())
    assert await chain.generate("q") == "from gemini"
    assert len(first.calls) == 1


async def test_retryable_errors_are_retried_on_the_same_provider_first():
    first = FakeClient("openai", "after retry", LLMError("500", retryable=True), LLMError("503", retryable=True))
    second = FakeClient("gemini", "from gemini")
    chain = ProviderChain([provider(first), provider(second)], policy(), max_retries=3)
    assert await chain.generate("q") == "after retry"
    assert len(first.calls) == 3 and second.calls == []


async def test_all_providers_down_ends_at_the_fallback():
    down = FakeClient("openai", "", *(LLMError("500", retryable=True) for _ in range(10)))
    local = FakeClient("local", "grounded answer")
    chain = ProviderChain([provider(down)], policy(), fallback=local, max_retries=1)
    assert await chain.generate("q") == "grounded answer"
    assert await collect(chain.generate_stream("q")) == "grounded answer "


async def test_without_fallback_exhaustion_is_a_non_retryable_error():
    down = FakeClient("openai", "", LLMError("500", retryable=True))
    chain = ProviderChain([provider(down)], policy(), max_retries=0)
    with pytest.raises(LLMError) as info:
        await chain.generate("q")
    assert not info.value.retryable


async def test_any_exception_from_a_provider_degrades_instead_of_failing():
    broken = FakeClient("openai", "", RuntimeError("sdk bug"))
    chain = ProviderChain([provider(broken)], policy(), fallback=FakeClient("local", "local answer"))
    assert await chain.generate("q") == "local answer"


async def test_open_breaker_skips_the_provider_without_calling_it():
    down = FakeClient("openai", "", *(LLMError("400", retryable=False) for _ in range(10)))
    backup = FakeClient("gemini", "backup")
    slot = provider(down, threshold=2)
    chain = ProviderChain([slot, provider(backup)], policy())
    for _ in range(2):
        assert await chain.generate("q") == "backup"
    assert slot.breaker.state is BreakerState.OPEN
    assert await chain.generate("q") == "backup"
    assert len(down.calls) == 2


async def test_model_names_are_translated_per_provider():
    first = FakeClient("openai", "", LLMError("400", retryable=False))
    second = FakeClient("gemini", "ok")
    chain = ProviderChain(
        [provider(first), provider(second, models={"gpt-large": "gemini-large"})], policy()
    )
    await chain.generate("q", model="gpt-large")
    assert first.calls[0]["model"] == "gpt-large"
    assert second.calls[0]["model"] == "gemini-large"


async def test_stream_falls_back_before_the_first_token():
    first = FakeClient("openai", "", LLMError("503", retryable=True), LLMError("503", retryable=True))
    second = FakeClient("gemini", "두 번째 공급자 답변")
    chain = ProviderChain([provider(first), provider(second)], policy(), max_retries=1)
    assert await collect(chain.generate_stream("q")) == "두 번째 공급자 답변 "


async def test_stream_that_fails_after_tokens_ends_with_a_notice_not_a_second_answer():
    first = FakeClient("openai", "하나 둘 셋 넷", fail_after=2)
    second = FakeClient("gemini", "다른 답변")
    slot = provider(first)
    chain = ProviderChain([slot, provider(second)], policy(), fallback=FakeClient("local", "로컬"))
    assert await collect(chain.generate_stream("q")) == "하나 둘 " + INTERRUPTED_NOTICE
    assert second.calls == []
    assert slot.breaker.state is BreakerState.CLOSED  # one failure, below the threshold


async def test_stream_that_stalls_after_tokens_times_out_with_a_notice():
    stalled = FakeClient("openai", "하나 둘 셋", hang_after=1)
    chain = ProviderChain([provider(stalled)], policy(), stream_idle_timeout_s=0.05)
    assert await collect(chain.generate_stream("q")) == "하나 " + INTERRUPTED_NOTICE


class SilentClient(FakeClient):
    async def generate_stream(self, prompt: str, system_prompt: str | None = None,
                              context: dict[str, Any] | None = None, max_tokens: int | None = None,
                              temperature: float | None = None, model: str | None = None) -> AsyncIterator[str]:
        self.calls.append({"prompt": prompt, "stream": True})
        for chunk in ("", ""):
            yield chunk


async def test_a_stream_with_no_text_counts_as_a_failure():
    silent = SilentClient("openai")
    chain = ProviderChain([provider(silent)], policy(), fallback=FakeClient("local", "로컬 답변"))
    assert await collect(chain.generate_stream("q")) == "로컬 답변 "
    assert len(silent.calls) == 1  # an empty answer is not retried


def test_repr_names_the_chain_without_secrets():
    chain = ProviderChain([provider(FakeClient("openai"))], policy(), fallback=FakeClient("local"))
    assert repr(chain) == "ProviderChain(openai → local)"
