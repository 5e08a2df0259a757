"""Coverage aggregates (投保扩面): firms, insured firms, staff and insured staff at a date, grouped in SQL."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.auth import Principal, Role
from services.kernel.db import Database, utcnow
from services.kernel.errors import Forbidden, NotFound, ValidationProblem
from services.policy import coverage_repository, repository
from services.policy.dates import add_months, today
from services.policy.pricing import HIGH_RISK_TAGS
from services.policy.schemas import CoveragePoint, CoverageReport, CoverageRow

SIZE_LABELS = {"LARGE": "大型", "MEDIUM": "中型", "SMALL": "小型", "MICRO": "微型"}
INDUSTRY_LABELS = {  # GB/T 4754 divisions met among small firms here; other codes show as themselves
    "C13": "农副食品加工业", "C17": "纺织业", "C18": "纺织服装、服饰业", "C19": "皮革、毛皮制品业",
    "C22": "造纸和纸制品业", "C26": "化学原料和化学制品制造业", "C29": "橡胶和塑料制品业",
    "C30": "非金属矿物制品业", "C33": "金属制品业", "C34": "通用设备制造业", "C35": "专用设备制造业",
    "C36": "汽车制造业", "C38": "电气机械和器材制造业", "C39": "计算机、通信和其他电子设备制造业",
    "C41": "其他制造业", "E47": "房屋建筑业", "F51": "批发业", "F52": "零售业", "G54": "道路运输业",
    "G59": "装卸搬运和仓储业",
}
NONE_LABELS = {"VILLAGE": "未落在村(社区)", "PARK": "不在园区", "INSURER": "未投保", "HIGH_RISK_TAG": "无高危标签"}
LEVEL_OF_DIMENSION = {"TOWN": "TOWN", "VILLAGE": "VILLAGE", "PARK": "PARK"}


def _row(key: str, label: str, enterprises: int, insured: int, employees: int, insured_employees: int) -> CoverageRow:
    return CoverageRow(key=key, label=label, enterprises=int(enterprises), insured=int(insured),
                       rate=round(insured / enterprises, 4) if enterprises else 0.0,
                       employees=int(employees), insured_employees=int(insured_employees))


def scope(principal: Principal, region_code: str, insurer_id: str | None) -> str | None:
    """Who may see which coverage: the bureau its region, an insurer its own book; returns the insurer filter."""
    if principal.role is Role.BUREAU:
        if not principal.in_region(region_code):
            raise Forbidden(f"the bureau of {principal.region} cannot see coverage of {region_code}")
        return insurer_id
    if principal.role is Role.INSURER:
        if insurer_id and insurer_id != principal.org:
            raise Forbidden("an insurer sees coverage of its own book only")
        return principal.org
    return insurer_id


async def _labels(session: AsyncSession, dimension: str, keys: list[str]) -> dict[str, str]:
    if dimension in LEVEL_OF_DIMENSION:
        return await repository.region_names(session, keys)
    if dimension == "SIZE_CLASS":
        return SIZE_LABELS
    if dimension == "INDUSTRY":
        return INDUSTRY_LABELS
    if dimension == "HIGH_RISK_TAG":
        return HIGH_RISK_TAGS
    names = {}
    for key in keys:
        insurer = await repository.get_insurer(session, key)
        if insurer is not None:
            names[key] = insurer.name
    return names


async def coverage(session: AsyncSession, *, principal: Principal, region_code: str, as_of: date | None,
                   group_by: str, insurer_id: str | None, source: str = "live") -> CoverageReport:
    """``source``: ``live`` counts the raw rows; ``snapshot`` reads the daily table (by town, the whole
    region: the bureau's dashboard view), taken by the daily job."""
    as_of = as_of or today()
    insurer_filter = scope(principal, region_code, insurer_id)
    region = await repository.get_region(session, region_code)
    if region is None:
        raise ValidationProblem(f"{region_code} is not a region the platform knows", field="region_code")
    snapshot_ok = group_by == "TOWN" and insurer_filter is None and region.level in ("CITY", "TOWN")
    if source == "snapshot" and not snapshot_ok:
        raise ValidationProblem("snapshots hold the whole region by town only", field="source")
    snap = None
    if source == "snapshot":
        snap = await coverage_repository.snapshot_rows(session, as_of, region_code)
        if not snap:
            raise NotFound(f"no coverage snapshot for {as_of.isoformat()}")
    if snap:
        rows = snap
        total = tuple(sum(int(r[i]) for r in snap) for i in range(1, 5))
    else:
        rows, total = await coverage_repository.coverage_rows(
            session, region_level=region.level, region_code=region_code, as_of=as_of, dimension=group_by,
            insurer_id=insurer_filter)
    found: dict[str, tuple[Any, ...]] = {str(r[0]) if r[0] is not None else "NONE": r[1:] for r in rows}
    keys = list(found)
    if group_by in LEVEL_OF_DIMENSION:  # every town (village, park) of the region shows, firms or not
        level = LEVEL_OF_DIMENSION[group_by]
        under = region_code[:9] if region.level == "PARK" else region_code
        regions = [r.code for r in await repository.regions_by_level(session, level, under)]
        if region.level == level:
            regions = [region_code]
        keys = regions + [k for k in keys if k not in regions]
    elif group_by == "SIZE_CLASS":
        keys = list(SIZE_LABELS)
    labels = await _labels(session, group_by, [k for k in keys if k != "NONE"])
    out = []
    for key in keys:
        measures = found.get(key, (0, 0, 0, 0))
        label = NONE_LABELS.get(group_by, "未知") if key == "NONE" else labels.get(key, key)
        out.append(_row(key, label, *measures))
    return CoverageReport(region_code=region_code, as_of=as_of, group_by=group_by,  # type: ignore[arg-type]
                          insurer_id=insurer_filter, total=_row(region_code, region.name, *total), rows=out,
                          source="snapshot" if snap else "live", generated_at=utcnow())


def trend_days(start: date, end: date) -> list[date]:
    """Month ends from ``start`` to ``end``, and ``end`` itself: the points of a monthly trend."""
    if end < start:
        raise ValidationProblem("'to' is before 'from'", field="to")
    if (end - start).days > 366 * 5:
        raise ValidationProblem("a trend spans at most five years", field="from")
    days, day = [], start
    while day < end:
        month_end = add_months(day.replace(day=1), 1) - timedelta(days=1)
        if month_end >= end:
            break
        days.append(month_end)
        day = month_end + timedelta(days=1)
    return [*days, end]


async def trend(session: AsyncSession, *, principal: Principal, region_code: str, start: date,
                end: date) -> list[CoveragePoint]:
    """Monthly points: from the snapshot table where a day has one, counted live otherwise."""
    insurer_filter = scope(principal, region_code, None)
    region = await repository.get_region(session, region_code)
    if region is None:
        raise ValidationProblem(f"{region_code} is not a region the platform knows", field="region_code")
    days = trend_days(start, end)
    stored = {}
    if insurer_filter is None and region.level in ("CITY", "TOWN"):
        stored = await coverage_repository.snapshot_totals(session, days, region_code)
    points = []
    for day in days:
        if day in stored:
            enterprises, insured = stored[day]
        else:
            _, total = await coverage_repository.coverage_rows(
                session, region_level=region.level, region_code=region_code, as_of=day, dimension="TOWN",
                insurer_id=insurer_filter, grouped=False)
            enterprises, insured = int(total[0]), int(total[1])
        points.append(CoveragePoint(date=day, enterprises=enterprises, insured=insured,
                                    rate=round(insured / enterprises, 4) if enterprises else 0.0))
    return points


async def take_snapshots(database: Database, *, on: date | None = None) -> None:
    """Today's snapshot (replaced at each run), and yesterday's when it is missing."""
    on = on or today()
    async with database.transaction() as session:
        if not await coverage_repository.snapshot_rows(session, on - timedelta(days=1), ""):
            await coverage_repository.write_snapshot(session, on - timedelta(days=1))
        await coverage_repository.write_snapshot(session, on)
