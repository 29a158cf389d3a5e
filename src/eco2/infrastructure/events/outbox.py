"""The durable outbox behind the domain event bus: events Redis could not take wait here, in order."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable

from eco2.domain.events import DomainEvent

Publish = Callable[[DomainEvent], Awaitable[None]]


class EventOutbox(ABC):
    @abstractmethod
    async def setup(self) -> None:
        """Create the table if it does not exist."""

    @abstractmethod
    async def add(self, event: DomainEvent) -> None: ...

    @abstractmethod
    async def count(self) -> int: ...

    @abstractmethod
    async def drain(self, publish: Publish, limit: int = 500) -> int:
        """Publish stored events oldest first, removing each once published; stop at the first failure.

        Returns how many were published; the failure propagates after the published ones are removed.
        """
