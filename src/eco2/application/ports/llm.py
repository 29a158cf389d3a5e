"""LLM ports (seed §5): clients only call a model; the policy decides how."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable
from enum import StrEnum
from typing import Any, TypeVar

T = TypeVar("T")


class TaskType(StrEnum):
    INTENT = "intent"
    ANSWER = "answer"


class ModelTier(StrEnum):
    SMALL = "small"
    LARGE = "large"


class LLMError(Exception):
    """A model call failed; ``retryable`` says whether trying again may help."""

    def __init__(self, message: str, *, retryable: bool = False, retry_after: float | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after


class LLMClientPort(ABC):
    """A pure model call. ``context`` carries structured data a client may use (the retrieved rules)."""

    name: str = "llm"

    @abstractmethod
    async def generate(
        self,
        prompt: str,
        system_prompt: str | None = None,
        context: dict[str, Any] | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
        model: str | None = None,
        response_schema: dict[str, Any] | None = None,
    ) -> str: ...

    @abstractmethod
    def generate_stream(
        self,
        prompt: str,
        system_prompt: str | None = None,
        context: dict[str, Any] | None = None,
        max_tokens: int | None = None,
        temperature: float | None = None,
        model: str | None = None,
    ) -> AsyncIterator[str]: ...


class LLMPolicyPort(ABC):
    """Model choice, prompt formatting and retries, kept out of the clients."""

    @abstractmethod
    def select_model(self, task_type: TaskType, tier: ModelTier) -> str: ...

    @abstractmethod
    def format_prompt(self, template_name: str, **kwargs: Any) -> str: ...

    @abstractmethod
    async def execute_with_retry(self, operation: Callable[[], Awaitable[T]], max_retries: int = 3) -> T: ...
