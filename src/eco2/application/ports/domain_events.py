"""System events between components (seed §2.2): at-least-once, handled idempotently."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable

from eco2.domain.events import DomainEvent

EventHandler = Callable[[DomainEvent], Awaitable[None]]


class DomainEventBusPort(ABC):
    @abstractmethod
    async def publish(self, event: DomainEvent) -> str: ...
