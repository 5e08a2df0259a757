"""Request and response bodies of the bookings service (snake_case JSON)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Funding(enum.StrEnum):
    INSURER = "INSURER"
    SELF = "SELF"


class BookingStatus(enum.StrEnum):
    REQUESTED = "REQUESTED"
    CONFIRMED = "CONFIRMED"
    CHECKED_IN = "CHECKED_IN"
    REPORTED = "REPORTED"
    ACKNOWLEDGED = "ACKNOWLEDGED"
    CANCELLED = "CANCELLED"
    NO_SHOW = "NO_SHOW"


class HazardGrade(enum.StrEnum):
    GENERAL = "GENERAL"
    MAJOR = "MAJOR"


class HazardStatus(enum.StrEnum):
    OPEN = "OPEN"
    RECTIFICATION_SUBMITTED = "RECTIFICATION_SUBMITTED"
    CLOSED = "CLOSED"
    OVERDUE = "OVERDUE"


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("give the time with its offset, e.g. 2026-12-01T09:00:00+08:00")
    return value


class BookVisitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    offering_id: str = Field(min_length=1, max_length=40)
    enterprise_id: str = Field(min_length=1, max_length=40)
    start: datetime
    expert_id: str | None = Field(None, max_length=40)
    policy_id: str | None = Field(None, max_length=40)
    funding: Funding
    invoice_reference: str | None = Field(None, max_length=100, description="SELF funding: the agency's invoice")

    _start_aware = field_validator("start")(_aware)


class ConfirmIn(BaseModel):
    expert_id: str | None = Field(None, max_length=40)


class CancelIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


class RescheduleIn(BaseModel):
    start: datetime
    expert_id: str | None = Field(None, max_length=40)

    _start_aware = field_validator("start")(_aware)


class CheckInIn(BaseModel):
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)


class SixInPlace(BaseModel):
    """The "six in place" of a MAJOR hazard."""

    personnel: str = Field(min_length=1, max_length=500)
    responsibility: str = Field(min_length=1, max_length=500)
    measures: str = Field(min_length=1, max_length=2000)
    funds: str = Field(min_length=1, max_length=500)
    deadline: str = Field(min_length=1, max_length=200)
    contingency_plan: str = Field(min_length=1, max_length=2000)


class HazardIn(BaseModel):
    grade: HazardGrade
    description: str = Field(min_length=1, max_length=4000)
    deadline: date
    location: str | None = Field(None, max_length=200)
    photo_ids: list[str] = Field(default_factory=list, max_length=20)
    six_in_place: SixInPlace | None = None


class VisitReportIn(BaseModel):
    summary: str = Field(min_length=1, max_length=8000)
    items: list[str] = Field(default_factory=list, max_length=100)
    findings: str | None = Field(None, max_length=8000)
    measures: str | None = Field(None, max_length=8000)
    hazards: list[HazardIn] = Field(default_factory=list, max_length=100)


class CorrectionIn(BaseModel):
    summary: str = Field(min_length=1, max_length=8000)
    findings: str | None = Field(None, max_length=8000)


class FollowUpIn(BaseModel):
    satisfaction: int = Field(ge=1, le=5, description="1 (very unhappy) to 5 (very satisfied)")
    note: str | None = Field(None, max_length=2000)


class RectificationIn(BaseModel):
    description: str = Field(min_length=1, max_length=4000)
    photo_ids: list[str] = Field(default_factory=list, max_length=20)


class VerificationIn(BaseModel):
    accepted: bool
    note: str | None = Field(None, max_length=2000)


class BookingOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    number: str
    status: BookingStatus
    funding: Funding
    offering_id: str
    service_type: str
    agency_id: str
    enterprise_id: str
    policy_id: str | None
    insurer_id: str | None
    expert_id: str | None
    town_code: str | None
    start: datetime
    end: datetime
    price_fen: int
    invoice_reference: str | None
    cancel_reason: str | None
    late_cancellation: bool
    flag: str | None
    checked_in_at: datetime | None
    check_in_latitude: float | None
    check_in_longitude: float | None
    reported_at: datetime | None
    acknowledged_at: datetime | None
    satisfaction: int | None
    created_at: datetime


class HazardOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    booking_id: str
    enterprise_id: str
    agency_id: str
    policy_id: str | None
    insurer_id: str | None
    town_code: str | None
    grade: HazardGrade
    description: str
    location: str | None
    deadline: date
    status: HazardStatus
    photo_ids: list[str]
    six_in_place: dict[str, str] | None
    rejection_reason: str | None
    principal_notified_at: datetime | None
    created_at: datetime
    closed_at: datetime | None


class LedgerOut(BaseModel):
    policy_id: str
    enterprise_id: str
    insurer_id: str
    status: str
    budget_fen: int
    reserved_fen: int
    spent_fen: int
    available_fen: int


class LedgerEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    policy_id: str
    kind: str
    amount_fen: int
    booking_id: str | None
    note: str | None
    created_at: datetime


class SlotOut(BaseModel):
    start: datetime
    end: datetime
    expert_id: str


def _not_blank(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be blank")
    return value


class ExposureCaseIn(BaseModel):
    """A case for the exposure board. The firm's name and town are the policy service's, as the gateway read
    them when the bureau published: the board shows the firm as it was named then."""

    model_config = ConfigDict(extra="forbid")

    hazard_id: str = Field(min_length=1, max_length=40)
    title: str = Field(min_length=1, max_length=200)
    summary: str = Field(min_length=1, max_length=4000, description="the bureau's account of the case")
    enterprise_name: str = Field(min_length=1, max_length=200)
    town_code: str = Field(min_length=6, max_length=20)

    _blank = field_validator("hazard_id", "title", "summary", "enterprise_name", "town_code")(_not_blank)


class WithdrawalIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)

    _blank = field_validator("reason")(_not_blank)


class ExposureCaseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    number: str
    hazard_id: str
    enterprise_id: str
    enterprise_name: str
    town_code: str
    title: str
    summary: str
    hazard_grade: HazardGrade
    hazard_description: str
    hazard_location: str | None
    hazard_deadline: date
    hazard_status: HazardStatus = Field(description="the hazard's status when the case was published")
    hazard_found_at: datetime
    rejection_reason: str | None
    published_by: str | None = Field(description="the bureau account that published it (bureau only)")
    published_at: datetime
    withdrawn_at: datetime | None
    withdrawn_by: str | None = Field(description="the bureau account that withdrew it (bureau only)")
    withdraw_reason: str | None
