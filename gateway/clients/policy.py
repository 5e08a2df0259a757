"""Client of the policy service: firms, insurers, products, quotes, policies, payments, coverage."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from gateway.clients.base import BoundClient

Row = dict[str, Any]


class PolicyClient(BoundClient):
    service = "policy"

    async def regions(self, parent_code: str | None) -> list[Row]:
        body = await self.get("/v1/regions", {"parent_code": parent_code})
        return list(body["items"] if isinstance(body, dict) else body)

    async def industries(self) -> list[Row]:
        return list(await self.get("/v1/industries"))

    async def cover_lapses(self, region_code: str | None) -> list[Row]:
        return list(await self.get("/v1/lapses", {"region_code": region_code}))

    async def enterprise(self, enterprise_id: str) -> Row:
        return dict(await self.get(f"/v1/enterprises/{enterprise_id}"))

    async def enterprises(self, params: dict[str, Any]) -> Row:
        return await self.page("/v1/enterprises", params)

    async def enterprises_by_ids(self, ids: Iterable[str]) -> list[Row]:
        return await self.by_ids("/v1/enterprises", ids)

    async def register_enterprise(self, body: Row) -> Row:
        return dict(await self.post("/v1/enterprises", body))

    async def set_regulated_facts(self, enterprise_id: str, body: Row) -> Row:
        return dict(await self.post(f"/v1/enterprises/{enterprise_id}/regulated-facts", body))

    async def regulated_fact_changes(self, enterprise_id: str) -> list[Row]:
        return list(await self.get(f"/v1/enterprises/{enterprise_id}/regulated-fact-changes"))

    async def insurers_by_ids(self, ids: Iterable[str]) -> list[Row]:
        return await self.by_ids("/v1/insurers", ids)

    async def insurers(self) -> list[Row]:
        return list((await self.page("/v1/insurers", {"limit": 500}))["items"])

    async def products(self, insurer_id: str | None) -> list[Row]:
        return list((await self.page("/v1/products", {"insurer_id": insurer_id, "limit": 500}))["items"])

    async def products_by_ids(self, ids: Iterable[str]) -> list[Row]:
        return await self.by_ids("/v1/products", ids)

    async def request_quote(self, body: Row) -> Row:
        return dict(await self.post("/v1/quotes", body))

    async def bind_quote(self, quote_id: str) -> Row:
        return dict(await self.post(f"/v1/quotes/{quote_id}/bind"))

    async def policy(self, policy_id: str) -> Row:
        return dict(await self.get(f"/v1/policies/{policy_id}"))

    async def policies(self, params: dict[str, Any]) -> Row:
        return await self.page("/v1/policies", params)

    async def policies_by_ids(self, ids: Iterable[str]) -> list[Row]:
        return await self.by_ids("/v1/policies", ids)

    async def policies_of_enterprises(self, enterprise_ids: Iterable[str]) -> list[Row]:
        return await self.by_ids("/v1/policies", enterprise_ids, key="enterprise_ids")

    async def start_payment(self, policy_id: str, method: str, idempotency_key: str | None = None) -> Row:
        return dict(await self.post(f"/v1/policies/{policy_id}/payments", {"method": method},
                                    idempotency_key=idempotency_key))

    async def payments_of_policies(self, policy_ids: Iterable[str]) -> list[Row]:
        return await self.by_ids("/v1/payments", policy_ids, key="policy_ids")

    async def confirm_offline_payment(self, payment_id: str, reference: str) -> Row:
        return dict(await self.post(f"/v1/payments/{payment_id}/confirm-offline", {"reference": reference}))

    async def cancel_policy(self, policy_id: str, reason: str, reason_code: str | None) -> Row:
        return dict(await self.post(f"/v1/policies/{policy_id}/cancel",
                                    {"reason": reason, "reason_code": reason_code or "OTHER"}))

    async def renew_policy(self, policy_id: str) -> Row:
        return dict(await self.post(f"/v1/policies/{policy_id}/renew"))

    async def endorse_headcount(self, policy_id: str, headcount: int, effective_date: str) -> Row:
        return dict(await self.post(f"/v1/policies/{policy_id}/endorsements",
                                    {"headcount": headcount, "effective_date": effective_date}))

    async def cancellation_quote(self, policy_id: str) -> Row:
        return dict(await self.get(f"/v1/policies/{policy_id}/cancellation-quote"))

    async def endorsement_quote(self, policy_id: str, headcount: int, effective_date: str) -> Row:
        return dict(await self.get(f"/v1/policies/{policy_id}/endorsement-quote",
                                   {"headcount": headcount, "effective_date": effective_date}))

    async def refunds_of_policy(self, policy_id: str) -> list[Row]:
        return list(await self.get(f"/v1/policies/{policy_id}/refunds"))

    async def confirm_offline_refund(self, refund_id: str, reference: str) -> Row:
        return dict(await self.post(f"/v1/refunds/{refund_id}/confirm-offline", {"reference": reference}))

    async def coverage(self, params: dict[str, Any], time_limit: float) -> Row:
        return dict(await self.get("/v1/coverage", params, time_limit=time_limit))

    async def coverage_trend(self, params: dict[str, Any], time_limit: float) -> list[Row]:
        body = await self.get("/v1/coverage/trend", params, time_limit=time_limit)
        return list(body["items"] if isinstance(body, dict) else body)
