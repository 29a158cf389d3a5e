"""The provider chain over real HTTP: a provider down, both down, the breaker opening and closing."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from llm_fakes.script import Fault

from eco2.application.ports.llm import LLMClientPort, ModelTier, TaskType
from eco2.infrastructure.llm.clients.gemini_client import GeminiClient
from eco2.infrastructure.llm.clients.local_grounded_responder import LocalGroundedResponder
from eco2.infrastructure.llm.clients.openai_client import OpenAIClient
from eco2.infrastructure.llm.policies.circuit_breaker import BreakerState, CircuitBreaker
from eco2.infrastructure.llm.policies.default_policy import DefaultLLMPolicy
from eco2.infrastructure.llm.provider_chain import INTERRUPTED_NOTICE, Provider, ProviderChain

PROMPT = "[근거 규정]\n- 배출 단계: 뚜껑을 닫아 배출합니다\n\n[사용자 메시지]\n<<<\n생수병\n>>>"
GROUNDING = {
    "kind": "general",
    "topic": "thanks",
}


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class NoSleep:
    async def __call__(self, seconds: float) -> None:
        return None


def policy() -> DefaultLLMPolicy:
    return DefaultLLMPolicy({(TaskType.ANSWER, ModelTier.LARGE): "m"}, sleep=NoSleep(), timeout_s=2)


@pytest.fixture
async def clients(openai_fake, gemini_fake) -> AsyncIterator[tuple[OpenAIClient, GeminiClient]]:
    openai = OpenAIClient("k", base_url=openai_fake.url)
    gemini = GeminiClient("k", base_url=gemini_fake.url)
    yield openai, gemini
    await openai.aclose()
    await gemini.aclose()


def chain(*clients: LLMClientPort, clock: FakeClock | None = None, threshold: int = 3) -> ProviderChain:
    providers = [
        Provider(c, CircuitBreaker(c.name, threshold, cooldown_s=30, clock=clock or FakeClock())) for c in clients
    ]
    return ProviderChain(providers, policy(), fallback=LocalGroundedResponder(), max_retries=1)


async def collect(stream: AsyncIterator[str]) -> str:
    return "".join([chunk async for chunk in stream])


async def test_openai_down_falls_back_to_gemini(dead_url, gemini_fake):
    openai = OpenAIClient("k", base_url=dead_url + "/v1")
    gemini = GeminiClient("k", base_url=gemini_fake.url)
    try:
        answer = await collect(chain(openai, gemini).generate_stream(PROMPT, context={"grounding": GROUNDING}))
    finally:
        await openai.aclose()
        await gemini.aclose()
    assert "뚜껑을 닫아 배출합니다" in answer
    assert gemini_fake.script.count == 1


async def test_every_provider_down_ends_at_the_local_grounded_responder(clients, openai_fake, gemini_fake):
    openai_fake.script.fail(*(Fault(status=503) for _ in range(2)))
    gemini_fake.script.fail(*(Fault(status=500) for _ in range(2)))
    answer = await collect(chain(*clients).generate_stream(PROMPT, context={"grounding": GROUNDING}))
    assert answer.startswith("천만에요")  # the local responder's grounded reply
    assert (openai_fake.script.count, gemini_fake.script.count) == (2, 2)


async def test_mid_stream_drop_keeps_the_tokens_and_adds_a_notice(clients, openai_fake, gemini_fake):
    openai_fake.script.fail(Fault(drop_after=3))
    answer = await collect(chain(*clients).generate_stream(PROMPT))
    assert answer.endswith(INTERRUPTED_NOTICE)
    assert answer.startswith("근거 규정에 따르면")
    assert gemini_fake.script.count == 0


async def test_timeout_before_the_first_token_falls_back(clients, openai_fake, gemini_fake):
    openai_fake.script.fail(Fault(delay_s=1.0), Fault(delay_s=1.0))
    slow_policy = DefaultLLMPolicy({}, sleep=NoSleep(), timeout_s=0.2)
    providers = [Provider(c, CircuitBreaker(c.name)) for c in clients]
    answer = await collect(ProviderChain(providers, slow_policy, max_retries=1).generate_stream(PROMPT))
    assert "뚜껑을 닫아" in answer
    assert (openai_fake.script.count, gemini_fake.script.count) == (2, 1)


async def test_breaker_opens_on_a_failing_provider_and_closes_after_recovery(clients, openai_fake, gemini_fake):
    clock = FakeClock()
    answer_chain = chain(*clients, clock=clock, threshold=2)
    openai_slot = answer_chain.providers[0]
    openai_fake.script.fail(*(Fault(status=500) for _ in range(4)))  # two calls, two attempts each

    for _ in range(2):
        assert "뚜껑을 닫아" in await answer_chain.generate(PROMPT)
    assert openai_slot.breaker.state is BreakerState.OPEN
    assert openai_fake.script.count == 4

    await answer_chain.generate(PROMPT)
    assert openai_fake.script.count == 4  # open: not even asked
    assert gemini_fake.script.count == 3

    clock.now += 31  # cool-down over: one probe goes to the recovered provider
    assert "뚜껑을 닫아" in await answer_chain.generate(PROMPT)
    assert openai_fake.script.count == 5
    assert openai_slot.breaker.state is BreakerState.CLOSED
    assert gemini_fake.script.count == 3
