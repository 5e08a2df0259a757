"""Demo data of the policy service: Cixi's regions, 3 insurers with a product each, and made-up firms
(about 30% insured), written through the service code so that events go to the outbox."""

from __future__ import annotations

import logging
import random
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from services.kernel.auth import Principal, Role
from services.kernel.db import Database
from services.policy import payments, policies, service, uscc
from services.policy.dates import today
from services.policy.models import Enterprise, Insurer, Product, Region
from services.policy.regions import CITY_CODE, GUANHAIWEI, cixi
from services.policy.schemas import EnterpriseIn, InsurerIn, ProductIn

log = logging.getLogger("anze.policy.seed")

SEED = Principal(sub="seed", role=Role.ADMIN)
INSURERS = [("甲财产保险慈溪支公司(演示)", "演示银行慈溪支行", "3302820000000001"),
            ("乙财产保险慈溪支公司(演示)", "演示银行慈溪支行", "3302820000000002"),
            ("丙财产保险慈溪支公司(演示)", "演示银行宁波分行", "3302820000000003")]
LIMITS = [40_000_000, 50_000_000, 60_000_000, 80_000_000, 100_000_000]
DEMO_FIRM_USCC = uscc.make("91330282DEM000000")
TRADES = [("C33", "五金制品厂"), ("C38", "小家电配件厂"), ("C29", "塑料制品厂"), ("C17", "纺织厂"),
          ("C34", "轴承厂"), ("C18", "服装厂"), ("C36", "汽配厂"), ("C41", "工艺品厂"), ("C39", "电子元件厂")]
OTHER_SECTORS = [("WHOLESALE", "F51", "五金批发部"), ("RETAIL", "F52", "建材商店"),
                 ("CONSTRUCTION", "E47", "建筑工程队"), ("TRANSPORT", "G54", "货运站"),
                 ("WAREHOUSING", "G59", "仓储服务部"), ("OTHER", "M74", "技术服务部")]


def demo_uscc(n: int) -> str:
    """A made-up, valid code: Cixi's division, the letters DEM and a serial, then the check character."""
    return uscc.make(f"91330282DEM{n:06d}")


def firm_input(rng: random.Random, n: int, town_code: str, town_name: str, villages: list[str],
               parks: list[tuple[str, str]]) -> EnterpriseIn:
    short = town_name.removesuffix("街道").removesuffix("镇").removesuffix("新区")
    if rng.random() < 0.82:
        sector, (industry, trade) = "INDUSTRY", rng.choice(TRADES)
    else:
        sector, industry, trade = rng.choice(OTHER_SECTORS)
    employees = max(1, int(rng.lognormvariate(2.3, 0.8)))
    revenue_wan = max(20, int(employees * rng.uniform(15, 45)))
    tags: list[str] = []
    if sector == "INDUSTRY" and rng.random() < 0.25:
        tags.append(rng.choice(["CONFINED_SPACE", "COMBUSTIBLE_DUST", "SPRAY_PAINTING", "MOLTEN_METAL"]))
    park = rng.choice(parks) if parks and rng.random() < 0.4 else None
    return EnterpriseIn(
        uscc=demo_uscc(n), name=f"演示-{short}{trade}{n:04d}", town_code=town_code,
        village_code=rng.choice(villages) if villages and rng.random() < 0.8 else None,
        park_code=park[0] if park else None, park_name=park[1] if park else None,
        tenure=rng.choice(["OWN_BUILDING_OWNED", "OWN_BUILDING_RENTED", "FACTORY_IN_FACTORY", "PARK_IN_PARK"]),
        sector=sector, industry_code=industry, employees=employees, annual_revenue_fen=revenue_wan * 1_000_000,
        total_assets_fen=int(revenue_wan * rng.uniform(0.5, 1.5)) * 1_000_000, high_risk_tags=tags,
        standardisation_grade=rng.choice([None, None, "3", "2"]),
        risk_color=rng.choice(["BLUE", "BLUE", "YELLOW", "YELLOW", "ORANGE", None]),
        principal_name=f"演示负责人{n:04d}", contact_phone=f"1390000{n:04d}")


async def _fill_ctx(database: Database, ctx: dict[str, Any]) -> bool:
    async with database.transaction() as session:
        insurers = list((await session.scalars(
            select(Insurer).where(Insurer.demo.is_(True)).order_by(Insurer.created_at, Insurer.id))).all())
        if not insurers:
            return False
        by_name = {i.name: i for i in insurers}
        ordered = [by_name[name] for name, _, _ in INSURERS if name in by_name]
        products = list((await session.scalars(select(Product).where(
            Product.insurer_id.in_([i.id for i in ordered])))).all())
        firm = await session.scalar(select(Enterprise).where(Enterprise.uscc == DEMO_FIRM_USCC))
    ctx["insurer_ids"] = [i.id for i in ordered]
    ctx["product_ids"] = [p.id for i in ordered for p in products if p.insurer_id == i.id]
    ctx["demo_enterprise_id"] = firm.id if firm else None
    return True


async def seed_demo(database: Database, ctx: dict[str, Any]) -> None:
    """Demo rows once; a second run only fills ``ctx`` from what is there."""
    await service.seed_regions(database)
    ctx["region_code"] = CITY_CODE
    ctx["town_codes"] = [r.code for r in cixi() if r.level == "TOWN"]
    if await _fill_ctx(database, ctx):
        log.info("policy demo data already present")
        return
    count = int(ctx.get("firms") or ctx.get("firm_count") or 500)
    rng = random.Random(20261128)
    regions = cixi()
    towns = [r for r in regions if r.level == "TOWN"]
    villages = {t.code: [r.code for r in regions if r.level == "VILLAGE" and r.parent_code == t.code] for t in towns}
    parks = {t.code: [(r.code, r.name) for r in regions if r.level == "PARK" and r.code.startswith(t.code)]
             for t in towns}
    async with database.transaction() as session:
        # held for the whole transaction so the session's identity map answers repeated look-ups
        held = list((await session.scalars(select(Region))).all())
        insurer_ids, product_ids = [], []
        for name, bank, account in INSURERS:
            insurer = await service.create_insurer(session, data=InsurerIn(
                name=name, bank_name=bank, bank_account_name=name, bank_account_no=account), demo=True)
            product = await service.create_product(session, principal=SEED, data=ProductIn(
                insurer_id=insurer.id, name="安全生产责任保险(演示条款)", term_months=12, limit_options_fen=LIMITS,
                base_rates_ppm={"LOW": 500, "MEDIUM": 800, "HIGH": 1200}, min_premium_fen=30_000,
                prevention_share=0.20, commission_rate=0.05))
            held += [insurer, product]
            insurer_ids.append(insurer.id)
            product_ids.append(product.id)
        demo_firm = await service.register_enterprise(session, principal=SEED, demo=True, data=EnterpriseIn(
            uscc=DEMO_FIRM_USCC, name="演示-观海卫小微五金厂", town_code=GUANHAIWEI,
            village_code=f"{GUANHAIWEI}201", tenure="FACTORY_IN_FACTORY", sector="INDUSTRY", industry_code="C33",
            employees=8, annual_revenue_fen=200 * 1_000_000, total_assets_fen=150 * 1_000_000,
            risk_color="YELLOW", principal_name="演示负责人", contact_phone="13900000000"))
        weights = [4 if t.code == GUANHAIWEI else 1 for t in towns]
        firms = []
        for n in range(1, count):
            town = rng.choices(towns, weights)[0]
            firms.append(firm_input(rng, n, town.code, town.name, villages[town.code], parks[town.code]))
        ids = await service.register_many(session, firms, demo=True)
        for firm_id, firm in zip(ids, firms, strict=True):
            if rng.random() < 0.30:
                await insure(session, rng, firm_id, firm.employees, rng.choice(product_ids))
    ctx.update(insurer_ids=insurer_ids, product_ids=product_ids, demo_enterprise_id=demo_firm.id)
    log.info("policy demo data: %d firms, %d insurers", count, len(insurer_ids))


async def insure(session: Any, rng: random.Random, firm_id: str, employees: int, product_id: str) -> None:
    """Quote, bind, pay by transfer and confirm, starting some day in the past year."""
    start = today() - timedelta(days=rng.randint(0, 330))
    quote = await policies.request_quote(session, principal=SEED, enterprise_id=firm_id, product_id=product_id,
                                         headcount=employees, limit_per_person_fen=rng.choice(LIMITS[:3]),
                                         start_date=start, on=start)
    policy = await policies.bind_quote(session, principal=SEED, quote_id=quote.id, on=start)
    payment = await payments.new_payment(session, policy, method="BANK_TRANSFER", amount_fen=policy.premium_fen)
    await payments.confirm_offline(session, principal=SEED, payment_id=payment.id,
                                   bank_reference=f"DEMO-{policy.number}")
