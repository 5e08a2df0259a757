"""The providers service as bookings sees it: offerings, experts and panels over HTTP (typed results)."""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable
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


_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


def _id(value: str, field: str) -> str:
    """Ids go into providers' URL paths: anything but an id shape is simply not found."""
    if not _ID.match(value or ""):
        raise NotFound(f"no such id {value!r}", field=field)
    return value


def _items(body: Any) -> list[dict[str, Any]]:
    if isinstance(body, dict):
        return list(body.get("items") or [])
    return list(body or [])


class AnswerCache:
    """Providers' answers that are the same for every logged-in caller (public offerings, the experts of
    an offering on a day, panel membership on a day), kept a few seconds to spare the hops under load.
    Suspensions and withdrawn qualifications also arrive as events, which bookings checks uncached."""

    def __init__(self, ttl_seconds: float) -> None:
        self.ttl = ttl_seconds
        self.entries: dict[tuple[str, ...], tuple[float, Any]] = {}

    async def get(self, key: tuple[str, ...], load: Callable[[], Awaitable[Any]]) -> Any:
        now = time.monotonic()
        hit = self.entries.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        value = await load()
        if self.ttl > 0:
            if len(self.entries) > 10_000:
                self.entries.clear()
            self.entries[key] = (now + self.ttl, value)
        return value


class Providers:
    """Calls made with the caller's own token, so providers applies its own access rules."""

    def __init__(self, client: ServiceClient, principal: Principal, cache: AnswerCache | None = None) -> None:
        self.client, self.token = client, principal.token
        self.cache = cache or AnswerCache(0)

    async def offering(self, offering_id: str) -> Offering:
        _id(offering_id, "offering_id")

        async def load() -> Offering:
            try:
                return Offering.from_json(await self.client.get(f"/v1/offerings/{offering_id}", token=self.token))
            except ProblemError as exc:
                if exc.status == 404:
                    raise NotFound(f"no offering {offering_id}", field="offering_id") from exc
                raise

        return await self.cache.get(("offering", offering_id), load)  # type: ignore[no-any-return]

    async def qualified_experts(self, offering_id: str, on: date) -> list[Expert]:
        _id(offering_id, "offering_id")

        async def load() -> list[Expert]:
            body = await self.client.get(f"/v1/offerings/{offering_id}/experts", params={"on": on.isoformat()},
                                         token=self.token)
            return [Expert.from_json(e) for e in _items(body)]

        return await self.cache.get(("experts", offering_id, on.isoformat()), load)  # type: ignore[no-any-return]

    async def on_panel(self, insurer_id: str, agency_id: str, on: date) -> bool:
        _id(insurer_id, "policy_id")
        _id(agency_id, "offering_id")

        async def load() -> bool:
            body = await self.client.get(f"/v1/panels/{insurer_id}/agencies/{agency_id}",
                                         params={"on": on.isoformat()}, token=self.token)
            return bool(body.get("on_panel"))

        return await self.cache.get(("panel", insurer_id, agency_id, on.isoformat()), load)  # type: ignore[no-any-return]

    async def agency_name(self, agency_id: str) -> str | None:
        """The agency's registered name (what a printed document shows), or None if providers hides it."""
        _id(agency_id, "agency_id")
        try:
            body = await self.client.get(f"/v1/agencies/{agency_id}", token=self.token)
        except ProblemError as exc:
            if exc.status == 404:
                return None
            raise
        return str(body.get("name") or "") or None

    async def expert(self, expert_id: str) -> Expert:
        _id(expert_id, "expert_id")
        return Expert.from_json(await self.client.get(f"/v1/experts/{expert_id}", token=self.token))
