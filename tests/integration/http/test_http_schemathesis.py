"""Schemathesis against /openapi.json over real HTTP: no 5xx, every response matches the schema."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from http_harness import ServiceThread, redis_service_url
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from eco2.settings import Settings


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceThread]:
    prefix = f"t{uuid.uuid4().hex[:12]}"
    data_dir: Path = tmp_path_factory.mktemp("schemathesis")
    config = Settings(
        redis_url=redis_service_url(),
        data_dir=data_dir,
        jobs_prefix=prefix,
        queue_name=f"{prefix}:jobs",
        events_prefix=f"{prefix}:events",
        domain_events_stream=f"{prefix}:domain",
        rate_limit_per_minute=1000,
    )
    thread = ServiceThread(config).start()
    yield thread
    thread.stop()


def test_api_conforms_to_its_schema(service: ServiceThread) -> None:
    schema = schemathesis.openapi.from_url(f"{service.url}/openapi.json")
    cases = st.one_of(schema.as_strategy(), schema.as_strategy(GenerationMode.NEGATIVE))

    @given(case=cases)
    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def check(case) -> None:  # type: ignore[no-untyped-def]
        case.call_and_validate(timeout=10)

    check()
