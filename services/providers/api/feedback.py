"""Routes for reviews, complaints, the working-day calendar and agency performance."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query

from services.kernel import scope
from services.kernel.auth import PUBLIC, MaybePrincipal, Principal, Role, allow
from services.kernel.errors import Forbidden, ValidationProblem
from services.kernel.idempotency import IdempotencyKey
from services.kernel.paging import Page, PageParams
from services.kernel.runtime import Session
from services.providers import complaints, repository, reviews, service
from services.providers import repository_feedback as feedback
from services.providers.api.common import ALL_ROLES, IdsQuery, offset_cursor, offset_from, parse_ids
from services.providers.calendar import WorkingCalendar
from services.providers.clock import local_today
from services.providers.models import CalendarDay, IdempotencyRecord
from services.providers.performance import performance
from services.providers.schemas import AgencyStatus
from services.providers.schemas_feedback import (
    AnswerIn,
    CalendarDayIn,
    CalendarDayOut,
    CommentIn,
    CommentOut,
    ComplaintIn,
    ComplaintOut,
    ExtensionIn,
    FactCheckIn,
    PerformanceOut,
    ReplyIn,
    ReviewIn,
    ReviewOut,
)

router = APIRouter(prefix="/v1", tags=["reviews, complaints, performance"])


# ---------------------------------------------------------------- reviews


@router.post("/reviews", response_model=ReviewOut, status_code=201,
             summary="Review a visit (the firm, once its report was acknowledged; one per booking)")
async def post_review(data: ReviewIn, session: Session, idempotency: IdempotencyKey,
                      principal: Principal = allow(Role.ENTERPRISE)) -> object:
    if (replay := await idempotency.replay(session, IdempotencyRecord)) is not None:
        return replay
    review = await reviews.post_review(session, data=data, principal=principal)
    return await idempotency.remember(session, IdempotencyRecord, ReviewOut.model_validate(review), 201)


@router.post("/reviews/{review_id}/reply", response_model=ReviewOut, summary="The agency's one reply")
async def reply(review_id: str, data: ReplyIn, session: Session,
                principal: Principal = allow(Role.AGENCY)) -> ReviewOut:
    return ReviewOut.model_validate(await reviews.reply(session, review_id=review_id, text=data.text,
                                                        principal=principal))


@router.get("/reviews", response_model=Page[ReviewOut], dependencies=[PUBLIC],
            summary="Reviews of an agency (newest first)")
async def list_reviews(session: Session, principal: MaybePrincipal, agency_id: str | None = None,
                       enterprise_id: str | None = None, booking_id: str | None = None,
                       limit: Annotated[int, Query(ge=1, le=500)] = 50, cursor: str | None = None) -> Page[ReviewOut]:
    """Anyone reads an approved agency's reviews, without who wrote them or about which visit (firms choose an
    agency by them). The firm and the visit are shown to the firm that wrote the review, the agency reviewed,
    the bureau and admin; only the firm itself (and the bureau, admin) lists by firm or by visit."""
    overseer = principal is not None and principal.role in (Role.BUREAU, Role.ADMIN)
    # a bureau oversees the reviews of agencies serving its region only (none without a region: fail closed)
    bureau_region = ((scope.region_of(principal) or "-") if principal is not None and principal.role is Role.BUREAU
                     else None)
    if (enterprise_id or booking_id) and not overseer:
        if principal is None or principal.role is not Role.ENTERPRISE or enterprise_id not in (None, principal.org):
            raise Forbidden("only the firm itself lists its reviews by firm or by visit")
        enterprise_id = principal.org
    if not (agency_id or enterprise_id or overseer):
        raise ValidationProblem("name the agency whose reviews to list", field="agency_id")
    named = await repository.get_agency(session, agency_id) if agency_id else None
    public_view = agency_id and not (principal is not None and principal.org == agency_id) and not (
        (principal is not None and principal.role is Role.ADMIN)
        or (named is not None and service.in_bureau_region(principal, named)))
    if public_view and bureau_region is not None and (enterprise_id or booking_id):
        raise Forbidden("the bureau lists reviews by firm or by visit for agencies of its region only")
    if public_view and (named is None or named.status != AgencyStatus.APPROVED.value):
        return Page(items=[], next_cursor=None, total=0)
    stmt = feedback.review_list(agency_id=agency_id, enterprise_id=enterprise_id, booking_id=booking_id,
                                agency_region=None if public_view else bureau_region)
    rows, next_cursor, total = await feedback.page_reviews(session, stmt, PageParams(limit=limit, cursor=cursor))
    overseen = set()
    if bureau_region is not None and rows:
        overseen = {a.id for a in await repository.agencies_by_ids(session, list({r.agency_id for r in rows}))
                    if service.in_bureau_region(principal, a)}
    return Page(items=[review_out(r, principal, overseen) for r in rows], next_cursor=next_cursor, total=total)


def review_out(review: Any, principal: Principal | None, overseen: set[str] | frozenset[str] = frozenset()
               ) -> ReviewOut:
    """The review as this caller may read it: the firm and the visit only for those involved, admin and the
    bureau of a region the reviewed agency serves (``overseen``: the agency ids that bureau oversees)."""
    out = ReviewOut.model_validate(review)
    involved = principal is not None and (principal.role is Role.ADMIN
                                          or (principal.role is Role.BUREAU and review.agency_id in overseen)
                                          or (principal.role is not Role.BUREAU
                                              and scope.own_org(principal) in (review.enterprise_id,
                                                                               review.agency_id)))
    return out if involved else out.model_copy(update={"enterprise_id": None, "booking_id": None})


# ---------------------------------------------------------------- complaints


@router.post("/complaints", response_model=ComplaintOut, status_code=201,
             summary="A firm's complaint about an agency or a visit (AQ 9010 clock starts)")
async def file_complaint(data: ComplaintIn, session: Session, idempotency: IdempotencyKey,
                         principal: Principal = allow(Role.ENTERPRISE)) -> object:
    if (replay := await idempotency.replay(session, IdempotencyRecord)) is not None:
        return replay
    complaint = await complaints.file_complaint(session, data=data, principal=principal)
    return await idempotency.remember(session, IdempotencyRecord, complaints.view(complaint), 201)


@router.get("/complaints", response_model=Page[ComplaintOut],
            summary="Complaints: a firm its own, an agency those about it, the bureau its region")
async def list_complaints(
    session: Session, agency_id: str | None = None, status: str | None = None,
    overdue: Annotated[bool, Query(description="only open complaints past their due date")] = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 50, cursor: str | None = None,
    principal: Principal = allow(Role.ENTERPRISE, Role.AGENCY, Role.BUREAU, Role.INSURER),
) -> Page[ComplaintOut]:
    enterprise_id = principal.org if principal.role is Role.ENTERPRISE else None
    insurer_id = (principal.org or "-") if principal.role is Role.INSURER else None
    region = scope.region_of(principal)  # None for a bureau without a region: it sees no complaint
    if principal.role is Role.AGENCY:
        agency_id = principal.org or "-"
    if principal.role in (Role.ENTERPRISE, Role.BUREAU) and not (enterprise_id or region):
        return Page(items=[], next_cursor=None, total=0)
    today = local_today()
    stmt = feedback.complaint_list(enterprise_id=enterprise_id, agency_id=agency_id, region=region,
                                   status=status, overdue_on=today if overdue else None, insurer_id=insurer_id)
    rows, next_cursor, total = await feedback.page_complaints(session, stmt, PageParams(limit=limit, cursor=cursor))
    return Page(items=[complaints.view(c, today) for c in rows], next_cursor=next_cursor, total=total)


@router.get("/complaints/{complaint_id}", response_model=ComplaintOut)
async def get_complaint(complaint_id: str, session: Session,
                        principal: Principal = allow(Role.ENTERPRISE, Role.AGENCY, Role.BUREAU, Role.INSURER),
                        ) -> ComplaintOut:
    complaint, _ = await complaints.load(session, complaint_id, principal)
    return complaints.view(complaint)


@router.get("/complaints/{complaint_id}/comments", response_model=list[CommentOut],
            summary="Remarks on a complaint (the insurer's, the bureau's), oldest first")
async def complaint_comments(complaint_id: str, session: Session,
                             principal: Principal = allow(Role.ENTERPRISE, Role.AGENCY, Role.BUREAU, Role.INSURER),
                             ) -> list[CommentOut]:
    complaint, _ = await complaints.load(session, complaint_id, principal)
    return [CommentOut.model_validate(c, from_attributes=True)
            for c in await feedback.comments_of(session, complaint.id)]


@router.post("/complaints/{complaint_id}/comments", response_model=CommentOut, status_code=201,
             summary="The insurer (or the bureau) remarks on a complaint it may read; it decides nothing")
async def comment_on_complaint(complaint_id: str, data: CommentIn, session: Session,
                               principal: Principal = allow(Role.INSURER, Role.BUREAU)) -> CommentOut:
    complaint, _ = await complaints.load(session, complaint_id, principal)
    remark = await complaints.comment(session, complaint=complaint, text=data.text, principal=principal)
    return CommentOut.model_validate(remark, from_attributes=True)


@router.post("/complaints/{complaint_id}/fact-check", response_model=ComplaintOut,
             summary="Facts must be checked: the deadline becomes 30 working days after receipt")
async def fact_check(complaint_id: str, data: FactCheckIn, session: Session,
                     principal: Principal = allow(Role.AGENCY, Role.BUREAU)) -> ComplaintOut:
    complaint, agency = await complaints.load(session, complaint_id, principal)
    await complaints.require_fact_check(session, complaint=complaint, agency=agency, reason=data.reason,
                                        principal=principal)
    return complaints.view(complaint)


@router.post("/complaints/{complaint_id}/extension", response_model=ComplaintOut,
             summary="Extend the deadline once, by at most 30 days, with a reason")
async def extension(complaint_id: str, data: ExtensionIn, session: Session,
                    principal: Principal = allow(Role.AGENCY, Role.BUREAU)) -> ComplaintOut:
    complaint, agency = await complaints.load(session, complaint_id, principal)
    await complaints.extend(session, complaint=complaint, agency=agency, days=data.days, reason=data.reason,
                            principal=principal)
    return complaints.view(complaint)


@router.post("/complaints/{complaint_id}/answer", response_model=ComplaintOut,
             summary="The agency's answer: request, facts found, basis, measures taken")
async def answer(complaint_id: str, data: AnswerIn, session: Session,
                 principal: Principal = allow(Role.AGENCY)) -> ComplaintOut:
    complaint, agency = await complaints.load(session, complaint_id, principal)
    await complaints.answer(session, complaint=complaint, agency=agency, data=data, principal=principal)
    return complaints.view(complaint)


# ---------------------------------------------------------------- calendar


@router.get("/calendar", response_model=list[CalendarDayOut], dependencies=[allow(*ALL_ROLES)],
            summary="Working days between two dates (holidays and make-up working days included)")
async def calendar(session: Session, start: Annotated[date, Query(alias="from")],
                   end: Annotated[date, Query(alias="to")]) -> list[CalendarDayOut]:
    if end < start or (end - start).days > 400:
        raise ValidationProblem("give a range of at most 400 days, from before to", field="to")
    rows = await feedback.calendar_days(session, start, end)
    cal = WorkingCalendar({d: r.working for d, r in rows.items()})
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    return [CalendarDayOut(day=d, working=cal.is_working(d), name=rows[d].name if d in rows else None,
                           source=rows[d].source if d in rows else None) for d in days]


@router.put("/calendar/{day}", response_model=CalendarDayOut, dependencies=[allow(Role.ADMIN)],
            summary="Record a holiday or make-up working day (e.g. a year announced later)")
async def set_calendar_day(day: date, data: CalendarDayIn, session: Session) -> CalendarDayOut:
    row = await feedback.get_calendar_day(session, day)
    if row is None:
        row = CalendarDay(day=day, working=data.working, name=data.name, source="admin")
        session.add(row)
    else:
        row.working, row.name, row.source = data.working, data.name, "admin"
    await session.flush()
    return CalendarDayOut(day=row.day, working=row.working, name=row.name, source=row.source)


# ---------------------------------------------------------------- performance


@router.get("/agencies/{agency_id}/performance", response_model=PerformanceOut,
            summary="Visits, hazards found and closed, closure rate, time to close, overdue, complaints, rating")
async def agency_performance(agency_id: str, session: Session,
                             principal: Principal = allow(Role.BUREAU, Role.INSURER, Role.AGENCY)) -> PerformanceOut:
    agency = await service.load_agency(session, agency_id)
    if principal.role is Role.AGENCY:
        service.require_own_agency(principal, agency)
    [figures] = await performance(session, [agency])
    return figures


@router.get("/performance", response_model=Page[PerformanceOut],
            summary="Performance of several agencies (approved ones by default), for choosing a panel")
async def performance_list(session: Session, agency_ids: IdsQuery = None,
                           limit: Annotated[int, Query(ge=1, le=500)] = 100, cursor: str | None = None,
                           principal: Principal = allow(Role.BUREAU, Role.INSURER)) -> Page[PerformanceOut]:
    ids = parse_ids(agency_ids, "agency_ids")
    stmt = repository.agency_search(statuses=None if ids else [AgencyStatus.APPROVED.value], own_agency_id=None,
                                    service_type=None, town_code=None, min_rating=None, price_min_fen=None,
                                    price_max_fen=None, ids=ids)
    rows, next_offset, total = await repository.page_agencies(session, stmt, PageParams(limit=limit), sort=None,
                                                              service_type=None, offset=offset_from(cursor))
    return Page(items=await performance(session, rows), next_cursor=offset_cursor(next_offset), total=total)
