"""Prevention metrics for insurers and the bureau, aggregated in SQL (by region prefix and insurer)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, case, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.bookings.models import Booking, Hazard, PolicyLedger
from services.kernel import scope
from services.kernel.auth import Principal, Role
from services.kernel.errors import Forbidden

DONE = ("REPORTED", "ACKNOWLEDGED")


def scope_filters(principal: Principal, region_code: str | None,
                  insurer_id: str | None) -> tuple[str | None, str | None]:
    """The bureau is held to its region, an insurer to its own book."""
    if principal.role is Role.INSURER:
        if insurer_id and insurer_id != principal.org:
            raise Forbidden("an insurer sees its own book only")
        return region_code, principal.org
    if principal.role is Role.BUREAU:
        region = scope.region_of(principal)
        if region is None:  # fail closed: a bureau without a region sees no region
            raise Forbidden("this bureau account has no region; it sees no metrics")
        if region_code and not scope.sees_region(principal, region_code):
            raise Forbidden("the bureau sees its own region only")
        return region_code or region, insurer_id
    return region_code, insurer_id


def _bounds(day_from: date | None, day_to: date | None, tz: ZoneInfo) -> tuple[datetime | None, datetime | None]:
    start = datetime.combine(day_from, time(0), tz) if day_from else None
    end = datetime.combine(day_to + timedelta(days=1), time(0), tz) if day_to else None
    return start, end


def _where(model: Any, region: str | None, insurer: str | None) -> list[Any]:
    out = []
    if region:
        out.append(model.town_code.startswith(region))
    if insurer:
        out.append(model.insurer_id == insurer)
    return out


def _group(model: Any, group_by: str | None) -> Any:
    if group_by == "insurer":
        return func.coalesce(model.insurer_id, "")
    if group_by == "town":
        return func.coalesce(func.substr(model.town_code, 1, 9), "")
    return literal("")


async def prevention(session: AsyncSession, *, region: str | None, insurer: str | None, day_from: date | None,
                     day_to: date | None, tz: ZoneInfo, group_by: str | None = None) -> dict[str, dict[str, Any]]:
    """Totals per group key ("" without grouping): three GROUP BY queries, one per table."""
    start, end = _bounds(day_from, day_to, tz)
    rows: dict[str, dict[str, Any]] = {}

    def row(key: str) -> dict[str, Any]:
        return rows.setdefault(key, {"budget_fen": 0, "spent_fen": 0, "visits_planned": 0, "visits_done": 0,
                                     "hazards_found": 0, "hazards_closed": 0, "major_hazards_open": 0,
                                     "overdue_hazards": 0})

    key = _group(PolicyLedger, group_by).label("k")
    ledgers: Select[Any] = select(key, func.coalesce(func.sum(PolicyLedger.budget_fen), 0),
                                  func.coalesce(func.sum(PolicyLedger.spent_fen), 0)).where(
        *_where(PolicyLedger, region, insurer))
    if day_from:
        ledgers = ledgers.where(PolicyLedger.end_date >= day_from)
    if day_to:
        ledgers = ledgers.where(PolicyLedger.start_date <= day_to)
    for k, budget, spent in (await session.execute(ledgers.group_by(key))).all():
        row(k).update(budget_fen=int(budget), spent_fen=int(spent))

    key = _group(Booking, group_by).label("k")
    bookings = select(key, func.count(), func.sum(case((Booking.status.in_(DONE), 1), else_=0))).where(
        Booking.status != "CANCELLED", *_where(Booking, region, insurer))
    if start:
        bookings = bookings.where(Booking.start >= start)
    if end:
        bookings = bookings.where(Booking.start < end)
    for k, planned, done in (await session.execute(bookings.group_by(key))).all():
        row(k).update(visits_planned=int(planned), visits_done=int(done or 0))

    key = _group(Hazard, group_by).label("k")
    hazards = select(
        key, func.count(), func.sum(case((Hazard.status == "CLOSED", 1), else_=0)),
        func.sum(case((and_(Hazard.grade == "MAJOR", Hazard.status != "CLOSED"), 1), else_=0)),
        func.sum(case((Hazard.status == "OVERDUE", 1), else_=0)),
    ).where(*_where(Hazard, region, insurer))
    if start:
        hazards = hazards.where(Hazard.created_at >= start)
    if end:
        hazards = hazards.where(Hazard.created_at < end)
    for k, found, closed, major_open, overdue in (await session.execute(hazards.group_by(key))).all():
        row(k).update(hazards_found=int(found), hazards_closed=int(closed or 0),
                      major_hazards_open=int(major_open or 0), overdue_hazards=int(overdue or 0))

    for values in rows.values():
        found = values["hazards_found"]
        values["closure_rate"] = round(values["hazards_closed"] / found, 4) if found else 0.0
    return rows


EMPTY = {"budget_fen": 0, "spent_fen": 0, "visits_planned": 0, "visits_done": 0, "hazards_found": 0,
         "hazards_closed": 0, "major_hazards_open": 0, "overdue_hazards": 0, "closure_rate": 0.0}


async def policy_summary(session: AsyncSession, policy_id: str) -> dict[str, int]:
    """One policy's visits and hazards for its insurer and the firm: two GROUP BY queries."""
    counts = dict((await session.execute(select(Booking.status, func.count()).where(
        Booking.policy_id == policy_id).group_by(Booking.status))).all())
    late = await session.scalar(select(func.count()).select_from(Booking).where(
        Booking.policy_id == policy_id, Booking.late_cancellation.is_(True))) or 0
    hazards = dict((await session.execute(select(Hazard.status, func.count()).where(
        Hazard.policy_id == policy_id).group_by(Hazard.status))).all())
    return {
        "visits_booked": sum(n for s, n in counts.items() if s in ("REQUESTED", "CONFIRMED", "CHECKED_IN")),
        "visits_done": sum(n for s, n in counts.items() if s in DONE),
        "cancellations": int(counts.get("CANCELLED", 0)), "late_cancellations": int(late),
        "no_shows": int(counts.get("NO_SHOW", 0)),
        "hazards_found": sum(hazards.values()), "hazards_open": int(hazards.get("OPEN", 0))
        + int(hazards.get("RECTIFICATION_SUBMITTED", 0)),
        "hazards_overdue": int(hazards.get("OVERDUE", 0)), "hazards_closed": int(hazards.get("CLOSED", 0)),
    }
