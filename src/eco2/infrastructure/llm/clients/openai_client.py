"""The Chat Completions API through the official ``openai`` SDK: OpenAI, or any compatible server.

vLLM, Ollama and llama.cpp's server all speak this API, so ``base_url`` is all it takes to switch.
The client only calls: the SDK's own retries are off (the policy owns retries), and every SDK failure
becomes an LLMError. The system prompt and the user prompt travel as separate messages, so text in
the prompt can never take the system role. ``context`` is not sent: the prompt already carries it.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx2
import openai
from openai import AsyncOpenAI

from eco2.application.ports.llm import LLMClientPort, LLMError
from eco2.infrastructure.llm.clients.http_errors import response_headers, status_error, transport_error


class OpenAIClient(LLMClientPort):
    name = "openai"

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str | None = None,
        default_model: str = "gpt-4o-mini",
        timeout_s: float = 30.0,
    ):
        self._base_url = base_url
        self._default_model = default_model
        self._client = AsyncOpenAI(api_key=api_key, base_url=base_url, timeout=timeout_s, max_retries=0)

    def __repr__(self) -> str:
        return f"OpenAIClient(base_url={self._base_url!r}, default_model={self._default_model!r})"

    async def aclose(self) -> None:
        await self._client.close()

    async def generate(
        self,
        prompt: str,
        system_prompt: str | None = None,
        context: dict[str, Any] | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
        model: str | None = None,
        response_schema: dict[str, Any] | None = None,
    ) -> str:
        request = self._request(prompt, system_prompt, max_tokens, temperature, model)
        if response_schema is not None:
            request["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": "response", "schema": response_schema, "strict": True},
            }
        try:
            completion = await self._client.chat.completions.create(**request)
        except openai.OpenAIError as exc:
            raise _llm_error(exc) from exc
        content = completion.choices[0].message.content if completion.choices else None
        if not content:
            raise LLMError("openai: the response has no content", retryable=False)
        return content

    async def generate_stream(
        self,
        prompt: str,
        system_prompt: str | None = None,
        context: dict[str, Any] | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
        model: str | None = None,
    ) -> AsyncIterator[str]:
        request = self._request(prompt, system_prompt, max_tokens, temperature, model)
        # The raw streaming response skips building a pydantic model per chunk, which costs more
        # than everything else on the token path; the SDK still sends the request and maps errors.
        try:
            async with self._client.chat.completions.with_streaming_response.create(
                **request, stream=True
            ) as response:
                async for data in _sse_data(response.iter_lines()):
                    if data == "[DONE]":
                        return
                    for text in _chunk_texts(data):
                        yield text
        except openai.OpenAIError as exc:
            raise _llm_error(exc) from exc
        except httpx2.TransportError as exc:
            raise transport_error("openai", exc) from exc

    def _request(
        self,
        prompt: str,
        system_prompt: str | None,
        max_tokens: int | None,
        temperature: float | None,
        model: str | None,
    ) -> dict[str, Any]:
        messages: list[dict[str, str]] = []
        if system_prompt:
            messages.append({"role": "system", "content": system_prompt})
        messages.append({"role": "user", "content": prompt})
        request: dict[str, Any] = {"model": model or self._default_model, "messages": messages}
        if max_tokens is not None:
            request["max_tokens"] = max_tokens
        if temperature is not None:
            request["temperature"] = temperature
        return request


async def _sse_data(lines: AsyncIterator[str]) -> AsyncIterator[str]:
    """The ``data`` of each server-sent event (lines up to a blank line; other fields ignored)."""
    data: list[str] = []
    async for line in lines:
        if not line:
            if data:
                yield "\n".join(data)
                data = []
        elif line.startswith("data:"):
            data.append(line[5:].removeprefix(" "))
    if data:
        yield "\n".join(data)


def _chunk_texts(data: str) -> list[str]:
    """The content deltas of one ``chat.completion.chunk``; an error event becomes an LLMError."""
    try:
        chunk = json.loads(data)
    except json.JSONDecodeError as exc:
        raise LLMError(f"openai: a stream chunk is not JSON: {data[:80]!r}") from exc
    if not isinstance(chunk, dict):
        raise LLMError(f"openai: unexpected stream chunk: {data[:80]!r}")
    if chunk.get("error"):
        error = chunk["error"]
        message = error.get("message") if isinstance(error, dict) else str(error)
        raise LLMError(f"openai: error in the stream: {message}", retryable=True)
    texts = []
    for choice in chunk.get("choices") or []:
        content = (choice.get("delta") or {}).get("content") if isinstance(choice, dict) else None
        if content:
            texts.append(content)
    return texts


def _llm_error(exc: openai.OpenAIError) -> LLMError:
    if isinstance(exc, openai.APITimeoutError):
        return LLMError("openai: timeout: no response in time", retryable=True)
    if isinstance(exc, openai.APIConnectionError):
        return transport_error("openai", exc.__cause__ or exc)
    if isinstance(exc, openai.APIStatusError):
        return status_error("openai", exc.status_code, exc.message, response_headers(exc.response))
    if isinstance(exc, openai.APIError):
        # An error event inside a stream: the server failed mid-answer, a new request may succeed.
        return LLMError(f"openai: {exc.message}", retryable=True)
    return LLMError(f"openai: {type(exc).__name__}: {exc}", retryable=False)
