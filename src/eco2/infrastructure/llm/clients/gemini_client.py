"""Gemini through the official ``google-genai`` SDK (async), behind the same port as every client.

The SDK's own retries are off (one attempt; the policy owns retries and timeouts). Structured output
uses ``response_mime_type=application/json`` with the JSON schema as given. ``base_url`` points the SDK
at another endpoint (a proxy, or a loopback server in tests). ``context`` is not sent: the prompt
already carries it.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

from google import genai
from google.genai import errors, types

from eco2.application.ports.llm import LLMClientPort, LLMError
from eco2.infrastructure.llm.clients.http_errors import response_headers, status_error, transport_error

_TRANSPORT_ERRORS: tuple[type[BaseException], ...] = (TimeoutError, ConnectionError)
try:  # the SDK talks through aiohttp when it is installed, otherwise through httpx
    import aiohttp

    _TRANSPORT_ERRORS += (aiohttp.ClientError,)
except ImportError:  # pragma: no cover - depends on the environment
    pass
try:
    import httpx2

    _TRANSPORT_ERRORS += (httpx2.TransportError,)
except ImportError:  # pragma: no cover - depends on the environment
    pass

_DELAY = re.compile(r"^\s*(\d+(?:\.\d+)?)s\s*$")


class GeminiClient(LLMClientPort):
    name = "gemini"

    def __init__(self, api_key: str, *, base_url: str | None = None, default_model: str = "gemini-2.5-flash"):
        self._base_url = base_url
        self._default_model = default_model
        options = types.HttpOptions(base_url=base_url, retry_options=types.HttpRetryOptions(attempts=1))
        self._client = genai.Client(api_key=api_key, http_options=options)

    def __repr__(self) -> str:
        return f"GeminiClient(base_url={self._base_url!r}, default_model={self._default_model!r})"

    async def aclose(self) -> None:
        await self._client.aio.aclose()

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
        config = _config(system_prompt, max_tokens, temperature, response_schema)
        try:
            response = await self._client.aio.models.generate_content(
                model=model or self._default_model, contents=prompt, config=config
            )
        except errors.APIError as exc:
            raise _status_error(exc) from exc
        except _TRANSPORT_ERRORS as exc:
            raise transport_error("gemini", exc) from exc
        text = response.text
        if not text:
            raise LLMError("gemini: the response has no text", retryable=False)
        return text

    async def generate_stream(
        self,
        prompt: str,
        system_prompt: str | None = None,
        context: dict[str, Any] | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
        model: str | None = None,
    ) -> AsyncIterator[str]:
        config = _config(system_prompt, max_tokens, temperature, None)
        try:
            stream = await self._client.aio.models.generate_content_stream(
                model=model or self._default_model, contents=prompt, config=config
            )
            async for chunk in stream:
                if chunk.text:
                    yield chunk.text
        except errors.APIError as exc:
            raise _status_error(exc) from exc
        except _TRANSPORT_ERRORS as exc:
            raise transport_error("gemini", exc) from exc


def _config(
    system_prompt: str | None,
    max_tokens: int | None,
    temperature: float | None,
    response_schema: dict[str, Any] | None,
) -> types.GenerateContentConfig:
    config = types.GenerateContentConfig(
        system_instruction=system_prompt or None, max_output_tokens=max_tokens, temperature=temperature
    )
    if response_schema is not None:
        config.response_mime_type = "application/json"
        config.response_json_schema = response_schema
    return config


def _status_error(exc: errors.APIError) -> LLMError:
    return status_error(
        "gemini", int(exc.code or 0), str(exc.message or exc.status or ""),
        response_headers(exc.response), retry_after=_retry_delay(exc.details),
    )


def _retry_delay(details: Any) -> float | None:
    """Google APIs put the wait in the error body as a google.rpc.RetryInfo ``retryDelay`` ("3s")."""
    error = details.get("error", details) if isinstance(details, dict) else None
    entries = error.get("details") if isinstance(error, dict) else None
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, dict) and str(entry.get("@type", "")).endswith("google.rpc.RetryInfo"):
            match = _DELAY.match(str(entry.get("retryDelay", "")))
            if match:
                return float(match.group(1))
    return None
