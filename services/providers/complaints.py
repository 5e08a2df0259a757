"""Complaints on the AQ 9010 clock: answered within 10 working days, 30 where facts must be checked, with
one extension of at most 30 days for a stated reason. Working days come from the calendar table."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.auth import Principal, Role
from services.kernel.db import utcnow
from services.kernel.errors import Forbidden, InvalidState, NotFound, ValidationProblem
from services.kernel.events import record_event
from services.kernel.ids import new_id
from services.providers import repository as repo
from services.providers import repository_feedback as feedback
from services.providers.calendar import ensure_calendar, working_days_after
from services.providers.clock import local_today
from services.providers.models import Agency, Complaint, ComplaintComment, Outbox
from services.providers.schemas_feedback import AnswerIn, ComplaintIn, ComplaintOut
from services.providers.service import is_own_agency

ANSWER_WORKING_DAYS = 10
FACT_CHECK_WORKING_DAYS = 30
MAX_EXTENSION_DAYS = 30
OPEN, ANSWERED = "OPEN", "ANSWERED"


async def due_on(session: AsyncSession, complaint: Complaint) -> date:
    """The answer deadline: N working days after receipt (receipt day not counted), plus any extension."""
    days = FACT_CHECK_WORKING_DAYS if complaint.fact_check else ANSWER_WORKING_DAYS
    due = await working_days_after(session, complaint.received_on, days)
    return due + timedelta(days=complaint.extension_days or 0)


async def may_read(session: AsyncSession, principal: Principal, complaint: Complaint, agency: Agency | None) -> bool:
    """The parties of ``may_see``, and the insurer that answers for the services: a complaint about an agency
    on its panel from a firm on its book (read and comment, never decide)."""
    if principal.role is Role.INSURER:
        return bool(principal.org) and await feedback.insurer_sees_complaint(session, complaint.id, principal.org or "")
    return may_see(principal, complaint, agency)


def may_see(principal: Principal, complaint: Complaint, agency: Agency | None) -> bool:
    if principal.role is Role.ADMIN:
        return True
    if principal.role is Role.ENTERPRISE:
        return principal.org == complaint.enterprise_id
    if principal.role is Role.AGENCY:
        return agency is not None and is_own_agency(principal, agency)
    if principal.role is Role.BUREAU:
        return principal.in_region(complaint.town_code)
    return False


async def load(session: AsyncSession, complaint_id: str, principal: Principal) -> tuple[Complaint, Agency]:
    complaint = await feedback.get_complaint(session, complaint_id)
    agency = await repo.get_agency(session, complaint.agency_id) if complaint else None
    if complaint is None or agency is None:
        raise NotFound(f"no complaint {complaint_id}")
    if not await may_read(session, principal, complaint, agency):
        raise Forbidden("this complaint concerns another firm, agency or region")
    return complaint, agency


async def comment(session: AsyncSession, *, complaint: Complaint, text: str, principal: Principal) -> ComplaintComment:
    """The insurer's remark (or the bureau's): kept with the complaint; it changes neither its clock nor its
    answer, which stay the agency's and the bureau's."""
    if principal.role not in (Role.INSURER, Role.BUREAU, Role.ADMIN):
        raise Forbidden("comments on a complaint are the insurer's and the bureau's")
    remark = ComplaintComment(id=new_id("cmc"), complaint_id=complaint.id, author_role=principal.role.value,
                              author_org=principal.org, author_sub=principal.sub, text=text, created_at=utcnow())
    session.add(remark)
    await session.flush()
    return remark


async def file_complaint(session: AsyncSession, *, data: ComplaintIn, principal: Principal,
                         today: date | None = None) -> Complaint:
    if principal.role is not Role.ENTERPRISE or not principal.org:
        raise Forbidden("a complaint is filed by a firm's own account")
    agency = await repo.get_agency(session, data.agency_id)
    if agency is None:
        raise NotFound(f"no agency {data.agency_id}", field="agency_id")
    if data.booking_id:
        visit = await feedback.get_visit(session, data.booking_id)
        if visit is not None and (visit.enterprise_id != principal.org or visit.agency_id != agency.id):
            raise Forbidden("the booking is not one of this firm with this agency", field="booking_id")
    town = await complaint_town(session, principal.org, agency)
    if data.town_code and data.town_code != town:
        raise ValidationProblem(f"the complaint goes to the bureau of the firm's registered town {town}; a firm "
                                "does not choose it", field="town_code")
    await ensure_calendar(session)
    received = today or local_today()
    complaint = Complaint(id=new_id("cmp"), enterprise_id=principal.org, agency_id=agency.id,
                          booking_id=data.booking_id, town_code=town,
                          subject=data.subject, description=data.description, status=OPEN,
                          received_on=received, due_on=received, fact_check=False, created_at=utcnow())
    complaint.due_on = await due_on(session, complaint)
    session.add(complaint)
    await session.flush()
    record_event(session, Outbox, "providers.complaint.filed", {
        "complaint_id": complaint.id, "agency_id": agency.id, "enterprise_id": complaint.enterprise_id,
        "booking_id": complaint.booking_id, "town_code": complaint.town_code, "subject": complaint.subject,
        "received_on": complaint.received_on.isoformat(), "due_on": complaint.due_on.isoformat()})
    return complaint


async def complaint_town(session: AsyncSession, enterprise_id: str, agency: Agency) -> str:
    """The town whose bureau follows the complaint, decided here and never by the firm: the firm's registered
    town (learnt from the policy service's events), else (a firm not yet known here) the agency's first town."""
    firm = await feedback.get_firm_town(session, enterprise_id)
    return firm.town_code if firm is not None else agency.town_codes[0]


def _require_handler(principal: Principal, complaint: Complaint, agency: Agency) -> None:
    """The agency complained about, or the bureau of the region, handles the clock."""
    if principal.role is Role.ADMIN or is_own_agency(principal, agency):
        return
    if principal.role is Role.BUREAU and principal.in_region(complaint.town_code):
        return
    raise Forbidden("only the agency complained about or the bureau may change this complaint")


def _require_open(complaint: Complaint) -> None:
    if complaint.status != OPEN:
        raise InvalidState(f"the complaint is {complaint.status}")


async def require_fact_check(session: AsyncSession, *, complaint: Complaint, agency: Agency, reason: str,
                             principal: Principal) -> Complaint:
    _require_handler(principal, complaint, agency)
    _require_open(complaint)
    if complaint.fact_check:
        raise InvalidState("facts are already being checked for this complaint")
    complaint.fact_check, complaint.fact_check_reason = True, reason
    complaint.due_on = await due_on(session, complaint)
    await session.flush()
    return complaint


async def extend(session: AsyncSession, *, complaint: Complaint, agency: Agency, days: int, reason: str,
                 principal: Principal) -> Complaint:
    _require_handler(principal, complaint, agency)
    _require_open(complaint)
    if complaint.extension_days:
        raise InvalidState("the answer deadline may be extended once only")
    if not 1 <= days <= MAX_EXTENSION_DAYS:
        raise ValidationProblem(f"an extension is 1 to {MAX_EXTENSION_DAYS} days", field="days")
    complaint.extension_days, complaint.extension_reason = days, reason
    complaint.due_on = await due_on(session, complaint)
    await session.flush()
    return complaint


async def answer(session: AsyncSession, *, complaint: Complaint, agency: Agency, data: AnswerIn,
                 principal: Principal) -> Complaint:
    if not (principal.role is Role.ADMIN or is_own_agency(principal, agency)):
        raise Forbidden("the agency complained about answers the complaint")
    _require_open(complaint)
    complaint.answer_request, complaint.answer_facts = data.request, data.facts
    complaint.answer_basis, complaint.answer_measures = data.basis, data.measures
    complaint.status, complaint.answered_at, complaint.answered_by = ANSWERED, utcnow(), principal.sub
    await session.flush()
    record_event(session, Outbox, "providers.complaint.answered", {
        "complaint_id": complaint.id, "agency_id": agency.id, "enterprise_id": complaint.enterprise_id,
        "due_on": complaint.due_on.isoformat(), "answered_on": local_today(complaint.answered_at).isoformat(),
        "measures": complaint.answer_measures,
        "late": local_today(complaint.answered_at) > complaint.due_on})
    return complaint


def view(complaint: Complaint, today: date | None = None) -> ComplaintOut:
    today = today or local_today()
    late = None if complaint.answered_at is None else local_today(complaint.answered_at) > complaint.due_on
    return ComplaintOut(
        id=complaint.id, enterprise_id=complaint.enterprise_id, agency_id=complaint.agency_id,
        booking_id=complaint.booking_id, town_code=complaint.town_code, subject=complaint.subject,
        description=complaint.description, status=complaint.status, received_on=complaint.received_on,
        due_on=complaint.due_on, overdue=complaint.status == OPEN and today > complaint.due_on,
        fact_check=complaint.fact_check, fact_check_reason=complaint.fact_check_reason,
        extension_days=complaint.extension_days, extension_reason=complaint.extension_reason,
        answer_request=complaint.answer_request, answer_facts=complaint.answer_facts,
        answer_basis=complaint.answer_basis, answer_measures=complaint.answer_measures,
        answered_at=complaint.answered_at, answered_late=late, created_at=complaint.created_at)
