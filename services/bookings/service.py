"""Booking a visit and its life before the visit: request, confirm, reschedule, cancel, no-show."""

from __future__ import annotations

import asyncio
import os
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.bookings import availability, ledger, repository
from services.bookings.context import BookingContext
from services.bookings.errors import SlotTaken
from services.bookings.events import (
    BOOKING_CANCELLED,
    BOOKING_CONFIRMED,
    BOOKING_NO_SHOW,
    BOOKING_REQUESTED,
    BOOKING_RESCHEDULED,
    booking_event,
)
from services.bookings.models import Booking, SlotClaim
from services.bookings.providers import Expert, Offering
from services.bookings.schemas import BookVisitIn, Funding
from services.kernel.auth import Principal, Role
from services.kernel.errors import Forbidden, InvalidState, NotFound, ValidationProblem
from services.kernel.ids import new_id

# action -> (states it may start from, state it leads to); None keeps the state.
TRANSITIONS: dict[str, tuple[frozenset[str], str | None]] = {
    "confirm": (frozenset({"REQUESTED"}), "CONFIRMED"),
    "reschedule": (frozenset({"REQUESTED", "CONFIRMED"}), None),
    "cancel": (frozenset({"REQUESTED", "CONFIRMED"}), "CANCELLED"),
    "no_show": (frozenset({"CONFIRMED"}), "NO_SHOW"),
    "check_in": (frozenset({"CONFIRMED"}), "CHECKED_IN"),
    "report": (frozenset({"CHECKED_IN"}), "REPORTED"),
    "acknowledge": (frozenset({"REPORTED"}), "ACKNOWLEDGED"),
}


def transition(booking: Booking, action: str, now: datetime) -> None:
    """Apply one action of the table, or refuse it with INVALID_STATE."""
    allowed_from, target = TRANSITIONS[action]
    if booking.status not in allowed_from:
        raise InvalidState(f"a {booking.status} booking cannot be {action.replace('_', '-')}ed"
                           if action != "no_show" else f"a {booking.status} booking cannot be marked no-show")
    if target is not None:
        booking.status = target
    booking.updated_at = now


def _number(ctx: BookingContext, now: datetime) -> str:
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    tail = "".join(alphabet[b % 32] for b in os.urandom(6))
    return f"BK{ctx.calendar.local_date(now):%Y%m%d}{tail}"


# ---------------------------------------------------------------- reads


async def get_visible(*, session: AsyncSession, principal: Principal, booking_id: str,
                      for_update: bool = False) -> Booking:
    """The booking if the caller may see it: NOT_FOUND when it does not exist, FORBIDDEN when it is
    someone else's."""
    booking = await repository.get_booking(session, booking_id, for_update=for_update)
    if booking is None:
        raise NotFound(f"no booking {booking_id}")
    stmt = repository.bookings_query(principal, ids=[booking_id])
    if (await session.scalars(stmt)).one_or_none() is None:
        raise Forbidden("this booking belongs to another organisation")
    return booking


# ---------------------------------------------------------------- availability of one expert


async def _busy(session: AsyncSession, expert_id: str, start: datetime, end: datetime,
                exclude: str | None = None) -> list[availability.Busy]:
    visits = await repository.expert_bookings_between(session, expert_id, start, end)
    off = await repository.time_off(session, expert_id, start, end)
    return ([availability.Busy(b.start, b.end, b.town_code) for b in visits if b.id != exclude]
            + [availability.Busy(t.starts_at, t.ends_at, None, is_visit=False) for t in off])


async def _hours(session: AsyncSession, expert_id: str) -> list[tuple[int, object, object]]:
    return [(h.weekday, h.starts, h.ends) for h in await repository.working_hours(session, expert_id)]


async def expert_is_free(ctx: BookingContext, session: AsyncSession, *, expert_id: str, start: datetime,
                         end: datetime, town_code: str | None, buffer: timedelta,
                         exclude: str | None = None) -> str | None:
    """None when the expert can take the visit, else why not ("hours" or "taken")."""
    if not availability.within_hours(ctx.calendar, start, end, await _hours(session, expert_id)):
        return "hours"
    busy = await _busy(session, expert_id, start - buffer, end + buffer, exclude)
    clash = availability.conflicts(start, end, town_code, busy, buffer)
    if clash is None:
        return None
    return "taken" if clash.is_visit else "hours"


async def claim(ctx: BookingContext, session: AsyncSession, booking: Booking) -> None:
    """Occupy the expert's grid units; the database refuses a unit someone else holds (SLOT_TAKEN)."""
    assert booking.expert_id is not None
    for unit in ctx.calendar.units(booking.start, booking.end):
        session.add(SlotClaim(expert_id=booking.expert_id, unit_start=unit, booking_id=booking.id))
    try:
        await session.flush()
    except IntegrityError as exc:
        raise SlotTaken("the expert was booked for this time a moment ago; pick another slot", field="start") from exc


# ---------------------------------------------------------------- book


def _travel_buffer(ctx: BookingContext, offering: Offering) -> timedelta:
    minutes = offering.travel_buffer_minutes
    return timedelta(minutes=ctx.settings.default_travel_buffer_minutes if minutes is None else minutes)


async def _pick_expert(ctx: BookingContext, session: AsyncSession, *, candidates: list[Expert],
                       wanted: str | None, start: datetime, end: datetime, town_code: str | None,
                       buffer: timedelta, exclude: str | None = None) -> str:
    if wanted is not None:
        if not any(e.id == wanted for e in candidates):
            raise ValidationProblem("this expert does not hold a valid qualification for the service on that day",
                                    field="expert_id")
        why = await expert_is_free(ctx, session, expert_id=wanted, start=start, end=end, town_code=town_code,
                                   buffer=buffer, exclude=exclude)
        if why == "hours":
            raise ValidationProblem("the expert does not work at that time (hours, holiday or day off)", field="start")
        if why == "taken":
            raise SlotTaken("the expert already has a visit at that time", field="start")
        return wanted
    if not candidates:
        raise InvalidState("the agency has no expert qualified for this service on that day", field="offering_id")
    reasons = set()
    for expert in candidates:
        why = await expert_is_free(ctx, session, expert_id=expert.id, start=start, end=end, town_code=town_code,
                                   buffer=buffer, exclude=exclude)
        if why is None:
            return expert.id
        reasons.add(why)
    if reasons == {"hours"}:
        raise ValidationProblem("no expert of the agency works at that time (hours, holiday or day off)",
                                field="start")
    raise SlotTaken("every qualified expert is busy at that time", field="start")


async def _insurer_policy(session: AsyncSession, *, data: BookVisitIn, local_day: object) -> tuple[str, str]:
    if not data.policy_id:
        raise InvalidState("an INSURER-funded visit needs an active policy of the firm", field="policy_id")
    policy = await repository.get_ledger(session, data.policy_id)
    if policy is None or policy.enterprise_id != data.enterprise_id:
        raise InvalidState("the firm holds no active policy with this id", field="policy_id")
    if policy.status != "ACTIVE":
        raise InvalidState(f"the policy is {policy.status}, not ACTIVE", field="policy_id")
    if policy.start_date and policy.end_date and not (policy.start_date <= local_day <= policy.end_date):  # type: ignore[operator]
        raise InvalidState("the visit falls outside the policy's term", field="start")
    return policy.policy_id, policy.insurer_id


async def book_visit(*, ctx: BookingContext, session: AsyncSession, principal: Principal, data: BookVisitIn) -> Booking:
    now = ctx.now()
    if principal.role is Role.ENTERPRISE:
        principal.require_org(data.enterprise_id, "the firm")
    providers = ctx.providers(principal)
    offering = await providers.offering(data.offering_id)
    flag = await repository.get_agency_flag(session, offering.agency_id)
    withdrawn = flag is not None and (flag.status != "APPROVED"
                                      or offering.service_type in flag.withdrawn_service_types)
    if not offering.bookable or withdrawn:
        raise InvalidState("this agency cannot be booked for this service now (suspended or not qualified)",
                           field="offering_id")
    start = data.start
    if not ctx.calendar.on_grid(start):
        raise ValidationProblem(f"visits start on the {ctx.settings.grid_minutes}-minute grid", field="start")
    if start < now + ctx.min_notice:
        raise ValidationProblem(f"book at least {ctx.settings.min_notice_hours:g} hours ahead", field="start")
    end = start + timedelta(minutes=offering.duration_minutes)
    local_day = ctx.calendar.local_date(start)
    enterprise = await repository.get_enterprise(session, data.enterprise_id)
    if data.expert_id and await repository.expert_bookings_between(session, data.expert_id, start, end):
        # The common refusal, answered before asking providers anything; the claims still decide races.
        raise SlotTaken("the expert already has a visit at that time", field="start")

    policy_id = insurer_id = None
    if data.funding is Funding.INSURER:
        policy_id, insurer_id = await _insurer_policy(session, data=data, local_day=local_day)
        # The panel and the qualified experts are independent questions: ask both at once.
        on_panel, candidates = await asyncio.gather(providers.on_panel(insurer_id, offering.agency_id, local_day),
                                                    providers.qualified_experts(offering.id, local_day))
        if not on_panel:
            raise InvalidState("the agency is not on the insurer's panel", field="offering_id")
    else:
        candidates = await providers.qualified_experts(offering.id, local_day)
    if data.funding is Funding.SELF and data.policy_id:
        policy = await repository.get_ledger(session, data.policy_id)
        if policy is None or policy.enterprise_id != data.enterprise_id:
            raise ValidationProblem("the firm holds no policy with this id", field="policy_id")
        policy_id, insurer_id = policy.policy_id, policy.insurer_id
    town_code = enterprise.town_code if enterprise else None
    if town_code is None and policy_id:
        policy = await repository.get_ledger(session, policy_id)
        town_code = policy.town_code if policy else None

    expert_id = await _pick_expert(ctx, session, candidates=candidates, wanted=data.expert_id, start=start, end=end,
                                   town_code=town_code, buffer=_travel_buffer(ctx, offering))
    booking = Booking(
        id=new_id("bkg"), number=_number(ctx, now), status="REQUESTED", funding=data.funding.value,
        offering_id=offering.id, service_type=offering.service_type, agency_id=offering.agency_id,
        enterprise_id=data.enterprise_id, policy_id=policy_id, insurer_id=insurer_id, expert_id=expert_id,
        town_code=town_code, start=start, end=end, price_fen=offering.price_fen,
        invoice_reference=data.invoice_reference, late_cancellation=False, reschedule_count=0,
        created_at=now, updated_at=now)
    session.add(booking)
    await session.flush()
    await claim(ctx, session, booking)
    if data.funding is Funding.INSURER and policy_id:
        await ledger.reserve(session, policy_id=policy_id, booking_id=booking.id, amount_fen=offering.price_fen,
                             now=now)
    booking_event(session, BOOKING_REQUESTED, booking)
    await session.flush()
    return booking


# ---------------------------------------------------------------- before the visit


async def confirm(*, ctx: BookingContext, session: AsyncSession, principal: Principal, booking_id: str,
                  expert_id: str | None) -> Booking:
    booking = await get_visible(session=session, principal=principal, booking_id=booking_id, for_update=True)
    if principal.role is not Role.ADMIN and not (principal.role is Role.AGENCY and principal.org == booking.agency_id):
        raise Forbidden("only the booked agency confirms a visit")
    now = ctx.now()
    transition(booking, "confirm", now)
    if expert_id and expert_id != booking.expert_id:
        await _move(ctx, session, principal, booking, start=booking.start, expert_id=expert_id)
    booking_event(session, BOOKING_CONFIRMED, booking)
    await session.flush()
    return booking


async def _move(ctx: BookingContext, session: AsyncSession, principal: Principal, booking: Booking, *,
                start: datetime, expert_id: str | None) -> None:
    """Give the visit another time and/or expert: old claims released, new ones taken atomically."""
    providers = ctx.providers(principal)
    offering = await providers.offering(booking.offering_id)
    end = start + (booking.end - booking.start)
    candidates = await providers.qualified_experts(booking.offering_id, ctx.calendar.local_date(start))
    await repository.release_claims(session, booking.id)
    await session.flush()
    buffer = _travel_buffer(ctx, offering)
    if expert_id is None and booking.expert_id and any(e.id == booking.expert_id for e in candidates):
        why = await expert_is_free(ctx, session, expert_id=booking.expert_id, start=start, end=end,
                                   town_code=booking.town_code, buffer=buffer, exclude=booking.id)
        chosen = booking.expert_id if why is None else None
    else:
        chosen = None
    if chosen is None:
        chosen = await _pick_expert(ctx, session, candidates=candidates, wanted=expert_id, start=start, end=end,
                                    town_code=booking.town_code, buffer=buffer, exclude=booking.id)
    booking.expert_id, booking.start, booking.end = chosen, start, end
    await session.flush()
    await claim(ctx, session, booking)


async def reschedule(*, ctx: BookingContext, session: AsyncSession, principal: Principal, booking_id: str,
                     start: datetime, expert_id: str | None) -> Booking:
    booking = await get_visible(session=session, principal=principal, booking_id=booking_id, for_update=True)
    if principal.role not in (Role.ENTERPRISE, Role.AGENCY, Role.ADMIN):
        raise Forbidden("the firm or the agency reschedules a visit")
    now = ctx.now()
    transition(booking, "reschedule", now)
    if principal.role is Role.ENTERPRISE and booking.start - now < ctx.free_cancel:
        raise InvalidState(f"a visit can be moved until {ctx.settings.free_cancel_hours:g} hours before it starts; "
                           "cancel it instead", field="start")
    if not ctx.calendar.on_grid(start):
        raise ValidationProblem(f"visits start on the {ctx.settings.grid_minutes}-minute grid", field="start")
    if start < now + ctx.min_notice:
        raise ValidationProblem(f"book at least {ctx.settings.min_notice_hours:g} hours ahead", field="start")
    if booking.funding == Funding.INSURER.value and booking.policy_id:
        policy = await repository.get_ledger(session, booking.policy_id)
        day = ctx.calendar.local_date(start)
        if policy is None or policy.status != "ACTIVE" or (
                policy.start_date and policy.end_date and not policy.start_date <= day <= policy.end_date):
            raise InvalidState("the new day falls outside the active policy's term", field="start")
    old_start = booking.start
    await _move(ctx, session, principal, booking, start=start, expert_id=expert_id)
    booking.reschedule_count += 1
    booking_event(session, BOOKING_RESCHEDULED, booking, previous_start=old_start.isoformat())
    await session.flush()
    return booking


async def cancel(*, ctx: BookingContext, session: AsyncSession, principal: Principal, booking_id: str,
                 reason: str, system: bool = False) -> Booking:
    booking = await get_visible(session=session, principal=principal, booking_id=booking_id, for_update=True)
    if not system and principal.role not in (Role.ENTERPRISE, Role.AGENCY, Role.ADMIN):
        raise Forbidden("the firm or the agency cancels a visit")
    return await cancel_booking(ctx=ctx, session=session, booking=booking, reason=reason,
                                by="system" if system else principal.role.value)


async def cancel_booking(*, ctx: BookingContext, session: AsyncSession, booking: Booking, reason: str,
                         by: str) -> Booking:
    """Cancel, free the expert's time and give back the reservation. Late when the firm cancels within
    the free-cancellation notice; late cancellations are shown to the insurer."""
    now = ctx.now()
    transition(booking, "cancel", now)
    booking.cancel_reason, booking.cancelled_by = reason, by
    # Late only when the firm drops a visit it could have kept: not when the agency was flagged.
    booking.late_cancellation = (by == Role.ENTERPRISE.value and booking.flag is None
                                 and booking.start - now < ctx.free_cancel)
    await repository.release_claims(session, booking.id)
    if booking.funding == Funding.INSURER.value and booking.policy_id:
        await ledger.release(session, policy_id=booking.policy_id, booking_id=booking.id,
                             amount_fen=booking.price_fen, now=now, note=f"visit cancelled: {reason}")
    booking_event(session, BOOKING_CANCELLED, booking, reason=reason, cancelled_by=by,
                  late=booking.late_cancellation)
    await session.flush()
    return booking


async def no_show(*, ctx: BookingContext, session: AsyncSession, principal: Principal, booking_id: str,
                  note: str | None) -> Booking:
    """The expert came and the firm was not there (or could not receive the visit): the agency records
    it after the start; the reservation is released and the no-show is shown to the insurer."""
    booking = await get_visible(session=session, principal=principal, booking_id=booking_id, for_update=True)
    if principal.role not in (Role.AGENCY, Role.EXPERT, Role.ADMIN):
        raise Forbidden("the agency or its expert records a no-show")
    now = ctx.now()
    if now < booking.start:
        raise InvalidState("a no-show is recorded after the visit's start")
    transition(booking, "no_show", now)
    booking.cancel_reason = note
    await repository.release_claims(session, booking.id)
    if booking.funding == Funding.INSURER.value and booking.policy_id:
        await ledger.release(session, policy_id=booking.policy_id, booking_id=booking.id,
                             amount_fen=booking.price_fen, now=now, note="no-show")
    booking_event(session, BOOKING_NO_SHOW, booking, note=note)
    await session.flush()
    return booking
