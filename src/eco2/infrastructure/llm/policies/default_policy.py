"""Model choice, Korean prompt templates and retries with backoff (seed §5.2).

Retries: exponential backoff with jitter, only for errors marked retryable (timeouts, 429, 5xx), and
never sooner than the server's ``Retry-After``. A server that asks for a longer wait than ``max_wait_s``
is not waited for: the call fails at once so the caller can move on to the next provider. Every attempt
runs under its own timeout.
"""

from __future__ import annotations

import asyncio
import string
from collections.abc import Awaitable, Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import structlog
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    stop_any,
    wait_exponential_jitter,
)
from tenacity.stop import stop_base

from eco2.application.ports.llm import LLMError, LLMPolicyPort, ModelTier, TaskType

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]

log = structlog.get_logger(__name__)


class PromptError(KeyError):
    """A prompt template is missing or was formatted without one of its variables."""

    def __str__(self) -> str:
        return str(self.args[0])


def builtin_prompts_dir() -> Path:
    return Path(str(resources.files("eco2").joinpath("infrastructure/assets/prompts")))


class DefaultLLMPolicy(LLMPolicyPort):
    def __init__(
        self,
        models: Mapping[tuple[TaskType, ModelTier], str],
        prompts_dir: Path | None = None,
        *,
        timeout_s: float = 30.0,
        initial_wait_s: float = 0.2,
        max_wait_s: float = 8.0,
        sleep: Sleep = asyncio.sleep,
    ):
        self._models = dict(models)
        self._templates: dict[str, string.Template] = {}
        for path in sorted((prompts_dir or builtin_prompts_dir()).glob("*.txt")):
            self._templates[path.stem] = string.Template(path.read_text(encoding="utf-8"))
        self._timeout_s = timeout_s
        self._backoff = wait_exponential_jitter(initial=initial_wait_s, max=max_wait_s, jitter=initial_wait_s)
        self._max_wait_s = max_wait_s
        self._sleep = sleep

    def select_model(self, task_type: TaskType, tier: ModelTier) -> str:
        return self._models.get((task_type, tier)) or self._models.get((task_type, ModelTier.LARGE), "")

    def format_prompt(self, template_name: str, **kwargs: Any) -> str:
        template = self._templates.get(template_name)
        if template is None:
            raise PromptError(f"프롬프트 템플릿 '{template_name}'이(가) 없습니다")
        values = {key: _defuse(value) if isinstance(value, str) else value for key, value in kwargs.items()}
        try:
            return template.substitute(**values)
        except KeyError as exc:
            raise PromptError(f"프롬프트 '{template_name}'에 변수 '{exc.args[0]}'이(가) 없습니다") from None

    async def execute_with_retry(self, operation: Callable[[], Awaitable[T]], max_retries: int = 3) -> T:
        retrying = AsyncRetrying(
            stop=stop_any(stop_after_attempt(max_retries + 1), _ServerWaitTooLong(self._max_wait_s)),
            wait=self._wait,
            retry=retry_if_exception(_retryable),
            sleep=self._sleep,
            before_sleep=_log_retry,
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                return await self._attempt(operation)
        raise AssertionError("unreachable")

    async def _attempt(self, operation: Callable[[], Awaitable[T]]) -> T:
        try:
            async with asyncio.timeout(self._timeout_s):
                return await operation()
        except TimeoutError as exc:
            raise LLMError(f"no answer within {self._timeout_s:g} s", retryable=True) from exc

    def _wait(self, state: RetryCallState) -> float:
        return max(self._backoff(state), _retry_after(state) or 0.0)


def _defuse(value: str) -> str:
    """The templates fence user text with <<< and >>>; text must not be able to close the fence."""
    return value.replace("<<<", "‹‹‹").replace(">>>", "›››")


class _ServerWaitTooLong(stop_base):
    """Stop when the server asks for a longer pause than we are willing to wait."""

    def __init__(self, max_wait_s: float):
        self._max_wait_s = max_wait_s

    def __call__(self, retry_state: RetryCallState) -> bool:
        wait = _retry_after(retry_state)
        return wait is not None and wait > self._max_wait_s


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, LLMError) and exc.retryable


def _retry_after(state: RetryCallState) -> float | None:
    exc = state.outcome.exception() if state.outcome is not None else None
    return exc.retry_after if isinstance(exc, LLMError) else None


def _log_retry(state: RetryCallState) -> None:
    exc = state.outcome.exception() if state.outcome is not None else None
    wait = state.next_action.sleep if state.next_action is not None else None
    log.info("llm_retry", attempt=state.attempt_number, wait_s=wait, error=str(exc))
