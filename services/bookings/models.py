"""Tables of the bookings service: its own database, referring to other parts by id only."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
)
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


# ---------------------------------------------------------------- facts learnt from other parts' events


class EnterpriseRef(Base):
    """What bookings knows of a firm, kept current from ``policy.enterprise.*`` events."""

    __tablename__ = "enterprise_refs"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    town_code: Mapped[str | None] = mapped_column(String(20), nullable=True, index=True)
    principal_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    contact_phone: Mapped[str | None] = mapped_column(String(40), nullable=True)
    risk_color: Mapped[str | None] = mapped_column(String(10), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AgencyFlag(Base):
    """An agency that providers reported as not bookable (suspended, revoked, services withdrawn)."""

    __tablename__ = "agency_flags"

    agency_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    status: Mapped[str] = mapped_column(String(20))
    withdrawn_service_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


# ---------------------------------------------------------------- the prevention-fee ledger


class PolicyLedger(Base):
    """One policy's prevention budget: totals kept by guarded UPDATEs, so the balance never goes below
    zero whatever the concurrency (the CHECK is the last line of defence)."""

    __tablename__ = "prevention_ledgers"
    __table_args__ = (
        CheckConstraint("reserved_fen >= 0 AND spent_fen >= 0 AND budget_fen >= 0", name="non_negative"),
        CheckConstraint("budget_fen - reserved_fen - spent_fen >= 0", name="balance_non_negative"),
    )

    policy_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    number: Mapped[str | None] = mapped_column(String(40), nullable=True)
    enterprise_id: Mapped[str] = mapped_column(String(40), index=True)
    insurer_id: Mapped[str] = mapped_column(String(40), index=True)
    product_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    town_code: Mapped[str | None] = mapped_column(String(20), nullable=True, index=True)
    status: Mapped[str] = mapped_column(String(20))  # ACTIVE, CANCELLED, EXPIRED
    risk_color: Mapped[str | None] = mapped_column(String(10), nullable=True)
    headcount: Mapped[int | None] = mapped_column(Integer, nullable=True)
    premium_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    start_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    end_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    budget_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    reserved_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    spent_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LedgerEntry(Base):
    """One line of the ledger: BUDGET, ADJUSTMENT, RESERVATION, RELEASE or SPEND (amounts in fen, positive)."""

    __tablename__ = "ledger_entries"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    policy_id: Mapped[str] = mapped_column(String(40), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    booking_id: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class ServicePlan(Base):
    """The AQ 9010 service plan of one policy: items, measures, frequency, agency, staff, targets, guarantees."""

    __tablename__ = "service_plans"

    policy_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    enterprise_id: Mapped[str] = mapped_column(String(40), index=True)
    insurer_id: Mapped[str] = mapped_column(String(40), index=True)
    risk_color: Mapped[str | None] = mapped_column(String(10), nullable=True)
    items: Mapped[list[str]] = mapped_column(JSON, default=list)
    service_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    visits_per_year: Mapped[int] = mapped_column(Integer)
    agency_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    targets: Mapped[str | None] = mapped_column(Text, nullable=True)
    # AQ 9010 also asks the plan for its measures, the staff who deliver it and the guarantees behind it
    measures: Mapped[str | None] = mapped_column(Text, nullable=True)
    staff: Mapped[str | None] = mapped_column(Text, nullable=True)
    guarantees: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="AGREED")  # AGREED, PROPOSED
    proposed: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


# ---------------------------------------------------------------- availability


class WorkingHours(Base):
    """An expert's explicit hours for one weekday (0 = Monday), local time Asia/Shanghai."""

    __tablename__ = "working_hours"
    __table_args__ = (UniqueConstraint("expert_id", "weekday", "starts"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    expert_id: Mapped[str] = mapped_column(String(40), index=True)
    weekday: Mapped[int] = mapped_column(Integer)
    starts: Mapped[time] = mapped_column(Time)
    ends: Mapped[time] = mapped_column(Time)


class TimeOff(Base):
    """A day off or a blocked period of one expert."""

    __tablename__ = "time_off"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    expert_id: Mapped[str] = mapped_column(String(40), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str | None] = mapped_column(String(200), nullable=True)


class SlotClaim(Base):
    """One occupied grid unit of one expert. The primary key makes a second claim on the same unit fail
    in the database itself, whichever process tries it: this is what forbids double booking."""

    __tablename__ = "slot_claims"

    expert_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    unit_start: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    booking_id: Mapped[str] = mapped_column(String(40), index=True)


# ---------------------------------------------------------------- bookings and visits


class Booking(Base):
    """A visit. ``version`` makes every UPDATE a compare-and-set, so two concurrent changes of the same
    booking (two cancellations...) cannot both apply, even on SQLite where FOR UPDATE is ignored."""

    __tablename__ = "bookings"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    funding: Mapped[str] = mapped_column(String(10))
    offering_id: Mapped[str] = mapped_column(String(40), index=True)
    service_type: Mapped[str] = mapped_column(String(40))
    agency_id: Mapped[str] = mapped_column(String(40), index=True)
    enterprise_id: Mapped[str] = mapped_column(String(40), index=True)
    policy_id: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    insurer_id: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    expert_id: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    town_code: Mapped[str | None] = mapped_column(String(20), nullable=True, index=True)
    start: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    end: Mapped[datetime] = mapped_column(UTCDateTime())
    price_fen: Mapped[int] = mapped_column(BigInteger)
    invoice_reference: Mapped[str | None] = mapped_column(String(100), nullable=True)
    cancel_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    cancelled_by: Mapped[str | None] = mapped_column(String(20), nullable=True)
    late_cancellation: Mapped[bool] = mapped_column(Boolean, default=False)
    reschedule_count: Mapped[int] = mapped_column(Integer, default=0)
    flag: Mapped[str | None] = mapped_column(Text, nullable=True)  # e.g. the agency was suspended
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    check_in_latitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    check_in_longitude: Mapped[float | None] = mapped_column(Float, nullable=True)
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    satisfaction: Mapped[int | None] = mapped_column(Integer, nullable=True)
    follow_up_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class VisitReport(Base):
    """The service record of one visit; frozen once the firm acknowledges it (corrections are new rows)."""

    __tablename__ = "visit_reports"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    booking_id: Mapped[str] = mapped_column(String(40), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="REPORT")  # REPORT, CORRECTION
    summary: Mapped[str] = mapped_column(Text)
    items: Mapped[list[str]] = mapped_column(JSON, default=list)
    findings: Mapped[str | None] = mapped_column(Text, nullable=True)
    measures: Mapped[str | None] = mapped_column(Text, nullable=True)
    author_expert_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Hazard(Base):
    __tablename__ = "hazards"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    booking_id: Mapped[str] = mapped_column(String(40), index=True)
    enterprise_id: Mapped[str] = mapped_column(String(40), index=True)
    agency_id: Mapped[str] = mapped_column(String(40), index=True)
    policy_id: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    insurer_id: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    town_code: Mapped[str | None] = mapped_column(String(20), nullable=True, index=True)
    grade: Mapped[str] = mapped_column(String(10))
    description: Mapped[str] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(String(200), nullable=True)
    deadline: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(30), index=True)
    photo_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    six_in_place: Mapped[dict[str, str] | None] = mapped_column(JSON, nullable=True)
    rejection_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    principal_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class HazardAction(Base):
    """The hazard's history: each rectification submitted and each verification, never overwritten."""

    __tablename__ = "hazard_actions"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    hazard_id: Mapped[str] = mapped_column(String(40), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # RECTIFICATION, ACCEPTED, REJECTED, OVERDUE, NOTICE
    actor: Mapped[str] = mapped_column(String(80))
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    photo_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Photo(Base):
    """An uploaded photo; its bytes live behind the storage interface."""

    __tablename__ = "photos"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    owner_org: Mapped[str | None] = mapped_column(String(40), nullable=True)
    content_type: Mapped[str] = mapped_column(String(60))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(200))
    hazard_id: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)  # once cited
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Notice(Base):
    """A written notice: the hazard notice to the firm, or the MAJOR-hazard notice to its principal."""

    __tablename__ = "notices"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    booking_id: Mapped[str] = mapped_column(String(40), index=True)
    hazard_id: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    kind: Mapped[str] = mapped_column(String(30))  # HAZARD_NOTICE, PRINCIPAL_NOTICE
    recipient: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ArchiveEntry(Base):
    """The firm's 5-year archive: append-only, each entry hashing its content and the previous hash."""

    __tablename__ = "archive_entries"
    __table_args__ = (UniqueConstraint("enterprise_id", "seq"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    enterprise_id: Mapped[str] = mapped_column(String(40), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[str] = mapped_column(String(40), index=True)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    retain_until: Mapped[date] = mapped_column(Date)



# ---------------------------------------------------------------- the exposure board


class ExposureCase(Base):
    """A case the bureau publishes on the exposure board (曝光台). It cites a hazard of this service and keeps
    the facts as they stood at publication (the hazard goes on changing; the case does not). ``live_hazard_id``
    is the hazard's id while the case is live and NULL once withdrawn: its unique constraint lets only one live
    case per hazard exist, whichever replica inserts it (NULLs never collide on SQLite or PostgreSQL)."""

    __tablename__ = "exposure_cases"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    hazard_id: Mapped[str] = mapped_column(String(40), index=True)
    live_hazard_id: Mapped[str | None] = mapped_column(String(40), nullable=True, unique=True)
    enterprise_id: Mapped[str] = mapped_column(String(40), index=True)
    enterprise_name: Mapped[str] = mapped_column(String(200))
    town_code: Mapped[str] = mapped_column(String(20), index=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    hazard_grade: Mapped[str] = mapped_column(String(10))
    hazard_description: Mapped[str] = mapped_column(Text)
    hazard_location: Mapped[str | None] = mapped_column(String(200), nullable=True)
    hazard_deadline: Mapped[date] = mapped_column(Date)
    hazard_status: Mapped[str] = mapped_column(String(30))
    hazard_found_at: Mapped[datetime] = mapped_column(UTCDateTime())
    rejection_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    published_by: Mapped[str] = mapped_column(String(80))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    withdrawn_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    withdraw_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
