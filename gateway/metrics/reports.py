"""Report downloads under ``/reports``: each metric and action list as CSV (UTF-8 with BOM, so Excel shows
the Chinese) or XLSX, with the same figures as GraphQL (both read through ``metrics.service``/``lists``).
Authenticated with the same Bearer token; a report whose figures are incomplete is refused (503) rather
than downloaded half-empty."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from gateway.context import Context, build_context
from gateway.errors import ServiceDown
from gateway.metrics import lists, service
from gateway.metrics.types import CoverageDimension
from services.kernel.errors import ValidationProblem

router = APIRouter(prefix="/reports", tags=["reports"])

FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@dataclass
class Table:
    name: str
    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Any]]


def render(table: Table, fmt: str) -> Response:
    if fmt not in FORMATS:
        raise ValidationProblem("the format is csv or xlsx", field="format")
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(table.headers)
        writer.writerows(table.rows)
        body = ("\ufeff" + buffer.getvalue()).encode()
    else:
        body = _xlsx(table)
    filename = f"{table.name}.{fmt}"
    return Response(body, media_type=FORMATS[fmt], headers={
        "Content-Disposition": f"attachment; filename={filename}; filename*=UTF-8''{quote(filename)}"})


def _xlsx(table: Table) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = table.title[:31]
    sheet.append(list(table.headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        sheet.append(list(row))
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def _context(request: Request) -> Context:
    return await build_context(request)


Fmt = Annotated[str, Query(alias="format", pattern="^(csv|xlsx)$", description="csv or xlsx")]
_COVERAGE_HEADERS = ("代码 key", "名称 label", "企业数 enterprises", "已投保 insured", "投保率 rate",
                     "从业人员 employees", "已保人员 insured_employees")


@router.get("/coverage", summary="coverage (投保扩面) by a dimension at a date")
async def coverage_report(request: Request, region_code: str, as_of: date | None = None,
                          group_by: CoverageDimension = CoverageDimension.TOWN, fmt: Fmt = "csv") -> Response:
    ctx = await _context(request)
    report = await service.coverage(ctx, region_code=region_code, as_of=as_of, group_by=group_by)
    if report.partial:
        raise ServiceDown("policy", "the coverage figures are incomplete now; try the download again shortly")
    rows = [(r.key, r.label, r.enterprises, r.insured, round(r.rate, 4), r.employees, r.insured_employees)
            for r in [*report.rows, report.total]]
    name = f"coverage-{report.region_code}-{group_by.value.lower()}-{report.as_of.isoformat()}"
    return render(Table(name, "投保扩面", _COVERAGE_HEADERS, rows), fmt)


@router.get("/coverage-trend", summary="monthly coverage points")
async def coverage_trend_report(request: Request, region_code: str,
                                start: Annotated[date, Query(alias="from")], to: date, fmt: Fmt = "csv") -> Response:
    ctx = await _context(request)
    points = await service.coverage_trend(ctx, region_code=region_code, start=start, end=to)
    rows = [(p.date.isoformat(), p.enterprises, p.insured, round(p.rate, 4)) for p in points]
    return render(Table(f"coverage-trend-{region_code}-{start}-{to}", "投保趋势",
                        ("日期 date", "企业数 enterprises", "已投保 insured", "投保率 rate"), rows), fmt)


@router.get("/prevention", summary="prevention budget, spend, visits and hazards")
async def prevention_report(request: Request, region_code: str | None = None, insurer_id: str | None = None,
                            start: Annotated[date | None, Query(alias="from")] = None, to: date | None = None,
                            fmt: Fmt = "csv") -> Response:
    ctx = await _context(request)
    m = await service.prevention(ctx, region_code=region_code, insurer_id=insurer_id, start=start, end=to)
    rows = [("预防费预算 budget_fen", m.budget_fen), ("已支出 spent_fen", m.spent_fen),
            ("已预留 reserved_fen", m.reserved_fen), ("计划服务 visits_planned", m.visits_planned),
            ("已完成服务 visits_done", m.visits_done), ("发现隐患 hazards_found", m.hazards_found),
            ("已销号 hazards_closed", m.hazards_closed), ("重大隐患未整改 major_hazards_open", m.major_hazards_open),
            ("逾期隐患 overdue_hazards", m.overdue_hazards), ("整改率 closure_rate", round(m.closure_rate, 4))]
    return render(Table(f"prevention-{region_code or 'all'}", "事故预防", ("指标 metric", "数值 value"), rows), fmt)


@router.get("/uninsured-at-risk", summary="uninsured firms in compulsory industries or with high-risk tags")
async def uninsured_report(request: Request, region_code: str | None = None, fmt: Fmt = "csv") -> Response:
    ctx = await _context(request)
    scan = await lists.uninsured_at_risk(ctx, region_code)
    rows = [(r["id"], r.get("uscc"), r.get("name"), r.get("town_code"), r.get("village_code") or "",
             "是" if r.get("compulsory") else "否", "、".join(r.get("high_risk_tags") or []), r.get("employees"),
             r.get("principal_name") or "", r.get("contact_phone") or "") for r in scan.rows]
    headers = ("编号 id", "统一社会信用代码 uscc", "企业名称 name", "乡镇 town_code", "村 village_code",
               "强制投保行业 compulsory", "高危标签 high_risk_tags", "从业人员 employees", "负责人 principal",
               "联系电话 phone")
    return render(Table(f"uninsured-at-risk-{region_code or ctx.require().region}", "应保未保", headers, rows), fmt)


@router.get("/overdue-major-hazards", summary="major hazards past their deadline")
async def overdue_report(request: Request, region_code: str | None = None, fmt: Fmt = "csv") -> Response:
    ctx = await _context(request)
    hazards = await lists.overdue_major_hazards(ctx, region_code)
    firms = {r["id"]: r for r in await ctx.policy.enterprises_by_ids(h["enterprise_id"] for h in hazards)}
    rows = [(h["id"], h["enterprise_id"], (firms.get(h["enterprise_id"]) or {}).get("name", ""),
             h.get("description"), h.get("location") or "", h.get("deadline"), h.get("agency_id") or "")
            for h in hazards]
    headers = ("隐患编号 id", "企业编号 enterprise_id", "企业名称 enterprise", "隐患描述 description",
               "位置 location", "整改期限 deadline", "机构 agency_id")
    return render(Table(f"overdue-major-hazards-{region_code or 'all'}", "重大隐患逾期", headers, rows), fmt)


@router.get("/agency-performance", summary="agencies by hazard-closure rate")
async def agency_report(request: Request, worst_first: bool = False, fmt: Fmt = "csv") -> Response:
    ctx = await _context(request)
    rows = [(p.agency_id, p.agency_name, p.visits_done, p.hazards_found, p.hazards_closed,
             "" if p.closure_rate is None else round(p.closure_rate, 4), p.overdue_hazards,
             "" if p.average_days_to_close is None else p.average_days_to_close, p.complaints_open,
             "" if p.rating is None else p.rating) for p in await lists.agency_performance(ctx, worst_first)]
    headers = ("机构编号 agency_id", "机构名称 agency", "完成服务 visits_done", "发现隐患 hazards_found",
               "已销号 hazards_closed", "整改率 closure_rate", "逾期隐患 overdue_hazards",
               "平均整改天数 average_days_to_close", "未结投诉 complaints_open", "评分 rating")
    return render(Table("agency-performance", "机构整改率", headers, rows), fmt)
