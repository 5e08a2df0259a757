"""Demo data of the providers service: four approved demo agencies with qualifications, experts, offerings
and insurer panels. Reads ``insurer_ids`` and ``town_codes`` from ``ctx``; writes the ids others need."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from services.kernel.auth import Principal, Role
from services.kernel.db import Database
from services.kernel.paging import PageParams
from services.providers import panels, repository, service, vetting
from services.providers.clock import local_today
from services.providers.schemas import (
    AgencyApplicationIn,
    CertificateIn,
    Decision,
    ExpertIn,
    OfferingIn,
    PanelEntryIn,
    QualificationIn,
    ServiceType,
)
from services.providers.uscc import check_character

log = logging.getLogger("anze.providers.seed")

GUANHAIWEI = "330282107"
SEEDER = Principal(sub="seed:demo", role=Role.ADMIN)
HI, RA, TR, ED, ST, OT = (ServiceType.HAZARD_INSPECTION, ServiceType.RISK_ASSESSMENT, ServiceType.TRAINING,
                          ServiceType.EMERGENCY_DRILL, ServiceType.STANDARDIZATION, ServiceType.OTHER)

# name, service types, extra towns (by index into ctx["town_codes"]), experts: (name, scope), offerings
AGENCIES: list[dict[str, Any]] = [
    {"name": "慈溪安泰安全技术服务有限公司(演示)", "types": [HI, RA, TR], "towns": [0, 1, 2],
     "experts": [("王安检(演示)", [HI]), ("李培训(演示)", [TR, RA])],
     # Priced for a micro firm: its prevention budget (about 20% of a ~1,500-yuan premium) must fund
     # at least one inspection, as the village-park programmes' small-firm "safety check-ups" are.
     "offerings": [(HI, "小微企业隐患排查上门服务", 25_000, 180), (RA, "企业安全风险评估", 150_000, 240),
                   (TR, "全员安全生产培训", 60_000, 120)]},
    {"name": "宁波衡信安全评价咨询有限公司(演示)", "types": [RA, ST], "towns": [3, 4, 5],
     "experts": [("陈评价(演示)", [RA, ST]), ("周标准(演示)", [ST])],
     "offerings": [(RA, "风险辨识与评估", 120_000, 240), (ST, "安全生产标准化咨询", 300_000, 480)]},
    {"name": "慈溪众安应急服务有限公司(演示)", "types": [ED, TR, HI], "towns": [1, 6, 7],
     "experts": [("赵演练(演示)", [ED, TR]), ("孙巡查(演示)", [HI])],
     "offerings": [(ED, "应急预案编制与演练", 200_000, 240), (TR, "特种作业安全培训", 50_000, 120),
                   (HI, "园区隐患排查", 90_000, 180)]},
    {"name": "杭州湾安保技术服务有限公司(演示)", "types": [HI, OT], "towns": [8, 9, 10],
     "experts": [("钱工程(演示)", [HI, OT])],
     "offerings": [(HI, "小微企业隐患排查", 70_000, 150), (OT, "安全设施检测", 100_000, 120)]},
]
# insurer index -> agency indexes on its panel
PANELS = {0: [0, 2], 1: [1, 3], 2: [0, 3]}


def _uscc(n: int) -> str:
    first17 = f"91330282MA2AG{n:04d}"
    return first17 + check_character(first17)


def _towns(ctx: dict[str, Any]) -> list[str]:
    towns = ctx.get("town_codes") or []
    codes = [str(t) for t in (towns.keys() if isinstance(towns, dict) else towns)]
    codes = [c for c in codes if c != GUANHAIWEI]
    return codes or ["330282100"]


async def seed_demo(database: Database, ctx: dict[str, Any]) -> None:
    """Create (or, when already seeded, find) the demo agencies and fill ``ctx``."""
    towns = _towns(ctx)
    insurers = [str(i) for i in ctx.get("insurer_ids") or []]
    today = local_today()
    agency_ids: list[str] = []
    experts_by_agency: dict[str, list[str]] = {}
    async with database.transaction() as session:
        for index, spec in enumerate(AGENCIES, start=1):
            existing = await repository.get_agency_by_uscc(session, _uscc(index))
            if existing is not None:
                agency_ids.append(existing.id)
                rows = await repository.page_experts(
                    session, repository.expert_list(ids=None, agency_id=existing.id),
                    PageParams(limit=100))
                experts_by_agency[existing.id] = [e.id for e in rows[0]]
                continue
            town_codes = [towns[i % len(towns)] for i in spec["towns"]]
            if index == 1:
                town_codes.insert(0, GUANHAIWEI)
            application = AgencyApplicationIn(
                name=spec["name"], uscc=_uscc(index), service_types=spec["types"], town_codes=town_codes,
                contact_name="演示联系人", contact_phone=f"0574-6300{index:04d}", address="慈溪市(演示地址)",
                qualifications=[QualificationIn(
                    kind="安全生产技术服务机构资质(演示)", number=f"DEMO-ZZ-{index:04d}", issuer="演示发证机关",
                    service_types=spec["types"], valid_from=today - timedelta(days=365),
                    valid_until=today + timedelta(days=3 * 365))])
            agency = await service.apply_agency(session, data=application, principal=SEEDER, demo=True)
            await vetting.decide(session, agency=agency, decision=Decision.APPROVE,
                                 note="演示数据:资质齐全,准予入驻", principal=SEEDER)
            expert_ids = []
            for n, (name, scope) in enumerate(spec["experts"], start=1):
                expert = await service.create_expert(session, agency=agency, data=ExpertIn(
                    name=name, specialties=[s.value for s in scope], town_codes=[],
                    certificates=[CertificateIn(
                        name="注册安全工程师(演示)", number=f"DEMO-ZA-{index:02d}{n:02d}", scope=scope,
                        valid_from=today - timedelta(days=700), valid_until=today + timedelta(days=3 * 365))]))
                expert_ids.append(expert.id)
            for service_type, title, price, minutes in spec["offerings"]:
                offering = await service.create_offering(session, agency=agency, data=OfferingIn(
                    service_type=service_type, title=f"{title}(演示)", description=f"{title}:演示服务项目",
                    price_fen=price, duration_minutes=minutes, town_codes=town_codes, travel_buffer_minutes=30))
                if index == 1 and service_type is HI:
                    ctx["demo_offering_id"] = offering.id
            agency_ids.append(agency.id)
            experts_by_agency[agency.id] = expert_ids
            for insurer_index, members in PANELS.items():
                if index - 1 in members and insurer_index < len(insurers):
                    await panels.add_to_panel(session, insurer_id=insurers[insurer_index], principal=SEEDER,
                                              data=PanelEntryIn(agency_id=agency.id,
                                                                criteria="演示:资质有效、服务评价良好",
                                                                start_date=today - timedelta(days=30)))
        if "demo_offering_id" not in ctx:
            offerings = (await repository.page_offerings(session, repository.offering_list(
                ids=None, agency_id=agency_ids[0], service_type=HI.value, town_code=None,
                agency_statuses=None, own_agency_id=None), PageParams(limit=1)))[0]
            ctx["demo_offering_id"] = offerings[0].id
        inspectors = await repository.experts_qualified(session, agency_id=agency_ids[0],
                                                        service_type=HI.value, on=today)
    ctx["agency_ids"] = agency_ids
    ctx["expert_ids_by_agency"] = experts_by_agency
    ctx["demo_agency_id"] = agency_ids[0]
    ctx["demo_expert_id"] = inspectors[0].id
    log.info("providers demo data: %d agencies", len(agency_ids))
