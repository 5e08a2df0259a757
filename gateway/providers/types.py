"""GraphQL types of agencies, their offerings and experts (served by the providers service)."""

from __future__ import annotations

import enum
from typing import Annotated, Any

import strawberry

from gateway.common import Long, OperationError, enum_value
from gateway.context import Info
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
                   bookable=bool(row.get("bookable")))


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
    agency_id: strawberry.Private[str] = ""

    @strawberry.field
    async def agency(self, info: Info) -> Agency:
        return await load_agency(info, self.agency_id)

    @classmethod
    def from_api(cls, row: dict[str, Any]) -> Expert:
        return cls(id=strawberry.ID(row["id"]), name=row["name"],
                   service_types=_service_types(row.get("service_types")),
                   town_codes=list(row.get("town_codes") or []), agency_id=row["agency_id"])


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


AgencyResult = Annotated[Agency | OperationError, strawberry.union("AgencyResult")]
