"""Client of the providers service: agencies, offerings, experts, panels, complaints, reviews."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from gateway.clients.base import BoundClient

Row = dict[str, Any]


class ProvidersClient(BoundClient):
    service = "providers"

    async def agencies(self, params: dict[str, Any]) -> Row:
        return await self.page("/v1/agencies", params)

    async def agency(self, agency_id: str) -> Row:
        return dict(await self.get(f"/v1/agencies/{agency_id}"))

    async def agencies_by_ids(self, ids: Iterable[str]) -> list[Row]:
        return await self.by_ids("/v1/agencies", ids, extra={"approved_only": False})

    async def apply_agency(self, body: Row) -> Row:
        return dict(await self.post("/v1/agencies", body))

    async def review_agency(self, agency_id: str, decision: str, note: str | None) -> Row:
        return dict(await self.post(f"/v1/agencies/{agency_id}/decisions", {"decision": decision, "note": note}))

    async def offerings_by_ids(self, ids: Iterable[str]) -> list[Row]:
        return await self.by_ids("/v1/offerings", ids)

    async def offerings_of_agencies(self, agency_ids: Iterable[str]) -> list[Row]:
        return await self.by_ids("/v1/offerings", agency_ids, key="agency_ids")

    async def experts_by_ids(self, ids: Iterable[str]) -> list[Row]:
        return await self.by_ids("/v1/experts", ids)

    async def experts_of_agencies(self, agency_ids: Iterable[str]) -> list[Row]:
        return await self.by_ids("/v1/experts", agency_ids, key="agency_ids")

    async def expert(self, expert_id: str) -> Row:
        return dict(await self.get(f"/v1/experts/{expert_id}"))

    async def experts(self, params: dict[str, Any]) -> Row:
        return await self.page("/v1/experts", params)

    async def add_expert(self, agency_id: str, body: Row, idempotency_key: str | None = None) -> Row:
        return dict(await self.post(f"/v1/agencies/{agency_id}/experts", body, idempotency_key=idempotency_key))

    async def update_expert(self, expert_id: str, body: Row) -> Row:
        return dict(await self.patch(f"/v1/experts/{expert_id}", body))

    async def add_expert_certificate(self, expert_id: str, body: Row) -> Row:
        return dict(await self.post(f"/v1/experts/{expert_id}/certificates", body))

    async def offering_experts(self, offering_id: str, *, on: date | None, town_code: str | None) -> list[Row]:
        body = await self.page(f"/v1/offerings/{offering_id}/experts",
                               {"on": on.isoformat() if on else None, "town_code": town_code})
        return list(body["items"])

    async def add_qualification(self, agency_id: str, body: Row, idempotency_key: str | None = None) -> Row:
        return dict(await self.post(f"/v1/agencies/{agency_id}/qualifications", body,
                                    idempotency_key=idempotency_key))

    async def qualifications_of_agencies(self, agency_ids: Iterable[str]) -> list[Row]:
        return await self.by_ids("/v1/qualifications", agency_ids, key="agency_ids")

    async def notices(self, agency_id: str) -> list[Row]:
        return list(await self.get(f"/v1/agencies/{agency_id}/notices"))

    async def panel(self, insurer_id: str, include_removed: bool = False) -> list[Row]:
        body = await self.page(f"/v1/panels/{insurer_id}", {"include_removed": include_removed})
        return list(body["items"])

    async def panel_changes(self, insurer_id: str) -> list[Row]:
        return list(await self.get(f"/v1/panels/{insurer_id}/changes"))

    async def on_panel(self, insurer_id: str, agency_id: str) -> bool:
        return bool((await self.get(f"/v1/panels/{insurer_id}/agencies/{agency_id}"))["on_panel"])

    async def add_to_panel(self, insurer_id: str, body: Row, idempotency_key: str | None = None) -> Row:
        return dict(await self.post(f"/v1/panels/{insurer_id}/agencies", body, idempotency_key=idempotency_key))

    async def remove_from_panel(self, insurer_id: str, agency_id: str, reason: str) -> list[Row]:
        return list(await self.post(f"/v1/panels/{insurer_id}/agencies/{agency_id}/removal", {"reason": reason}))

    async def complaints(self, params: dict[str, Any]) -> Row:
        return await self.page("/v1/complaints", params)

    async def complaint(self, complaint_id: str) -> Row:
        return dict(await self.get(f"/v1/complaints/{complaint_id}"))

    async def file_complaint(self, body: Row, idempotency_key: str | None = None) -> Row:
        return dict(await self.post("/v1/complaints", body, idempotency_key=idempotency_key))

    async def complaint_comments(self, complaint_id: str) -> list[Row]:
        return list(await self.get(f"/v1/complaints/{complaint_id}/comments"))

    async def comment_on_complaint(self, complaint_id: str, text: str) -> Row:
        return dict(await self.post(f"/v1/complaints/{complaint_id}/comments", {"text": text}))

    async def require_fact_check(self, complaint_id: str, reason: str) -> Row:
        return dict(await self.post(f"/v1/complaints/{complaint_id}/fact-check", {"reason": reason}))

    async def extend_complaint(self, complaint_id: str, days: int, reason: str) -> Row:
        return dict(await self.post(f"/v1/complaints/{complaint_id}/extension", {"days": days, "reason": reason}))

    async def answer_complaint(self, complaint_id: str, body: Row) -> Row:
        return dict(await self.post(f"/v1/complaints/{complaint_id}/answer", body))

    async def reviews(self, params: dict[str, Any]) -> Row:
        return await self.page("/v1/reviews", params)

    async def review_visit(self, body: Row, idempotency_key: str | None = None) -> Row:
        return dict(await self.post("/v1/reviews", body, idempotency_key=idempotency_key))

    async def reply_to_review(self, review_id: str, text: str) -> Row:
        return dict(await self.post(f"/v1/reviews/{review_id}/reply", {"text": text}))
