"""The providers service as bookings sees it: offerings, experts and panels over HTTP (typed results)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from services.kernel.auth import Principal
from services.kernel.errors import NotFound, ProblemError
from services.kernel.http import ServiceClient


@dataclass(frozen=True)
class Offering:
    id: str
    agency_id: str
    service_type: str
    price_fen: int
    duration_minutes: int
    title: str = ""
    town_codes: list[str] = field(default_factory=list)
    travel_buffer_minutes: int | None = None
    bookable: bool = True

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Offering:
        return cls(id=data["id"], agency_id=data["agency_id"], service_type=data["service_type"],
                   price_fen=int(data["price_fen"]), duration_minutes=int(data["duration_minutes"]),
                   title=data.get("title") or "", town_codes=list(data.get("town_codes") or []),
                   travel_buffer_minutes=data.get("travel_buffer_minutes"),
                   bookable=bool(data.get("bookable", True)))


@dataclass(frozen=True)
class Expert:
    id: str
    agency_id: str
    name: str

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Expert:
        return cls(id=data["id"], agency_id=data["agency_id"], name=data.get("name") or "")


def _items(body: Any) -> list[dict[str, Any]]:
    if isinstance(body, dict):
        return list(body.get("items") or [])
    return list(body or [])


class Providers:
    """Calls made with the caller's own token, so providers applies its own access rules."""

    def __init__(self, client: ServiceClient, principal: Principal) -> None:
        self.client, self.token = client, principal.token

    async def offering(self, offering_id: str) -> Offering:
        try:
            return Offering.from_json(await self.client.get(f"/v1/offerings/{offering_id}", token=self.token))
        except ProblemError as exc:
            if exc.status == 404:
                raise NotFound(f"no offering {offering_id}", field="offering_id") from exc
            raise

    async def qualified_experts(self, offering_id: str, on: date) -> list[Expert]:
        body = await self.client.get(f"/v1/offerings/{offering_id}/experts", params={"on": on.isoformat()},
                                     token=self.token)
        return [Expert.from_json(e) for e in _items(body)]

    async def on_panel(self, insurer_id: str, agency_id: str, on: date) -> bool:
        body = await self.client.get(f"/v1/panels/{insurer_id}/agencies/{agency_id}",
                                     params={"on": on.isoformat()}, token=self.token)
        return bool(body.get("on_panel"))

    async def expert(self, expert_id: str) -> Expert:
        return Expert.from_json(await self.client.get(f"/v1/experts/{expert_id}", token=self.token))
