"""CircuitBreaker: opens after consecutive failures, half-opens after a cool-down, closes on success."""

from __future__ import annotations

import pytest

from eco2.infrastructure.llm.policies.circuit_breaker import BreakerState, CircuitBreaker


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def breaker(clock: FakeClock, threshold: int = 3, cooldown: float = 10.0) -> CircuitBreaker:
    return CircuitBreaker("openai", failure_threshold=threshold, cooldown_s=cooldown, clock=clock)


def test_opens_after_threshold_consecutive_failures():
    b = breaker(FakeClock())
    for _ in range(2):
        b.record_failure()
        assert b.allow()
    b.record_failure()
    assert b.state is BreakerState.OPEN
    assert not b.allow()


def test_a_success_resets_the_failure_count():
    b = breaker(FakeClock())
    b.record_failure()
    b.record_failure()
    b.record_success()
    b.record_failure()
    b.record_failure()
    assert b.state is BreakerState.CLOSED


def test_half_opens_after_cooldown_and_lets_one_probe_through():
    clock = FakeClock()
    b = breaker(clock)
    for _ in range(3):
        b.record_failure()
    clock.now += 9.9
    assert not b.allow()
    clock.now += 0.2
    assert b.allow()
    assert b.state is BreakerState.HALF_OPEN
    assert not b.allow()  # a second caller waits for the probe's outcome


def test_probe_success_closes():
    clock = FakeClock()
    b = breaker(clock)
    for _ in range(3):
        b.record_failure()
    clock.now += 11
    assert b.allow()
    b.record_success()
    assert b.state is BreakerState.CLOSED
    assert b.allow() and b.allow()


def test_probe_failure_reopens_for_another_cooldown():
    clock = FakeClock()
    b = breaker(clock)
    for _ in range(3):
        b.record_failure()
    clock.now += 11
    assert b.allow()
    b.record_failure()
    assert b.state is BreakerState.OPEN
    clock.now += 5
    assert not b.allow()
    clock.now += 6
    assert b.allow()


def test_a_probe_that_never_reports_back_stops_blocking_after_a_cooldown():
    clock = FakeClock()
    b = breaker(clock)
    for _ in range(3):
        b.record_failure()
    clock.now += 11
    assert b.allow()
    clock.now += 11
    assert b.allow()


def test_rejects_nonsense_settings():
    with pytest.raises(ValueError):
        CircuitBreaker("x", failure_threshold=0)
