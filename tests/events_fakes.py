"""Hand-written fakes of the ports the event/HITL tests need, and a chat graph wired with them."""

from __future__ import annotations

import time
import uuid
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver

from eco2.application.ports.conversations import ConversationStorePort, ConversationTurn, SessionPage
from eco2.application.ports.domain_events import DomainEventBusPort
from eco2.application.ports.interaction import (
    HumanInputRequest,
    InputRequesterPort,
    InputType,
    InteractionStateStorePort,
)
from eco2.application.ports.location import GeoPoint, LocationClientPort, PlaceDTO
from eco2.application.ports.progress import ProgressNotifierPort
from eco2.application.ports.turns import TurnRecord, TurnStorePort
from eco2.bootstrap import build_policy, build_retriever
from eco2.domain.events import DomainEvent
from eco2.infrastructure.llm.clients.local_grounded_responder import LocalGroundedResponder
from eco2.infrastructure.orchestration.langgraph.factory import create_chat_graph
from eco2.infrastructure.orchestration.langgraph.workflow import ChatWorkflow, HumanInTheLoop
from eco2.settings import Settings

NEARBY_QUESTION = "근처 재활용센터 알려줘"


class FakeLocationClient(LocationClientPort):
    def __init__(self) -> None:
        self.points: list[GeoPoint] = []

    async def search_nearby(
        self,
        point: GeoPoint,
        *,
        radius_m: int = 3000,
        limit: int = 5,
        store_category: str = "",
        pickup_category: str = "",
    ) -> list[PlaceDTO]:
        self.points.append(point)
        return [
            PlaceDTO(
                "p1", "행복동 재활용센터", "서울 중구 세종대로 1", point.latitude, point.longitude,
                0.3, "300m", "recycling_center",
            )
        ]


class FakeInteractionStore(InteractionStateStorePort):
    def __init__(self) -> None:
        self.pending: dict[str, HumanInputRequest] = {}

    async def save_pending_request(self, job_id: str, request: HumanInputRequest) -> None:
        self.pending[job_id] = request

    async def get_pending_request(self, job_id: str) -> HumanInputRequest | None:
        return self.pending.get(job_id)

    async def clear_pending_request(self, job_id: str, request_id: str) -> bool:
        request = self.pending.get(job_id)
        if request is None or request.request_id != request_id:
            return False
        del self.pending[job_id]
        return True


class FakeInputRequester(InputRequesterPort):
    def __init__(self, notifier: ProgressNotifierPort, store: InteractionStateStorePort) -> None:
        self._notifier = notifier
        self._store = store
        self.waiting: dict[str, tuple[dict[str, Any], str]] = {}

    async def save_waiting_state(self, job_id: str, state: dict[str, Any], resume_node: str) -> None:
        self.waiting[job_id] = (state, resume_node)

    async def request_input(
        self, job_id: str, input_type: InputType, message: str, timeout: int, *, session_id: str = ""
    ) -> str:
        request = HumanInputRequest(
            job_id, uuid.uuid4().hex, input_type, message, timeout, self.waiting[job_id][1], session_id,
            time.time(),
        )
        await self._store.save_pending_request(job_id, request)
        await self._notifier.notify_needs_input(job_id, input_type.value, message, timeout)
        return request.request_id


class FakeTurnStore(TurnStorePort):
    def __init__(self) -> None:
        self.records: dict[str, TurnRecord] = {}

    async def save(self, record: TurnRecord) -> None:
        self.records[record.job_id] = record

    async def get(self, job_id: str) -> TurnRecord | None:
        return self.records.get(job_id)


class FakeEventBus(DomainEventBusPort):
    def __init__(self) -> None:
        self.events: list[DomainEvent] = []

    async def publish(self, event: DomainEvent) -> str:
        self.events.append(event)
        return str(len(self.events))


class FakeConversationStore(ConversationStorePort):
    def __init__(self) -> None:
        self.turns: dict[str, ConversationTurn] = {}

    async def setup(self) -> None:
        return None

    async def save_turn(self, turn: ConversationTurn) -> bool:
        if turn.job_id in self.turns:
            return False
        self.turns[turn.job_id] = turn
        return True

    async def list_sessions(self, limit: int = 20, cursor: str | None = None) -> SessionPage:
        raise NotImplementedError

    async def get_history(self, session_id: str, limit: int = 100) -> list[ConversationTurn]:
        return [t for t in self.turns.values() if t.session_id == session_id][-limit:]

    async def delete_session(self, session_id: str) -> int:
        raise NotImplementedError


def build_workflow(
    notifier: ProgressNotifierPort,
    checkpointer: BaseCheckpointSaver,
    *,
    requester: InputRequesterPort,
    store: InteractionStateStorePort,
    turns: TurnStorePort,
    bus: DomainEventBusPort | None = None,
    location: LocationClientPort | None = None,
) -> ChatWorkflow:
    """The real chat graph with a fake location service, so the location node can pause."""
    settings = Settings(kb_dir=None)
    graph = create_chat_graph(
        llm=LocalGroundedResponder(),
        retriever=build_retriever(settings),
        event_publisher=notifier,
        policy=build_policy(settings),
        location_client=location or FakeLocationClient(),
        input_requester=requester,
        checkpointer=checkpointer,
    )
    return ChatWorkflow(graph, notifier, bus, HumanInTheLoop(requester, store, turns, timeout_s=120))
