"""Queries about prevention ledgers and service plans."""

from __future__ import annotations

import strawberry

from gateway.common import Connection, connection, page_params
from gateway.context import Info
from gateway.prevention.types import LedgerFilter, LedgerTotals, PreventionLedger, ServicePlan, load_plan
from services.kernel.auth import Role


@strawberry.type
class PreventionQuery:
    @strawberry.field(description="Prevention ledgers per policy: a firm its own, an insurer its book, the bureau "
                      "its region.")
    async def prevention_ledgers(self, info: Info, filter: LedgerFilter | None = None, first: int | None = 50,
                                 after: str | None = None) -> Connection[PreventionLedger]:
        info.context.require(Role.ENTERPRISE, Role.INSURER, Role.BUREAU)
        f = filter or LedgerFilter()
        params = {**page_params(first, after), "insurer_id": f.insurer_id, "enterprise_id": f.enterprise_id}
        return connection(await info.context.bookings.ledger_page(params), PreventionLedger.from_api)

    @strawberry.field(description="Budget, reserved, spent and left summed over the ledgers the filter selects "
                      "(the caller's scope, as preventionLedgers).")
    async def prevention_ledger_totals(self, info: Info, filter: LedgerFilter | None = None) -> LedgerTotals:
        info.context.require(Role.ENTERPRISE, Role.INSURER, Role.BUREAU)
        f = filter or LedgerFilter()
        return LedgerTotals.from_api(await info.context.bookings.ledger_totals(
            {"insurer_id": f.insurer_id, "enterprise_id": f.enterprise_id}))

    @strawberry.field(description="One policy's prevention ledger; null when the caller may not see it.")
    async def prevention_ledger(self, info: Info, policy_id: strawberry.ID) -> PreventionLedger | None:
        info.context.require(Role.ENTERPRISE, Role.INSURER, Role.BUREAU)
        row = await info.context.loaders.ledger.load(str(policy_id))
        return PreventionLedger.from_api(row) if row else None

    @strawberry.field(description="A policy's service plan, for the firm, its insurer and the bureau; null when "
                      "none was made.")
    async def service_plan(self, info: Info, policy_id: strawberry.ID) -> ServicePlan | None:
        info.context.require(Role.ENTERPRISE, Role.INSURER, Role.BUREAU)
        return await load_plan(info, str(policy_id))
