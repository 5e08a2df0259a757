"""Tables of the policy service: its own database, referring to other parts by id only."""

from __future__ import annotations

from services.kernel.db import make_base
from services.kernel.events import InboxMixin, OutboxMixin
from services.kernel.idempotency import IdempotencyMixin

Base = make_base()


class Outbox(OutboxMixin, Base):
    __tablename__ = "outbox"


class Inbox(InboxMixin, Base):
    __tablename__ = "inbox"


class IdempotencyRecord(IdempotencyMixin, Base):
    __tablename__ = "idempotency_keys"
