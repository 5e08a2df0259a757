"""GraphQL types of the exposure board: a published case and the bureau's input."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import strawberry

from gateway.bookings.types import HazardGrade, HazardStatus
from gateway.common import OperationError, enum_value, to_date, to_datetime


@strawberry.type(description="A case on the exposure board: the firm as named when it was published, the facts of "
                 "the cited hazard at that moment, and the bureau's account.")
class ExposureCase:
    id: strawberry.ID
    number: str
    title: str
    summary: str
    enterprise_id: strawberry.ID
    enterprise_name: str
    town_code: str
    hazard_id: strawberry.ID
    hazard_grade: HazardGrade
    hazard_description: str
    hazard_location: str | None
    hazard_deadline: date
    hazard_status: HazardStatus = strawberry.field(description="the hazard's status when the case was published")
    rejection_reason: str | None = strawberry.field(description="why the firm's rectification was rejected, if it was")
    published_at: datetime
    withdrawn_at: datetime | None = None
    withdraw_reason: str | None = None

    @classmethod
    def from_api(cls, row: dict[str, Any]) -> ExposureCase:
        return cls(id=strawberry.ID(row["id"]), number=row.get("number") or "", title=row.get("title") or "",
                   summary=row.get("summary") or "", enterprise_id=strawberry.ID(row.get("enterprise_id") or ""),
                   enterprise_name=row.get("enterprise_name") or "", town_code=row.get("town_code") or "",
                   hazard_id=strawberry.ID(row.get("hazard_id") or ""),
                   hazard_grade=enum_value(HazardGrade, row.get("hazard_grade"), HazardGrade.MAJOR),
                   hazard_description=row.get("hazard_description") or "", hazard_location=row.get("hazard_location"),
                   hazard_deadline=to_date(row["hazard_deadline"]),
                   hazard_status=enum_value(HazardStatus, row.get("hazard_status"), HazardStatus.OVERDUE),
                   rejection_reason=row.get("rejection_reason"), published_at=to_datetime(row["published_at"]),
                   withdrawn_at=to_datetime(row["withdrawn_at"]) if row.get("withdrawn_at") else None,
                   withdraw_reason=row.get("withdraw_reason"))


@strawberry.input(description="A case to publish: the hazard it cites and the bureau's title and account; the firm's "
                  "name and town are read from the policy service at that moment.")
class ExposureCaseInput:
    hazard_id: strawberry.ID
    title: str
    summary: str


ExposureCaseResult = Annotated[ExposureCase | OperationError, strawberry.union("ExposureCaseResult")]
