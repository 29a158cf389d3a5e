"""GeminiClient (google-genai SDK, unmodified) against a loopback server speaking Gemini's REST format."""

from __future__ import annotations

import pytest
from llm_fakes.script import Fault

from eco2.application.ports.llm import LLMError, ModelTier, TaskType
from eco2.application.services.intent_classifier import INTENT_SCHEMA, parse_llm_intent
from eco2.domain.intents import Intent
from eco2.infrastructure.llm.clients.gemini_client import GeminiClient
from eco2.infrastructure.llm.policies.default_policy import DefaultLLMPolicy

PROMPT = "[근거 규정]\n- 공통 배출 방법: 라벨을 떼고 압착합니다\n\n[사용자 메시지]\n<<<\n생수병\n>>>"


class RecordingSleep:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
async def client(gemini_fake):
    client = GeminiClient("g-secret-test", base_url=gemini_fake.url, default_model="gemini-fake")
    yield client
    await client.aclose()


def policy(sleep: RecordingSleep, timeout_s: float = 5.0) -> DefaultLLMPolicy:
    return DefaultLLMPolicy({(TaskType.ANSWER, ModelTier.LARGE): "m"}, sleep=sleep, timeout_s=timeout_s)


async def test_generate_sends_the_system_instruction_apart_from_the_prompt(client, gemini_fake):
    text = await client.generate(PROMPT, system_prompt="시스템 지시", max_tokens=40, temperature=0.1)
    assert "라벨을 떼고 압착합니다" in text
    body = gemini_fake.script.requests[0]
    assert body["_model"] == "gemini-fake" and body["_method"] == "generateContent"
    assert body["systemInstruction"]["parts"][0]["text"] == "시스템 지시"
    assert body["contents"][-1]["parts"][0]["text"] == PROMPT
    assert body["generationConfig"]["maxOutputTokens"] == 40


async def test_stream_yields_tokens_as_they_arrive(client, gemini_fake):
    chunks = [chunk async for chunk in client.generate_stream(PROMPT, model="gemini-other")]
    assert len(chunks) > 5
    assert "".join(chunks) == await client.generate(PROMPT)
    assert gemini_fake.script.requests[0]["_method"] == "streamGenerateContent"
    assert gemini_fake.script.requests[0]["_model"] == "gemini-other"


async def test_structured_output_asks_for_json_with_the_schema(client, gemini_fake):
    gemini_fake.script.intent_reply = '{"intent": "character", "confidence": 0.8}'
    parsed = parse_llm_intent(await client.generate("캐릭터 알려줘", response_schema=INTENT_SCHEMA))
    assert parsed is not None and parsed.intent is Intent.CHARACTER
    config = gemini_fake.script.requests[0]["generationConfig"]
    assert config["responseMimeType"] == "application/json"
    assert config["responseJsonSchema"] == INTENT_SCHEMA


async def test_429_honours_retry_after_header(client, gemini_fake):
    gemini_fake.script.fail(Fault(status=429, headers={"Retry-After": "3"}))
    sleep = RecordingSleep()
    assert "압착" in await policy(sleep).execute_with_retry(lambda: client.generate(PROMPT))
    assert gemini_fake.script.count == 2
    assert sleep.waits[0] >= 3.0


async def test_429_honours_retry_info_in_the_body(client, gemini_fake):
    body = {"error": {"code": 429, "status": "RESOURCE_EXHAUSTED", "message": "quota", "details": [
        {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "4s"}]}}
    gemini_fake.script.fail(Fault(status=429, body=body))
    sleep = RecordingSleep()
    await policy(sleep).execute_with_retry(lambda: client.generate(PROMPT))
    assert sleep.waits[0] >= 4.0


async def test_500_then_success(client, gemini_fake):
    gemini_fake.script.fail(Fault(status=500))
    assert "압착" in await policy(RecordingSleep()).execute_with_retry(lambda: client.generate(PROMPT))
    assert gemini_fake.script.count == 2


async def test_other_4xx_is_not_retried(client, gemini_fake):
    gemini_fake.script.fail(Fault(status=403), Fault(status=403))
    with pytest.raises(LLMError) as info:
        await policy(RecordingSleep()).execute_with_retry(lambda: client.generate(PROMPT))
    assert not info.value.retryable
    assert gemini_fake.script.count == 1


async def test_slow_server_times_out_and_the_retry_succeeds(client, gemini_fake):
    gemini_fake.script.fail(Fault(delay_s=1.0))
    text = await policy(RecordingSleep(), timeout_s=0.3).execute_with_retry(lambda: client.generate(PROMPT))
    assert "압착" in text
    assert gemini_fake.script.count == 2


async def test_connection_refused_is_retryable_and_not_retried_by_the_sdk(dead_url):
    client = GeminiClient("k", base_url=dead_url)
    try:
        with pytest.raises(LLMError, match="connection") as info:
            await client.generate(PROMPT)
        assert info.value.retryable
    finally:
        await client.aclose()


async def test_stream_broken_midway_raises_a_retryable_error(client, gemini_fake):
    gemini_fake.script.fail(Fault(drop_after=3))
    seen: list[str] = []
    with pytest.raises(LLMError) as info:
        async for chunk in client.generate_stream(PROMPT):
            seen.append(chunk)
    assert len(seen) == 3 and info.value.retryable


def test_repr_hides_the_key(gemini_fake):
    assert "g-secret-test" not in repr(GeminiClient("g-secret-test", base_url=gemini_fake.url))
