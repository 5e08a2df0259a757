"""Tables of the policy service: its own database, referring to other parts by id only."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
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


class Region(Base):
    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(10), index=True)  # CITY TOWN VILLAGE PARK
    parent_code: Mapped[str | None] = mapped_column(String(20), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # CITY SUB_DISTRICT TOWN ZONE VILLAGE PARK
    verified: Mapped[bool] = mapped_column(Boolean, default=False)


class Counter(Base):
    """Readable numbers (policy numbers): one row per series, incremented in the business transaction."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class Enterprise(Base):
    __tablename__ = "enterprises"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    town_code: Mapped[str] = mapped_column(String(20), index=True)
    village_code: Mapped[str | None] = mapped_column(String(20), index=True)
    park_code: Mapped[str | None] = mapped_column(String(20), index=True)
    park_name: Mapped[str | None] = mapped_column(String(200))
    tenure: Mapped[str | None] = mapped_column(String(30))
    sector: Mapped[str] = mapped_column(String(20))
    industry_code: Mapped[str] = mapped_column(String(10), index=True)
    employees: Mapped[int] = mapped_column(Integer)
    annual_revenue_fen: Mapped[int] = mapped_column(BigInteger)
    total_assets_fen: Mapped[int | None] = mapped_column(BigInteger)
    size_class: Mapped[str] = mapped_column(String(10), index=True)
    high_risk_tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    compulsory: Mapped[bool] = mapped_column(Boolean, default=False)  # in one of the 8 compulsory industries
    standardisation_grade: Mapped[str | None] = mapped_column(String(10))
    risk_color: Mapped[str | None] = mapped_column(String(10))
    blacklisted: Mapped[bool] = mapped_column(Boolean, default=False)
    principal_name: Mapped[str] = mapped_column(String(100))
    contact_phone: Mapped[str] = mapped_column(String(40))
    operating_status: Mapped[str] = mapped_column(String(20), default="OPERATING")
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class EnterpriseTag(Base):
    """One high-risk tag of a firm, a row each, so coverage can group by tag in SQL."""

    __tablename__ = "enterprise_tags"

    enterprise_id: Mapped[str] = mapped_column(ForeignKey("enterprises.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(40), primary_key=True)


class EnterpriseFactChange(Base):
    """The history of a firm's regulated facts (risk colour, standardisation grade, high-risk tags, sector,
    blacklist): one row per fact changed, with who, when, the value before and after, and why."""

    __tablename__ = "enterprise_fact_changes"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    enterprise_id: Mapped[str] = mapped_column(ForeignKey("enterprises.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(120))
    actor_role: Mapped[str] = mapped_column(String(20))
    field: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    new_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    reason: Mapped[str] = mapped_column(Text)


class Insurer(Base):
    __tablename__ = "insurers"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    bank_name: Mapped[str] = mapped_column(String(200))
    bank_account_name: Mapped[str] = mapped_column(String(200))
    bank_account_no: Mapped[str] = mapped_column(String(60))
    demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Product(Base):
    __tablename__ = "products"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    insurer_id: Mapped[str] = mapped_column(ForeignKey("insurers.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    term_months: Mapped[int] = mapped_column(Integer, default=12)
    limit_options_fen: Mapped[list[int]] = mapped_column(JSON)
    # base rate per risk class in parts per million of the sum insured (headcount × limit)
    base_rates_ppm: Mapped[dict[str, int]] = mapped_column(JSON)
    factor_bounds: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    min_premium_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    prevention_share_bp: Mapped[int] = mapped_column(Integer)  # basis points of the premium, ≤ 2100
    commission_bp: Mapped[int] = mapped_column(Integer, default=0)  # as stated; capped per firm at quoting
    # COMPULSORY: sold to the 8 compulsory industries, so its commission may not exceed 5% at all;
    # MIXED: sold to any firm, the 5% cap applied to each compulsory firm's quote and policy.
    industry_scope: Mapped[str] = mapped_column(String(20), default="MIXED", server_default="MIXED")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Quote(Base):
    __tablename__ = "quotes"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    enterprise_id: Mapped[str] = mapped_column(ForeignKey("enterprises.id"), index=True)
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id"))
    insurer_id: Mapped[str] = mapped_column(ForeignKey("insurers.id"), index=True)
    headcount: Mapped[int] = mapped_column(Integer)
    limit_per_person_fen: Mapped[int] = mapped_column(BigInteger)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    premium_fen: Mapped[int] = mapped_column(BigInteger)
    prevention_budget_fen: Mapped[int] = mapped_column(BigInteger)
    factors: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    commission_bp: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # applied (capped) rate
    commission_fen: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    valid_until: Mapped[date] = mapped_column(Date)
    predecessor_id: Mapped[str | None] = mapped_column(String(40))
    policy_id: Mapped[str | None] = mapped_column(String(40))  # set once bound
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    @property
    def commission_rate(self) -> float:
        return self.commission_bp / 10_000


class Policy(Base):
    __tablename__ = "policies"
    __table_args__ = (
        Index("ix_policies_cover", "enterprise_id", "start_date", "end_date"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    enterprise_id: Mapped[str] = mapped_column(ForeignKey("enterprises.id"), index=True)
    insurer_id: Mapped[str] = mapped_column(ForeignKey("insurers.id"), index=True)
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id"))
    quote_id: Mapped[str] = mapped_column(String(40), unique=True)
    headcount: Mapped[int] = mapped_column(Integer)
    limit_per_person_fen: Mapped[int] = mapped_column(BigInteger)
    premium_fen: Mapped[int] = mapped_column(BigInteger)
    prevention_share_bp: Mapped[int] = mapped_column(Integer)
    prevention_budget_fen: Mapped[int] = mapped_column(BigInteger)
    commission_fen: Mapped[int] = mapped_column(BigInteger, default=0)  # to intermediaries; ≤ 5% if compulsory
    commission_bp: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # the rate applied
    factors: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)  # the last day covered
    predecessor_id: Mapped[str | None] = mapped_column(String(40), index=True)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_on: Mapped[date | None] = mapped_column(Date)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    @property
    def prevention_share(self) -> float:
        return self.prevention_share_bp / 10_000

    @property
    def commission_rate(self) -> float:
        return self.commission_bp / 10_000


class PolicyChange(Base):
    """The history of a policy: who changed what, when and why."""

    __tablename__ = "policy_changes"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    policy_id: Mapped[str] = mapped_column(ForeignKey("policies.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Payment(Base):
    __tablename__ = "payments"
    __table_args__ = (UniqueConstraint("reference"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    policy_id: Mapped[str] = mapped_column(ForeignKey("policies.id"), index=True)
    insurer_id: Mapped[str] = mapped_column(String(40), index=True)
    enterprise_id: Mapped[str] = mapped_column(String(40), index=True)
    purpose: Mapped[str] = mapped_column(String(20), default="PREMIUM")  # PREMIUM, ENDORSEMENT
    method: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    refunded_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    reference: Mapped[str] = mapped_column(String(40))
    bank_reference: Mapped[str | None] = mapped_column(String(100))
    bank_instructions: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    stripe_payment_intent_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    client_secret: Mapped[str | None] = mapped_column(String(200))
    failure_message: Mapped[str | None] = mapped_column(Text)
    confirmed_by: Mapped[str | None] = mapped_column(String(80))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Refund(Base):
    __tablename__ = "refunds"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    payment_id: Mapped[str] = mapped_column(ForeignKey("payments.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(20))  # PENDING SUCCEEDED FAILED
    reason: Mapped[str] = mapped_column(String(40))  # CANCELLATION ENDORSEMENT
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    stripe_refund_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class StripeEvent(Base):
    """Each Stripe event stored once (its id is the key) and applied once."""

    __tablename__ = "stripe_events"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    type: Mapped[str] = mapped_column(String(80))
    created: Mapped[int] = mapped_column(BigInteger)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Claim(Base):
    __tablename__ = "claims"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    policy_id: Mapped[str] = mapped_column(ForeignKey("policies.id"), index=True)
    enterprise_id: Mapped[str] = mapped_column(String(40), index=True)
    insurer_id: Mapped[str] = mapped_column(String(40), index=True)
    status: Mapped[str] = mapped_column(String(20))  # NOTIFIED ASSESSED PAID DENIED
    accident_date: Mapped[date] = mapped_column(Date)
    accident_type: Mapped[str] = mapped_column(String(40))
    injured: Mapped[int] = mapped_column(Integer)
    dead: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text)
    claimed_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    assessed_fen: Mapped[int | None] = mapped_column(BigInteger)
    paid_fen: Mapped[int | None] = mapped_column(BigInteger)
    decision_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class HazardRecord(Base):
    """A hazard as learnt from bookings events (closed or overdue): read by renewal pricing."""

    __tablename__ = "hazard_records"

    hazard_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    enterprise_id: Mapped[str] = mapped_column(String(40), index=True)
    policy_id: Mapped[str | None] = mapped_column(String(40))
    grade: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))  # CLOSED OVERDUE
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class BookingRecord(Base):
    """A booking as learnt from bookings events: an insurer-funded open one blocks cancellation; its agency
    and expert may read the firm."""

    __tablename__ = "booking_records"

    booking_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    policy_id: Mapped[str | None] = mapped_column(String(40), index=True)
    enterprise_id: Mapped[str] = mapped_column(String(40), index=True)
    agency_id: Mapped[str | None] = mapped_column(String(40), index=True)
    expert_id: Mapped[str | None] = mapped_column(String(40), index=True)
    funding: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CoverageSnapshot(Base):
    """Coverage per town per day, written by the daily job: what trends read instead of raw rows."""

    __tablename__ = "coverage_snapshots"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    town_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    enterprises: Mapped[int] = mapped_column(Integer)
    insured: Mapped[int] = mapped_column(Integer)
    employees: Mapped[int] = mapped_column(BigInteger)
    insured_employees: Mapped[int] = mapped_column(BigInteger)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime())
