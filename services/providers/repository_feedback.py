"""Queries for what users say and what bookings tell: visit and hazard facts, reviews, complaints, the
working-day calendar, and the aggregates of agency performance."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.paging import PageParams, paginate
from services.providers.models import (
    Agency,
    CalendarDay,
    Complaint,
    ComplaintComment,
    CoverFact,
    FirmTown,
    HazardFact,
    PanelEntry,
    Review,
    VisitFact,
)
from services.providers.repository import agency_in_region


async def get_visit(session: AsyncSession, booking_id: str) -> VisitFact | None:
    return await session.get(VisitFact, booking_id)


async def get_hazard(session: AsyncSession, hazard_id: str) -> HazardFact | None:
    return await session.get(HazardFact, hazard_id)


# ---------------------------------------------------------------- reviews


async def get_review(session: AsyncSession, review_id: str) -> Review | None:
    return await session.get(Review, review_id)


async def review_of_booking(session: AsyncSession, booking_id: str) -> Review | None:
    return await session.scalar(select(Review).where(Review.booking_id == booking_id))


async def get_firm_town(session: AsyncSession, enterprise_id: str) -> FirmTown | None:
    return await session.get(FirmTown, enterprise_id)


def review_list(*, agency_id: str | None, enterprise_id: str | None, booking_id: str | None = None,
                agency_region: str | None = None) -> Select[Any]:
    """``agency_region``: only reviews of agencies serving a town in that region (the bureau's view)."""
    stmt = select(Review)
    if agency_region is not None:
        stmt = stmt.where(Review.agency_id.in_(select(Agency.id).where(agency_in_region(agency_region))))
    if booking_id:
        stmt = stmt.where(Review.booking_id == booking_id)
    if agency_id:
        stmt = stmt.where(Review.agency_id == agency_id)
    if enterprise_id:
        stmt = stmt.where(Review.enterprise_id == enterprise_id)
    return stmt


async def page_reviews(session: AsyncSession, stmt: Select[Any],
                       params: PageParams) -> tuple[list[Review], str | None, int]:
    return await paginate(session, stmt, Review.id, params, descending=True)


# ---------------------------------------------------------------- complaints


async def get_complaint(session: AsyncSession, complaint_id: str) -> Complaint | None:
    return await session.get(Complaint, complaint_id)


def insurer_may_see(insurer_id: str) -> ColumnElement[bool]:
    """The complaints an insurer answers for: about an agency on its panel when the complaint was received,
    from a firm on its book (a policy of the insurer covering that day)."""
    on_panel = exists().where(PanelEntry.insurer_id == insurer_id,
                              PanelEntry.agency_id == Complaint.agency_id,
                              PanelEntry.start_date <= Complaint.received_on,
                              or_(PanelEntry.end_date.is_(None), PanelEntry.end_date >= Complaint.received_on))
    on_book = exists().where(CoverFact.insurer_id == insurer_id,
                             CoverFact.enterprise_id == Complaint.enterprise_id,
                             CoverFact.start_date <= Complaint.received_on, CoverFact.end_date >= Complaint.received_on,
                             or_(CoverFact.cancelled_on.is_(None), CoverFact.cancelled_on > Complaint.received_on))
    return and_(on_panel, on_book)


async def insurer_sees_complaint(session: AsyncSession, complaint_id: str, insurer_id: str) -> bool:
    stmt = select(Complaint.id).where(Complaint.id == complaint_id, insurer_may_see(insurer_id))
    return (await session.scalar(stmt)) is not None


async def comments_of(session: AsyncSession, complaint_id: str) -> list[ComplaintComment]:
    stmt = (select(ComplaintComment).where(ComplaintComment.complaint_id == complaint_id)
            .order_by(ComplaintComment.created_at, ComplaintComment.id))
    return list((await session.scalars(stmt)).all())


def complaint_list(*, enterprise_id: str | None, agency_id: str | None, region: str | None,
                   status: str | None, overdue_on: date | None, insurer_id: str | None = None) -> Select[Any]:
    stmt = select(Complaint)
    if insurer_id:
        stmt = stmt.where(insurer_may_see(insurer_id))
    if enterprise_id:
        stmt = stmt.where(Complaint.enterprise_id == enterprise_id)
    if agency_id:
        stmt = stmt.where(Complaint.agency_id == agency_id)
    if region:
        stmt = stmt.where(Complaint.town_code.like(f"{region}%"))
    if status:
        stmt = stmt.where(Complaint.status == status)
    if overdue_on is not None:
        stmt = stmt.where(Complaint.status == "OPEN", Complaint.due_on < overdue_on)
    return stmt


async def page_complaints(session: AsyncSession, stmt: Select[Any],
                          params: PageParams) -> tuple[list[Complaint], str | None, int]:
    return await paginate(session, stmt, Complaint.id, params)


# ---------------------------------------------------------------- calendar


async def calendar_days(session: AsyncSession, start: date, end: date) -> dict[date, CalendarDay]:
    stmt = select(CalendarDay).where(CalendarDay.day >= start, CalendarDay.day <= end)
    return {row.day: row for row in (await session.scalars(stmt)).all()}


async def get_calendar_day(session: AsyncSession, day: date) -> CalendarDay | None:
    return await session.get(CalendarDay, day)


# ---------------------------------------------------------------- performance


async def visit_counts(session: AsyncSession, agency_ids: Sequence[str]) -> dict[str, tuple[int, int]]:
    """agency id -> (visits reported, visits acknowledged)."""
    stmt = (select(VisitFact.agency_id, func.count(VisitFact.reported_at), func.count(VisitFact.acknowledged_at))
            .where(VisitFact.agency_id.in_(list(agency_ids))).group_by(VisitFact.agency_id))
    return {row[0]: (int(row[1]), int(row[2])) for row in (await session.execute(stmt)).all()}


async def hazard_rows(session: AsyncSession, agency_ids: Sequence[str]) -> list[HazardFact]:
    stmt = select(HazardFact).where(HazardFact.agency_id.in_(list(agency_ids)))
    return list((await session.scalars(stmt)).all())


async def complaint_counts(session: AsyncSession, agency_ids: Sequence[str],
                           today: date) -> dict[str, tuple[int, int, int]]:
    """agency id -> (complaints, still open, open past their due date)."""
    open_ = case((Complaint.status == "OPEN", 1), else_=0)
    late = case((or_(Complaint.status != "OPEN", Complaint.due_on >= today), 0), else_=1)
    stmt = (select(Complaint.agency_id, func.count(), func.sum(open_), func.sum(late))
            .where(Complaint.agency_id.in_(list(agency_ids))).group_by(Complaint.agency_id))
    return {row[0]: (int(row[1]), int(row[2] or 0), int(row[3] or 0)) for row in (await session.execute(stmt)).all()}
