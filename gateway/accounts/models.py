"""Tables of the gateway's own database: accounts, refresh tokens, login throttling, outbox and inbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from services.kernel.db import NAMING_CONVENTION, UTCDateTime
from services.kernel.events import InboxMixin, OutboxMixin
from services.kernel.sessions import RevocationMixin


class Base(DeclarativeBase):
    """The gateway's own metadata (what ``make_base()`` builds, spelled out so that mypy sees a class)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Account(Base):
    """A person who logs in. ``role`` is the token's role; ``org_id`` the enterprise, insurer or agency."""

    __tablename__ = "accounts"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), index=True)
    org_id: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    region_code: Mapped[str | None] = mapped_column(String(20), nullable=True)
    expert_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    display_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str | None] = mapped_column(String(40), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RefreshToken(Base):
    """A long-lived token that buys new access tokens; only its hash is stored."""

    __tablename__ = "refresh_tokens"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # the login session: every token rotated from one login shares it, and it is the access tokens' ``sid``
    family_id: Mapped[str] = mapped_column(String(40), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)  # spent on a refresh
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class LoginThrottle(Base):
    """Failed logins per e-mail address (known or not, so a lock-out reveals nothing)."""

    __tablename__ = "login_throttle"

    email: Mapped[str] = mapped_column(String(254), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class AddressThrottle(Base):
    """Failed logins per client address, whatever the e-mail tried (one address guessing many accounts)."""

    __tablename__ = "login_address_throttle"

    address: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class Outbox(OutboxMixin, Base):
    __tablename__ = "outbox"


class Inbox(InboxMixin, Base):
    __tablename__ = "inbox"


class Revocation(RevocationMixin, Base):
    """Ended sessions (``gateway.session.revoked``): their tokens are refused until they expire."""

    __tablename__ = "revoked_sessions"
