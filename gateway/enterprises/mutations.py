"""Mutations about firms: a firm registers itself (or the bureau registers one)."""

from __future__ import annotations

import strawberry

from gateway.accounts import service as accounts
from gateway.common import returns_operation_error
from gateway.context import Info
from gateway.enterprises.types import Enterprise, EnterpriseInput, EnterpriseResult, RegulatedFactsInput
from services.kernel.auth import Role


def enterprise_body(input: EnterpriseInput) -> dict[str, object]:
    """``EnterpriseInput`` as the policy service's ``EnterpriseIn``."""
    return {"uscc": input.uscc, "name": input.name, "town_code": input.town_code,
            "village_code": input.village_code, "park_name": input.park_name,
            "park_code": input.park_code, "sector": input.sector.value,
            "industry_code": input.industry_code, "employees": input.employees,
            "annual_revenue_fen": input.annual_revenue_fen, "total_assets_fen": input.total_assets_fen,
            "high_risk_tags": input.high_risk_tags or [], "principal_name": input.principal_name,
            "contact_phone": input.contact_phone}


@strawberry.type
class EnterpriseMutation:
    @strawberry.mutation(description="Register a firm. A signed-up enterprise account without a firm is bound "
                         "to it; log in again (or refresh) for a token that carries the firm.")
    @returns_operation_error
    async def register_enterprise(self, info: Info, input: EnterpriseInput) -> EnterpriseResult:
        principal = info.context.require(Role.ENTERPRISE, Role.BUREAU)
        row = await info.context.policy.register_enterprise(enterprise_body(input))
        if principal.role is Role.ENTERPRISE:
            async with info.context.gateway.database.transaction() as session:
                await accounts.bind_org(session=session, principal=principal, org_id=row["id"])
        return Enterprise.from_api(row)

    @strawberry.mutation(description="The bureau of the firm's region (or the admin) sets its regulated facts: "
                         "sector, high-risk tags, standardisation grade, risk colour, blacklist. A firm cannot "
                         "(REGULATED_FACT); the history is the firm's regulatedFactChanges.")
    @returns_operation_error
    async def set_enterprise_regulated_facts(self, info: Info, input: RegulatedFactsInput) -> EnterpriseResult:
        info.context.require(Role.BUREAU)
        body: dict[str, object] = {"reason": input.reason}
        for key in ("sector", "high_risk_tags", "standardisation_grade", "risk_color", "blacklisted"):
            value = getattr(input, key)
            if value is strawberry.UNSET:
                continue
            body[key] = value.value if hasattr(value, "value") else value
        row = await info.context.policy.set_regulated_facts(str(input.enterprise_id), body)
        return Enterprise.from_api(row)
