"""The bureau publishes a case on the exposure board and withdraws it."""

from __future__ import annotations

import strawberry

from gateway.common import returns_operation_error
from gateway.context import Info
from gateway.exposure.types import ExposureCase, ExposureCaseInput, ExposureCaseResult
from services.kernel.auth import Role
from services.kernel.errors import ProblemError, ValidationProblem


@strawberry.type
class ExposureMutation:
    @strawberry.mutation(description="Publish a case citing a MAJOR hazard of the bureau's region that is overdue or "
                         "whose rectification was rejected (NOT_PUBLISHABLE otherwise; EXPOSURE_CASE_EXISTS when "
                         "the hazard already has a live case).")
    @returns_operation_error
    async def publish_exposure_case(self, info: Info, input: ExposureCaseInput) -> ExposureCaseResult:
        info.context.require(Role.BUREAU)
        try:
            hazard = await info.context.bookings.hazard(str(input.hazard_id))
        except ProblemError as exc:
            if exc.code == "NOT_FOUND":
                raise ValidationProblem(f"no hazard {input.hazard_id}", field="hazard_id") from exc
            raise
        # The board names the firm as the registry names it now; the case keeps that snapshot.
        firm = await info.context.policy.enterprise(hazard["enterprise_id"])
        row = await info.context.bookings.publish_exposure_case({
            "hazard_id": str(input.hazard_id), "title": input.title, "summary": input.summary,
            "enterprise_name": firm.get("name") or "", "town_code": firm.get("town_code") or ""})
        return ExposureCase.from_api(row)

    @strawberry.mutation(description="Take a case off the board; the reason is required and kept.")
    @returns_operation_error
    async def withdraw_exposure_case(self, info: Info, id: strawberry.ID, reason: str) -> ExposureCaseResult:
        info.context.require(Role.BUREAU)
        return ExposureCase.from_api(await info.context.bookings.withdraw_exposure_case(str(id), reason))
