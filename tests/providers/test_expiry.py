"""The daily qualification check, on and around the day, with the date taken in Asia/Shanghai."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.providers.expiry import run_daily

pytestmark = pytest.mark.asyncio(loop_scope="module")

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(day: date, hh: int, mm: int) -> datetime:
    """An instant given as Shanghai wall-clock time, passed on in UTC (as the job sees the clock)."""
    return datetime.combine(day, time(hh, mm), SHANGHAI).astimezone(UTC)


async def _agency(kit, until_offset: int):
    hazard = kit.qualification(["HAZARD_INSPECTION"], start=-300, end=until_offset)
    training = kit.qualification(["TRAINING"], start=-300, end=until_offset + 200)
    agency = await kit.approved_agency(qualifications=[hazard, training])
    offering = await kit.offering(agency["id"], "HAZARD_INSPECTION")
    return agency, offering, kit.today + timedelta(days=until_offset)


async def _notices(kit, agency_id):
    response = await kit.client.get(f"/v1/agencies/{agency_id}/notices", headers=kit.agency(agency_id))
    return [n["kind"] for n in response.json()]


async def test_the_agency_is_warned_thirty_days_ahead_by_the_shanghai_date_and_once(kit):
    agency, _, until = await _agency(kit, 200)
    database = kit.app.state.runtime.database
    # 00:30 in Shanghai is still the previous day in UTC: the Shanghai date counts.
    await run_daily(database, now=at(until - timedelta(days=31), 23, 50))
    assert await _notices(kit, agency["id"]) == []
    await run_daily(database, now=at(until - timedelta(days=30), 0, 30))
    assert await _notices(kit, agency["id"]) == ["qualification_expiring"]
    await run_daily(database, now=at(until - timedelta(days=29), 9, 0))
    assert await _notices(kit, agency["id"]) == ["qualification_expiring"]
    warned = [e for e in await kit.events("providers.qualification.expiring") if e["agency_id"] == agency["id"]]
    assert len(warned) == 1 and warned[0]["valid_until"] == until.isoformat() and warned[0]["days_left"] == 30


async def test_service_types_are_withdrawn_from_the_first_shanghai_day_without_a_valid_qualification(kit):
    agency, offering, until = await _agency(kit, 300)
    database = kit.app.state.runtime.database
    result = await run_daily(database, now=at(until, 23, 59))
    assert agency["id"] not in result.withdrawn
    # 00:01 on the next day in Shanghai is 16:01 UTC on the last valid day.
    next_day = at(until + timedelta(days=1), 0, 1)
    assert next_day.date() == until
    result = await run_daily(database, now=next_day)
    assert result.withdrawn[agency["id"]] == ["HAZARD_INSPECTION"]
    detail = (await kit.client.get(f"/v1/agencies/{agency['id']}")).json()
    assert detail["service_types"] == ["TRAINING"]
    assert (await kit.client.get(f"/v1/offerings/{offering['id']}", headers=kit.enterprise())).json()[
        "bookable"] is False
    [event] = [e for e in await kit.events("providers.agency.services_withdrawn") if e["agency_id"] == agency["id"]]
    assert event["service_types"] == ["HAZARD_INSPECTION"] and event["on"] == (until + timedelta(days=1)).isoformat()
    assert "services_withdrawn" in await _notices(kit, agency["id"])
    # Running again the same day or later publishes nothing more.
    await run_daily(database, now=at(until + timedelta(days=2), 8, 0))
    assert len([e for e in await kit.events("providers.agency.services_withdrawn")
                if e["agency_id"] == agency["id"]]) == 1


async def test_a_service_type_still_covered_by_another_valid_qualification_stays(kit):
    old = kit.qualification(["HAZARD_INSPECTION"], start=-300, end=340)
    renewed = kit.qualification(["HAZARD_INSPECTION"], start=330, end=800)
    agency = await kit.approved_agency(qualifications=[old, renewed])
    result = await run_daily(kit.app.state.runtime.database, now=at(kit.today + timedelta(days=341), 9, 0))
    assert agency["id"] not in result.withdrawn
    detail = (await kit.client.get(f"/v1/agencies/{agency['id']}")).json()
    assert detail["service_types"] == ["HAZARD_INSPECTION", "TRAINING"]


async def test_another_agency_cannot_read_the_notices(kit):
    agency, _, _ = await _agency(kit, 100)
    other = await kit.approved_agency()
    response = await kit.client.get(f"/v1/agencies/{agency['id']}/notices", headers=kit.agency(other["id"]))
    assert response.status_code == 403
