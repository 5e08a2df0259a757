"""The written hazard notice (事故隐患整改通知书) as a PDF, drawn with fpdf2 in a CJK font."""

from __future__ import annotations

import asyncio
from pathlib import Path

from fpdf import FPDF
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.bookings import repository
from services.bookings.context import BookingContext
from services.bookings.models import Booking, Notice
from services.kernel.auth import Principal
from services.kernel.errors import InvalidState
from services.kernel.pdf import require_cjk_font


def _draw(font: Path, title: str, header: list[str], body: list[str], footer: list[str]) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_font("cjk", "", str(font))
    pdf.add_page()
    pdf.set_font("cjk", size=18)
    pdf.cell(0, 12, title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=11)
    for line in header:
        pdf.multi_cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    for line in body:
        pdf.multi_cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    for line in footer:
        pdf.multi_cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


async def render(ctx: BookingContext, session: AsyncSession, booking: Booking, principal: Principal) -> bytes:
    notices = list((await session.scalars(select(Notice).where(Notice.booking_id == booking.id)
                                          .order_by(Notice.id))).all())
    firm_notice = next((n for n in notices if n.kind == "HAZARD_NOTICE"), None)
    if firm_notice is None:
        raise InvalidState("this visit found no hazards, so there is no hazard notice")
    font = require_cjk_font(ctx.settings.cjk_font)
    hazards = await repository.hazards_of_booking(session, booking.id)
    cal = ctx.calendar
    # A written notice names the agency that issued it (AQ 9010: the service record's agency), never its id.
    agency = await ctx.providers(principal).agency_name(booking.agency_id) or "（服务机构名称暂不可查）"
    header = [f"致：{firm_notice.recipient}",
              f"服务编号：{booking.number}",
              f"服务日期：{cal.local_date(booking.start).isoformat()}　服务机构：{agency}",
              "经现场排查，发现下列事故隐患，请按期整改并提交整改情况，由服务机构专家复核销号："]
    body = firm_notice.text.splitlines()
    for hazard in hazards:
        if hazard.six_in_place:
            six = hazard.six_in_place
            body.append(f"　重大隐患“六落实”：人员 {six.get('personnel')}；责任 {six.get('responsibility')}；"
                        f"措施 {six.get('measures')}；资金 {six.get('funds')}；时限 {six.get('deadline')}；"
                        f"预案 {six.get('contingency_plan')}")
    principal = [n for n in notices if n.kind == "PRINCIPAL_NOTICE"]
    footer = [f"已书面告知主要负责人：{n.recipient}" for n in principal] + [
        f"出具时间：{cal.local_date(firm_notice.created_at).isoformat()}", "（安责险事故预防技术服务）"]
    return await asyncio.to_thread(_draw, font, "事故隐患整改通知书", header, body, footer)
