"""GraphQL types of an insurer's panel: the agencies it funds, and the audit trail of its changes."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Annotated, Any

import strawberry

from gateway.common import OperationError, enum_value, maybe_date, to_date, to_datetime
from gateway.context import Info
from gateway.policies.types import Insurer
from gateway.providers.types import Agency, AgencyStatus


@strawberry.enum
class PanelAction(enum.Enum):
    ADDED = "ADDED"
    REMOVED = "REMOVED"


async def _agency(info: Info, agency_id: str) -> Agency | None:
    row = await info.context.loaders.agency.load(agency_id)
    return Agency.from_api(row) if row else None


@strawberry.type(description="An agency on an insurer's panel for a period (removed entries keep their dates).")
class PanelEntry:
    id: strawberry.ID
    agency_id: strawberry.ID
    agency_name: str
    agency_status: AgencyStatus
    criteria: str
    start_date: date
    end_date: date | None
    removed_at: datetime | None
    created_at: datetime

    @strawberry.field(description="The agency's details; null when it is not visible to the caller.")
    async def agency(self, info: Info) -> Agency | None:
        return await _agency(info, str(self.agency_id))

    @classmethod
    def from_api(cls, row: dict[str, Any]) -> PanelEntry:
        return cls(id=strawberry.ID(row["id"]), agency_id=strawberry.ID(row["agency_id"]),
                   agency_name=row.get("agency_name") or "",
                   agency_status=enum_value(AgencyStatus, row.get("agency_status"), AgencyStatus.APPROVED),
                   criteria=row.get("criteria") or "", start_date=to_date(row["start_date"]),
                   end_date=maybe_date(row.get("end_date")),
                   removed_at=to_datetime(row["removed_at"]) if row.get("removed_at") else None,
                   created_at=to_datetime(row["created_at"]))


@strawberry.type(description="One change of a panel, as audited: who added or removed which agency, and why.")
class PanelChange:
    id: strawberry.ID
    agency_id: strawberry.ID
    action: PanelAction
    reason: str | None
    criteria: str | None
    changed_by: str
    changed_at: datetime

    @strawberry.field(description="The agency; null when it is not visible to the caller.")
    async def agency(self, info: Info) -> Agency | None:
        return await _agency(info, str(self.agency_id))

    @classmethod
    def from_api(cls, row: dict[str, Any]) -> PanelChange:
        details = row.get("details") or {}
        return cls(id=strawberry.ID(row["id"]), agency_id=strawberry.ID(row["agency_id"]),
                   action=enum_value(PanelAction, row.get("action"), PanelAction.ADDED),
                   reason=details.get("reason"), criteria=details.get("criteria"),
                   changed_by=row.get("changed_by") or "", changed_at=to_datetime(row["changed_at"]))


@strawberry.type(description="An insurer's panel: the agencies whose visits its policies fund.")
class Panel:
    insurer_id: strawberry.ID

    @strawberry.field
    async def insurer(self, info: Info) -> Insurer:
        row = await info.context.loaders.insurer.load(str(self.insurer_id))
        return Insurer.from_api(row) if row else Insurer(id=self.insurer_id, name="")

    @strawberry.field(description="Entries on the panel; with includeRemoved also those taken off.")
    async def entries(self, info: Info, include_removed: bool = False) -> list[PanelEntry]:
        rows = await info.context.providers.panel(str(self.insurer_id), include_removed)
        return [PanelEntry.from_api(row) for row in rows]

    @strawberry.field(description="The audit trail, newest first.")
    async def changes(self, info: Info) -> list[PanelChange]:
        rows = await info.context.providers.panel_changes(str(self.insurer_id))
        return [PanelChange.from_api(row) for row in reversed(rows)]


@strawberry.input
class PanelEntryInput:
    agency_id: strawberry.ID
    criteria: str = ""
    start_date: date | None = strawberry.field(default=None, description="default today (Asia/Shanghai)")
    end_date: date | None = None
    insurer_id: strawberry.ID | None = strawberry.field(default=None, description="default the caller's insurer")


PanelEntryResult = Annotated[PanelEntry | OperationError, strawberry.union("PanelEntryResult")]
PanelResult = Annotated[Panel | OperationError, strawberry.union("PanelResult")]
