"""Tables of the providers service: its own database, referring to other parts by id only."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.kernel.db import UTCDateTime, make_base
from services.kernel.events import InboxMixin, OutboxMixin
from services.kernel.idempotency import IdempotencyMixin
from services.kernel.sessions import RevocationMixin

Base = make_base()


class Outbox(OutboxMixin, Base):
    __tablename__ = "outbox"


class Inbox(InboxMixin, Base):
    __tablename__ = "inbox"


class Revocation(RevocationMixin, Base):
    """Ended sessions (``gateway.session.revoked``): their tokens are refused until they expire."""

    __tablename__ = "revoked_sessions"


class IdempotencyRecord(IdempotencyMixin, Base):
    __tablename__ = "idempotency_keys"


# ---------------------------------------------------------------- agencies and vetting


class Agency(Base):
    """A technical service agency (安全生产技术服务机构); ``status`` follows the vetting table."""

    __tablename__ = "agencies"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    info_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    status_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    service_types: Mapped[list[str]] = mapped_column(JSON)
    town_codes: Mapped[list[str]] = mapped_column(JSON)  # the approved scope (with service_types)
    # the town the agency registered in (the first town of its application): the bureau of its region vets
    # the agency and its scope changes, whatever towns it adds later
    home_town_code: Mapped[str | None] = mapped_column(String(20), nullable=True)
    address: Mapped[str | None] = mapped_column(String(300), nullable=True)
    contact_name: Mapped[str] = mapped_column(String(100))
    contact_phone: Mapped[str] = mapped_column(String(40))
    applicant_sub: Mapped[str | None] = mapped_column(String(120), nullable=True, index=True)
    rating_sum: Mapped[int] = mapped_column(Integer, default=0)
    rating_count: Mapped[int] = mapped_column(Integer, default=0)
    visits_done: Mapped[int] = mapped_column(Integer, default=0)
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    @property
    def rating(self) -> float | None:
        return round(self.rating_sum / self.rating_count, 2) if self.rating_count else None


class AgencyDecision(Base):
    """One vetting decision by the bureau: who, when, why, and the status before and after."""

    __tablename__ = "agency_decisions"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    decision: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    decided_by: Mapped[str] = mapped_column(String(120))
    decided_role: Mapped[str] = mapped_column(String(20))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AgencyScopeChange(Base):
    """An approved agency's request to change the service types or towns it serves: PENDING until the bureau of
    its home region decides (APPROVED, REJECTED), or WITHDRAWN when the agency asks for something else. The
    approved scope stays on the agency until then."""

    __tablename__ = "agency_scope_changes"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    from_service_types: Mapped[list[str]] = mapped_column(JSON)
    from_town_codes: Mapped[list[str]] = mapped_column(JSON)
    service_types: Mapped[list[str]] = mapped_column(JSON)
    town_codes: Mapped[list[str]] = mapped_column(JSON)
    requested_by: Mapped[str] = mapped_column(String(120))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    decided_role: Mapped[str | None] = mapped_column(String(20), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


class Qualification(Base):
    """A certificate the agency holds (资质证书), covering some service types between two dates."""

    __tablename__ = "qualifications"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    kind: Mapped[str] = mapped_column(String(100))
    number: Mapped[str] = mapped_column(String(100))
    issuer: Mapped[str] = mapped_column(String(200))
    service_types: Mapped[list[str]] = mapped_column(JSON)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date, index=True)
    scan_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    expiry_warned_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class StoredFile(Base):
    """An uploaded scan: its bytes live in the storage (local disk by default), its facts here."""

    __tablename__ = "stored_files"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(60))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(300))
    uploaded_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AgencyNotice(Base):
    """A message for an agency (a qualification about to expire, service types withdrawn)."""

    __tablename__ = "agency_notices"
    __table_args__ = (UniqueConstraint("agency_id", "kind", "ref"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    ref: Mapped[str] = mapped_column(String(80))
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


# ---------------------------------------------------------------- experts and offerings


class Expert(Base):
    __tablename__ = "experts"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(40), nullable=True)
    specialties: Mapped[list[str]] = mapped_column(JSON)
    town_codes: Mapped[list[str]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ExpertCertificate(Base):
    """An expert's certificate (e.g. registered safety engineer): its scope is a list of service types."""

    __tablename__ = "expert_certificates"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    expert_id: Mapped[str] = mapped_column(ForeignKey("experts.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    number: Mapped[str] = mapped_column(String(100))
    scope: Mapped[list[str]] = mapped_column(JSON)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)


class Offering(Base):
    __tablename__ = "offerings"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    service_type: Mapped[str] = mapped_column(String(40), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    price_fen: Mapped[int] = mapped_column(Integer)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    town_codes: Mapped[list[str]] = mapped_column(JSON)
    travel_buffer_minutes: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


# ---------------------------------------------------------------- insurer panels


class PanelEntry(Base):
    """An agency on an insurer's panel between two dates (``end_date`` None: open-ended)."""

    __tablename__ = "panel_entries"
    __table_args__ = (Index("ix_panel_entries_insurer_agency", "insurer_id", "agency_id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    insurer_id: Mapped[str] = mapped_column(String(40))
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    criteria: Mapped[str] = mapped_column(Text, default="")
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PanelChange(Base):
    """The audit trail of a panel: every addition and removal, by whom and why."""

    __tablename__ = "panel_changes"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    insurer_id: Mapped[str] = mapped_column(String(40), index=True)
    agency_id: Mapped[str] = mapped_column(String(40))
    entry_id: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(20))
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    changed_by: Mapped[str] = mapped_column(String(120))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())


# ---------------------------------------------------------------- facts learned from bookings events


class VisitFact(Base):
    """A visit as the bookings service reported it: done (reported) and confirmed by the firm (acknowledged)."""

    __tablename__ = "visit_facts"

    booking_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    agency_id: Mapped[str] = mapped_column(String(40), index=True)
    enterprise_id: Mapped[str] = mapped_column(String(40), index=True)
    expert_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class HazardFact(Base):
    """A hazard an agency's expert found, and when it was closed or went overdue."""

    __tablename__ = "hazard_facts"

    hazard_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    agency_id: Mapped[str] = mapped_column(String(40), index=True)
    booking_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    grade: Mapped[str | None] = mapped_column(String(20), nullable=True)
    found_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class FirmTown(Base):
    """A firm's registered town as the policy service published it: the bureau of that town follows the
    firm's complaints (never a town the firm names itself)."""

    __tablename__ = "firm_towns"

    enterprise_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    town_code: Mapped[str] = mapped_column(String(20))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


# ---------------------------------------------------------------- reviews and complaints


class Review(Base):
    """One review per acknowledged booking, by its firm; the agency may reply once."""

    __tablename__ = "reviews"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    booking_id: Mapped[str] = mapped_column(String(40), unique=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    enterprise_id: Mapped[str] = mapped_column(String(40), index=True)
    stars: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text, default="")
    reply: Mapped[str | None] = mapped_column(Text, nullable=True)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CalendarDay(Base):
    """An exception to the Monday-to-Friday week: a public holiday (not working) or a make-up working day."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    working: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(60))
    source: Mapped[str] = mapped_column(String(200))


class Complaint(Base):
    """A firm's complaint about an agency or a visit, answered on the AQ 9010 clock."""

    __tablename__ = "complaints"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    enterprise_id: Mapped[str] = mapped_column(String(40), index=True)
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"), index=True)
    booking_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    town_code: Mapped[str] = mapped_column(String(12), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), index=True)
    received_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    fact_check: Mapped[bool] = mapped_column(Boolean, default=False)
    fact_check_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    extension_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    extension_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    answer_request: Mapped[str | None] = mapped_column(Text, nullable=True)
    answer_facts: Mapped[str | None] = mapped_column(Text, nullable=True)
    answer_basis: Mapped[str | None] = mapped_column(Text, nullable=True)
    answer_measures: Mapped[str | None] = mapped_column(Text, nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    answered_by: Mapped[str | None] = mapped_column(String(120), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CoverFact(Base):
    """A policy as the policy service reported it (activated, cancelled): which insurer's book a firm is on,
    and when; read by the complaints an insurer may see."""

    __tablename__ = "cover_facts"

    policy_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    enterprise_id: Mapped[str] = mapped_column(String(40), index=True)
    insurer_id: Mapped[str] = mapped_column(String(40), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    cancelled_on: Mapped[date | None] = mapped_column(Date, nullable=True)


class ComplaintComment(Base):
    """A remark on a complaint by a party that may read but not decide it (the insurer that funds the
    services): kept with the complaint, never changing its clock or its answer."""

    __tablename__ = "complaint_comments"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    complaint_id: Mapped[str] = mapped_column(ForeignKey("complaints.id"), index=True)
    author_role: Mapped[str] = mapped_column(String(20))
    author_org: Mapped[str | None] = mapped_column(String(40), nullable=True)
    author_sub: Mapped[str] = mapped_column(String(120))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
