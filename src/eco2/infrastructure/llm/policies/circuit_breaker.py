"""A circuit breaker per LLM provider: stop calling one that keeps failing, try it again later.

Closed: calls go through; ``failure_threshold`` failures in a row open it. Open: calls are refused
until ``cooldown_s`` has passed, then it half-opens and lets one probe through. The probe's success
closes it; its failure opens it for another cool-down. A probe that never reports back (its caller was
cancelled) stops blocking others after one cool-down.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import StrEnum

import structlog

log = structlog.get_logger(__name__)


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    def __init__(
        self,
        name: str,
        failure_threshold: int = 5,
        cooldown_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        if failure_threshold < 1 or cooldown_s < 0:
            raise ValueError("failure_threshold must be >= 1 and cooldown_s >= 0")
        self.name = name
        self._threshold = failure_threshold
        self._cooldown_s = cooldown_s
        self._clock = clock
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._probe_started_at: float | None = None

    @property
    def state(self) -> BreakerState:
        return self._state

    def allow(self) -> bool:
        """May a call go out now? In half-open state only one probe at a time may."""
        now = self._clock()
        if self._state is BreakerState.CLOSED:
            return True
        if self._state is BreakerState.OPEN:
            if now - self._opened_at < self._cooldown_s:
                return False
            self._state = BreakerState.HALF_OPEN
            log.info("llm_breaker_half_open", provider=self.name)
        if self._probe_started_at is not None and now - self._probe_started_at < self._cooldown_s:
            return False
        self._probe_started_at = now
        return True

    def record_success(self) -> None:
        if self._state is not BreakerState.CLOSED:
            log.info("llm_breaker_closed", provider=self.name)
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._probe_started_at = None

    def record_failure(self) -> None:
        self._failures += 1
        if self._state is BreakerState.HALF_OPEN or self._failures >= self._threshold:
            if self._state is not BreakerState.OPEN:
                log.warning("llm_breaker_opened", provider=self.name, failures=self._failures)
            self._state = BreakerState.OPEN
            self._opened_at = self._clock()
            self._probe_started_at = None
