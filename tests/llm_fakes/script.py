"""What a fake model server says: scripted faults, an echo of the prompt's grounding, a recorded log.

A fake cannot know waste rules, so its answer repeats the prompt's [근거 규정] section: a test that
finds a rule sentence in the answer knows the grounding reached the model.
"""

from __future__ import annotations

import json
import re
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

_RULES = re.compile(r"\[근거 규정\]\n(.*?)(?:\n\n\[|\Z)", re.S)
_MESSAGE = re.compile(r"<<<\n(.*?)\n>>>", re.S)
_TOKEN = re.compile(r"\S+\s*|\s+")


@dataclass
class Fault:
    """One scripted misbehaviour, used up by one request."""

    status: int | None = None  # answer with this HTTP error status
    headers: dict[str, str] = field(default_factory=dict)  # e.g. {"Retry-After": "1"}
    body: dict[str, Any] | None = None  # error body; a provider-shaped default when None
    delay_s: float = 0.0  # wait this long before answering (timeouts)
    drop_after: int | None = None  # streams: break the connection after this many chunks
    error_after: int | None = None  # OpenAI streams: send an error event after this many chunks


@dataclass
class Script:
    """Shared between a server thread and the test; every access holds the lock."""

    faults: deque[Fault] = field(default_factory=deque)
    requests: list[dict[str, Any]] = field(default_factory=list)
    intent_reply: str | None = None  # raw text for structured-output calls; derived when None
    stream_tokens: int | None = None  # benchmarks: stream this many filler tokens instead
    token_interval_s: float = 0.0  # streams: pause this long before each token (a model's pace)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def fail(self, *faults: Fault) -> None:
        with self._lock:
            self.faults.extend(faults)

    def next_fault(self, body: dict[str, Any]) -> Fault | None:
        with self._lock:
            self.requests.append(body)
            return self.faults.popleft() if self.faults else None

    @property
    def count(self) -> int:
        with self._lock:
            return len(self.requests)

    def intent_text(self, prompt: str) -> str:
        if self.intent_reply is not None:
            return self.intent_reply
        return json.dumps({"intent": guess_intent(prompt), "confidence": 0.9})

    def answer_tokens(self, prompt: str) -> list[str]:
        if self.stream_tokens is not None:
            return ["토큰 "] * self.stream_tokens
        return _TOKEN.findall(answer_text(prompt))


def answer_text(prompt: str) -> str:
    rules = _RULES.search(prompt)
    if rules is None or not rules.group(1).strip() or rules.group(1).startswith("("):
        return "에코에코 테스트 서버예요. 근거 규정이 없는 질문이에요."
    return "근거 규정에 따르면 이렇게 버려요.\n" + rules.group(1).strip()


def guess_intent(prompt: str) -> str:
    match = _MESSAGE.search(prompt)
    message = match.group(1) if match else prompt
    for intent, words in (
        ("character", ("캐릭터",)),
        ("location", ("근처", "주변")),
        ("general", ("안녕", "고마", "감사")),
    ):
        if any(word in message for word in words):
            return intent
    return "waste"
