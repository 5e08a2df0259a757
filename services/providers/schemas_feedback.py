"""Bodies for reviews, complaints, the working-day calendar, agency performance and notices."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Long = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
Id = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReviewIn(_In):
    booking_id: Id
    stars: int = Field(ge=1, le=5)
    text: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = ""


class ReplyIn(_In):
    text: Long


class ReviewOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    booking_id: str | None = Field(None, description="the visit reviewed; null for callers not involved")
    agency_id: str
    enterprise_id: str | None = Field(None, description="the firm that wrote it; null for callers not involved")
    stars: int
    text: str
    reply: str | None
    replied_at: datetime | None
    created_at: datetime


class ComplaintIn(_In):
    agency_id: Id
    booking_id: Id | None = None
    town_code: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\d{6,12}$")] | None = Field(
        None, description="optional and never chosen by the firm: the firm's registered town (else the agency's "
        "first town) is used, and a different value is refused (VALIDATION)")
    subject: Short
    description: Long


class FactCheckIn(_In):
    reason: Long


class ExtensionIn(_In):
    days: int = Field(ge=1, le=30, description="at most 30 days, once")
    reason: Long


class AnswerIn(_In):
    """AQ 9010: the answer states the request, the facts found, the basis and the measures taken."""

    request: Long
    facts: Long
    basis: Long
    measures: Long


class ComplaintOut(BaseModel):
    id: str
    enterprise_id: str
    agency_id: str
    booking_id: str | None
    town_code: str
    subject: str
    description: str
    status: str
    received_on: date
    due_on: date
    overdue: bool
    fact_check: bool
    fact_check_reason: str | None
    extension_days: int | None
    extension_reason: str | None
    answer_request: str | None
    answer_facts: str | None
    answer_basis: str | None
    answer_measures: str | None
    answered_at: datetime | None
    answered_late: bool | None
    created_at: datetime


class CommentIn(_In):
    text: Long


class CommentOut(BaseModel):
    id: str
    complaint_id: str
    author_role: str
    author_org: str | None
    text: str
    created_at: datetime


class CalendarDayOut(BaseModel):
    day: date
    working: bool
    name: str | None = None
    source: str | None = None


class CalendarDayIn(_In):
    working: bool
    name: Short


class PerformanceOut(BaseModel):
    agency_id: str
    agency_name: str
    status: str
    visits_done: int
    visits_acknowledged: int
    hazards_found: int
    hazards_closed: int
    closure_rate: float | None = Field(description="closed / found, null when nothing was found")
    average_days_to_close: float | None
    overdue_hazards: int = Field(description="hazards past their deadline and not closed")
    hazards_ever_overdue: int
    complaints: int
    complaints_open: int
    complaints_overdue: int
    rating: float | None
    rating_count: int


class NoticeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    agency_id: str
    kind: str
    ref: str
    message: str
    created_at: datetime
