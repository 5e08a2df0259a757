"""GraphQL types of slots, bookings (visits) and hazards (served by the bookings service)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from gateway.common import Long, OperationError, enum_value, to_date, to_datetime
from gateway.context import Info
from services.kernel.errors import Forbidden

if TYPE_CHECKING:
    from gateway.enterprises.types import Enterprise
    from gateway.policies.types import Policy
    from gateway.providers.types import Agency, Expert, Offering


@strawberry.enum
class Funding(enum.Enum):
    INSURER = "INSURER"
    SELF = "SELF"


@strawberry.enum
class BookingStatus(enum.Enum):
    REQUESTED = "REQUESTED"
    CONFIRMED = "CONFIRMED"
    CHECKED_IN = "CHECKED_IN"
    REPORTED = "REPORTED"
    ACKNOWLEDGED = "ACKNOWLEDGED"
    CANCELLED = "CANCELLED"
    NO_SHOW = "NO_SHOW"


@strawberry.enum
class HazardGrade(enum.Enum):
    GENERAL = "GENERAL"
    MAJOR = "MAJOR"


@strawberry.enum
class HazardStatus(enum.Enum):
    OPEN = "OPEN"
    RECTIFICATION_SUBMITTED = "RECTIFICATION_SUBMITTED"
    CLOSED = "CLOSED"
    OVERDUE = "OVERDUE"


@strawberry.enum
class HazardActionKind(enum.Enum):
    RECTIFICATION = "RECTIFICATION"
    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"
    OVERDUE = "OVERDUE"
    NOTICE = "NOTICE"


@strawberry.type(description="One step of a hazard's history: a rectification submitted (with its photos), a "
                 "verification accepted or rejected (with the expert's note), a deadline passed, a notice sent.")
class HazardAction:
    id: strawberry.ID
    kind: HazardActionKind
    description: str | None
    photo_ids: list[strawberry.ID]
    created_at: datetime

    @classmethod
    def from_api(cls, row: dict[str, Any]) -> HazardAction:
        return cls(id=strawberry.ID(row["id"]), kind=enum_value(HazardActionKind, row.get("kind"),
                                                                  HazardActionKind.NOTICE),
                   description=row.get("description"),
                   photo_ids=[strawberry.ID(p) for p in row.get("photo_ids") or []],
                   created_at=to_datetime(row["created_at"]))


@strawberry.type
class Slot:
    start: datetime
    end: datetime
    expert_id: strawberry.ID

    @classmethod
    def from_api(cls, row: dict[str, Any]) -> Slot:
        return cls(start=to_datetime(row["start"]), end=to_datetime(row["end"]),
                   expert_id=strawberry.ID(row["expert_id"]))


@strawberry.type
class Booking:
    id: strawberry.ID
    number: str
    status: BookingStatus
    funding: Funding
    start: datetime
    end: datetime | None = None
    price_fen: Long | None = None
    offering_id: strawberry.Private[str] = ""
    agency_id: strawberry.Private[str] = ""
    enterprise_id: strawberry.Private[str] = ""
    policy_id: strawberry.Private[str | None] = None
    expert_id: strawberry.Private[str | None] = None
    town_code: strawberry.Private[str | None] = None

    @strawberry.field(description="Null when the providers service does not answer.")
    async def offering(self, info: Info) -> Annotated[Offering, strawberry.lazy("gateway.providers.types")] | None:
        from gateway.providers.types import Offering

        row = await info.context.loaders.offering.load(self.offering_id)
        if row is None:
            raise Forbidden("the booking's offering is not visible to you")
        return Offering.from_api(row)

    @strawberry.field(description="The agency that delivers the visit; null when providers does not answer.")
    async def agency(self, info: Info) -> Annotated[Agency, strawberry.lazy("gateway.providers.types")] | None:
        from gateway.providers.types import load_agency

        return await load_agency(info, self.agency_id)

    @strawberry.field(description="Null when the policy service does not answer.")
    async def enterprise(
        self, info: Info
    ) -> Annotated[Enterprise, strawberry.lazy("gateway.enterprises.types")] | None:
        from gateway.enterprises.types import Enterprise

        row = await info.context.loaders.enterprise.load(self.enterprise_id)
        if row is None:
            raise Forbidden("the booking's firm is not visible to you")
        return Enterprise.from_api(row)

    @strawberry.field
    async def policy(self, info: Info) -> Annotated[Policy, strawberry.lazy("gateway.policies.types")] | None:
        from gateway.policies.types import Policy

        if not self.policy_id:
            return None
        row = await info.context.loaders.policy.load(self.policy_id)
        return Policy.from_api(row) if row else None

    @strawberry.field
    async def expert(self, info: Info) -> Annotated[Expert, strawberry.lazy("gateway.providers.types")] | None:
        from gateway.providers.types import Expert

        if not self.expert_id:
            return None
        row = await info.context.loaders.expert.load(self.expert_id)
        return Expert.from_api(row) if row else None

    @strawberry.field(description="The agency's experts qualified for the visit's service on its day and serving "
                      "its town: whom the agency may give it to when confirming (`confirmBooking(expertId:)`).")
    async def qualified_experts(
        self, info: Info
    ) -> list[Annotated[Expert, strawberry.lazy("gateway.providers.types")]]:
        from gateway.providers.types import Expert
        from services.kernel.clock import SHANGHAI

        info.context.require()
        rows = await info.context.providers.offering_experts(
            self.offering_id, on=self.start.astimezone(SHANGHAI).date(), town_code=self.town_code)
        return [Expert.from_api(row) for row in rows]

    @strawberry.field
    async def hazards(self, info: Info) -> list[Hazard]:
        rows = await info.context.loaders.hazards_of_booking.load(str(self.id))
        return [Hazard.from_api(row) for row in rows]

    @classmethod
    def from_api(cls, row: dict[str, Any]) -> Booking:
        return cls(id=strawberry.ID(row["id"]), number=row.get("number") or "",
                   status=enum_value(BookingStatus, row.get("status"), BookingStatus.REQUESTED),
                   funding=enum_value(Funding, row.get("funding"), Funding.SELF), start=to_datetime(row["start"]),
                   end=to_datetime(row["end"]) if row.get("end") else None, price_fen=row.get("price_fen"),
                   offering_id=row.get("offering_id") or "", agency_id=row.get("agency_id") or "",
                   enterprise_id=row.get("enterprise_id") or "", policy_id=row.get("policy_id"),
                   expert_id=row.get("expert_id"), town_code=row.get("town_code"))


def _six(value: Any) -> SixInPlace | None:
    if not isinstance(value, dict):
        return None
    return SixInPlace(**{k: str(value.get(k) or "") for k in ("personnel", "responsibility", "measures", "funds",
                                                              "deadline", "contingency_plan")})


@strawberry.type
class Hazard:
    id: strawberry.ID
    grade: HazardGrade
    description: str
    status: HazardStatus
    deadline: date
    location: str | None = None
    closed_at: datetime | None = None
    six_in_place: SixInPlace | None = None
    rejection_reason: str | None = strawberry.field(default=None, description="why the expert last rejected the "
                                                    "firm's rectification (cleared when verified)")
    photo_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="the expert's photos of the hazard (fetch each at /uploads/photos/{id})")
    booking_id: strawberry.Private[str] = ""
    enterprise_id: strawberry.Private[str] = ""
    agency_id: strawberry.Private[str] = ""

    @strawberry.field(description="The firm that must rectify; null when the policy service does not answer.")
    async def enterprise(
        self, info: Info
    ) -> Annotated[Enterprise, strawberry.lazy("gateway.enterprises.types")] | None:
        from gateway.enterprises.types import Enterprise

        row = await info.context.loaders.enterprise.load(self.enterprise_id)
        return Enterprise.from_api(row) if row else None

    @strawberry.field(description="The agency whose expert found it; null when providers does not answer.")
    async def agency(self, info: Info) -> Annotated[Agency, strawberry.lazy("gateway.providers.types")] | None:
        from gateway.providers.types import load_agency

        return await load_agency(info, self.agency_id) if self.agency_id else None

    @strawberry.field(description="Rectifications and verifications, oldest first (one call per hazard: ask it of "
                      "a single hazard, not of a long list).")
    async def history(self, info: Info) -> list[HazardAction]:
        return [HazardAction.from_api(row) for row in await info.context.bookings.hazard_history(str(self.id))]

    @strawberry.field
    async def booking(self, info: Info) -> Booking:
        row = await info.context.loaders.booking.load(self.booking_id)
        if row is None:
            raise Forbidden("the hazard's booking is not visible to you")
        return Booking.from_api(row)

    @classmethod
    def from_api(cls, row: dict[str, Any]) -> Hazard:
        return cls(id=strawberry.ID(row["id"]), grade=enum_value(HazardGrade, row.get("grade"), HazardGrade.GENERAL),
                   description=row.get("description") or "",
                   status=enum_value(HazardStatus, row.get("status"), HazardStatus.OPEN),
                   deadline=to_date(row["deadline"]), location=row.get("location"),
                   closed_at=to_datetime(row["closed_at"]) if row.get("closed_at") else None,
                   six_in_place=_six(row.get("six_in_place")), rejection_reason=row.get("rejection_reason"),
                   photo_ids=[strawberry.ID(p) for p in row.get("photo_ids") or []],
                   booking_id=row.get("booking_id") or "", enterprise_id=row.get("enterprise_id") or "",
                   agency_id=row.get("agency_id") or "")


@strawberry.input
class BookVisitInput:
    offering_id: strawberry.ID
    enterprise_id: strawberry.ID
    start: datetime
    funding: Funding
    expert_id: strawberry.ID | None = None
    policy_id: strawberry.ID | None = None


@strawberry.input(description="The \"six in place\" a MAJOR hazard needs (整改人员、责任、措施、资金、时限、应急预案).")
class SixInPlaceInput:
    personnel: str
    responsibility: str
    measures: str
    funds: str
    deadline: str
    contingency_plan: str


@strawberry.type
class SixInPlace:
    personnel: str
    responsibility: str
    measures: str
    funds: str
    deadline: str
    contingency_plan: str


@strawberry.input
class HazardInput:
    grade: HazardGrade
    description: str
    deadline: date
    location: str | None = None
    six_in_place: SixInPlaceInput | None = strawberry.field(default=None, description="required for MAJOR")
    photo_ids: list[strawberry.ID] | None = None


@strawberry.input
class VisitReportInput:
    summary: str
    items: list[str]
    hazards: list[HazardInput]
    findings: str | None = None
    measures: str | None = None


@strawberry.input
class RectificationInput:
    description: str
    photo_ids: list[strawberry.ID] | None = None


@strawberry.input
class BookingFilter:
    status: BookingStatus | None = None
    enterprise_id: strawberry.ID | None = None
    policy_id: strawberry.ID | None = None
    agency_id: strawberry.ID | None = None
    expert_id: strawberry.ID | None = None


@strawberry.input
class HazardFilter:
    status: HazardStatus | None = None
    grade: HazardGrade | None = None
    enterprise_id: strawberry.ID | None = None
    agency_id: strawberry.ID | None = None
    policy_id: strawberry.ID | None = None


BookingResult = Annotated[Booking | OperationError, strawberry.union("BookingResult")]
HazardResult = Annotated[Hazard | OperationError, strawberry.union("HazardResult")]
