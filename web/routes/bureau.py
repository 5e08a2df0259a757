"""The bureau's pages: coverage expansion (rate by town and other dimensions, the trend, drill-down to
villages, parks and firms) and the lists it acts on."""

from __future__ import annotations

import asyncio
import logging
from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from services.kernel import clock
from web.charts import Bar, Point, bar_chart, line_chart, nice_ceiling
from web.gateway import GatewayError, GatewayUnavailable, download
from web.i18n import language, translator
from web.pages import CsrfChecked, gateway_of, not_found, query, render, require
from web.session import SessionUser

log = logging.getLogger("anze.web.bureau")
router = APIRouter(prefix="/bureau", dependencies=[CsrfChecked])
Bureau = Depends(require("BUREAU"))

DIMENSIONS = ("TOWN", "VILLAGE", "PARK", "SIZE_CLASS", "INDUSTRY", "HIGH_RISK_TAG", "INSURER")
ROW = "key label enterprises insured rate employees insuredEmployees"
COVERAGE = f"""
query Coverage($region: String!, $asOf: Date, $groupBy: CoverageDimension) {{
  coverage(regionCode: $region, asOf: $asOf, groupBy: $groupBy) {{
    regionCode asOf partial generatedAt
    total {{ {ROW} }}
    rows {{ {ROW} }}
  }}
}}"""
PREVENTION = """
query Prevention($region: String) {
  preventionMetrics(regionCode: $region) {
    budgetFen spentFen reservedFen visitsPlanned visitsDone hazardsFound hazardsClosed majorHazardsOpen
    overdueHazards closureRate
  }
}"""

TREND = """
query Trend($region: String!, $from: Date!, $to: Date!) {
  coverageTrend(regionCode: $region, from: $from, to: $to) { date enterprises insured rate }
}"""


def _parse_date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def drill_href(group_by: str, key: str, as_of: date | None, region: str = "") -> str | None:
    """Where a row leads: a town to its villages, a village to its parks (and the firms outside them), a
    park to its firms (those of the village when the parks are a village's)."""
    suffix = f"&as_of={as_of.isoformat()}" if as_of else ""
    if group_by == "TOWN":
        return f"/bureau?region={key}&group_by=VILLAGE{suffix}"
    if group_by == "VILLAGE":
        return None if key == "NONE" else f"/bureau?region={key}&group_by=PARK{suffix}"
    if group_by == "PARK" and len(region) > 9:  # the parks of one village
        return f"/bureau/enterprises?village={region}&" + ("in_park=no" if key == "NONE" else f"park={key}")
    if group_by == "PARK" and len(region) == 9:  # the parks of a town
        return f"/bureau/enterprises?town={region}&" + ("in_park=no" if key == "NONE" else f"park={key}")
    return None


async def load_coverage(request: Request, region: str, group_by: str, as_of: date | None) -> dict[str, Any] | None:
    result = await query(request, COVERAGE, {
        "region": region, "asOf": as_of.isoformat() if as_of else None, "groupBy": group_by})
    return result.data.get("coverage")


async def load_prevention(request: Request, region: str) -> dict[str, Any] | None:
    """Prevention spend, visits and hazards of the region; the page goes on without them if need be."""
    try:
        result = await query(request, PREVENTION, {"region": region})
    except (GatewayError, GatewayUnavailable):
        log.warning("no prevention metrics for %s", region)
        return None
    return result.data.get("preventionMetrics")


async def load_trend(request: Request, region: str) -> list[dict[str, Any]]:
    """The last twelve months; the page still shows the coverage when the trend cannot be had."""
    today = clock.today()
    start = (today.replace(day=1) - timedelta(days=335)).replace(day=1)
    try:
        result = await query(request, TREND, {"region": region, "from": start.isoformat(),
                                              "to": today.isoformat()})
    except (GatewayError, GatewayUnavailable):
        log.warning("no coverage trend for %s", region)
        return []
    return result.data.get("coverageTrend") or []


@router.get("")
async def coverage(request: Request, user: SessionUser = Bureau, region: str = "", group_by: str = "TOWN",
                   as_of: str = "") -> Response:
    region = region or user.region_code or ""
    group_by = group_by if group_by in DIMENSIONS else "TOWN"
    day = _parse_date(as_of)
    report, points, prevention = await asyncio.gather(load_coverage(request, region, group_by, day),
                                                      load_trend(request, region), load_prevention(request, region))
    _ = translator(language(request))
    chart = trend = None
    rows: list[dict[str, Any]] = []
    if report:
        rows = sorted(report["rows"], key=lambda r: (-r["rate"], r["label"]))
        chart = bar_chart([Bar(label=r["label"], value=r["rate"], href=drill_href(group_by, r["key"], day, region),
                               note=f'{r["insured"]} / {r["enterprises"]}') for r in rows],
                          title=_("投保率"), max_value=1.0)
    if points:
        top = nice_ceiling(max(p["rate"] for p in points))
        trend = line_chart([Point(label=p["date"][:7], value=p["rate"]) for p in points], title=_("投保率走势"),
                           max_value=top)
    return render(request, "bureau/coverage.html", {
        "report": report, "rows": rows, "chart": chart, "trend": trend, "trend_points": points,
        "prevention": prevention,
        "region": region, "group_by": group_by, "dimensions": DIMENSIONS, "as_of": day,
        "drill": {r["key"]: drill_href(group_by, r["key"], day, region) for r in rows},
        "village_firms": f"/bureau/enterprises?village={region}" if len(region) > 9 else None,
        "is_home_region": region == user.region_code,
    })


@router.get("/coverage.{fmt}")
async def coverage_download(request: Request, fmt: str, user: SessionUser = Bureau, region: str = "",
                            group_by: str = "TOWN", as_of: str = "") -> Response:
    """The same figures as the page, as the gateway's CSV or XLSX report."""
    if fmt not in ("csv", "xlsx"):
        return not_found(request)
    day = _parse_date(as_of)
    file = await download(gateway_of(request), "/reports/coverage", {
        "region_code": region or user.region_code, "group_by": group_by if group_by in DIMENSIONS else "TOWN",
        "as_of": day.isoformat() if day else None, "format": fmt}, token=user.token)
    return Response(file.body, media_type=file.media_type, headers={"Content-Disposition": file.disposition})
