"""GraphQL types of agencies, their offerings and experts (served by the providers service)."""

from __future__ import annotations

import enum
from datetime import date, datetime, time
from typing import Annotated, Any

import strawberry

from gateway.common import Long, OperationError, enum_value, to_date, to_datetime
from gateway.context import Info
from services.kernel import clock
from services.kernel.auth import Role
from services.kernel.errors import Forbidden


@strawberry.enum
class AgencyStatus(enum.Enum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    SUSPENDED = "SUSPENDED"
    REJECTED = "REJECTED"
    REVOKED = "REVOKED"


@strawberry.enum
class ServiceType(enum.Enum):
    RISK_ASSESSMENT = "RISK_ASSESSMENT"
    HAZARD_INSPECTION = "HAZARD_INSPECTION"
    TRAINING = "TRAINING"
    EMERGENCY_DRILL = "EMERGENCY_DRILL"
    STANDARDIZATION = "STANDARDIZATION"
    OTHER = "OTHER"


@strawberry.enum
class ReviewDecision(enum.Enum):
    APPROVE = "APPROVE"
    REJECT = "REJECT"
    REQUEST_INFO = "REQUEST_INFO"
    SUSPEND = "SUSPEND"
    REVOKE = "REVOKE"


def _service_types(values: Any) -> list[ServiceType]:
    return [enum_value(ServiceType, v, ServiceType.OTHER) for v in values or []]


@strawberry.type
class Agency:
    id: strawberry.ID
    name: str
    status: AgencyStatus
    service_types: list[ServiceType]
    town_codes: list[str]
    rating: float | None
    rating_count: int = 0
    uscc: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    bookable: bool = False
    qualification_rows: strawberry.Private[list[dict[str, Any]] | None] = None

    @strawberry.field(description="The agency's qualifications (certificates) with their validity; whether a scan "
                      "is attached shows only to the agency itself, the bureau and admin.")
    async def qualifications(self, info: Info) -> list[Qualification]:
        rows = self.qualification_rows
        if rows is None:  # a list row: the qualifications of every agency listed come in one call
            rows = await info.context.loaders.qualifications_of_agency.load(str(self.id))
        today = clock.today()
        return sorted((Qualification.from_api(row, today) for row in rows), key=lambda q: q.valid_until)

    @strawberry.field(description="Messages to the agency: qualifications about to lapse, service types withdrawn "
                      "(newest first). The agency itself and the bureau; empty for a caller not logged in.")
    async def notices(self, info: Info) -> list[AgencyNotice]:
        if info.context.principal is None:
            return []
        rows = await info.context.providers.notices(str(self.id))
        return sorted((AgencyNotice.from_api(row) for row in rows), key=lambda n: n.created_at, reverse=True)

    @strawberry.field
    async def offerings(self, info: Info) -> list[Offering]:
        rows = await info.context.loaders.offerings_of_agency.load(str(self.id))
        return [Offering.from_api(row) for row in rows]

    @strawberry.field(description="The agency's experts; empty for a caller who is not logged in.")
    async def experts(self, info: Info) -> list[Expert]:
        if info.context.principal is None:
            return []
        rows = await info.context.loaders.experts_of_agency.load(str(self.id))
        return [Expert.from_api(row) for row in rows]

    @classmethod
    def from_api(cls, row: dict[str, Any]) -> Agency:
        return cls(id=strawberry.ID(row["id"]), name=row["name"],
                   status=enum_value(AgencyStatus, row.get("status"), AgencyStatus.PENDING),
                   service_types=_service_types(row.get("service_types")),
                   town_codes=list(row.get("town_codes") or []),
                   rating=None if row.get("rating") is None else float(row["rating"]),
                   rating_count=int(row.get("rating_count") or 0), uscc=row.get("uscc"),
                   contact_name=row.get("contact_name"), contact_phone=row.get("contact_phone"),
                   bookable=bool(row.get("bookable")),
                   qualification_rows=row["qualifications"] if "qualifications" in row else None)


async def load_agency(info: Info, agency_id: str) -> Agency:
    row = await info.context.loaders.agency.load(agency_id)
    if row is None:
        raise Forbidden("the agency is not visible to you")
    return Agency.from_api(row)


@strawberry.type
class Offering:
    id: strawberry.ID
    service_type: ServiceType
    price_fen: Long
    duration_minutes: int
    title: str | None = None
    description: str | None = None
    town_codes: list[str] = strawberry.field(default_factory=list)
    bookable: bool = True
    agency_id: strawberry.Private[str] = ""

    @strawberry.field
    async def agency(self, info: Info) -> Agency:
        return await load_agency(info, self.agency_id)

    @strawberry.field(description="The agency's experts whose certificate covers this service type on the date "
                      "(default today), and who serve the town when one is given: whom a visit may be given to.")
    async def qualified_experts(self, info: Info, on: date | None = None,
                                town_code: str | None = None) -> list[Expert]:
        info.context.require()
        rows = await info.context.providers.offering_experts(str(self.id), on=on, town_code=town_code)
        return [Expert.from_api(row) for row in rows]

    @classmethod
    def from_api(cls, row: dict[str, Any]) -> Offering:
        return cls(id=strawberry.ID(row["id"]), service_type=enum_value(ServiceType, row.get("service_type"),
                                                                        ServiceType.OTHER),
                   price_fen=row.get("price_fen", 0), duration_minutes=int(row.get("duration_minutes") or 0),
                   title=row.get("title"), description=row.get("description"),
                   town_codes=list(row.get("town_codes") or []), bookable=bool(row.get("bookable", True)),
                   agency_id=row["agency_id"])


@strawberry.type
class Expert:
    id: strawberry.ID
    name: str
    service_types: list[ServiceType] = strawberry.field(default_factory=list)
    town_codes: list[str] = strawberry.field(default_factory=list)
    active: bool = strawberry.field(default=True, description="False once the agency marked the expert gone.")
    specialties: list[str] = strawberry.field(default_factory=list)
    agency_id: strawberry.Private[str] = ""
    phone_number: strawberry.Private[str | None] = None
    certificate_rows: strawberry.Private[list[dict[str, Any]]] = strawberry.field(default_factory=list)

    @strawberry.field
    async def agency(self, info: Info) -> Agency:
        return await load_agency(info, self.agency_id)

    @strawberry.field(description="The expert's phone: shown to their own agency, the expert and admin; null to "
                      "others.")
    def phone(self, info: Info) -> str | None:
        principal = info.context.principal
        if principal is None:
            return None
        if (principal.role is Role.ADMIN or (principal.role is Role.AGENCY and principal.org == self.agency_id)
                or (principal.role is Role.EXPERT and principal.expert == str(self.id))):
            return self.phone_number
        return None

    @strawberry.field(description="The expert's certificates with their validity today (Asia/Shanghai), the one "
                      "ending first first.")
    def certificates(self) -> list[ExpertCertificate]:
        today = clock.today()
        return sorted((ExpertCertificate.from_api(row, today) for row in self.certificate_rows),
                      key=lambda c: (c.valid_until, c.valid_from))

    @strawberry.field(description="Weekly hours (local time, 0 = Monday); empty: the platform's default hours. "
                      "The expert and their agency (bookings service); FORBIDDEN for others.")
    async def working_hours(self, info: Info) -> list[WorkingHours]:
        info.context.require(Role.AGENCY, Role.EXPERT)
        rows = await info.context.bookings.expert_hours(str(self.id))
        return [WorkingHours.from_api(row) for row in rows]

    @strawberry.field(description="Time off that has not ended yet, soonest first. The expert and their agency.")
    async def time_off(self, info: Info) -> list[ExpertTimeOff]:
        info.context.require(Role.AGENCY, Role.EXPERT)
        rows = await info.context.bookings.expert_time_off(str(self.id))
        return [ExpertTimeOff.from_api(row) for row in rows]

    @classmethod
    def from_api(cls, row: dict[str, Any]) -> Expert:
        return cls(id=strawberry.ID(row["id"]), name=row["name"],
                   service_types=_service_types(row.get("service_types")),
                   town_codes=list(row.get("town_codes") or []), active=bool(row.get("active", True)),
                   specialties=list(row.get("specialties") or []), agency_id=row["agency_id"],
                   phone_number=row.get("phone"), certificate_rows=list(row.get("certificates") or []))


@strawberry.input
class AgencyFilter:
    service_type: ServiceType | None = None
    town_code: str | None = None
    approved_only: bool | None = True
    min_rating: float | None = None
    status: AgencyStatus | None = None


@strawberry.input
class AgencyApplicationInput:
    name: str
    uscc: str
    service_types: list[ServiceType]
    town_codes: list[str]
    contact_name: str
    contact_phone: str


EXPIRY_WARNING_DAYS = 30  # as the providers' daily check warns


@strawberry.enum(description="Where a qualification stands today (Asia/Shanghai).")
class QualificationStatus(enum.Enum):
    VALID = "VALID"
    EXPIRING = "EXPIRING"  # valid, and lapses within 30 days
    EXPIRED = "EXPIRED"
    NOT_YET_VALID = "NOT_YET_VALID"


def validity(start: date, until: date, today: date) -> tuple[int, QualificationStatus]:
    """Days from today to the last valid day, and where a certificate stands today."""
    days = (until - today).days
    if today < start:
        return days, QualificationStatus.NOT_YET_VALID
    if days < 0:
        return days, QualificationStatus.EXPIRED
    if days <= EXPIRY_WARNING_DAYS:
        return days, QualificationStatus.EXPIRING
    return days, QualificationStatus.VALID


@strawberry.type(description="A qualification (certificate) of an agency: what it covers and until when.")
class Qualification:
    id: strawberry.ID
    kind: str
    number: str
    issuer: str
    service_types: list[ServiceType]
    valid_from: date
    valid_until: date
    days_to_expiry: int = strawberry.field(description="Days from today to the last valid day; negative once lapsed.")
    status: QualificationStatus
    expiring_soon: bool = strawberry.field(description="Valid today and lapses within 30 days.")
    has_scan: bool = strawberry.field(description="A scan is attached (always false for callers who may not see it).")

    @classmethod
    def from_api(cls, row: dict[str, Any], today: date) -> Qualification:
        start, until = to_date(row["valid_from"]), to_date(row["valid_until"])
        days, status = validity(start, until, today)
        return cls(id=strawberry.ID(row["id"]), kind=row["kind"], number=row["number"], issuer=row["issuer"],
                   service_types=_service_types(row.get("service_types")), valid_from=start, valid_until=until,
                   days_to_expiry=days, status=status, expiring_soon=status is QualificationStatus.EXPIRING,
                   has_scan=bool(row.get("scan_id")))


@strawberry.type(description="A message from the platform to an agency (e.g. a qualification about to lapse).")
class AgencyNotice:
    id: strawberry.ID
    kind: str = strawberry.field(description="qualification_expiring or services_withdrawn")
    ref: str = strawberry.field(description="What it is about: a qualification id, or the day and service types")
    message: str
    created_at: datetime

    @classmethod
    def from_api(cls, row: dict[str, Any]) -> AgencyNotice:
        return cls(id=strawberry.ID(row["id"]), kind=row["kind"], ref=row["ref"], message=row["message"],
                   created_at=to_datetime(row["created_at"]))


@strawberry.input
class QualificationInput:
    kind: str
    number: str
    issuer: str
    service_types: list[ServiceType]
    valid_from: date
    valid_until: date


QualificationResult = Annotated[Qualification | OperationError, strawberry.union("QualificationResult")]
AgencyResult = Annotated[Agency | OperationError, strawberry.union("AgencyResult")]


@strawberry.type(description="An expert's personal certificate (e.g. 注册安全工程师): the service types it covers and "
                 "until when; a visit may be given to the expert only on a day it is valid.")
class ExpertCertificate:
    id: strawberry.ID
    name: str
    number: str
    service_types: list[ServiceType]
    valid_from: date
    valid_until: date
    days_to_expiry: int = strawberry.field(description="Days from today to the last valid day; negative once lapsed.")
    status: QualificationStatus
    expiring_soon: bool = strawberry.field(description="Valid today and lapses within 30 days.")

    @classmethod
    def from_api(cls, row: dict[str, Any], today: date) -> ExpertCertificate:
        start, until = to_date(row["valid_from"]), to_date(row["valid_until"])
        days, status = validity(start, until, today)
        return cls(id=strawberry.ID(row["id"]), name=row["name"], number=row["number"],
                   service_types=_service_types(row.get("scope")), valid_from=start, valid_until=until,
                   days_to_expiry=days, status=status, expiring_soon=status is QualificationStatus.EXPIRING)


@strawberry.type(description="One span of an expert's week, local time (Asia/Shanghai).")
class WorkingHours:
    weekday: int = strawberry.field(description="0 = Monday ... 6 = Sunday")
    starts: time
    ends: time

    @classmethod
    def from_api(cls, row: dict[str, Any]) -> WorkingHours:
        return cls(weekday=int(row["weekday"]), starts=time.fromisoformat(str(row["starts"])),
                   ends=time.fromisoformat(str(row["ends"])))


@strawberry.type(description="A day off or a blocked period of an expert: no visit is offered in it.")
class ExpertTimeOff:
    id: strawberry.ID
    starts_at: datetime
    ends_at: datetime
    reason: str | None = None

    @classmethod
    def from_api(cls, row: dict[str, Any]) -> ExpertTimeOff:
        return cls(id=strawberry.ID(row["id"]), starts_at=to_datetime(row["starts_at"]),
                   ends_at=to_datetime(row["ends_at"]), reason=row.get("reason"))


@strawberry.input
class CertificateInput:
    name: str = strawberry.field(description="e.g. 注册安全工程师")
    number: str
    service_types: list[ServiceType]
    valid_from: date
    valid_until: date


@strawberry.input
class ExpertInput:
    name: str
    phone: str | None = None
    specialties: list[str] | None = None
    town_codes: list[str] | None = strawberry.field(default=None,
                                                    description="Towns the expert serves; empty: every town of "
                                                    "the agency.")
    certificates: list[CertificateInput] | None = None


@strawberry.input(description="Only what is given changes; `active: false` marks the expert gone (no longer "
                  "offered for visits).")
class ExpertUpdateInput:
    name: str | None = None
    phone: str | None = None
    specialties: list[str] | None = None
    town_codes: list[str] | None = None
    active: bool | None = None


@strawberry.input
class WorkingHoursInput:
    weekday: int = strawberry.field(description="0 = Monday ... 6 = Sunday")
    starts: time
    ends: time


@strawberry.input
class TimeOffInput:
    starts_at: datetime = strawberry.field(description="Without an offset: Asia/Shanghai.")
    ends_at: datetime
    reason: str | None = None


ExpertResult = Annotated[Expert | OperationError, strawberry.union("ExpertResult")]
ExpertCertificateResult = Annotated[ExpertCertificate | OperationError, strawberry.union("ExpertCertificateResult")]
ExpertTimeOffResult = Annotated[ExpertTimeOff | OperationError, strawberry.union("ExpertTimeOffResult")]
