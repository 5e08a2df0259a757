"""The annual evaluation report (年度服务评估报告) of one insured firm, AQ 9010: the year's plans, visits,
hazards, spend and satisfaction, as a Chinese PDF drawn with fpdf2 in a CJK font."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from fpdf import FPDF
from sqlalchemy.ext.asyncio import AsyncSession

from services.bookings import repository
from services.bookings.context import BookingContext
from services.kernel.clock import SHANGHAI
from services.kernel.errors import NotFound
from services.kernel.pdf import require_cjk_font

TITLE = "安全生产责任保险事故预防服务年度评估报告"


def yuan(fen: int) -> str:
    whole, cents = divmod(int(fen), 100)
    return f"{whole:,}.{cents:02d} 元"


@dataclass(frozen=True)
class AnnualReport:
    enterprise_id: str
    year: int
    lines: list[tuple[str, list[str]]]  # (section heading, its lines)


async def annual_report(session: AsyncSession, ctx: BookingContext, *, enterprise_id: str, year: int) -> AnnualReport:
    firm = await repository.get_enterprise(session, enterprise_id)
    if firm is None:
        raise NotFound(f"no firm {enterprise_id}")
    start, end = date(year, 1, 1), date(year, 12, 31)
    ledgers = await repository.ledgers_of_firm_in(session, enterprise_id, start, end)
    plans = await repository.plans_of(session, [ledger.policy_id for ledger in ledgers])
    bookings = await repository.visits_of_firm_between(
        session, enterprise_id, datetime.combine(start, time.min, SHANGHAI),
        datetime.combine(end + timedelta(days=1), time.min, SHANGHAI))
    hazards = await repository.hazards_of_bookings(session, [b.id for b in bookings])
    done = [b for b in bookings if b.reported_at is not None]
    rated = [b.satisfaction for b in done if b.satisfaction is not None]
    policy_lines = [f"保单 {ledger.number or ledger.policy_id}：{ledger.start_date or '—'} 至 "
                    f"{ledger.end_date or '—'}，预防服务预算 {yuan(ledger.budget_fen)}，已使用 {yuan(ledger.spent_fen)}"
                    for ledger in ledgers]
    plan_lines = []
    for plan in plans:
        plan_lines += [f"服务项目：{'、'.join(plan.items or []) or '—'}；每年上门 {plan.visits_per_year} 次",
                       f"服务措施：{plan.measures or '—'}", f"服务人员：{plan.staff or '—'}",
                       f"服务目标：{plan.targets or '—'}", f"保障措施：{plan.guarantees or '—'}"]
    planned = sum(p.visits_per_year for p in plans)
    major = [h for h in hazards if h.grade == "MAJOR"]
    closed = [h for h in hazards if h.status == "CLOSED"]
    overdue = [h for h in hazards if h.status == "OVERDUE"]
    rate = f"{len(closed) * 100 // len(hazards)}%" if hazards else "—"
    satisfaction = f"{sum(rated) / len(rated):.1f} 分（{len(rated)} 次回访，满分5分）" if rated else "暂无回访评价"
    spent = sum(ledger.spent_fen for ledger in ledgers)
    lines = [
        ("一、被保险企业", [f"企业名称：{firm.name}",
                       f"评估年度：{year} 年（{start.isoformat()} 至 {end.isoformat()}）"]),
        ("二、保险合同与预防服务费用", policy_lines or ["本年度无有效保单"]),
        ("三、服务计划", plan_lines or ["本年度无服务计划"]),
        ("四、服务实施情况", [f"计划上门 {planned} 次，已完成 {len(done)} 次，"
                       f"已预约未完成 {len(bookings) - len(done)} 次",
                       f"预防服务费用支出合计 {yuan(spent)}"]),
        ("五、隐患排查治理", [f"发现隐患 {len(hazards)} 项（其中重大隐患 {len(major)} 项），"
                       f"已整改销号 {len(closed)} 项，逾期未整改 {len(overdue)} 项，整改销号率 {rate}"]),
        ("六、服务满意度", [f"平均满意度：{satisfaction}"]),
        ("七、评估结论", [_conclusion(planned, len(done), len(overdue))]),
    ]
    return AnnualReport(enterprise_id=enterprise_id, year=year, lines=lines)


def _conclusion(planned: int, done: int, overdue: int) -> str:
    visits = "已完成计划上门服务" if done >= planned else f"上门服务未达计划（{done}/{planned}），下一年度应补足"
    hazards = "无逾期未整改隐患" if not overdue else f"仍有 {overdue} 项逾期隐患，应督促整改并按规定报告"
    return f"{visits}；{hazards}。"


def _draw(font: Path, report: AnnualReport, created: datetime) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_creation_date(created)  # the platform's clock, so the same report has the same bytes and hash
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_font("cjk", "", str(font))
    pdf.add_page()
    pdf.set_font("cjk", size=16)
    pdf.multi_cell(0, 10, TITLE, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=11)
    pdf.cell(0, 8, f"（{report.year} 年度，依据 AQ 9010-2019）", align="C", new_x="LMARGIN", new_y="NEXT")
    for heading, body in report.lines:
        pdf.ln(3)
        pdf.set_font("cjk", size=12)
        pdf.multi_cell(0, 8, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("cjk", size=10)
        for line in body:
            pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


async def render(session: AsyncSession, ctx: BookingContext, *, enterprise_id: str, year: int) -> bytes:
    report = await annual_report(session, ctx, enterprise_id=enterprise_id, year=year)
    font = require_cjk_font(ctx.settings.cjk_font)
    return await asyncio.to_thread(_draw, font, report, ctx.now().replace(microsecond=0))
