"""Mutations about agencies: applying, the bureau's review, and the agency's qualifications."""

from __future__ import annotations

import strawberry

from gateway.accounts import service as accounts
from gateway.common import returns_operation_error
from gateway.context import Info
from gateway.providers.types import (
    Agency,
    AgencyApplicationInput,
    AgencyResult,
    Qualification,
    QualificationInput,
    QualificationResult,
    ReviewDecision,
)
from services.kernel import clock
from services.kernel.auth import Role


@strawberry.type
class ProvidersMutation:
    @strawberry.mutation(description="An agency applies to be listed (PENDING until the bureau approves); a "
                         "signed-up agency account is bound to the new agency.")
    @returns_operation_error
    async def apply_agency(self, info: Info, input: AgencyApplicationInput) -> AgencyResult:
        principal = info.context.require(Role.AGENCY)
        row = await info.context.providers.apply_agency({
            "name": input.name, "uscc": input.uscc, "service_types": [t.value for t in input.service_types],
            "town_codes": input.town_codes, "contact_name": input.contact_name,
            "contact_phone": input.contact_phone})
        if principal.role is Role.AGENCY:
            async with info.context.gateway.database.transaction() as session:
                await accounts.bind_org(session=session, principal=principal, org_id=row["id"])
        return Agency.from_api(row)

    @strawberry.mutation(description="The bureau approves, rejects, asks for information, suspends or revokes.")
    @returns_operation_error
    async def review_agency(self, info: Info, agency_id: strawberry.ID, decision: ReviewDecision,
                            note: str | None = None) -> AgencyResult:
        info.context.require(Role.BUREAU)
        return Agency.from_api(await info.context.providers.review_agency(str(agency_id), decision.value, note))

    @strawberry.mutation(description="The agency adds a qualification (its scan is uploaded afterwards, at "
                         "POST /scans/agencies/{agencyId}/qualifications/{id}); the daily check warns 30 days "
                         "before it lapses.")
    @returns_operation_error
    async def add_qualification(self, info: Info, agency_id: strawberry.ID, input: QualificationInput,
                                idempotency_key: str | None = None) -> QualificationResult:
        info.context.require(Role.AGENCY)
        row = await info.context.providers.add_qualification(str(agency_id), {
            "kind": input.kind, "number": input.number, "issuer": input.issuer,
            "service_types": [t.value for t in input.service_types], "valid_from": input.valid_from.isoformat(),
            "valid_until": input.valid_until.isoformat()}, idempotency_key)
        return Qualification.from_api(row, clock.today())
