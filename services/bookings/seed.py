"""Demo data of the bookings service. Firms and policies arrive as events from the policy service (their
ledgers and plans open when the platform relays them); here the demo expert gets explicit working hours
(Mon–Fri 09:00–17:00 Asia/Shanghai, the same as the default) so that the agency sees and can edit them.
Reads ``demo_expert_id`` from ``ctx``; writes ``demo_expert_hours``."""

from __future__ import annotations

import logging
from datetime import time
from typing import Any

from sqlalchemy import select

from services.bookings.models import WorkingHours
from services.kernel.db import Database
from services.kernel.ids import new_id

log = logging.getLogger("anze.bookings.seed")

DEMO_HOURS = [(weekday, time(9), time(17)) for weekday in range(5)]


async def seed_demo(database: Database, ctx: dict[str, Any]) -> None:
    expert_id = ctx.get("demo_expert_id")
    if not expert_id:
        log.info("bookings demo data: no demo expert in ctx, nothing to seed")
        return
    async with database.transaction() as session:
        existing = (await session.scalars(select(WorkingHours).where(WorkingHours.expert_id == expert_id))).all()
        if not existing:
            for weekday, starts, ends in DEMO_HOURS:
                session.add(WorkingHours(id=new_id("wkh"), expert_id=expert_id, weekday=weekday, starts=starts,
                                         ends=ends))
    ctx["demo_expert_hours"] = "Mon-Fri 09:00-17:00 Asia/Shanghai"
    log.info("bookings demo data: working hours of the demo expert")
