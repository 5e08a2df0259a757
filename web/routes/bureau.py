"""The bureau's pages: coverage expansion (rate by town and other dimensions, the trend, drill-down to
villages and firms) and the lists it acts on."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from web.charts import Bar, Point, bar_chart, line_chart
from web.i18n import language, translator
from web.pages import CsrfChecked, query, render, require
from web.session import SessionUser

router = APIRouter(prefix="/bureau", dependencies=[CsrfChecked])
Bureau = Depends(require("BUREAU"))

DIMENSIONS = ("TOWN", "VILLAGE", "PARK", "SIZE_CLASS", "INDUSTRY", "HIGH_RISK_TAG", "INSURER")
ROW = "key label enterprises insured rate employees insuredEmployees"
COVERAGE = f"""
query Coverage($region: String!, $asOf: Date, $groupBy: CoverageDimension, $from: Date!, $to: Date!) {{
  coverage(regionCode: $region, asOf: $asOf, groupBy: $groupBy) {{
    regionCode asOf partial generatedAt
    total {{ {ROW} }}
    rows {{ {ROW} }}
  }}
  coverageTrend(regionCode: $region, from: $from, to: $to) {{ date enterprises insured rate }}
}}"""


def _parse_date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def drill_href(group_by: str, key: str, as_of: date | None) -> str | None:
    """Where a row leads: a town to its villages, a village to its firms."""
    suffix = f"&as_of={as_of.isoformat()}" if as_of else ""
    if group_by == "TOWN":
        return f"/bureau?region={key}&group_by=VILLAGE{suffix}"
    if group_by == "VILLAGE":
        return f"/bureau/enterprises?village={key}"
    return None


async def load_coverage(request: Request, user: SessionUser, region: str, group_by: str,
                        as_of: date | None) -> dict[str, Any]:
    today = date.today()
    result = await query(request, COVERAGE, {
        "region": region, "asOf": as_of.isoformat() if as_of else None, "groupBy": group_by,
        "from": (today.replace(day=1) - timedelta(days=335)).replace(day=1).isoformat(),
        "to": today.isoformat(),
    })
    return result.data


@router.get("")
async def coverage(request: Request, user: SessionUser = Bureau, region: str = "", group_by: str = "TOWN",
                   as_of: str = "") -> Response:
    region = region or user.region_code or ""
    group_by = group_by if group_by in DIMENSIONS else "TOWN"
    day = _parse_date(as_of)
    data = await load_coverage(request, user, region, group_by, day)
    report = data.get("coverage")
    _ = translator(language(request))
    chart = trend = None
    rows: list[dict[str, Any]] = []
    if report:
        rows = sorted(report["rows"], key=lambda r: (-r["rate"], r["label"]))
        chart = bar_chart([Bar(label=r["label"], value=r["rate"], href=drill_href(group_by, r["key"], day),
                               note=f'{r["insured"]} / {r["enterprises"]}') for r in rows],
                          title=_("投保率"), max_value=1.0)
    points = data.get("coverageTrend") or []
    if points:
        trend = line_chart([Point(label=p["date"][:7], value=p["rate"]) for p in points], title=_("投保率走势"))
    return render(request, "bureau/coverage.html", {
        "report": report, "rows": rows, "chart": chart, "trend": trend, "trend_points": points,
        "region": region, "group_by": group_by, "dimensions": DIMENSIONS, "as_of": day,
        "drill": {r["key"]: drill_href(group_by, r["key"], day) for r in rows},
        "is_home_region": region == user.region_code,
    })
