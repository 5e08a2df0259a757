"""Client of the bookings service: slots, bookings, visits, hazards, the prevention ledger and metrics."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from gateway.clients.base import BoundClient

Row = dict[str, Any]


class BookingsClient(BoundClient):
    service = "bookings"

    async def slots(self, offering_id: str, start: str, end: str, expert_id: str | None = None) -> list[Row]:
        body = await self.get("/v1/slots", {"offering_id": offering_id, "from": start, "to": end,
                                            "expert_id": expert_id})
        return list(body["items"] if isinstance(body, dict) else body)

    async def expert_hours(self, expert_id: str) -> list[Row]:
        return list(await self.get(f"/v1/experts/{expert_id}/hours"))

    async def set_expert_hours(self, expert_id: str, hours: list[Row]) -> list[Row]:
        return list(await self.put(f"/v1/experts/{expert_id}/hours", hours))

    async def expert_time_off(self, expert_id: str) -> list[Row]:
        return list(await self.get(f"/v1/experts/{expert_id}/time-off"))

    async def add_expert_time_off(self, expert_id: str, body: Row) -> Row:
        return dict(await self.post(f"/v1/experts/{expert_id}/time-off", body))

    async def book_visit(self, body: Row, idempotency_key: str | None = None) -> Row:
        return dict(await self.post("/v1/bookings", body, idempotency_key=idempotency_key))

    async def booking(self, booking_id: str) -> Row:
        return dict(await self.get(f"/v1/bookings/{booking_id}"))

    async def bookings(self, params: dict[str, Any]) -> Row:
        return await self.page("/v1/bookings", params)

    async def bookings_by_ids(self, ids: Iterable[str]) -> list[Row]:
        return await self.by_ids("/v1/bookings", ids)

    async def bookings_of_policies(self, policy_ids: Iterable[str]) -> list[Row]:
        return await self.by_ids("/v1/bookings", policy_ids, key="policy_ids")

    async def confirm(self, booking_id: str, expert_id: str | None = None) -> Row:
        return dict(await self.post(f"/v1/bookings/{booking_id}/confirm", {"expert_id": expert_id}))

    async def cancel(self, booking_id: str, reason: str) -> Row:
        return dict(await self.post(f"/v1/bookings/{booking_id}/cancel", {"reason": reason}))

    async def check_in(self, booking_id: str, body: Row | None = None) -> Row:
        return dict(await self.post(f"/v1/bookings/{booking_id}/check-in", body or {}))

    async def report(self, booking_id: str, body: Row) -> Row:
        return dict(await self.post(f"/v1/bookings/{booking_id}/report", body))

    async def acknowledge(self, booking_id: str) -> Row:
        return dict(await self.post(f"/v1/bookings/{booking_id}/acknowledge"))

    async def hazards(self, params: dict[str, Any]) -> Row:
        return await self.page("/v1/hazards", params)

    async def hazards_by_ids(self, ids: Iterable[str]) -> list[Row]:
        return await self.by_ids("/v1/hazards", ids)

    async def hazards_of_bookings(self, booking_ids: Iterable[str]) -> list[Row]:
        return await self.by_ids("/v1/hazards", booking_ids, key="booking_ids")

    async def hazard(self, hazard_id: str) -> Row:
        return dict(await self.get(f"/v1/hazards/{hazard_id}"))

    async def hazard_history(self, hazard_id: str) -> list[Row]:
        return list(await self.get(f"/v1/hazards/{hazard_id}/history"))

    async def rectify(self, hazard_id: str, description: str, photo_ids: list[str]) -> Row:
        return dict(await self.post(f"/v1/hazards/{hazard_id}/rectifications",
                                    {"description": description, "photo_ids": photo_ids}))

    async def verify(self, hazard_id: str, accepted: bool, note: str | None) -> Row:
        return dict(await self.post(f"/v1/hazards/{hazard_id}/verification", {"accepted": accepted, "note": note}))

    async def ledgers(self, policy_ids: Iterable[str]) -> list[Row]:
        ids = list(dict.fromkeys(policy_ids))
        rows: list[Row] = []
        for start in range(0, len(ids), 500):
            body = await self.get("/v1/ledgers", {"policy_ids": ids[start:start + 500]})
            rows.extend(body["items"] if isinstance(body, dict) else body)
        return rows

    async def prevention_metrics(self, params: dict[str, Any], time_limit: float) -> Row:
        return dict(await self.get("/v1/metrics/prevention", params, time_limit=time_limit))

    async def exposure_cases(self, params: dict[str, Any]) -> Row:
        return await self.page("/v1/exposure-cases", params)

    async def exposure_case(self, case_id: str) -> Row:
        return dict(await self.get(f"/v1/exposure-cases/{case_id}"))

    async def publish_exposure_case(self, body: Row) -> Row:
        return dict(await self.post("/v1/exposure-cases", body))

    async def withdraw_exposure_case(self, case_id: str, reason: str) -> Row:
        return dict(await self.post(f"/v1/exposure-cases/{case_id}/withdrawal", {"reason": reason}))

    async def ledger_page(self, params: dict[str, Any]) -> Row:
        return await self.page("/v1/ledgers", params)

    async def ledger_entries(self, policy_id: str) -> list[Row]:
        return list(await self.get(f"/v1/ledgers/{policy_id}/entries"))

    async def policy_prevention(self, policy_id: str) -> Row:
        return dict(await self.get(f"/v1/policies/{policy_id}/prevention"))

    async def plan(self, policy_id: str) -> Row:
        return dict(await self.get(f"/v1/plans/{policy_id}"))

    async def propose_plan(self, policy_id: str, change: Row) -> Row:
        return dict(await self.post(f"/v1/plans/{policy_id}/proposals", change))

    async def agree_plan(self, policy_id: str, accept: bool) -> Row:
        return dict(await self.post(f"/v1/plans/{policy_id}/agreement", {"accept": accept}))

    async def ledger_totals(self, params: dict[str, Any]) -> Row:
        return dict(await self.get("/v1/ledgers/totals", params))
