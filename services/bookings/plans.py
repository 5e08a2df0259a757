"""Service plans per policy (AQ 9010): items, measures, frequency, agency, staff, targets, guarantees. Defaults
follow the firm's
risk colour; the insurer proposes changes and they apply once the firm agrees."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.bookings.models import PolicyLedger, ServicePlan
from services.kernel import scope
from services.kernel.auth import Principal, Role
from services.kernel.errors import Forbidden, InvalidState, NotFound

# visits per year and service types by risk colour: more and broader visits for red and orange firms.
DEFAULTS: dict[str, tuple[int, list[str]]] = {
    "RED": (6, ["HAZARD_INSPECTION", "RISK_ASSESSMENT", "TRAINING", "EMERGENCY_DRILL"]),
    "ORANGE": (4, ["HAZARD_INSPECTION", "RISK_ASSESSMENT", "TRAINING"]),
    "YELLOW": (2, ["HAZARD_INSPECTION", "TRAINING"]),
    "BLUE": (1, ["HAZARD_INSPECTION"]),
}
UNGRADED = DEFAULTS["YELLOW"]
# The standard's other parts of a plan, as defaults the insurer may change (and the firm agree to). ASSUMED
# wording: AQ 9010-2019 names the parts, not their text.
DEFAULT_MEASURES = ("上门现场排查并出具书面隐患整改通知；重大隐患书面告知主要负责人；整改后由服务机构专家复核销号；"
                    "每次服务后电话或上门回访，记录满意度")
DEFAULT_STAFF = "服务机构指派的注册安全工程师或具有相应资质的专家，每次服务不少于1人，名单在预约时告知企业"
DEFAULT_GUARANTEES = ("事故预防服务费用从保险费中按比例专款专用（不超过实收保费的21%），台账向企业公开；"
                      "服务记录双方确认并归档不少于5年；投诉10个工作日内答复")
ITEMS = {
    "HAZARD_INSPECTION": "事故隐患排查",
    "RISK_ASSESSMENT": "安全风险辨识评估",
    "TRAINING": "安全生产教育培训",
    "EMERGENCY_DRILL": "应急预案与演练",
    "STANDARDIZATION": "安全生产标准化咨询",
    "OTHER": "其他服务",
}


async def default_plan(session: AsyncSession, *, policy: PolicyLedger, now: datetime) -> ServicePlan:
    existing = await session.get(ServicePlan, policy.policy_id)
    if existing is not None:
        return existing
    visits, types = DEFAULTS.get((policy.risk_color or "").upper(), UNGRADED)
    plan = ServicePlan(policy_id=policy.policy_id, enterprise_id=policy.enterprise_id, insurer_id=policy.insurer_id,
                       risk_color=policy.risk_color, items=[ITEMS[t] for t in types], service_types=types,
                       visits_per_year=visits, agency_id=None,
                       targets="重大隐患动态清零，一般隐患按期整改率≥95%", measures=DEFAULT_MEASURES,
                       staff=DEFAULT_STAFF, guarantees=DEFAULT_GUARANTEES, status="AGREED", proposed=None,
                       updated_at=now)
    session.add(plan)
    await session.flush()
    return plan


async def get_plan(session: AsyncSession, principal: Principal, policy_id: str) -> ServicePlan:
    plan = await session.get(ServicePlan, policy_id)
    if plan is None:
        raise NotFound(f"no service plan for policy {policy_id}")
    if principal.role is Role.ENTERPRISE:
        principal.require_org(plan.enterprise_id, "this plan")
    elif principal.role is Role.INSURER:
        principal.require_org(plan.insurer_id, "this plan")
    elif principal.role is Role.BUREAU:
        ledger = await session.get(PolicyLedger, policy_id)
        if not scope.sees_region(principal, ledger.town_code if ledger else None):
            raise Forbidden("the bureau reads the service plans of its own region's firms")
    elif principal.role is not Role.ADMIN:
        raise Forbidden("service plans are read by the firm, its insurer and the bureau")
    return plan


async def propose(session: AsyncSession, principal: Principal, policy_id: str, change: dict[str, Any],
                  now: datetime) -> ServicePlan:
    """The insurer proposes a change; it takes effect when the firm agrees (AQ 9010: agreed with the firm)."""
    plan = await get_plan(session, principal, policy_id)
    if principal.role not in (Role.INSURER, Role.ADMIN):
        raise Forbidden("the insurer edits the service plan")
    plan.proposed, plan.status, plan.updated_at = change, "PROPOSED", now
    await session.flush()
    return plan


async def agree(session: AsyncSession, principal: Principal, policy_id: str, accept: bool,
                now: datetime) -> ServicePlan:
    plan = await get_plan(session, principal, policy_id)
    if principal.role not in (Role.ENTERPRISE, Role.ADMIN):
        raise Forbidden("the firm agrees to the plan")
    if plan.status != "PROPOSED" or not plan.proposed:
        raise InvalidState("there is no proposed change to agree to")
    if accept:
        for key, value in plan.proposed.items():
            setattr(plan, key, value)
    plan.proposed, plan.status, plan.updated_at = None, "AGREED", now
    await session.flush()
    return plan
