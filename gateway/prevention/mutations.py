"""Mutations of service plans: the insurer proposes a change, the firm agrees to it or declines it."""

from __future__ import annotations

from typing import Any

import strawberry

from gateway.common import returns_operation_error
from gateway.context import Info
from gateway.prevention.types import ServicePlan, ServicePlanInput, ServicePlanResult
from services.kernel.auth import Role
from services.kernel.errors import ProblemError


@strawberry.type
class PreventionMutation:
    @strawberry.mutation(description="The insurer proposes a change to a policy's service plan; it applies when the "
                         "firm agrees. A named agency must be on the insurer's panel (NOT_ON_PANEL).")
    @returns_operation_error
    async def propose_service_plan(self, info: Info, policy_id: strawberry.ID,
                                   input: ServicePlanInput) -> ServicePlanResult:
        info.context.require(Role.INSURER)
        change: dict[str, Any] = {"items": input.items, "visits_per_year": input.visits_per_year,
                                  "targets": input.targets, "measures": input.measures, "staff": input.staff,
                                  "guarantees": input.guarantees,
                                  "agency_id": str(input.agency_id) if input.agency_id
                                  else None,
                                  "service_types": None if input.service_types is None
                                  else [t.value for t in input.service_types]}
        if input.agency_id:
            plan = await info.context.bookings.plan(str(policy_id))  # also refuses a policy of another book
            if not await info.context.providers.on_panel(plan["insurer_id"], str(input.agency_id)):
                raise ProblemError("the agency is not on the insurer's panel", code="NOT_ON_PANEL", status=422,
                                   field="agency_id")
        row = await info.context.bookings.propose_plan(str(policy_id),
                                                       {k: v for k, v in change.items() if v is not None})
        return ServicePlan.from_api(row)

    @strawberry.mutation(description="The firm agrees to the proposed change (accept) or declines it; either way "
                         "the plan is AGREED again.")
    @returns_operation_error
    async def agree_service_plan(self, info: Info, policy_id: strawberry.ID, accept: bool) -> ServicePlanResult:
        info.context.require(Role.ENTERPRISE)
        return ServicePlan.from_api(await info.context.bookings.agree_plan(str(policy_id), accept))
