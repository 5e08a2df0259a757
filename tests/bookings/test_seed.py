"""The demo seed gives the demo expert working hours on working days, and running it twice is harmless."""

from __future__ import annotations

from datetime import datetime

import pytest

from services.bookings.seed import seed_demo
from tests.bookings.conftest import at, working_day

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_the_demo_expert_is_free_on_working_days_after_seeding_twice(kit):
    agency = await kit.agency_with_expert()
    database = kit.bookings.state.runtime.database
    ctx = {"demo_expert_id": agency.expert_id}
    await seed_demo(database, ctx)
    await seed_demo(database, ctx)
    day = working_day()
    slots = (await kit.client.get("/v1/slots", params={"offering_id": agency.offering_id, "from": day.isoformat(),
                                                       "to": day.isoformat()}, headers=kit.admin())).json()
    starts = [datetime.fromisoformat(s["start"]) for s in slots]
    assert starts[0] == at(day, 9) and starts[-1] == at(day, 15)
    assert len(slots) == (17 - 9) * 2 - 3  # a 2-hour visit on a 30-minute grid within 09:00-17:00
