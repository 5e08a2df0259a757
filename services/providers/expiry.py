"""The daily qualification check: warn an agency 30 days before a qualification lapses and, from the first
day it has lapsed (Asia/Shanghai), withdraw the service types no valid qualification covers any more."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.db import Database, utcnow
from services.kernel.events import record_event
from services.kernel.ids import new_id
from services.providers import repository as repo
from services.providers.clock import local_today
from services.providers.models import AgencyNotice, Outbox, Qualification
from services.providers.schemas import AgencyStatus

log = logging.getLogger("anze.providers.expiry")

WARNING_DAYS = 30
LIVE = (AgencyStatus.APPROVED.value, AgencyStatus.SUSPENDED.value, AgencyStatus.PENDING.value)


@dataclass
class ExpiryResult:
    warned: list[str] = field(default_factory=list)  # qualification ids
    withdrawn: dict[str, list[str]] = field(default_factory=dict)  # agency id -> service types


async def _notice(session: AsyncSession, *, agency_id: str, kind: str, ref: str, message: str) -> bool:
    """Add a notice once (kind and ref make it unique); False when it was there already."""
    if await repo.notice_exists(session, agency_id=agency_id, kind=kind, ref=ref):
        return False
    session.add(AgencyNotice(id=new_id("ntc"), agency_id=agency_id, kind=kind, ref=ref, message=message,
                             created_at=utcnow()))
    return True


async def _warn(session: AsyncSession, q: Qualification, today: date, result: ExpiryResult) -> None:
    days = (q.valid_until - today).days
    await _notice(session, agency_id=q.agency_id, kind="qualification_expiring", ref=q.id,
                  message=f"资质证书 {q.number}({q.kind})将于 {q.valid_until.isoformat()} 到期,剩余 {days} 天,"
                          "请及时办理延续并上传新证书。")
    q.expiry_warned_on = today
    record_event(session, Outbox, "providers.qualification.expiring", {
        "agency_id": q.agency_id, "qualification_id": q.id, "number": q.number,
        "valid_until": q.valid_until.isoformat(), "service_types": list(q.service_types), "days_left": days})
    result.warned.append(q.id)


async def check_qualifications(session: AsyncSession, *, today: date) -> ExpiryResult:
    """One pass; running it again on the same day changes nothing (the job may run on several replicas)."""
    result = ExpiryResult()
    for q in await repo.qualifications_expiring(session, today=today, until=today + timedelta(days=WARNING_DAYS)):
        await _warn(session, q, today, result)
    quals_by_agency: dict[str, list[Qualification]] = defaultdict(list)
    agencies = await repo.agencies_with_lapsed_qualifications(session, today=today, statuses=LIVE)
    for q in await repo.qualifications_of(session, [a.id for a in agencies]):
        quals_by_agency[q.agency_id].append(q)
    for agency in agencies:
        quals = quals_by_agency[agency.id]
        valid = {t for q in quals if q.valid_from <= today <= q.valid_until for t in q.service_types}
        lapsed = {t for q in quals if q.valid_until < today for t in q.service_types}
        withdrawn = sorted(t for t in agency.service_types if t in lapsed and t not in valid)
        if not withdrawn:
            continue
        agency.service_types = [t for t in agency.service_types if t not in withdrawn]
        agency.updated_at = utcnow()
        await _notice(session, agency_id=agency.id, kind="services_withdrawn",
                      ref=f"{today.isoformat()}:{','.join(withdrawn)}",
                      message=f"因资质证书到期,以下服务类型已于 {today.isoformat()} 下架:{'、'.join(withdrawn)}。"
                              "取得新资质后可重新申请。")
        record_event(session, Outbox, "providers.agency.services_withdrawn", {
            "agency_id": agency.id, "service_types": withdrawn, "on": today.isoformat(),
            "remaining_service_types": list(agency.service_types)})
        result.withdrawn[agency.id] = withdrawn
    await session.flush()
    return result


async def run_daily(database: Database, *, now: datetime | None = None) -> ExpiryResult:
    """The job body: today is the date in Asia/Shanghai at ``now``."""
    async with database.transaction() as session:
        result = await check_qualifications(session, today=local_today(now))
    if result.warned or result.withdrawn:
        log.info("qualification check: %d warnings, %d agencies lost service types",
                 len(result.warned), len(result.withdrawn))
    return result
