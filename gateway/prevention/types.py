"""GraphQL types of a policy's prevention ledger (budget, reservations, spend, releases) and service plan."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from gateway.common import Long, OperationError, enum_value, to_datetime, unless_missing
from gateway.context import Info
from gateway.providers.types import Agency, ServiceType

if TYPE_CHECKING:
    from gateway.bookings.types import Booking
    from gateway.policies.types import Policy


@strawberry.enum
class LedgerEntryKind(enum.Enum):
    BUDGET = "BUDGET"
    RESERVATION = "RESERVATION"
    SPEND = "SPEND"
    RELEASE = "RELEASE"
    ADJUSTMENT = "ADJUSTMENT"


@strawberry.enum
class ServicePlanStatus(enum.Enum):
    AGREED = "AGREED"
    PROPOSED = "PROPOSED"


async def _agency(info: Info, agency_id: str | None) -> Agency | None:
    if not agency_id:
        return None
    row = await info.context.loaders.agency.load(agency_id)
    return Agency.from_api(row) if row else None


@strawberry.type(description="One line of the ledger (事故预防服务费用台账), with the booking it belongs to.")
class LedgerEntry:
    id: strawberry.ID
    kind: LedgerEntryKind
    amount_fen: Long
    note: str | None
    created_at: datetime
    booking_id: strawberry.ID | None

    @strawberry.field(description="The visit this line reserves, spends or releases for; null for the budget.")
    async def booking(self, info: Info) -> Annotated[Booking, strawberry.lazy("gateway.bookings.types")] | None:
        from gateway.bookings.types import Booking

        if not self.booking_id:
            return None
        row = await info.context.loaders.booking.load(str(self.booking_id))
        return Booking.from_api(row) if row else None

    @classmethod
    def from_api(cls, row: dict[str, Any]) -> LedgerEntry:
        return cls(id=strawberry.ID(row["id"]),
                   kind=enum_value(LedgerEntryKind, row.get("kind"), LedgerEntryKind.ADJUSTMENT),
                   amount_fen=Long(int(row.get("amount_fen") or 0)), note=row.get("note"),
                   created_at=to_datetime(row["created_at"]), booking_id=row.get("booking_id"))


@strawberry.type(description="A policy's visits and hazards so far, beside the visits its plan foresees.")
class PreventionSummary:
    visits_planned_per_year: int | None
    visits_booked: int
    visits_done: int
    cancellations: int
    no_shows: int
    hazards_found: int
    hazards_open: int
    hazards_overdue: int
    hazards_closed: int

    @classmethod
    def from_api(cls, row: dict[str, Any]) -> PreventionSummary:
        return cls(visits_planned_per_year=row.get("visits_planned_per_year"),
                   **{k: int(row.get(k) or 0) for k in ("visits_booked", "visits_done", "cancellations", "no_shows",
                                                        "hazards_found", "hazards_open", "hazards_overdue",
                                                        "hazards_closed")})


@strawberry.type(description="The changes an insurer proposed to a service plan, waiting for the firm.")
class ServicePlanChange:
    items: list[str] | None
    service_types: list[ServiceType] | None
    visits_per_year: int | None
    targets: str | None
    agency_id: strawberry.ID | None
    measures: str | None = None
    staff: str | None = None
    guarantees: str | None = None

    @strawberry.field
    async def agency(self, info: Info) -> Agency | None:
        return await _agency(info, self.agency_id)

    @classmethod
    def from_api(cls, row: dict[str, Any]) -> ServicePlanChange:
        types = row.get("service_types")
        return cls(items=row.get("items"), visits_per_year=row.get("visits_per_year"), targets=row.get("targets"),
                   measures=row.get("measures"), staff=row.get("staff"), guarantees=row.get("guarantees"),
                   agency_id=row.get("agency_id"),
                   service_types=None if types is None else [enum_value(ServiceType, t, ServiceType.OTHER)
                                                             for t in types])


@strawberry.type(description="A policy's service plan (AQ 9010): items, measures, visits a year, agency, staff, "
                 "targets, guarantees; set by "
                 "the firm's risk colour, changed by the insurer's proposal once the firm agrees.")
class ServicePlan:
    policy_id: strawberry.ID
    risk_color: str | None
    items: list[str]
    service_types: list[ServiceType]
    visits_per_year: int
    targets: str | None
    status: ServicePlanStatus
    proposed: ServicePlanChange | None
    updated_at: datetime
    agency_id: strawberry.ID | None
    measures: str | None = strawberry.field(default=None, description="how the items are delivered (AQ 9010)")
    staff: str | None = strawberry.field(default=None, description="who delivers them (AQ 9010)")
    guarantees: str | None = strawberry.field(default=None, description="what guarantees the plan (funding, "
                                              "records, complaints; AQ 9010)")

    @strawberry.field(description="The agency the plan names; null when none is named.")
    async def agency(self, info: Info) -> Agency | None:
        return await _agency(info, self.agency_id)

    @classmethod
    def from_api(cls, row: dict[str, Any]) -> ServicePlan:
        proposed = row.get("proposed")
        return cls(policy_id=strawberry.ID(row["policy_id"]), risk_color=row.get("risk_color"),
                   items=list(row.get("items") or []),
                   service_types=[enum_value(ServiceType, t, ServiceType.OTHER) for t in row.get("service_types")
                                  or []],
                   visits_per_year=int(row.get("visits_per_year") or 0), targets=row.get("targets"),
                   status=enum_value(ServicePlanStatus, row.get("status"), ServicePlanStatus.AGREED),
                   proposed=ServicePlanChange.from_api(proposed) if proposed else None,
                   updated_at=to_datetime(row["updated_at"]), agency_id=row.get("agency_id"),
                   measures=row.get("measures"), staff=row.get("staff"), guarantees=row.get("guarantees"))


async def load_plan(info: Info, policy_id: str) -> ServicePlan | None:
    row = await unless_missing(info.context.bookings.plan(policy_id))
    return ServicePlan.from_api(row) if row else None


@strawberry.type(description="A policy's prevention ledger: budget (the premium's prevention share), reserved for "
                 "booked visits, spent on done ones, and what is left.")
class PreventionLedger:
    policy_id: strawberry.ID
    status: str
    budget_fen: Long
    reserved_fen: Long
    spent_fen: Long
    available_fen: Long

    @strawberry.field(description="The policy; null when the policy service does not answer.")
    async def policy(self, info: Info) -> Annotated[Policy, strawberry.lazy("gateway.policies.types")] | None:
        from gateway.policies.types import Policy

        row = await info.context.loaders.policy.load(str(self.policy_id))
        return Policy.from_api(row) if row else None

    @strawberry.field(description="The ledger line by line, oldest first.")
    async def entries(self, info: Info) -> list[LedgerEntry]:
        return [LedgerEntry.from_api(row) for row in await info.context.bookings.ledger_entries(str(self.policy_id))]

    @strawberry.field(description="Visits planned, booked and done, and hazards, on this policy.")
    async def summary(self, info: Info) -> PreventionSummary:
        return PreventionSummary.from_api(await info.context.bookings.policy_prevention(str(self.policy_id)))

    @strawberry.field(description="The policy's service plan; null when none was made.")
    async def plan(self, info: Info) -> ServicePlan | None:
        return await load_plan(info, str(self.policy_id))

    @classmethod
    def from_api(cls, row: dict[str, Any]) -> PreventionLedger:
        return cls(policy_id=strawberry.ID(row["policy_id"]), status=row.get("status") or "",
                   **{k: Long(int(row.get(k) or 0)) for k in ("budget_fen", "reserved_fen", "spent_fen",
                                                              "available_fen")})


@strawberry.type(description="Sums over the ledgers a filter selects (a firm's, an insurer's book, a region).")
class LedgerTotals:
    policies: int
    budget_fen: Long
    reserved_fen: Long
    spent_fen: Long
    available_fen: Long

    @classmethod
    def from_api(cls, row: dict[str, Any]) -> LedgerTotals:
        return cls(policies=int(row.get("policies") or 0),
                   **{k: Long(int(row.get(k) or 0)) for k in ("budget_fen", "reserved_fen", "spent_fen",
                                                              "available_fen")})


@strawberry.input
class LedgerFilter:
    insurer_id: strawberry.ID | None = None
    enterprise_id: strawberry.ID | None = None


@strawberry.input(description="What the insurer proposes to change; what is left out stays.")
class ServicePlanInput:
    items: list[str] | None = None
    service_types: list[ServiceType] | None = None
    visits_per_year: int | None = None
    agency_id: strawberry.ID | None = None
    targets: str | None = None
    measures: str | None = None
    staff: str | None = None
    guarantees: str | None = None


ServicePlanResult = Annotated[ServicePlan | OperationError, strawberry.union("ServicePlanResult")]
