"""Mutations of an insurer's panel: putting an approved agency on it, taking one off with the reason."""

from __future__ import annotations

import strawberry

from gateway.common import returns_operation_error
from gateway.context import Info
from gateway.panels.queries import panel_owner
from gateway.panels.types import Panel, PanelEntry, PanelEntryInput, PanelEntryResult, PanelResult
from services.kernel import clock
from services.kernel.auth import Role


@strawberry.type
class PanelMutation:
    @strawberry.mutation(description="Put an approved agency on the insurer's panel (from today unless a start is "
                         "given); the same idempotencyKey gives the same answer.")
    @returns_operation_error
    async def add_to_panel(self, info: Info, input: PanelEntryInput,
                           idempotency_key: str | None = None) -> PanelEntryResult:
        principal = info.context.require(Role.INSURER)
        owner = panel_owner(principal, input.insurer_id)
        start = input.start_date or clock.today()
        row = await info.context.providers.add_to_panel(owner, {
            "agency_id": str(input.agency_id), "criteria": input.criteria, "start_date": start.isoformat(),
            "end_date": input.end_date.isoformat() if input.end_date else None}, idempotency_key)
        return PanelEntry.from_api(row)

    @strawberry.mutation(description="Take an agency off the insurer's panel, with the reason (audited); answers "
                         "the panel as it now is.")
    @returns_operation_error
    async def remove_from_panel(self, info: Info, agency_id: strawberry.ID, reason: str,
                                insurer_id: strawberry.ID | None = None) -> PanelResult:
        principal = info.context.require(Role.INSURER)
        owner = panel_owner(principal, insurer_id)
        await info.context.providers.remove_from_panel(owner, str(agency_id), reason)
        return Panel(insurer_id=strawberry.ID(owner))
