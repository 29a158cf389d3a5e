"""Human-in-the-loop ports (seed §4.2): ask and save state, never wait."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class InputType(StrEnum):
    LOCATION = "location"


@dataclass(frozen=True)
class HumanInputRequest:
    job_id: str
    request_id: str
    input_type: InputType
    message: str
    timeout: int
    resume_node: str
    session_id: str = ""
    created_at: float = 0.0


class InputRequesterPort(ABC):
    @abstractmethod
    async def request_input(
        self, job_id: str, input_type: InputType, message: str, timeout: int, *, session_id: str = ""
    ) -> str:
        """Publish ``needs_input`` and return the request id; does not wait."""

    @abstractmethod
    async def save_waiting_state(self, job_id: str, state: dict[str, Any], resume_node: str) -> None: ...


class InteractionStateStorePort(ABC):
    @abstractmethod
    async def save_pending_request(self, job_id: str, request: HumanInputRequest) -> None: ...

    @abstractmethod
    async def get_pending_request(self, job_id: str) -> HumanInputRequest | None: ...

    @abstractmethod
    async def clear_pending_request(self, job_id: str, request_id: str) -> bool:
        """Remove the request if it is still pending; False when it was already answered."""
