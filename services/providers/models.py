"""Tables of the providers service: its own database, referring to other parts by id only."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from services.kernel.db import UTCDateTime, make_base
from services.kernel.events import InboxMixin, OutboxMixin
from services.kernel.idempotency import IdempotencyMixin

Base = make_base()


class Outbox(OutboxMixin, Base):
    __tablename__ = "outbox"


class Inbox(InboxMixin, Base):
    __tablename__ = "inbox"


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
    town_codes: Mapped[list[str]] = mapped_column(JSON)
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
