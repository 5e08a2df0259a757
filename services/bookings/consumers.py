"""What bookings learns from other parts' events: firms, policies (the ledger and the service plan)
and agencies that can no longer be booked."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from services.bookings import archive, ledger, plans, repository
from services.bookings.context import BookingContext
from services.bookings.events import BOOKING_FLAGGED, booking_event
from services.bookings.models import AgencyFlag, EnterpriseRef
from services.bookings.service import cancel_booking
from services.kernel.db import utcnow
from services.kernel.events import Event

log = logging.getLogger("anze.bookings.consumers")

Handler = Callable[[AsyncSession, Event], Awaitable[None]]


def handlers(ctx: BookingContext) -> dict[str, Handler]:
    async def enterprise(session: AsyncSession, event: Event) -> None:
        p = event.payload
        ref = await repository.get_enterprise(session, p["enterprise_id"])
        if ref is None:
            ref = EnterpriseRef(id=p["enterprise_id"], name=p.get("name") or "", updated_at=utcnow())
            session.add(ref)
        ref.name = p.get("name") or ref.name
        for key in ("town_code", "principal_name", "contact_phone", "risk_color"):
            if key in p:
                setattr(ref, key, p[key])
        ref.updated_at = utcnow()

    async def activated(session: AsyncSession, event: Event) -> None:
        policy = await ledger.open_budget(session, payload=dict(event.payload), now=ctx.now())
        if policy is not None:
            await plans.default_plan(session, policy=policy, now=ctx.now())

    async def endorsed(session: AsyncSession, event: Event) -> None:
        p = event.payload
        await ledger.set_budget(session, policy_id=p["policy_id"], budget_fen=int(p["prevention_budget_fen"]),
                                now=ctx.now(), reason=f"endorsement ({p.get('delta_fen', 0):+} fen premium)")
        policy = await repository.get_ledger(session, p["policy_id"])
        if policy is not None:
            policy.headcount = p.get("headcount", policy.headcount)
            policy.premium_fen = int(p.get("premium_fen", policy.premium_fen))

    async def budget_changed(session: AsyncSession, event: Event) -> None:
        p = event.payload  # the premium for an endorsement was received: the budget follows the money
        await ledger.set_budget(session, policy_id=p["policy_id"], budget_fen=int(p["prevention_budget_fen"]),
                                now=ctx.now(), reason=str(p.get("reason") or "premium received"))

    async def cancelled(session: AsyncSession, event: Event) -> None:
        p = event.payload
        policy = await repository.get_ledger(session, p["policy_id"], for_update=True)
        if policy is None:
            return
        now = ctx.now()
        for booking in await repository.future_bookings(session, now=now, policy_id=policy.policy_id):
            if booking.funding == "INSURER":
                await cancel_booking(ctx=ctx, session=session, booking=booking, reason="the policy was cancelled",
                                     by="system")
        await ledger.set_budget(session, policy_id=policy.policy_id, now=now, reason="policy cancelled",
                                budget_fen=int(p.get("prevention_budget_fen", policy.budget_fen)))
        policy.status = "CANCELLED"

    async def expired(session: AsyncSession, event: Event) -> None:
        policy = await repository.get_ledger(session, event.payload["policy_id"])
        if policy is not None and policy.status == "ACTIVE":
            policy.status, policy.updated_at = "EXPIRED", ctx.now()

    async def agency_status(session: AsyncSession, event: Event) -> None:
        p = event.payload
        status = p.get("status") or event.name.rsplit(".", 1)[1].upper()
        flag = await _flag(session, p["agency_id"])
        flag.status, flag.note, flag.updated_at = status, p.get("note"), utcnow()
        if status != "APPROVED":
            await _flag_future(session, agency_id=p["agency_id"], service_types=None,
                               why=f"the agency was {status.lower()}: rebook with another agency")

    async def services_withdrawn(session: AsyncSession, event: Event) -> None:
        p = event.payload
        withdrawn = list(p.get("service_types") or [])
        flag = await _flag(session, p["agency_id"])
        flag.withdrawn_service_types = sorted(set(flag.withdrawn_service_types or []) | set(withdrawn))
        flag.updated_at = utcnow()
        await _flag_future(session, agency_id=p["agency_id"], service_types=withdrawn,
                           why="the agency lost its qualification for this service: rebook with another agency")

    async def _flag_future(session: AsyncSession, *, agency_id: str, service_types: list[str] | None,
                           why: str) -> None:
        for booking in await repository.future_bookings(session, now=ctx.now(), agency_id=agency_id):
            if service_types is None or booking.service_type in service_types:
                booking.flag = why
                booking_event(session, BOOKING_FLAGGED, booking, flag=why)

    async def complaint(session: AsyncSession, event: Event) -> None:
        """A complaint filed or answered goes into the firm's AQ 9010 archive as it happens (the standard's file
        holds the complaint handling records); the complaint itself stays the providers service's."""
        p = dict(event.payload)
        await archive.append(session, enterprise_id=str(p["enterprise_id"]), kind="COMPLAINT",
                             subject_id=str(p["complaint_id"]), content={"step": event.name.rsplit(".", 1)[1], **p},
                             now=ctx.now())

    table = {
        "providers.complaint.filed": complaint,
        "providers.complaint.answered": complaint,
        "policy.enterprise.registered": enterprise,
        "policy.enterprise.updated": enterprise,
        "policy.policy.activated": activated,
        "policy.policy.renewed": activated,
        "policy.policy.endorsed": endorsed,
        "policy.policy.budget_changed": budget_changed,
        "policy.policy.cancelled": cancelled,
        "policy.policy.expired": expired,
        "providers.agency.approved": agency_status,
        "providers.agency.suspended": agency_status,
        "providers.agency.revoked": agency_status,
        "providers.agency.services_withdrawn": services_withdrawn,
    }
    return {name: _tolerant(name, handler) for name, handler in table.items()}


REQUIRED = {
    "policy.enterprise": ("enterprise_id",),
    "policy.policy.activated": ("policy_id", "enterprise_id", "insurer_id"),
    "policy.policy.renewed": ("policy_id", "enterprise_id", "insurer_id"),
    "policy.policy.endorsed": ("policy_id", "prevention_budget_fen"),
    "policy.policy.budget_changed": ("policy_id", "prevention_budget_fen"),
    "policy.policy": ("policy_id",),
    "providers.agency": ("agency_id",),
    "providers.complaint": ("complaint_id", "enterprise_id"),
}


def _tolerant(name: str, handler: Handler) -> Handler:
    """A payload without the fields bookings needs is logged and skipped (its id still goes to the inbox):
    one malformed event must not hold up every event behind it. Database errors still redeliver."""
    required = next((keys for prefix, keys in REQUIRED.items() if name.startswith(prefix)), ())

    async def handle(session: AsyncSession, event: Event) -> None:
        payload = event.payload
        missing = [key for key in required if payload.get(key) in (None, "")]
        budget = payload.get("prevention_budget_fen", 0)
        if missing or not isinstance(budget, int) or isinstance(budget, bool):
            log.error("skipping %s %s: payload lacks %s or has a non-integer budget", event.name, event.id,
                      ", ".join(missing) or "nothing")
            return
        await handler(session, event)

    return handle


async def _flag(session: AsyncSession, agency_id: str) -> AgencyFlag:
    flag = await repository.get_agency_flag(session, agency_id)
    if flag is None:
        flag = AgencyFlag(agency_id=agency_id, status="APPROVED", withdrawn_service_types=[], updated_at=utcnow())
        session.add(flag)
    return flag
