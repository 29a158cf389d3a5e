"""Model choice, Korean prompt templates and retries with backoff (seed §5.2)."""

from __future__ import annotations

import string
from collections.abc import Awaitable, Callable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from eco2.application.ports.llm import LLMError, LLMPolicyPort, ModelTier, TaskType

T = TypeVar("T")


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
        max_wait_s: float = 8.0,
    ):
        self._models = dict(models)
        self._templates: dict[str, string.Template] = {}
        for path in sorted((prompts_dir or builtin_prompts_dir()).glob("*.txt")):
            self._templates[path.stem] = string.Template(path.read_text(encoding="utf-8"))
        self._max_wait_s = max_wait_s

    def select_model(self, task_type: TaskType, tier: ModelTier) -> str:
        return self._models.get((task_type, tier)) or self._models.get((task_type, ModelTier.LARGE), "")

    def format_prompt(self, template_name: str, **kwargs: Any) -> str:
        template = self._templates.get(template_name)
        if template is None:
            raise PromptError(f"프롬프트 템플릿 '{template_name}'이(가) 없습니다")
        try:
            return template.substitute(**kwargs)
        except KeyError as exc:
            raise PromptError(f"프롬프트 '{template_name}'에 변수 '{exc.args[0]}'이(가) 없습니다") from None

    async def execute_with_retry(self, operation: Callable[[], Awaitable[T]], max_retries: int = 3) -> T:
        retrying = AsyncRetrying(
            stop=stop_after_attempt(max_retries + 1),
            wait=wait_exponential_jitter(initial=0.2, max=self._max_wait_s),
            retry=retry_if_exception(lambda exc: isinstance(exc, LLMError) and exc.retryable),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                return await operation()
        raise AssertionError("unreachable")
