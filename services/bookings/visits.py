"""The visit and its service record: check-in, the report with hazards (spending the reservation),
the written notices, the firm's acknowledgement, corrections as new entries, and the follow-up."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from services.bookings import archive, ledger, repository
from services.bookings.context import BookingContext
from services.bookings.events import (
    HAZARD_FOUND,
    PRINCIPAL_NOTIFIED,
    VISIT_ACKNOWLEDGED,
    VISIT_REPORTED,
    booking_event,
    hazard_event,
)
from services.bookings.models import Booking, Hazard, Notice, VisitReport
from services.bookings.schemas import CheckInIn, CorrectionIn, FollowUpIn, Funding, HazardGrade, VisitReportIn
from services.bookings.service import get_visible, transition
from services.kernel.auth import Principal, Role
from services.kernel.errors import FieldProblem, Forbidden, InvalidState, ValidationProblem
from services.kernel.ids import new_id

# What an expert goes through on site, per service type (AQ 9010 items); the report ticks them.
CHECKLISTS: dict[str, list[str]] = {
    "HAZARD_INSPECTION": ["安全管理制度与台账", "消防设施与疏散通道", "电气线路与配电箱", "特种设备与作业",
                          "危险化学品储存", "有限空间作业", "粉尘防爆", "劳动防护用品", "安全警示标志"],
    "RISK_ASSESSMENT": ["风险辨识清单", "风险分级（红橙黄蓝）", "管控措施", "风险告知卡", "重点岗位风险"],
    "TRAINING": ["培训计划", "签到表", "培训课件", "考核记录"],
    "EMERGENCY_DRILL": ["应急预案", "演练方案", "演练过程记录", "演练评估与改进"],
    "STANDARDIZATION": ["目标职责", "制度化管理", "教育培训", "现场管理", "安全风险管控及隐患排查治理",
                        "应急管理", "事故管理", "持续改进"],
    "OTHER": ["服务事项"],
}


class CheckInNotOpen(InvalidState):
    """Too early: check-in opens ``checkin_earliest_hours`` before the visit's start (``retry_at``)."""

    code = "CHECK_IN_NOT_OPEN"


def _assigned_expert(principal: Principal, booking: Booking) -> None:
    if principal.role is Role.ADMIN:
        return
    if principal.role is not Role.EXPERT or principal.expert != booking.expert_id:
        raise Forbidden("only the expert assigned to this visit may do this")


async def check_in(*, ctx: BookingContext, session: AsyncSession, principal: Principal, booking_id: str,
                   data: CheckInIn) -> Booking:
    booking = await get_visible(session=session, principal=principal, booking_id=booking_id, for_update=True)
    _assigned_expert(principal, booking)
    now = ctx.now()
    earliest = ctx.settings.checkin_earliest_hours
    if earliest is not None and now < (opens := booking.start - timedelta(hours=earliest)):
        raise CheckInNotOpen(f"check-in opens {earliest:g} hours before the visit starts, at "
                             f"{opens.isoformat()}; it is {now.isoformat()}", retry_at=opens)
    if (data.latitude is None) != (data.longitude is None):
        raise ValidationProblem("give both latitude and longitude, or neither", field="latitude")
    transition(booking, "check_in", now)
    booking.checked_in_at = now
    booking.check_in_latitude, booking.check_in_longitude = data.latitude, data.longitude
    await session.flush()
    return booking


async def check_photos(session: AsyncSession, principal: Principal, photo_ids: list[str], field: str) -> None:
    """Cited photos exist and were uploaded by the caller's organisation."""
    if not photo_ids:
        return
    rows = await repository.photos(session, photo_ids)
    found = {p.id for p in rows if principal.role is Role.ADMIN or p.owner_org == principal.org}
    missing = [p for p in photo_ids if p not in found]
    if missing:
        raise ValidationProblem(f"unknown photo ids: {', '.join(missing)}; upload them first", field=field)


def _validate_hazards(data: VisitReportIn, visit_day: object) -> None:
    problems = []
    for i, hazard in enumerate(data.hazards):
        if hazard.deadline < visit_day:  # type: ignore[operator]
            problems.append(FieldProblem(field=f"hazards.{i}.deadline", message="the deadline is before the visit"))
        if hazard.grade is HazardGrade.MAJOR and hazard.six_in_place is None:
            problems.append(FieldProblem(field=f"hazards.{i}.six_in_place",
                                         message="a MAJOR hazard needs the six in place: personnel, responsibility, "
                                                 "measures, funds, deadline, contingency plan"))
    if problems:
        raise ValidationProblem("; ".join(f"{p.field}: {p.message}" for p in problems), fields=problems)


async def report(*, ctx: BookingContext, session: AsyncSession, principal: Principal, booking_id: str,
                 data: VisitReportIn) -> Booking:
    booking = await get_visible(session=session, principal=principal, booking_id=booking_id, for_update=True)
    _assigned_expert(principal, booking)
    now = ctx.now()
    transition(booking, "report", now)
    _validate_hazards(data, ctx.calendar.local_date(booking.start))
    for i, hazard_in in enumerate(data.hazards):
        await check_photos(session, principal, hazard_in.photo_ids, f"hazards.{i}.photo_ids")
    booking.reported_at = now
    session.add(VisitReport(id=new_id("vrp"), booking_id=booking.id, kind="REPORT", summary=data.summary,
                            items=data.items, findings=data.findings, measures=data.measures,
                            author_expert_id=booking.expert_id, created_at=now))
    hazards = []
    for hazard_in in data.hazards:
        hazard = Hazard(
            id=new_id("hzd"), booking_id=booking.id, enterprise_id=booking.enterprise_id,
            agency_id=booking.agency_id, policy_id=booking.policy_id, insurer_id=booking.insurer_id,
            town_code=booking.town_code, grade=hazard_in.grade.value, description=hazard_in.description,
            location=hazard_in.location, deadline=hazard_in.deadline, status="OPEN", photo_ids=hazard_in.photo_ids,
            six_in_place=hazard_in.six_in_place.model_dump() if hazard_in.six_in_place else None,
            created_at=now, updated_at=now)
        session.add(hazard)
        hazards.append(hazard)
    await session.flush()
    for hazard in hazards:
        await repository.cite_photos(session, hazard.photo_ids, hazard.id)
    if booking.funding == Funding.INSURER.value and booking.policy_id:
        await ledger.spend(session, policy_id=booking.policy_id, booking_id=booking.id, amount_fen=booking.price_fen,
                           now=now)
    await _notices(ctx, session, booking, hazards, now)
    for hazard in hazards:
        hazard_event(session, HAZARD_FOUND, hazard)
    booking_event(session, VISIT_REPORTED, booking, hazards_found=len(hazards),
                  major_hazards=sum(h.grade == "MAJOR" for h in hazards))
    await session.flush()
    return booking


async def _notices(ctx: BookingContext, session: AsyncSession, booking: Booking, hazards: list[Hazard],
                   now: datetime) -> None:
    """The written hazard notice to the firm; for each MAJOR hazard a notice to its principal person."""
    if not hazards:
        return
    firm = await repository.get_enterprise(session, booking.enterprise_id)
    firm_name = firm.name if firm else booking.enterprise_id
    lines = [f"{i}. [{'重大' if h.grade == 'MAJOR' else '一般'}] {h.description}（位置：{h.location or '—'}；"
             f"整改期限：{h.deadline.isoformat()}）" for i, h in enumerate(hazards, start=1)]
    session.add(Notice(id=new_id("ntc"), booking_id=booking.id, hazard_id=None, kind="HAZARD_NOTICE",
                       recipient=firm_name, text="\n".join(lines), created_at=now))
    for hazard in hazards:
        if hazard.grade != "MAJOR":
            continue
        principal_name = (firm.principal_name if firm else None) or "主要负责人"
        text = (f"{principal_name}：贵单位 {firm_name} 于 {ctx.calendar.local_date(booking.start).isoformat()} "
                f"服务中发现重大事故隐患：{hazard.description}。请于 {hazard.deadline.isoformat()} 前落实"
                f"整改“六落实”（人员、责任、措施、资金、时限、预案）。")
        session.add(Notice(id=new_id("ntc"), booking_id=booking.id, hazard_id=hazard.id, kind="PRINCIPAL_NOTICE",
                           recipient=principal_name, text=text, created_at=now))
        hazard.principal_notified_at = now
        hazard_event(session, PRINCIPAL_NOTIFIED, hazard, principal_name=principal_name, enterprise_name=firm_name)


async def service_record(session: AsyncSession, booking: Booking) -> dict[str, object]:
    """The record both parties confirm (AQ 9010): time, place, agency, staff, items, findings, follow-up."""
    reports = await repository.reports_of(session, booking.id)
    hazards = await repository.hazards_of_booking(session, booking.id)
    ticked = {item for r in reports for item in r.items}
    checklist = CHECKLISTS.get(booking.service_type, [])
    return {
        "booking_id": booking.id, "number": booking.number, "enterprise_id": booking.enterprise_id,
        "agency_id": booking.agency_id, "expert_id": booking.expert_id, "service_type": booking.service_type,
        "town_code": booking.town_code, "start": booking.start.isoformat(), "end": booking.end.isoformat(),
        "checked_in_at": booking.checked_in_at.isoformat() if booking.checked_in_at else None,
        "check_in_location": ([booking.check_in_latitude, booking.check_in_longitude]
                              if booking.check_in_latitude is not None else None),
        "reports": [{"id": r.id, "kind": r.kind, "summary": r.summary, "items": r.items, "findings": r.findings,
                     "measures": r.measures, "created_at": r.created_at.isoformat()} for r in reports],
        "hazards": [{"id": h.id, "grade": h.grade, "description": h.description, "location": h.location,
                     "deadline": h.deadline.isoformat(), "six_in_place": h.six_in_place} for h in hazards],
        "checklist": [{"item": item, "checked": item in ticked} for item in checklist],
        "other_items": sorted(ticked - set(checklist)),
        "price_fen": booking.price_fen, "funding": booking.funding,
    }


async def acknowledge(*, ctx: BookingContext, session: AsyncSession, principal: Principal,
                      booking_id: str) -> Booking:
    booking = await get_visible(session=session, principal=principal, booking_id=booking_id, for_update=True)
    if principal.role is not Role.ADMIN and not (principal.role is Role.ENTERPRISE
                                                 and principal.org == booking.enterprise_id):
        raise Forbidden("the visited firm acknowledges the service record")
    now = ctx.now()
    transition(booking, "acknowledge", now)
    booking.acknowledged_at = now
    record = await service_record(session, booking)
    await archive.append(session, enterprise_id=booking.enterprise_id, kind="SERVICE_RECORD", subject_id=booking.id,
                         content={**record, "acknowledged_at": now.isoformat()}, now=now,
                         years=ctx.settings.archive_years)
    hazards = await repository.hazards_of_booking(session, booking.id)
    booking_event(session, VISIT_ACKNOWLEDGED, booking, hazards_found=len(hazards))
    await session.flush()
    return booking


async def correct(*, ctx: BookingContext, session: AsyncSession, principal: Principal, booking_id: str,
                  data: CorrectionIn) -> Booking:
    """After acknowledgement nothing is edited: a correction is a new entry, archived in its turn."""
    booking = await get_visible(session=session, principal=principal, booking_id=booking_id, for_update=True)
    _assigned_expert(principal, booking)
    if booking.status not in ("REPORTED", "ACKNOWLEDGED"):
        raise InvalidState("only a filed service record can be corrected")
    now = ctx.now()
    entry = VisitReport(id=new_id("vrp"), booking_id=booking.id, kind="CORRECTION", summary=data.summary,
                        items=[], findings=data.findings, measures=None, author_expert_id=booking.expert_id,
                        created_at=now)
    session.add(entry)
    await session.flush()
    if booking.status == "ACKNOWLEDGED":
        await archive.append(session, enterprise_id=booking.enterprise_id, kind="CORRECTION", subject_id=booking.id,
                             content={"report_id": entry.id, "summary": data.summary, "findings": data.findings,
                                      "created_at": now.isoformat()}, now=now, years=ctx.settings.archive_years)
    return booking


async def follow_up(*, ctx: BookingContext, session: AsyncSession, principal: Principal, booking_id: str,
                    data: FollowUpIn) -> Booking:
    """The follow-up call or re-visit records the firm's satisfaction (once, archived)."""
    booking = await get_visible(session=session, principal=principal, booking_id=booking_id, for_update=True)
    if principal.role not in (Role.AGENCY, Role.EXPERT, Role.ENTERPRISE, Role.ADMIN):
        raise Forbidden("the agency or the firm records the follow-up")
    if booking.status != "ACKNOWLEDGED":
        raise InvalidState("the follow-up comes after the firm acknowledged the record")
    if booking.satisfaction is not None:
        raise InvalidState("the follow-up is already recorded")
    now = ctx.now()
    booking.satisfaction, booking.follow_up_note, booking.updated_at = data.satisfaction, data.note, now
    await archive.append(session, enterprise_id=booking.enterprise_id, kind="FOLLOW_UP", subject_id=booking.id,
                         content={"satisfaction": data.satisfaction, "note": data.note, "at": now.isoformat()},
                         now=now, years=ctx.settings.archive_years)
    return booking
