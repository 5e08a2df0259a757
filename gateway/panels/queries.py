"""Queries about insurers' panels."""

from __future__ import annotations

import strawberry

from gateway.context import Info
from gateway.panels.types import Panel
from services.kernel.auth import Principal, Role
from services.kernel.errors import ValidationProblem


def panel_owner(principal: Principal, insurer_id: strawberry.ID | None) -> str:
    """The insurer whose panel is meant: the one named, else the caller's own (an insurer's account)."""
    if insurer_id:
        return str(insurer_id)
    if principal.role is Role.INSURER and principal.org:
        return principal.org
    raise ValidationProblem("say which insurer's panel", field="insurerId")


@strawberry.type
class PanelQuery:
    @strawberry.field(description="An insurer's panel (default the caller's): an insurer reads its own, the "
                      "bureau every one; asking for another insurer's entries answers FORBIDDEN.")
    async def panel(self, info: Info, insurer_id: strawberry.ID | None = None) -> Panel:
        principal = info.context.require(Role.INSURER, Role.BUREAU)
        # the providers service refuses another insurer's entries and changes when the fields are read
        return Panel(insurer_id=strawberry.ID(panel_owner(principal, insurer_id)))
