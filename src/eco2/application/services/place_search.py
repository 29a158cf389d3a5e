"""Nearby places for a question, once the user's location is known."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from eco2.application.ports.location import GeoPoint, LocationClientPort
from eco2.application.ports.retriever import RetrieverPort
from eco2.domain.categories import WasteCategory

# Which collection points take what the user mentions (a battery question wants battery boxes).
_PICKUP_BY_CATEGORY = {
    WasteCategory.BATTERY: "battery",
    WasteCategory.LIGHTING: "lighting",
    WasteCategory.ELECTRONICS: "electronics",
    WasteCategory.CLOTHING: "clothing",
    WasteCategory.HAZARDOUS: "hazardous",
}
_STORE_WORDS = (("리필", "refill"), ("제로웨이스트", "zero_waste"), ("재활용센터", "recycling_center"))


class PlaceSearchService:
    def __init__(self, client: LocationClientPort, retriever: RetrieverPort, radius_m: int = 3000, limit: int = 5):
        self._client = client
        self._retriever = retriever
        self._radius_m = radius_m
        self._limit = limit

    async def nearby(self, message: str, location: dict[str, float]) -> dict[str, Any]:
        point = GeoPoint(float(location["latitude"]), float(location["longitude"]))
        text = message.replace(" ", "")
        store = next((value for word, value in _STORE_WORDS if word in text), "")
        category = self._retriever.search(message).category
        pickup = _PICKUP_BY_CATEGORY.get(category, "") if category else ""
        places = await self._client.search_nearby(
            point, radius_m=self._radius_m, limit=self._limit, store_category=store, pickup_category=pickup
        )
        return {
            "kind": "location",
            "available": True,
            "location_known": True,
            "places": [asdict(place) | {"pickup_categories": list(place.pickup_categories)} for place in places],
        }
