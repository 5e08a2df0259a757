"""Booking at the instants that carry meaning: the eve of Spring Festival, a make-up working Saturday, the eve
of the National Day week, New Year's Eve a few seconds before midnight. Each test travels to its instant and
states the first time a firm is offered, written out by hand from the State Council's calendar."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import time_machine

from tests.bookings.conftest import SHANGHAI, at

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def _first_offered(kit, instant: datetime, days: int = 14) -> datetime:
    with time_machine.travel(instant, tick=False):
        agency = await kit.agency_with_expert(duration=120)
        day = instant.astimezone(SHANGHAI).date()
        response = await kit.client.get("/v1/slots", headers=kit.admin(), params={
            "offering_id": agency.offering_id, "from": day.isoformat(),
            "to": (day + timedelta(days=days)).isoformat()})
    assert response.status_code == 200, response.text
    starts = sorted(datetime.fromisoformat(s["start"]) for s in response.json())
    assert starts, f"nothing offered in the {days} days after {instant}"
    return starts[0]


async def test_on_the_eve_of_spring_festival_2027_the_first_visit_is_after_the_holiday(kit):
    # Thursday 2027-02-04 16:00; 春节 runs Friday 02-05 to Monday 02-08
    first = await _first_offered(kit, datetime(2027, 2, 4, 16, 0, tzinfo=SHANGHAI))
    assert first == at(date(2027, 2, 9), 9)


async def test_late_on_spring_festivals_eve_2027_nothing_is_offered_in_the_holiday(kit):
    first = await _first_offered(kit, datetime(2027, 2, 5, 23, 59, tzinfo=SHANGHAI))
    assert first == at(date(2027, 2, 9), 9)


async def test_the_make_up_saturday_before_spring_festival_2026_is_offered(kit):
    # Friday 2026-02-13 10:00: 24 hours later is Saturday 02-14, a working day in lieu of the holiday
    first = await _first_offered(kit, datetime(2026, 2, 13, 10, 0, tzinfo=SHANGHAI))
    assert first == at(date(2026, 2, 14), 10)


async def test_on_the_eve_of_the_national_day_week_the_first_visit_is_on_the_eighth(kit):
    # Wednesday 2026-09-30 12:00; 国庆节 runs 10-01 to 10-07
    first = await _first_offered(kit, datetime(2026, 9, 30, 12, 0, tzinfo=SHANGHAI))
    assert first == at(date(2026, 10, 8), 9)


async def test_thirty_seconds_before_the_new_year_the_first_visit_is_the_first_monday(kit):
    # Thursday 2026-12-31 23:59:30; 元旦 2027 is a Friday, then the weekend
    first = await _first_offered(kit, datetime(2026, 12, 31, 23, 59, 30, tzinfo=SHANGHAI))
    assert first == at(date(2027, 1, 4), 9)


async def test_at_midnight_starting_the_national_day_2027_the_first_visit_is_on_the_fourth(kit):
    # Friday 2027-10-01 00:00; the statutory 国庆节 days are 10-01 to 10-03 (2027's arrangement unpublished)
    first = await _first_offered(kit, datetime(2027, 10, 1, 0, 0, tzinfo=SHANGHAI))
    assert first == at(date(2027, 10, 4), 9)


async def test_on_a_thursday_night_the_first_visit_is_the_monday_after_the_notice(kit):
    # the instant that broke main: Thursday 2026-12-03 23:45; 24 hours later is Friday night
    first = await _first_offered(kit, datetime(2026, 12, 3, 23, 45, tzinfo=SHANGHAI))
    assert first == at(date(2026, 12, 7), 9)
