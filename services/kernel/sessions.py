"""Sessions that end when they should: the gateway revokes a session (``sid``) or every token of an account
issued before an instant (``sub`` + ``before``), writes it to its own table and publishes
``gateway.session.revoked`` through its outbox; every part (the gateway too, for its other replicas) applies
the event once through its inbox to a table of its own, and keeps the live revocations in memory, where the
token check reads them. The memory is loaded from the table at start and reloaded every few seconds (so a
replica that did not consume the event itself learns it from the table its sibling wrote)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from services.kernel import clock
from services.kernel.db import UTCDateTime
from services.kernel.events import Event, OutboxMixin, record_event

log = logging.getLogger("anze.sessions")

SESSION_REVOKED = "gateway.session.revoked"
"""Payload: ``sid`` (one session) or ``sub`` + ``before`` (every token of the account issued before that
instant), and ``until``: when every token concerned has expired anyway, so the row may be forgotten."""


class RevocationMixin:
    """``class Revocation(RevocationMixin, Base): __tablename__ = "revoked_sessions"`` in each part's models."""

    id: Mapped[str] = mapped_column(String(40), primary_key=True)  # the event's id
    sid: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    sub: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    before: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    until: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


@dataclass(frozen=True)
class Revocation:
    id: str
    until: datetime
    sid: str | None = None
    sub: str | None = None
    before: datetime | None = None

    def payload(self) -> dict[str, Any]:
        return {"sid": self.sid, "sub": self.sub, "before": self.before.isoformat() if self.before else None,
                "until": self.until.isoformat()}

    @classmethod
    def from_event(cls, event: Event) -> Revocation:
        p: Mapping[str, Any] = event.payload
        return cls(id=event.id, sid=p.get("sid"), sub=p.get("sub"),
                   before=datetime.fromisoformat(p["before"]) if p.get("before") else None,
                   until=datetime.fromisoformat(p["until"]))


class RevocationList:
    """The live revocations of one process, read on every token check (no I/O on the request path)."""

    def __init__(self) -> None:
        self.sids: dict[str, datetime] = {}
        self.subs: dict[str, tuple[datetime, datetime]] = {}  # sub -> (before, until)

    def add(self, revocation: Revocation) -> None:
        if revocation.sid:
            self.sids[revocation.sid] = max(revocation.until, self.sids.get(revocation.sid, revocation.until))
        if revocation.sub and revocation.before:
            before, until = self.subs.get(revocation.sub, (revocation.before, revocation.until))
            self.subs[revocation.sub] = (max(before, revocation.before), max(until, revocation.until))

    def replace(self, revocations: Iterable[Revocation]) -> None:
        fresh = RevocationList()
        for revocation in revocations:
            fresh.add(revocation)
        for revocation_sid, until in self.sids.items():  # kept: added since the read began
            fresh.sids.setdefault(revocation_sid, until)
        for sub, pair in self.subs.items():
            fresh.subs.setdefault(sub, pair)
        fresh.forget_expired()
        self.sids, self.subs = fresh.sids, fresh.subs

    def forget_expired(self) -> None:
        now = clock.now()
        self.sids = {k: v for k, v in self.sids.items() if v > now}
        self.subs = {k: v for k, v in self.subs.items() if v[1] > now}

    def revoked(self, claims: Mapping[str, Any]) -> bool:
        """True when the token's session was ended, or its account's tokens issued before it were."""
        now = clock.now()
        sid = claims.get("sid")
        if sid and (until := self.sids.get(sid)) is not None and until > now:
            return True
        pair = self.subs.get(str(claims.get("sub")))
        if pair is not None and pair[1] > now:
            issued = claims.get("iat")
            # iat has whole seconds: a token of the same second as the revocation counts as before it
            return issued is None or float(issued) < pair[0].timestamp()
        return False


def _row(model: type[RevocationMixin], revocation: Revocation) -> RevocationMixin:
    return model(id=revocation.id, sid=revocation.sid, sub=revocation.sub,  # type: ignore[call-arg]
                 before=revocation.before, until=revocation.until)


async def store(session: AsyncSession, model: type[RevocationMixin], revocation: Revocation) -> None:
    """Keep a revocation in the part's table (once: the id is the event's)."""
    if await session.get(model, revocation.id) is None:
        session.add(_row(model, revocation))
        await session.flush()


async def load(session: AsyncSession, model: type[RevocationMixin]) -> list[Revocation]:
    rows = (await session.scalars(select(model).where(model.until > clock.now()))).all()
    return [Revocation(id=r.id, sid=r.sid, sub=r.sub, before=r.before, until=r.until) for r in rows]


async def revoke(session: AsyncSession, *, outbox: type[OutboxMixin], model: type[RevocationMixin],
                 until: datetime, sid: str | None = None, sub: str | None = None,
                 before: datetime | None = None) -> Revocation:
    """The gateway's side: store the revocation and publish it in the same transaction."""
    if not sid and not (sub and before):
        raise ValueError("a revocation names a session, or an account and an instant")
    payload = Revocation(id="", sid=sid, sub=sub, before=before, until=until).payload()
    event = record_event(session, outbox, SESSION_REVOKED, payload)
    revocation = Revocation.from_event(event)
    await store(session, model, revocation)
    return revocation
