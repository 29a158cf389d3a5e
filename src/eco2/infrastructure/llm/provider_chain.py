"""Providers in a configured order, so one provider's outage degrades the answer but never fails the chat.

Each provider is called through the policy's retry (backoff, Retry-After, per-attempt timeout) and
guarded by its own circuit breaker; when it fails or its breaker is open, the next one is asked. The
``fallback`` (the local grounded responder) answers when every provider failed; without one (intent
classification, which has the rule-based classifier to fall back on) the chain raises LLMError.

Streaming falls back only before the first token. Once tokens went out, switching providers would
repeat or contradict them, so a later failure ends the stream with a short Korean notice instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from contextlib import aclosing
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import structlog

from eco2.application.ports.llm import LLMClientPort, LLMError, LLMPolicyPort
from eco2.infrastructure.llm.policies.circuit_breaker import CircuitBreaker

log = structlog.get_logger(__name__)

INTERRUPTED_NOTICE = "\n\n(답변을 받는 중 연결이 끊겨 여기까지만 전해 드려요. 잠시 후 다시 물어봐 주세요.)"


@dataclass(frozen=True)
class Provider:
    """One model provider: its client, its breaker, and how the policy's model names map to its own."""

    client: LLMClientPort
    breaker: CircuitBreaker
    models: Mapping[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.client.name

    def model_for(self, model: str | None) -> str | None:
        return self.models.get(model, model) if model else None


class ProviderChain(LLMClientPort):
    name = "chain"

    def __init__(
        self,
        providers: list[Provider],
        policy: LLMPolicyPort,
        *,
        fallback: LLMClientPort | None = None,
        max_retries: int = 3,
        stream_idle_timeout_s: float = 30.0,
    ):
        self._providers = list(providers)
        self._policy = policy
        self._fallback = fallback
        self._max_retries = max_retries
        self._idle_timeout_s = stream_idle_timeout_s

    @property
    def providers(self) -> list[Provider]:
        return list(self._providers)

    @property
    def fallback(self) -> LLMClientPort | None:
        return self._fallback

    async def aclose(self) -> None:
        """Close the providers' HTTP clients (those that hold any)."""
        for provider in self._providers:
            aclose = getattr(provider.client, "aclose", None)
            if aclose is not None:
                await aclose()

    def __repr__(self) -> str:
        names = [p.name for p in self._providers] + ([self._fallback.name] if self._fallback else [])
        return f"ProviderChain({' → '.join(names)})"

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
        request: dict[str, Any] = {
            "system_prompt": system_prompt, "context": context, "max_tokens": max_tokens,
            "temperature": temperature, "response_schema": response_schema,
        }
        for provider in self._providers:
            if not _allowed(provider):
                continue
            call = partial(provider.client.generate, prompt, model=provider.model_for(model), **request)
            try:
                text = await self._policy.execute_with_retry(call, self._max_retries)
            except Exception as exc:
                _failed(provider, exc)
                continue
            provider.breaker.record_success()
            return text
        if self._fallback is None:
            raise LLMError("every LLM provider failed or is switched off by its circuit breaker")
        if self._providers:  # with no remote provider configured, the local responder is simply the model
            log.warning("llm_fallback", provider=self._fallback.name)
        return await self._fallback.generate(
            prompt, system_prompt=system_prompt, context=context, max_tokens=max_tokens,
            temperature=temperature, model=model, response_schema=response_schema,
        )

    async def generate_stream(
        self,
        prompt: str,
        system_prompt: str | None = None,
        context: dict[str, Any] | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
        model: str | None = None,
    ) -> AsyncIterator[str]:
        request: dict[str, Any] = {
            "system_prompt": system_prompt, "context": context, "max_tokens": max_tokens,
            "temperature": temperature,
        }
        for provider in self._providers:
            if not _allowed(provider):
                continue
            opener = partial(_first_chunk, provider.client, prompt, provider.model_for(model), request)
            try:
                stream, first = await self._policy.execute_with_retry(opener, self._max_retries)
            except Exception as exc:
                _failed(provider, exc)
                continue
            provider.breaker.record_success()
            async with aclosing(self._rest(provider, stream, first)) as rest:
                async for chunk in rest:
                    yield chunk
            return
        if self._fallback is None:
            raise LLMError("every LLM provider failed or is switched off by its circuit breaker")
        if self._providers:  # with no remote provider configured, the local responder is simply the model
            log.warning("llm_fallback", provider=self._fallback.name)
        async for chunk in self._fallback.generate_stream(
            prompt, system_prompt=system_prompt, context=context, max_tokens=max_tokens,
            temperature=temperature, model=model,
        ):
            yield chunk

    async def _rest(
        self, provider: Provider, stream: AsyncIterator[str], first: str
    ) -> AsyncGenerator[str, None]:
        """The stream after its first chunk; a failure now ends it with a notice, not an error."""
        try:
            yield first
            while True:
                try:
                    async with asyncio.timeout(self._idle_timeout_s):
                        chunk = await anext(stream)
                except StopAsyncIteration:
                    return
                except Exception as exc:
                    _failed(provider, exc, after_first_token=True)
                    yield INTERRUPTED_NOTICE
                    return
                yield chunk
        finally:
            await _close(stream)



def _allowed(provider: Provider) -> bool:
    """Asked only when the provider's turn comes, so a half-open breaker's probe is a real call."""
    if provider.breaker.allow():
        return True
    log.info("llm_provider_skipped", provider=provider.name, reason="circuit_open")
    return False


async def _first_chunk(
    client: LLMClientPort, prompt: str, model: str | None, request: dict[str, Any]
) -> tuple[AsyncIterator[str], str]:
    """Open a stream and wait for its first non-empty chunk, so failures before any output can retry."""
    stream = client.generate_stream(prompt, model=model, **request)
    try:
        while True:
            try:
                chunk = await anext(stream)
            except StopAsyncIteration:
                raise LLMError("the model returned an empty answer") from None
            if chunk:
                return stream, chunk
    except BaseException:
        await _close(stream)
        raise


async def _close(stream: AsyncIterator[str]) -> None:
    aclose = getattr(stream, "aclose", None)
    if aclose is not None:
        await aclose()


def _failed(provider: Provider, exc: BaseException, after_first_token: bool = False) -> None:
    provider.breaker.record_failure()
    log.warning(
        "llm_provider_failed",
        provider=provider.name,
        error_type=type(exc).__name__,
        error=str(exc),
        retryable=getattr(exc, "retryable", None),
        after_first_token=after_first_token,
        breaker=provider.breaker.state.value,
    )
