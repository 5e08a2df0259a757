"""Request and response bodies of the providers service (snake_case JSON)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]
TownCode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\d{6,12}$")]


class ServiceType(enum.StrEnum):
    RISK_ASSESSMENT = "RISK_ASSESSMENT"
    HAZARD_INSPECTION = "HAZARD_INSPECTION"
    TRAINING = "TRAINING"
    EMERGENCY_DRILL = "EMERGENCY_DRILL"
    STANDARDIZATION = "STANDARDIZATION"
    OTHER = "OTHER"


class AgencyStatus(enum.StrEnum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    SUSPENDED = "SUSPENDED"
    REJECTED = "REJECTED"
    REVOKED = "REVOKED"


class Decision(enum.StrEnum):
    APPROVE = "APPROVE"
    REJECT = "REJECT"
    REQUEST_INFO = "REQUEST_INFO"
    SUSPEND = "SUSPEND"
    REVOKE = "REVOKE"


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _check_period(valid_from: date, valid_until: date) -> None:
    if valid_until < valid_from:
        raise ValueError("valid_until is before valid_from: a certificate cannot end before it starts")


class QualificationIn(_In):
    kind: Text = Field(description="e.g. 安全评价机构资质, 检测检验机构资质")
    number: Text
    issuer: Text = Field(description="the issuing body")
    service_types: list[ServiceType] = Field(min_length=1)
    valid_from: date
    valid_until: date

    @model_validator(mode="after")
    def _period(self) -> QualificationIn:
        _check_period(self.valid_from, self.valid_until)
        return self


class AgencyApplicationIn(_In):
    name: Text
    uscc: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    service_types: list[ServiceType] = Field(min_length=1)
    town_codes: list[TownCode] = Field(min_length=1)
    contact_name: Text
    contact_phone: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9+\- ]{5,20}$")]
    address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] | None = None
    qualifications: list[QualificationIn] = Field(default_factory=list)


class AgencyUpdateIn(_In):
    """What an agency may change about itself (e.g. after the bureau asked for more information)."""

    name: Text | None = None
    service_types: list[ServiceType] | None = Field(None, min_length=1)
    town_codes: list[TownCode] | None = Field(None, min_length=1)
    contact_name: Text | None = None
    contact_phone: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9+\- ]{5,20}$")] | None = None
    address: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] | None = None


class DecisionIn(_In):
    decision: Decision
    note: LongText | None = None


class QualificationOut(BaseModel):
    id: str
    agency_id: str
    kind: str
    number: str
    issuer: str
    service_types: list[str]
    valid_from: date
    valid_until: date
    valid_today: bool
    scan_id: str | None


class ScopeDecision(enum.StrEnum):
    APPROVE = "APPROVE"
    REJECT = "REJECT"


class ScopeDecisionIn(_In):
    decision: ScopeDecision
    note: LongText | None = None


class ScopeChangeOut(BaseModel):
    """An approved agency's request to change its service types or towns, and the bureau's answer."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    agency_id: str
    status: Literal["PENDING", "APPROVED", "REJECTED", "WITHDRAWN"]
    from_service_types: list[str]
    from_town_codes: list[str]
    service_types: list[str]
    town_codes: list[str]
    requested_by: str
    requested_at: datetime
    decided_by: str | None = None
    decided_role: str | None = None
    decided_at: datetime | None = None
    note: str | None = None


class AgencyOut(BaseModel):
    id: str
    name: str
    uscc: str
    status: AgencyStatus
    info_requested: bool
    status_note: str | None
    service_types: list[str]
    town_codes: list[str]
    home_town_code: str | None = Field(None, description="the town the agency registered in: the bureau of its "
                                                         "region vets the agency and its scope changes")
    address: str | None
    rating: float | None
    rating_count: int
    visits_done: int
    contact_name: str
    contact_phone: str
    bookable: bool = Field(description="approved and holding a qualification valid today")
    created_at: datetime


class AgencyDetailOut(AgencyOut):
    qualifications: list[QualificationOut] = Field(default_factory=list)
    pending_scope_change: ScopeChangeOut | None = Field(
        None, description="a change of service types or towns awaiting the bureau (the agency itself, the bureau "
                          "and the admin see it; service_types and town_codes above stay the approved scope)")


class DecisionOut(BaseModel):
    id: str
    agency_id: str
    decision: Decision
    from_status: AgencyStatus
    to_status: AgencyStatus
    note: str | None
    decided_by: str
    decided_role: str
    decided_at: datetime


class CertificateIn(_In):
    name: Text = Field(description="e.g. 注册安全工程师")
    number: Text
    scope: list[ServiceType] = Field(min_length=1, description="the service types it qualifies for")
    valid_from: date
    valid_until: date

    @model_validator(mode="after")
    def _period(self) -> CertificateIn:
        _check_period(self.valid_from, self.valid_until)
        return self


class ExpertIn(_In):
    name: Text
    phone: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9+\- ]{5,20}$")] | None = None
    specialties: list[Text] = Field(default_factory=list)
    town_codes: list[TownCode] = Field(default_factory=list, description="empty: every town of the agency")
    certificates: list[CertificateIn] = Field(default_factory=list)


class ExpertUpdateIn(_In):
    name: Text | None = None
    phone: Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9+\- ]{5,20}$")] | None = None
    specialties: list[Text] | None = None
    town_codes: list[TownCode] | None = None
    active: bool | None = Field(None, description="false: the expert left; no longer offered for visits")


class CertificateOut(BaseModel):
    id: str
    name: str
    number: str
    scope: list[str]
    valid_from: date
    valid_until: date


class ExpertOut(BaseModel):
    id: str
    agency_id: str
    name: str
    phone: str | None = None
    active: bool
    service_types: list[str] = Field(description="service types a certificate covers on the day asked (today)")
    specialties: list[str]
    town_codes: list[str]
    certificates: list[CertificateOut]


class OfferingIn(_In):
    service_type: ServiceType
    title: Text
    description: LongText = ""
    price_fen: int = Field(ge=0, le=10**11)
    duration_minutes: int = Field(ge=15, le=24 * 60)
    town_codes: list[TownCode] = Field(min_length=1)
    travel_buffer_minutes: int = Field(0, ge=0, le=8 * 60)


class OfferingUpdateIn(_In):
    title: Text | None = None
    description: LongText | None = None
    price_fen: int | None = Field(None, ge=0, le=10**11)
    duration_minutes: int | None = Field(None, ge=15, le=24 * 60)
    town_codes: list[TownCode] | None = Field(None, min_length=1)
    travel_buffer_minutes: int | None = Field(None, ge=0, le=8 * 60)
    active: bool | None = Field(None, description="false withdraws the offering from search and booking")


class OfferingOut(BaseModel):
    id: str
    agency_id: str
    agency_name: str
    service_type: ServiceType
    title: str
    description: str
    price_fen: int
    duration_minutes: int
    town_codes: list[str]
    travel_buffer_minutes: int
    active: bool
    bookable: bool = Field(description="agency approved and a qualification covers the service type today")


class PanelEntryIn(_In):
    agency_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    criteria: LongText = ""
    start_date: date
    end_date: date | None = None

    @model_validator(mode="after")
    def _period(self) -> PanelEntryIn:
        if self.end_date is not None and self.end_date < self.start_date:
            raise ValueError("end_date is before start_date")
        return self


class PanelRemovalIn(_In):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class PanelEntryOut(BaseModel):
    id: str
    insurer_id: str
    agency_id: str
    agency_name: str
    agency_status: AgencyStatus
    criteria: str
    start_date: date
    end_date: date | None
    removed_at: datetime | None
    created_by: str
    created_at: datetime


class PanelCheckOut(BaseModel):
    insurer_id: str
    agency_id: str
    on: date
    on_panel: bool
    entry_id: str | None = None


class PanelChangeOut(BaseModel):
    id: str
    insurer_id: str
    agency_id: str
    entry_id: str
    action: str
    details: dict[str, object]
    changed_by: str
    changed_at: datetime
