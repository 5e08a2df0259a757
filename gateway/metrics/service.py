"""Fetching the metrics from the services for a caller, scoped to what that caller may see: the bureau
its region, an insurer its own book. Shared by the GraphQL queries and the CSV/XLSX downloads."""

from __future__ import annotations

from datetime import date
from typing import Any

from gateway.common import to_date, to_datetime
from gateway.context import Context
from gateway.errors import ServiceDown
from gateway.metrics.types import CoverageDimension, CoveragePoint, CoverageReport, CoverageRow, PreventionMetrics
from services.kernel import clock
from services.kernel import scope as kernel_scope
from services.kernel.auth import Principal, Role
from services.kernel.db import utcnow
from services.kernel.errors import Forbidden, ValidationProblem


def today() -> date:
    return clock.today()


def scope(ctx: Context, region_code: str | None, insurer_id: str | None = None) -> tuple[Principal, dict[str, Any]]:
    """The filter the caller may use: the bureau inside its region; an insurer on its own book only."""
    principal = ctx.require(Role.BUREAU, Role.INSURER)
    params: dict[str, Any] = {"region_code": region_code}
    if principal.role is Role.BUREAU:
        if kernel_scope.region_of(principal) is None:  # fail closed
            raise Forbidden("this bureau account has no region; it sees no region's figures")
        if region_code and not kernel_scope.sees_region(principal, region_code):
            raise Forbidden(f"region {region_code} is outside the bureau's region {principal.region}")
        params["region_code"] = region_code or principal.region
        params["insurer_id"] = insurer_id
    elif principal.role is Role.INSURER:
        if insurer_id and insurer_id != principal.org:
            raise Forbidden("an insurer sees its own book only")
        params["insurer_id"] = principal.org
    else:
        params["insurer_id"] = insurer_id
    return principal, params


async def coverage(ctx: Context, *, region_code: str, as_of: date | None,
                   group_by: CoverageDimension) -> CoverageReport:
    _, params = scope(ctx, region_code)
    as_of = as_of or today()
    params.update(as_of=as_of.isoformat(), group_by=group_by.value)
    try:
        body = await ctx.policy.coverage(params, ctx.settings.coverage_timeout_seconds)
    except ServiceDown as exc:
        ctx.note_unavailable(exc)
        return CoverageReport(region_code=region_code, as_of=as_of, group_by=group_by,
                              total=CoverageRow.empty(region_code, ""), rows=[], partial=True,
                              generated_at=utcnow())
    rows = [CoverageRow.from_api(r) for r in body.get("rows") or []]
    total = CoverageRow.from_api(body["total"]) if body.get("total") else _sum(region_code, rows)
    generated = body.get("generated_at")
    return CoverageReport(region_code=body.get("region_code") or region_code,
                          as_of=to_date(body["as_of"]) if body.get("as_of") else as_of, group_by=group_by,
                          total=total, rows=rows, partial=bool(body.get("partial", False)),
                          generated_at=to_datetime(generated) if generated else utcnow())


def _sum(key: str, rows: list[CoverageRow]) -> CoverageRow:
    enterprises, insured = sum(r.enterprises for r in rows), sum(r.insured for r in rows)
    return CoverageRow(key=key, label=key, enterprises=enterprises, insured=insured,
                       rate=insured / enterprises if enterprises else 0.0,
                       employees=sum(r.employees for r in rows),
                       insured_employees=sum(r.insured_employees for r in rows))


async def coverage_trend(ctx: Context, *, region_code: str, start: date, end: date) -> list[CoveragePoint]:
    _, params = scope(ctx, region_code)
    if end < start:
        raise ValidationProblem("`to` is before `from`", field="to")
    if (end - start).days > 366 * 10:
        raise ValidationProblem("a trend spans at most ten years", field="to")
    params.update({"from": start.isoformat(), "to": end.isoformat()})
    rows = await ctx.policy.coverage_trend(params, ctx.settings.coverage_timeout_seconds)
    return [CoveragePoint.from_api(r) for r in rows]


async def prevention(ctx: Context, *, region_code: str | None, insurer_id: str | None, start: date | None,
                     end: date | None) -> PreventionMetrics:
    _, params = scope(ctx, region_code, insurer_id)
    params.update({"from": start.isoformat() if start else None, "to": end.isoformat() if end else None})
    return PreventionMetrics.from_api(await ctx.bookings.prevention_metrics(
        params, ctx.settings.coverage_timeout_seconds))
