"""HTTP routes of the bookings service for slots, bookings and visits (``/v1/...``)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from services.bookings import availability, notice_pdf, repository, service, visits
from services.bookings.context import BookingContext
from services.bookings.models import Booking, IdempotencyRecord
from services.bookings.schemas import (
    BookingOut,
    BookVisitIn,
    CancelIn,
    CheckInIn,
    ConfirmIn,
    CorrectionIn,
    FollowUpIn,
    RescheduleIn,
    SlotOut,
    VisitReportIn,
)
from services.kernel.auth import CurrentPrincipal, Role, allow
from services.kernel.errors import ValidationProblem
from services.kernel.idempotency import IdempotencyKey
from services.kernel.paging import Page, PageParams, page_params, paginate
from services.kernel.runtime import Session

router = APIRouter(prefix="/v1", tags=["bookings"])

ANY = allow(*Role)
Paging = Annotated[PageParams, Depends(page_params)]


def _ctx(request: Request) -> BookingContext:
    return request.app.state.runtime.state["ctx"]  # type: ignore[no-any-return]


Ctx = Annotated[BookingContext, Depends(_ctx)]


def split_ids(value: str | None, field: str = "ids") -> list[str]:
    ids = [i.strip() for i in (value or "").split(",") if i.strip()]
    if len(ids) > 500:
        raise ValidationProblem("at most 500 ids at once", field=field)
    return ids


@router.get("/slots", dependencies=[ANY], response_model=list[SlotOut])
async def slots(ctx: Ctx, session: Session, principal: CurrentPrincipal,
                offering_id: Annotated[str, Query(min_length=1, max_length=40)],
                from_: Annotated[date, Query(alias="from")], to: date,
                expert_id: Annotated[str | None, Query(max_length=40)] = None,
                enterprise_id: Annotated[str | None, Query(max_length=40)] = None) -> list[SlotOut]:
    """Free start times of the offering's qualified experts between two local dates (at most 31 days)."""
    if to < from_ or (to - from_).days > 31:
        raise ValidationProblem("give a range of at most 31 days with from ≤ to", field="to")
    providers = ctx.providers(principal)
    offering = await providers.offering(offering_id)
    experts = await providers.qualified_experts(offering_id, from_)
    if expert_id:
        experts = [e for e in experts if e.id == expert_id]
    firm_id = enterprise_id or (principal.org if principal.role is Role.ENTERPRISE else None)
    firm = await repository.get_enterprise(session, firm_id) if firm_id else None
    duration = timedelta(minutes=offering.duration_minutes)
    buffer = timedelta(minutes=offering.travel_buffer_minutes if offering.travel_buffer_minutes is not None
                       else ctx.settings.default_travel_buffer_minutes)
    cal = ctx.calendar
    first = datetime.combine(from_, time(0), cal.tz)
    last = datetime.combine(to + timedelta(days=1), time(0), cal.tz)
    out: list[SlotOut] = []
    for expert in experts:
        busy = await service._busy(session, expert.id, first - buffer, last + buffer)
        hours = await service._hours(session, expert.id)
        for start, end in availability.free_slots(cal, day_from=from_, day_to=to, duration=duration, hours=hours,
                                                  busy=busy, town_code=firm.town_code if firm else None,
                                                  buffer=buffer, earliest=ctx.now() + ctx.min_notice):
            out.append(SlotOut(start=start, end=end, expert_id=expert.id))
    return sorted(out, key=lambda s: (s.start, s.expert_id))


@router.post("/bookings", status_code=201, dependencies=[allow(Role.ENTERPRISE)], response_model=BookingOut)
async def book(ctx: Ctx, session: Session, principal: CurrentPrincipal, body: BookVisitIn,
               idem: IdempotencyKey):
    """Book a visit. INSURER funding reserves the offering's price on the policy's prevention budget."""
    if (replay := await idem.replay(session, IdempotencyRecord)) is not None:
        return replay
    booking = await service.book_visit(ctx=ctx, session=session, principal=principal, data=body)
    return await idem.remember(session, IdempotencyRecord, BookingOut.model_validate(booking), 201)


@router.get("/bookings", dependencies=[ANY], response_model=Page[BookingOut])
async def list_bookings(session: Session, principal: CurrentPrincipal, paging: Paging,
                        ids: str | None = None, status: str | None = None, enterprise_id: str | None = None,
                        policy_id: str | None = None, agency_id: str | None = None, expert_id: str | None = None,
                        policy_ids: str | None = None, flagged: bool | None = None) -> Page[BookingOut]:
    """Bookings the caller may see; ``ids`` or ``policy_ids`` (comma-separated, up to 500) for batch reads."""
    stmt = repository.bookings_query(principal, ids=split_ids(ids), status=status, enterprise_id=enterprise_id,
                                     policy_id=policy_id, agency_id=agency_id, expert_id=expert_id, flagged=flagged,
                                     policy_ids=split_ids(policy_ids, "policy_ids"))
    rows, cursor, total = await paginate(session, stmt, Booking.id, paging, descending=True)
    return Page(items=[BookingOut.model_validate(r) for r in rows], next_cursor=cursor, total=total)


@router.get("/bookings/{booking_id}", dependencies=[ANY], response_model=BookingOut)
async def get_booking(session: Session, principal: CurrentPrincipal, booking_id: str) -> BookingOut:
    return BookingOut.model_validate(await service.get_visible(session=session, principal=principal,
                                                               booking_id=booking_id))


@router.post("/bookings/{booking_id}/confirm", dependencies=[allow(Role.AGENCY)], response_model=BookingOut)
async def confirm(ctx: Ctx, session: Session, principal: CurrentPrincipal, booking_id: str,
                  body: ConfirmIn | None = None) -> BookingOut:
    booking = await service.confirm(ctx=ctx, session=session, principal=principal, booking_id=booking_id,
                                    expert_id=body.expert_id if body else None)
    return BookingOut.model_validate(booking)


@router.post("/bookings/{booking_id}/reschedule", dependencies=[allow(Role.ENTERPRISE, Role.AGENCY)],
             response_model=BookingOut)
async def reschedule(ctx: Ctx, session: Session, principal: CurrentPrincipal, booking_id: str,
                     body: RescheduleIn) -> BookingOut:
    booking = await service.reschedule(ctx=ctx, session=session, principal=principal, booking_id=booking_id,
                                       start=body.start, expert_id=body.expert_id)
    return BookingOut.model_validate(booking)


@router.post("/bookings/{booking_id}/cancel", dependencies=[allow(Role.ENTERPRISE, Role.AGENCY)],
             response_model=BookingOut)
async def cancel(ctx: Ctx, session: Session, principal: CurrentPrincipal, booking_id: str,
                 body: CancelIn) -> BookingOut:
    booking = await service.cancel(ctx=ctx, session=session, principal=principal, booking_id=booking_id,
                                   reason=body.reason)
    return BookingOut.model_validate(booking)


@router.post("/bookings/{booking_id}/no-show", dependencies=[allow(Role.AGENCY, Role.EXPERT)],
             response_model=BookingOut)
async def no_show(ctx: Ctx, session: Session, principal: CurrentPrincipal, booking_id: str,
                  body: CancelIn | None = None) -> BookingOut:
    booking = await service.no_show(ctx=ctx, session=session, principal=principal, booking_id=booking_id,
                                    note=body.reason if body else None)
    return BookingOut.model_validate(booking)


@router.post("/bookings/{booking_id}/check-in", dependencies=[allow(Role.EXPERT)], response_model=BookingOut)
async def check_in(ctx: Ctx, session: Session, principal: CurrentPrincipal, booking_id: str,
                   body: CheckInIn | None = None) -> BookingOut:
    booking = await visits.check_in(ctx=ctx, session=session, principal=principal, booking_id=booking_id,
                                    data=body or CheckInIn())
    return BookingOut.model_validate(booking)


@router.post("/bookings/{booking_id}/report", dependencies=[allow(Role.EXPERT)], response_model=BookingOut)
async def report(ctx: Ctx, session: Session, principal: CurrentPrincipal, booking_id: str,
                 body: VisitReportIn) -> BookingOut:
    """File the service record with its hazards; the visit's reservation becomes spend."""
    booking = await visits.report(ctx=ctx, session=session, principal=principal, booking_id=booking_id, data=body)
    return BookingOut.model_validate(booking)


@router.post("/bookings/{booking_id}/acknowledge", dependencies=[allow(Role.ENTERPRISE)], response_model=BookingOut)
async def acknowledge(ctx: Ctx, session: Session, principal: CurrentPrincipal, booking_id: str) -> BookingOut:
    booking = await visits.acknowledge(ctx=ctx, session=session, principal=principal, booking_id=booking_id)
    return BookingOut.model_validate(booking)


@router.post("/bookings/{booking_id}/corrections", dependencies=[allow(Role.EXPERT)], response_model=BookingOut)
async def correct(ctx: Ctx, session: Session, principal: CurrentPrincipal, booking_id: str,
                  body: CorrectionIn) -> BookingOut:
    booking = await visits.correct(ctx=ctx, session=session, principal=principal, booking_id=booking_id, data=body)
    return BookingOut.model_validate(booking)


@router.post("/bookings/{booking_id}/follow-up", dependencies=[allow(Role.AGENCY, Role.EXPERT, Role.ENTERPRISE)],
             response_model=BookingOut)
async def follow_up(ctx: Ctx, session: Session, principal: CurrentPrincipal, booking_id: str,
                    body: FollowUpIn) -> BookingOut:
    booking = await visits.follow_up(ctx=ctx, session=session, principal=principal, booking_id=booking_id, data=body)
    return BookingOut.model_validate(booking)


@router.get("/bookings/{booking_id}/record", dependencies=[ANY])
async def record(session: Session, principal: CurrentPrincipal, booking_id: str) -> dict[str, object]:
    """The service record: the report and every correction, the hazards, check-in time and place."""
    booking = await service.get_visible(session=session, principal=principal, booking_id=booking_id)
    return {**await visits.service_record(session, booking), "status": booking.status,
            "acknowledged_at": booking.acknowledged_at, "satisfaction": booking.satisfaction}


@router.get("/bookings/{booking_id}/hazard-notice.pdf", dependencies=[ANY],
            responses={200: {"content": {"application/pdf": {}}}}, response_class=Response)
async def hazard_notice(ctx: Ctx, session: Session, principal: CurrentPrincipal, booking_id: str) -> Response:
    """The written hazard notice (事故隐患整改通知书) for the firm, as a PDF."""
    booking = await service.get_visible(session=session, principal=principal, booking_id=booking_id)
    pdf = await notice_pdf.render(ctx, session, booking, principal)
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="hazard-notice-{booking.number}.pdf"'})


@router.get("/checklists/{service_type}", dependencies=[ANY])
async def checklist(service_type: str) -> dict[str, object]:
    items = visits.CHECKLISTS.get(service_type.upper())
    if items is None:
        raise ValidationProblem(f"unknown service type {service_type}", field="service_type")
    return {"service_type": service_type.upper(), "items": items}
