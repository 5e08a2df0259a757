"""The policy certificate (安全生产责任保险保险凭证) as a PDF, drawn with fpdf2 in a CJK font: what a firm shows an
inspector or a bank, for a policy that is or was in force."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from fpdf import FPDF
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.clock import SHANGHAI
from services.kernel.errors import InvalidState
from services.kernel.pdf import require_cjk_font
from services.policy import repository
from services.policy.models import Enterprise, Policy

TITLE = "安全生产责任保险保险凭证"
STATUS_TEXT = {"ACTIVE": "有效", "EXPIRED": "已到期"}
LABEL_WIDTH = 52  # mm: the longest label (每次事故赔偿限额) fits at 11 pt


@dataclass(frozen=True)
class Certificate:
    """The lines of one certificate, in print order: (label, value)."""

    number: str
    rows: list[tuple[str, str]]
    footer: list[str]


def yuan(fen: int) -> str:
    """Integer fen as yuan with two decimals and thousands separators (never through a float)."""
    whole, cents = divmod(int(fen), 100)
    return f"{whole:,}.{cents:02d} 元"


def check_issuable(policy: Policy) -> None:
    """Only a policy that took effect has a certificate: not one awaiting payment, nor one cancelled before
    it was paid (it never covered a day)."""
    if policy.status == "PENDING_PAYMENT":
        raise InvalidState(f"policy {policy.number} is PENDING_PAYMENT: a certificate is issued once the premium "
                           "is paid and the policy is ACTIVE")
    if policy.activated_at is None:
        raise InvalidState(f"policy {policy.number} is {policy.status} and never took effect (it was cancelled "
                           "before the premium was paid), so it has no certificate")


def _status(policy: Policy) -> str:
    if policy.status == "CANCELLED":
        return f"已退保（自 {policy.cancelled_on.isoformat() if policy.cancelled_on else '—'} 起终止）"
    return STATUS_TEXT.get(policy.status, policy.status)


async def _address(session: AsyncSession, firm: Enterprise) -> str:
    # The firm's own city (and province, where the catalogue has one) from the region tree, not a fixed city.
    above = await repository.region_ancestors(session, firm.town_code)
    codes = [c for c in (*above, firm.town_code, firm.village_code) if c]
    names = await repository.region_names(session, codes)
    parts = [names.get(c, c) for c in codes]
    return "".join(dict.fromkeys(parts)) + (f" {firm.park_name}" if firm.park_name else "")


async def certificate_of(session: AsyncSession, policy: Policy, firm: Enterprise) -> Certificate:
    check_issuable(policy)
    insurer = await repository.get_insurer(session, policy.insurer_id)
    product = await repository.get_product(session, policy.product_id)
    assert insurer is not None and product is not None
    assert policy.activated_at is not None
    issued: date = policy.activated_at.astimezone(SHANGHAI).date()
    share = policy.prevention_share_bp / 100
    rows = [
        ("保险单号", policy.number),
        ("保险人", insurer.name),
        ("投保人 / 被保险人", firm.name),
        ("统一社会信用代码", firm.uscc),
        ("地址", await _address(session, firm)),
        ("主要负责人", firm.principal_name),
        ("保险产品", product.name),
        ("保险期间", f"{policy.start_date.isoformat()} 零时起至 {policy.end_date.isoformat()} 二十四时止（北京时间）"),
        ("参保人数", f"{policy.headcount} 人（全体从业人员）"),
        ("每人伤亡责任限额", yuan(policy.limit_per_person_fen)),
        ("每次事故赔偿限额", "本保单未另行约定：每人限额 × 伤亡人数"),
        ("累计赔偿限额", "本保单未另行约定"),
        ("保险费", yuan(policy.premium_fen)),
        ("事故预防服务费用", f"保险费的 {share:g}%，预算 {yuan(policy.prevention_budget_fen)}"),
        ("保单状态", _status(policy)),
        ("签发日期", issued.isoformat()),
    ]
    footer = ["本凭证依据安责险平台保单记录生成，保单状态以平台记录为准。",
              "事故预防服务费用用于为被保险人提供事故预防技术服务（安全生产责任保险实施办法）。"]
    return Certificate(number=policy.number, rows=rows, footer=footer)


def _draw(font: Path, certificate: Certificate) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_font("cjk", "", str(font))
    pdf.add_page()
    pdf.set_font("cjk", size=18)
    pdf.cell(0, 12, TITLE, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("cjk", size=11)
    pdf.cell(0, 8, "（保险单）", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    with pdf.table(col_widths=(LABEL_WIDTH, pdf.epw - LABEL_WIDTH), width=pdf.epw, first_row_as_headings=False,
                   line_height=8, padding=1) as table:  # a long value wraps inside its row
        for label, value in certificate.rows:
            table.row((label, value))
    pdf.ln(6)
    pdf.set_font("cjk", size=9)
    for line in certificate.footer:
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


async def render(session: AsyncSession, policy: Policy, firm: Enterprise, *, configured_font: Path | None) -> bytes:
    certificate = await certificate_of(session, policy, firm)
    font = require_cjk_font(configured_font)
    return await asyncio.to_thread(_draw, font, certificate)
