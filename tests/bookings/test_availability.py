"""When an expert can be booked: working hours, public holidays and make-up working days, days off,
the travel buffer between towns and the minimum notice, as slots and as refused bookings."""

from __future__ import annotations

import contextlib
from datetime import date, datetime, timedelta

import pytest

from services.bookings.availability import Calendar
from services.kernel import clock
from tests.bookings.conftest import CALENDAR, GUANHAIWEI, OTHER_TOWN, SHANGHAI, at, working_day

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def _slots(kit, agency, day: date, to: date | None = None, firm: str | None = None):
    params = {"offering_id": agency.offering_id, "from": day.isoformat(), "to": (to or day).isoformat()}
    if firm:
        params["enterprise_id"] = firm
    response = await kit.client.get("/v1/slots", params=params, headers=kit.admin())
    assert response.status_code == 200, response.text
    return [datetime.fromisoformat(s["start"]) for s in response.json()]


@contextlib.contextmanager
def calendar(kit, **extra):
    original = kit.ctx.calendar
    kit.ctx.calendar = Calendar.build(tz="Asia/Shanghai", default_hours="09:00-17:00", **extra)
    try:
        yield
    finally:
        kit.ctx.calendar = original


async def test_a_public_holiday_has_no_slots_and_cannot_be_booked(kit):
    agency = await kit.agency_with_expert()
    firm = await kit.firm()
    day = working_day(3)
    assert len(await _slots(kit, agency, day)) == 13
    with calendar(kit, extra_holidays=[day]):
        assert await _slots(kit, agency, day) == []
        response = await kit.book(agency, firm, at(day, 9), funding="SELF")
        assert response.status_code == 422 and response.json()["fields"][0]["field"] == "start"


async def test_a_weekend_worked_in_lieu_of_a_holiday_has_slots(kit):
    agency = await kit.agency_with_expert()
    saturday = working_day(3)
    while saturday.weekday() != 5:
        saturday += timedelta(days=1)
    assert await _slots(kit, agency, saturday) == []
    with calendar(kit, extra_workdays=[saturday]):
        starts = await _slots(kit, agency, saturday)
        assert starts[0] == at(saturday, 9) and len(starts) == 13


async def test_an_experts_own_hours_replace_the_default(kit):
    agency = await kit.agency_with_expert()
    response = await kit.client.put(f"/v1/experts/{agency.expert_id}/hours", headers=kit.agency(agency.id),
                                    json=[{"weekday": 1, "starts": "13:00", "ends": "17:00"}])
    assert response.status_code == 200, response.text
    start = working_day(3)
    week = [start + timedelta(days=i) for i in range(7)]
    tuesday = next(d for d in week if d.weekday() == 1 and Calendar.build(
        tz="Asia/Shanghai", default_hours="09:00-17:00").is_working_day(d))
    starts = await _slots(kit, agency, week[0], week[-1])
    assert {s.astimezone(SHANGHAI).date() for s in starts} == {tuesday}
    assert starts[0] == at(tuesday, 13) and starts[-1] == at(tuesday, 15)
    other = await kit.client.put(f"/v1/experts/{agency.expert_id}/hours", headers=kit.agency("agy_other"), json=[])
    assert other.status_code == 403


async def test_a_day_off_removes_the_slots_and_refuses_bookings(kit):
    agency = await kit.agency_with_expert()
    firm = await kit.firm()
    day = working_day(3)
    response = await kit.post(f"/v1/experts/{agency.expert_id}/time-off", kit.expert(agency), {
        "starts_at": at(day, 0).isoformat(), "ends_at": at(day + timedelta(days=1), 0).isoformat(),
        "reason": "年假"})
    assert response.status_code == 201, response.text
    assert await _slots(kit, agency, day) == []
    refused = await kit.book(agency, firm, at(day, 9), funding="SELF")
    assert refused.status_code == 422 and refused.json()["code"] == "VALIDATION"


async def test_a_blocked_afternoon_leaves_the_morning(kit):
    agency = await kit.agency_with_expert()
    day = working_day(3)
    await kit.post(f"/v1/experts/{agency.expert_id}/time-off", kit.agency(agency.id), {
        "starts_at": at(day, 12).isoformat(), "ends_at": at(day, 17).isoformat(), "reason": "培训"})
    starts = await _slots(kit, agency, day)
    assert starts == [at(day, 9), at(day, 9, 30), at(day, 10)]


async def test_visits_in_different_towns_keep_the_travel_buffer_and_the_same_town_does_not(kit):
    agency = await kit.agency_with_expert(buffer=30)
    here, same_town, far = await kit.firm(GUANHAIWEI), await kit.firm(GUANHAIWEI), await kit.firm(OTHER_TOWN)
    day = working_day(3)
    await kit.booked(agency, here, at(day, 9), funding="SELF")  # 09:00-11:00
    assert at(day, 11) in await _slots(kit, agency, day, firm=same_town)
    far_slots = await _slots(kit, agency, day, firm=far)
    assert at(day, 11) not in far_slots and at(day, 11, 30) in far_slots
    refused = await kit.book(agency, far, at(day, 11), funding="SELF")
    assert refused.status_code == 409 and refused.json()["code"] == "SLOT_TAKEN"
    assert (await kit.book(agency, far, at(day, 11, 30), funding="SELF")).status_code == 201
    assert (await kit.book(agency, same_town, at(day, 14), funding="SELF")).status_code == 201


async def test_the_time_of_a_visit_that_took_place_is_not_offered_again(kit):
    agency = await kit.agency_with_expert()
    firm = await kit.firm()
    day = working_day(3)
    booking = await kit.booked(agency, firm, at(day, 9), funding="SELF")  # 09:00-11:00
    assert (await kit.visited(agency, booking)).status_code == 200
    starts = await _slots(kit, agency, day)
    assert at(day, 9) not in starts and at(day, 10) not in starts
    assert at(day, 13) in starts  # the rest of the day is still offered


def _first_start_after(instant: datetime, duration: timedelta) -> datetime:
    """The first half-hour start at or after ``instant`` inside 09:00-17:00 of a working day that leaves room
    for ``duration``: what the booking page must offer first once the notice has passed."""
    local = instant.astimezone(SHANGHAI)
    start = local.replace(minute=0, second=0, microsecond=0)
    start += timedelta(minutes=30) * -(-(local - start) // timedelta(minutes=30))
    while True:
        day = start.date()
        opens, closes = at(day, 9), at(day, 17)
        if CALENDAR.is_working_day(day) and opens <= start and start + duration <= closes:
            return start
        start = at(day, 9) if CALENDAR.is_working_day(day) and start < opens else at(day + timedelta(days=1), 9)


async def test_no_slot_is_offered_within_the_minimum_notice(kit):
    agency = await kit.agency_with_expert(duration=120)
    now = clock.now()
    notice_ends = now + timedelta(hours=24)
    first_open = _first_start_after(notice_ends, timedelta(minutes=120))
    # from today to the first working day past the notice: at any hour, on any day, something is offered
    starts = await _slots(kit, agency, clock.today(), first_open.date())
    assert starts, f"nothing offered between {now} and {first_open}"
    assert min(starts) == first_open  # nothing inside the 24 hours, and nothing free after them skipped


async def test_a_slot_range_beyond_a_month_is_refused(kit):
    agency = await kit.agency_with_expert()
    day = working_day(3)
    response = await kit.client.get("/v1/slots", headers=kit.admin(), params={
        "offering_id": agency.offering_id, "from": day.isoformat(), "to": (day + timedelta(days=40)).isoformat()})
    assert response.status_code == 422 and response.json()["code"] == "VALIDATION"
    unknown = await kit.client.get("/v1/slots", headers=kit.admin(), params={
        "offering_id": "off_missing", "from": day.isoformat(), "to": day.isoformat()})
    assert unknown.status_code == 404


async def test_the_agency_reads_back_the_hours_and_upcoming_time_off_another_agency_may_not(kit):
    agency = await kit.agency_with_expert()
    path = f"/v1/experts/{agency.expert_id}"
    assert (await kit.client.get(f"{path}/hours", headers=kit.agency(agency.id))).json() == []  # default hours
    await kit.client.put(f"{path}/hours", headers=kit.agency(agency.id),
                         json=[{"weekday": 2, "starts": "13:00", "ends": "17:00"},
                               {"weekday": 0, "starts": "08:30", "ends": "12:00"}])
    hours = (await kit.client.get(f"{path}/hours", headers=kit.expert(agency))).json()
    assert hours == [{"weekday": 0, "starts": "08:30:00", "ends": "12:00:00"},
                     {"weekday": 2, "starts": "13:00:00", "ends": "17:00:00"}]
    day = working_day(3)
    await kit.post(f"{path}/time-off", kit.agency(agency.id), {
        "starts_at": at(day, 0).isoformat(), "ends_at": at(day + timedelta(days=1), 0).isoformat(), "reason": "年假"})
    off = (await kit.client.get(f"{path}/time-off", headers=kit.agency(agency.id))).json()
    assert [(o["reason"], datetime.fromisoformat(o["starts_at"])) for o in off] == [("年假", at(day, 0))]
    assert (await kit.client.get(f"{path}/hours", headers=kit.agency("agy_other"))).status_code == 403
    assert (await kit.client.get(f"{path}/time-off", headers=kit.agency("agy_other"))).status_code == 403


async def test_overlapping_spans_of_one_weekday_are_refused_and_the_hours_kept(kit):
    agency = await kit.agency_with_expert()
    path = f"/v1/experts/{agency.expert_id}/hours"
    await kit.client.put(path, headers=kit.agency(agency.id), json=[{"weekday": 1, "starts": "13:00", "ends": "17:00"}])
    refused = await kit.client.put(path, headers=kit.agency(agency.id),
                                   json=[{"weekday": 3, "starts": "09:00", "ends": "12:00"},
                                         {"weekday": 3, "starts": "11:00", "ends": "15:00"}])
    assert refused.status_code == 422 and refused.json()["code"] == "VALIDATION"
    assert (await kit.client.get(path, headers=kit.agency(agency.id))).json() == [
        {"weekday": 1, "starts": "13:00:00", "ends": "17:00:00"}]
