"""Cover lapses of compulsory firms: a firm that must insure may not cancel or delay renewal unless it has
closed or stopped operating (2025 Measures), so the day after its cover ends uninsured it is on the bureau's list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.auth import Principal, Role
from services.kernel.errors import Forbidden
from services.policy import repository
from services.policy.models import Enterprise, Policy


@dataclass(frozen=True)
class CoverLapse:
    enterprise_id: str
    name: str
    uscc: str
    town_code: str
    principal_name: str
    contact_phone: str
    last_policy_id: str
    last_policy_number: str
    last_covered_day: date
    lapsed_since: date
    days_uncovered: int
    renewal_pending: bool  # a successor is bound but not paid: still uncovered


def last_covered_day(policy: Policy) -> date:
    """A policy covers up to its end date, or to the day before it was cancelled from."""
    if policy.cancelled_on is not None:
        return min(policy.end_date, policy.cancelled_on - timedelta(days=1))
    return policy.end_date


def _covers(policy: Policy, on: date) -> bool:
    return policy.start_date <= on <= last_covered_day(policy)


async def cover_lapses(session: AsyncSession, *, principal: Principal, on: date,
                       region_code: str | None = None) -> list[CoverLapse]:
    """Operating compulsory firms of the region that had cover and have none on ``on``, longest gap first."""
    if principal.role is Role.BUREAU:
        region_code = region_code or principal.region
        if not region_code or not principal.in_region(region_code):
            raise Forbidden(f"region {region_code} is outside the bureau's region {principal.region}")
    elif principal.role is not Role.ADMIN:
        raise Forbidden("the cover-lapse list is the bureau's")
    by_firm: dict[str, list[tuple[Enterprise, Policy]]] = {}
    for firm, policy in await repository.compulsory_cover_history(session, region_code or ""):
        by_firm.setdefault(firm.id, []).append((firm, policy))
    lapsed: list[tuple[Enterprise, Policy]] = []
    for rows in by_firm.values():
        firm = rows[0][0]
        policies = [p for _f, p in rows]
        if any(_covers(p, on) for p in policies):
            continue
        ended = [p for p in policies if last_covered_day(p) < on]
        if not ended:
            continue  # cover starts later: never covered yet, that is the uninsured list's
        lapsed.append((firm, max(ended, key=last_covered_day)))
    pending = await repository.pending_successors(session, [last.id for _firm, last in lapsed])
    out = [CoverLapse(
        enterprise_id=firm.id, name=firm.name, uscc=firm.uscc, town_code=firm.town_code,
        principal_name=firm.principal_name, contact_phone=firm.contact_phone,
        last_policy_id=last.id, last_policy_number=last.number, last_covered_day=last_covered_day(last),
        lapsed_since=last_covered_day(last) + timedelta(days=1), days_uncovered=(on - last_covered_day(last)).days,
        renewal_pending=last.id in pending) for firm, last in lapsed]
    return sorted(out, key=lambda lapse: (-lapse.days_uncovered, lapse.town_code, lapse.name))
