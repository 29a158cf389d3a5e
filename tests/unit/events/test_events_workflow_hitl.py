"""The pause-and-resume flow through the real graph, with fakes of every port (seed §4.2)."""

from __future__ import annotations

import asyncio

import pytest
from events_fakes import (
    NEARBY_QUESTION,
    FakeEventBus,
    FakeInputRequester,
    FakeInteractionStore,
    FakeLocationClient,
    FakeTurnStore,
    build_workflow,
)
from langgraph.checkpoint.memory import InMemorySaver
from progress_fakes import InProcessProgressNotifier

from eco2.application.ports.turns import TurnStatus
from eco2.application.services.human_input import (
    InputAlreadyAnsweredError,
    InvalidHumanInputError,
    JobNotWaitingError,
    UnknownJobError,
)
from eco2.domain.events import EventType

SEOUL = {"latitude": 37.5665, "longitude": 126.978}


class Setup:
    def __init__(self) -> None:
        self.notifier = InProcessProgressNotifier()
        self.store = FakeInteractionStore()
        self.turns = FakeTurnStore()
        self.bus = FakeEventBus()
        self.location = FakeLocationClient()
        self.requester = FakeInputRequester(self.notifier, self.store)
        self.workflow = build_workflow(
            self.notifier, InMemorySaver(), requester=self.requester, store=self.store, turns=self.turns,
            bus=self.bus, location=self.location,
        )

    def event_types(self, job_id: str) -> list[str]:
        return [e["event_type"] for e in self.notifier.events(job_id)]


@pytest.fixture
def setup() -> Setup:
    return Setup()


async def test_unknown_location_pauses_the_job(setup: Setup) -> None:
    result = await setup.workflow.run_turn("s1", NEARBY_QUESTION, job_id="j1")

    assert result.status == "waiting_human"
    assert result.needs_input is not None and result.needs_input["input_type"] == "location"
    types = setup.event_types("j1")
    assert types[-2:] == ["needs_input", "done"]
    assert setup.notifier.events("j1")[-1]["payload"]["status"] == "waiting_human"
    assert setup.turns.records["j1"].status is TurnStatus.WAITING_HUMAN
    assert setup.store.pending["j1"].session_id == "s1"
    assert setup.store.pending["j1"].resume_node == "location"
    assert [e.type for e in setup.bus.events] == [EventType.JOB_STARTED, EventType.INPUT_REQUESTED]
    assert setup.location.points == []


async def test_resume_finishes_the_same_job_from_the_checkpoint(setup: Setup) -> None:
    await setup.workflow.run_turn("s1", NEARBY_QUESTION, job_id="j1")

    result = await setup.workflow.resume("j1", SEOUL)

    assert result.status == "completed"
    assert result.job_id == "j1" and result.session_id == "s1"
    assert "행복동 재활용센터" in result.answer
    assert setup.location.points[0].latitude == SEOUL["latitude"]
    assert setup.event_types("j1")[-1] == "done"
    assert setup.turns.records["j1"].status is TurnStatus.COMPLETED
    completed = setup.bus.events[-1]
    assert completed.type is EventType.JOB_COMPLETED
    assert completed.data["message"] == NEARBY_QUESTION
    assert completed.data["answer"] == result.answer
    assert EventType.INPUT_RECEIVED in [e.type for e in setup.bus.events]


async def test_a_known_location_does_not_pause(setup: Setup) -> None:
    result = await setup.workflow.run_turn("s1", NEARBY_QUESTION, job_id="j1", user_location=SEOUL)

    assert result.status == "completed"
    assert "needs_input" not in setup.event_types("j1")


async def test_the_location_is_remembered_for_the_next_turn(setup: Setup) -> None:
    await setup.workflow.run_turn("s1", NEARBY_QUESTION, job_id="j1")
    await setup.workflow.resume("j1", SEOUL)

    again = await setup.workflow.run_turn("s1", NEARBY_QUESTION, job_id="j2")

    assert again.status == "completed"


async def test_resume_of_an_unknown_job_is_refused(setup: Setup) -> None:
    with pytest.raises(UnknownJobError):
        await setup.workflow.resume("nope", SEOUL)


async def test_resume_of_a_job_that_is_not_waiting_is_refused(setup: Setup) -> None:
    await setup.workflow.run_turn("s1", "페트병 어떻게 버려요?", job_id="j1")

    with pytest.raises(JobNotWaitingError):
        await setup.workflow.resume("j1", SEOUL)
    assert setup.turns.records["j1"].status is TurnStatus.COMPLETED


async def test_a_second_resume_is_refused(setup: Setup) -> None:
    await setup.workflow.run_turn("s1", NEARBY_QUESTION, job_id="j1")
    await setup.workflow.resume("j1", SEOUL)

    with pytest.raises(JobNotWaitingError):
        await setup.workflow.resume("j1", SEOUL)


async def test_of_two_concurrent_resumes_exactly_one_runs(setup: Setup) -> None:
    await setup.workflow.run_turn("s1", NEARBY_QUESTION, job_id="j1")

    outcomes = await asyncio.gather(
        setup.workflow.resume("j1", SEOUL), setup.workflow.resume("j1", SEOUL), return_exceptions=True
    )

    completed = [o for o in outcomes if not isinstance(o, BaseException)]
    refused = [o for o in outcomes if isinstance(o, InputAlreadyAnsweredError | JobNotWaitingError)]
    assert len(completed) == 1 and len(refused) == 1
    assert len(setup.location.points) == 1


@pytest.mark.parametrize(
    "value",
    [
        "서울시청",
        {"latitude": 200, "longitude": 127.0},
        {"latitude": 37.5, "longitude": -181},
        {"latitude": "37.5", "longitude": 127.0},
        {"latitude": float("nan"), "longitude": 127.0},
        {"latitude": True, "longitude": 127.0},
        {"lat": 37.5},
    ],
)
async def test_bad_input_is_refused_and_the_job_keeps_waiting(setup: Setup, value: object) -> None:
    await setup.workflow.run_turn("s1", NEARBY_QUESTION, job_id="j1")
    before = setup.store.pending["j1"]

    with pytest.raises(InvalidHumanInputError):
        await setup.workflow.resume("j1", value)

    assert setup.store.pending["j1"] == before
    assert setup.turns.records["j1"].status is TurnStatus.WAITING_HUMAN
    result = await setup.workflow.resume("j1", SEOUL)
    assert result.status == "completed"


async def test_a_newer_turn_in_the_session_supersedes_the_pause(setup: Setup) -> None:
    await setup.workflow.run_turn("s1", NEARBY_QUESTION, job_id="j1")
    await setup.workflow.run_turn("s1", "페트병 어떻게 버려요?", job_id="j2")

    with pytest.raises(JobNotWaitingError) as raised:
        await setup.workflow.resume("j1", SEOUL)
    assert raised.value.status == "superseded"
