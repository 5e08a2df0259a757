"""Coverage queries: counts grouped in the database at a date, and the daily snapshot table."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Date, case, delete, func, insert, literal, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement

from services.kernel.db import UTCDateTime, utcnow
from services.policy.models import CoverageSnapshot, Enterprise, EnterpriseTag, Policy
from services.policy.repository import cover_condition

# ---------------------------------------------------------------- coverage (all in SQL)


def _region_filter(level: str, code: str) -> ColumnElement[bool]:
    if level == "VILLAGE":
        return Enterprise.village_code == code
    if level == "PARK":
        return Enterprise.park_code == code
    return Enterprise.town_code.startswith(code)


async def coverage_rows(session: AsyncSession, *, region_level: str, region_code: str, as_of: date,
                        dimension: str, insurer_id: str | None,
                        grouped: bool = True) -> tuple[list[tuple[Any, ...]], tuple[Any, ...]]:
    """(key, enterprises, insured, employees, insured employees) per group, and the same for the total."""
    cover = (select(Policy.enterprise_id.label("enterprise_id"), func.min(Policy.insurer_id).label("insurer_id"))
             .where(cover_condition(as_of, insurer_id)).group_by(Policy.enterprise_id).subquery("cover"))
    flag = case((cover.c.enterprise_id.is_not(None), 1), else_=0)
    measures = (func.count(), func.coalesce(func.sum(flag), 0), func.coalesce(func.sum(Enterprise.employees), 0),
                func.coalesce(func.sum(Enterprise.employees * flag), 0))
    if not grouped or dimension == "HIGH_RISK_TAG":  # a firm may carry several tags: count the total apart
        base = (select(*measures).select_from(Enterprise)
                .outerjoin(cover, cover.c.enterprise_id == Enterprise.id)
                .where(_region_filter(region_level, region_code)))
        total = tuple((await session.execute(base)).one())
        if not grouped:
            return [], total
    keys: dict[str, Any] = {
        "TOWN": Enterprise.town_code, "VILLAGE": Enterprise.village_code, "PARK": Enterprise.park_code,
        "SIZE_CLASS": Enterprise.size_class, "INDUSTRY": Enterprise.industry_code,
        "INSURER": cover.c.insurer_id, "HIGH_RISK_TAG": EnterpriseTag.tag,
    }
    key = keys[dimension]
    stmt = (select(key.label("key"), *measures).select_from(Enterprise)
            .outerjoin(cover, cover.c.enterprise_id == Enterprise.id))
    if dimension == "HIGH_RISK_TAG":
        stmt = stmt.outerjoin(EnterpriseTag, EnterpriseTag.enterprise_id == Enterprise.id)
    stmt = stmt.where(_region_filter(region_level, region_code)).group_by(key)
    rows = [tuple(r) for r in (await session.execute(stmt)).all()]
    if dimension != "HIGH_RISK_TAG":  # every firm is in exactly one group: the total adds the few group rows
        total = tuple(sum(int(r[i]) for r in rows) for i in range(1, 5))
    return rows, total


# ---------------------------------------------------------------- coverage snapshots


async def write_snapshot(session: AsyncSession, day: date) -> int:
    """Coverage per town on ``day``, replacing that day's rows: INSERT … SELECT … GROUP BY in the database."""
    await session.execute(delete(CoverageSnapshot).where(CoverageSnapshot.day == day))
    cover = (select(Policy.enterprise_id.label("enterprise_id")).where(cover_condition(day))
             .group_by(Policy.enterprise_id).subquery("cover"))
    flag = case((cover.c.enterprise_id.is_not(None), 1), else_=0)
    grouped = (select(literal(day, Date).label("day"), Enterprise.town_code, func.count(),
                      func.coalesce(func.sum(flag), 0), func.coalesce(func.sum(Enterprise.employees), 0),
                      func.coalesce(func.sum(Enterprise.employees * flag), 0), literal(utcnow(), UTCDateTime()))
               .select_from(Enterprise).outerjoin(cover, cover.c.enterprise_id == Enterprise.id)
               .group_by(Enterprise.town_code))
    result = await session.execute(insert(CoverageSnapshot).from_select(
        ["day", "town_code", "enterprises", "insured", "employees", "insured_employees", "taken_at"], grouped))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def snapshot_rows(session: AsyncSession, day: date, region_code: str) -> list[tuple[Any, ...]]:
    S = CoverageSnapshot
    rows = await session.execute(select(S.town_code, S.enterprises, S.insured, S.employees, S.insured_employees)
                                 .where(S.day == day, S.town_code.startswith(region_code)))
    return [tuple(r) for r in rows.all()]


async def snapshot_totals(session: AsyncSession, days: Sequence[date], region_code: str) -> dict[date, tuple[int, int]]:
    S = CoverageSnapshot
    rows = await session.execute(select(S.day, func.sum(S.enterprises), func.sum(S.insured))
                                 .where(S.day.in_(list(days)), S.town_code.startswith(region_code))
                                 .group_by(S.day))
    return {d: (int(e or 0), int(i or 0)) for d, e, i in rows.all()}
