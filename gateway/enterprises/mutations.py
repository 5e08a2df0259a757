"""Mutations about firms: a firm registers itself (or the bureau registers one)."""

from __future__ import annotations

import strawberry

from gateway.accounts import service as accounts
from gateway.common import returns_operation_error
from gateway.context import Info
from gateway.enterprises.types import Enterprise, EnterpriseInput, EnterpriseResult
from services.kernel.auth import Role


@strawberry.type
class EnterpriseMutation:
    @strawberry.mutation(description="Register a firm. A signed-up enterprise account without a firm is bound "
                         "to it; log in again (or refresh) for a token that carries the firm.")
    @returns_operation_error
    async def register_enterprise(self, info: Info, input: EnterpriseInput) -> EnterpriseResult:
        principal = info.context.require(Role.ENTERPRISE, Role.BUREAU)
        body = {"uscc": input.uscc, "name": input.name, "town_code": input.town_code,
                "village_code": input.village_code, "park_name": input.park_name,
                "park_code": input.park_code, "sector": input.sector.value,
                "industry_code": input.industry_code, "employees": input.employees,
                "annual_revenue_fen": input.annual_revenue_fen, "total_assets_fen": input.total_assets_fen,
                "high_risk_tags": input.high_risk_tags or [], "principal_name": input.principal_name,
                "contact_phone": input.contact_phone}
        row = await info.context.policy.register_enterprise(body)
        if principal.role is Role.ENTERPRISE:
            async with info.context.gateway.database.transaction() as session:
                await accounts.bind_org(session=session, principal=principal, org_id=row["id"])
        return Enterprise.from_api(row)
