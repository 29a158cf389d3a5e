"""HTTP failures of a model API as LLMError: the policy decides retries from ``retryable`` alone.

Timeouts, 408, 409, 429 and 5xx may pass if tried again; other 4xx (bad request, bad key, unknown
model) will not. A server's ``Retry-After`` (or ``retry-after-ms``) becomes ``retry_after`` seconds.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from email.utils import parsedate_to_datetime
from typing import Any

from eco2.application.ports.llm import LLMError

_RETRYABLE_STATUS = frozenset({408, 409, 429})


def is_retryable_status(status: int) -> bool:
    return status in _RETRYABLE_STATUS or status >= 500


def retry_after_seconds(headers: Mapping[str, str] | Iterable[tuple[str, str]] | None) -> float | None:
    """Seconds the server asked us to wait, from ``retry-after-ms`` or ``Retry-After`` (seconds or a date)."""
    if headers is None:
        return None
    items = headers.items() if isinstance(headers, Mapping) else headers
    lowered = {str(key).lower(): str(value).strip() for key, value in items}
    if "retry-after-ms" in lowered:
        try:
            return max(0.0, float(lowered["retry-after-ms"]) / 1000)
        except ValueError:
            pass
    value = lowered.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def status_error(
    provider: str, status: int, message: str, headers: Mapping[str, str] | None = None,
    retry_after: float | None = None,
) -> LLMError:
    """An HTTP error status as LLMError; ``retry_after`` overrides what the headers say."""
    retryable = is_retryable_status(status)
    wait = retry_after if retry_after is not None else retry_after_seconds(headers)
    return LLMError(
        f"{provider}: HTTP {status}: {message}", retryable=retryable, retry_after=wait if retryable else None
    )


def transport_error(provider: str, exc: BaseException) -> LLMError:
    """A timeout or a broken connection: the request may succeed when sent again."""
    kind = "timeout" if isinstance(exc, TimeoutError) or "Timeout" in type(exc).__name__ else "connection"
    return LLMError(f"{provider}: {kind}: {type(exc).__name__}: {exc}", retryable=True)


def response_headers(response: Any) -> Mapping[str, str] | None:
    """Headers of whatever response object an SDK attached to its error, if any."""
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    return {str(k): str(v) for k, v in headers.items()}
