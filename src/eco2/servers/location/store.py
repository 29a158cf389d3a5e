"""PlaceStore: where places live. SQLite and PostgreSQL share the table layout and the nearby query."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

from eco2.servers.location.places import Place
from eco2.servers.location.search import NearbyQuery, NearbyResult


class PlaceStore(ABC):
    """Blocking calls: the gRPC servicer runs them in a worker thread."""

    @abstractmethod
    def ensure_schema(self) -> None: ...

    @abstractmethod
    def upsert(self, places: Sequence[Place]) -> int:
        """Insert or replace by id; returns how many rows were written."""

    @abstractmethod
    def refresh_statistics(self) -> None:
        """After a bulk load, so the planner (and PostgreSQL's index-only scans) see the new rows."""

    @abstractmethod
    def nearby(self, query: NearbyQuery) -> NearbyResult: ...

    @abstractmethod
    def count(self) -> int: ...

    @abstractmethod
    def close(self) -> None: ...
