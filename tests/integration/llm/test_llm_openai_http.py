"""OpenAIClient against a loopback server speaking the Chat Completions wire format."""

from __future__ import annotations

import pytest
from llm_fakes.script import Fault

from eco2.application.ports.llm import LLMError, ModelTier, TaskType
from eco2.application.services.intent_classifier import INTENT_SCHEMA, parse_llm_intent
from eco2.domain.intents import Intent
from eco2.infrastructure.llm.clients.openai_client import OpenAIClient
from eco2.infrastructure.llm.policies.default_policy import DefaultLLMPolicy

PROMPT = "[근거 규정]\n- 공통 배출 방법: 내용물을 비우고 헹굽니다\n\n[사용자 메시지]\n<<<\n페트병\n>>>"


class RecordingSleep:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
async def client(openai_fake):
    client = OpenAIClient("sk-secret-test", base_url=openai_fake.url, default_model="fake-large", timeout_s=5)
    yield client
    await client.aclose()


def policy(sleep: RecordingSleep, timeout_s: float = 5.0) -> DefaultLLMPolicy:
    return DefaultLLMPolicy({(TaskType.ANSWER, ModelTier.LARGE): "m"}, sleep=sleep, timeout_s=timeout_s)


async def test_generate_sends_system_and_user_as_separate_messages(client, openai_fake):
    text = await client.generate(PROMPT, system_prompt="시스템 지시", max_tokens=50, temperature=0.2, model="m1")
    assert "내용물을 비우고 헹굽니다" in text
    body = openai_fake.script.requests[0]
    assert body["messages"] == [{"role": "system", "content": "시스템 지시"}, {"role": "user", "content": PROMPT}]
    assert (body["model"], body["max_tokens"], body["temperature"]) == ("m1", 50, 0.2)


async def test_stream_yields_tokens_as_they_arrive(client, openai_fake):
    chunks = [chunk async for chunk in client.generate_stream(PROMPT, system_prompt="s")]
    assert len(chunks) > 5
    assert "".join(chunks) == await client.generate(PROMPT)
    assert openai_fake.script.requests[0]["stream"] is True


async def test_structured_output_sends_the_json_schema(client, openai_fake):
    openai_fake.script.intent_reply = '{"intent": "location", "confidence": 0.7}'
    raw = await client.generate("근처 수거함", response_schema=INTENT_SCHEMA)
    parsed = parse_llm_intent(raw)
    assert parsed is not None and parsed.intent is Intent.LOCATION
    response_format = openai_fake.script.requests[0]["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["schema"] == INTENT_SCHEMA


async def test_429_with_retry_after_is_retried_after_that_wait(client, openai_fake):
    openai_fake.script.fail(Fault(status=429, headers={"Retry-After": "2"}))
    sleep = RecordingSleep()
    text = await policy(sleep).execute_with_retry(lambda: client.generate(PROMPT))
    assert "헹굽니다" in text
    assert openai_fake.script.count == 2
    assert sleep.waits[0] >= 2.0


async def test_500_then_success(client, openai_fake):
    openai_fake.script.fail(Fault(status=500), Fault(status=503))
    text = await policy(RecordingSleep()).execute_with_retry(lambda: client.generate(PROMPT))
    assert "헹굽니다" in text
    assert openai_fake.script.count == 3


async def test_other_4xx_is_not_retried(client, openai_fake):
    openai_fake.script.fail(Fault(status=400), Fault(status=400))
    with pytest.raises(LLMError) as info:
        await policy(RecordingSleep()).execute_with_retry(lambda: client.generate(PROMPT))
    assert not info.value.retryable
    assert openai_fake.script.count == 1


async def test_slow_server_times_out_and_the_retry_succeeds(client, openai_fake):
    openai_fake.script.fail(Fault(delay_s=1.0))
    text = await policy(RecordingSleep(), timeout_s=0.3).execute_with_retry(lambda: client.generate(PROMPT))
    assert "헹굽니다" in text
    assert openai_fake.script.count == 2


async def test_sdk_timeout_maps_to_a_retryable_error(openai_fake):
    client = OpenAIClient("k", base_url=openai_fake.url, timeout_s=0.2)
    openai_fake.script.fail(Fault(delay_s=1.0))
    try:
        with pytest.raises(LLMError, match="timeout") as info:
            await client.generate(PROMPT)
        assert info.value.retryable
    finally:
        await client.aclose()


async def test_connection_refused_is_retryable(dead_url):
    client = OpenAIClient("k", base_url=dead_url + "/v1")
    try:
        with pytest.raises(LLMError, match="connection") as info:
            await client.generate(PROMPT)
        assert info.value.retryable
    finally:
        await client.aclose()


async def test_stream_broken_midway_raises_a_retryable_error_after_the_first_tokens(client, openai_fake):
    openai_fake.script.fail(Fault(drop_after=2))
    seen: list[str] = []
    with pytest.raises(LLMError) as info:
        async for chunk in client.generate_stream(PROMPT):
            seen.append(chunk)
    assert len(seen) == 2 and info.value.retryable


def test_repr_hides_the_key(openai_fake):
    assert "sk-secret-test" not in repr(OpenAIClient("sk-secret-test", base_url=openai_fake.url))


async def test_error_event_inside_the_stream_is_a_retryable_error(client, openai_fake):
    openai_fake.script.fail(Fault(error_after=1))
    seen: list[str] = []
    with pytest.raises(LLMError, match="scripted overload") as info:
        async for chunk in client.generate_stream(PROMPT):
            seen.append(chunk)
    assert len(seen) == 1 and info.value.retryable


async def test_error_status_on_a_stream_is_mapped_before_any_token(client, openai_fake):
    openai_fake.script.fail(Fault(status=429, headers={"retry-after-ms": "1500"}))
    with pytest.raises(LLMError) as info:
        async for _ in client.generate_stream(PROMPT):
            pass
    assert info.value.retryable and info.value.retry_after == 1.5
