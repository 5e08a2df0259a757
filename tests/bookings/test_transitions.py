"""Every booking action from every state: allowed moves follow the transition table, every other one is
refused with INVALID_STATE and changes nothing. And the hazard loop's refusals."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import count

import pytest

from services.bookings.service import TRANSITIONS
from services.kernel import clock
from tests.bookings.conftest import at, general_hazard, working_day

pytestmark = pytest.mark.asyncio(loop_scope="module")

ACTIONS = ["confirm", "cancel", "check_in", "report", "acknowledge", "no_show"]
STATES = ["REQUESTED", "CONFIRMED", "CHECKED_IN", "REPORTED", "ACKNOWLEDGED", "CANCELLED", "NO_SHOW"]
_slot = count()


def next_start() -> datetime:
    """Distinct 2-hour slots of one expert: four a day across the coming working days."""
    n = next(_slot)
    day = working_day(2)
    for _ in range(n // 4):
        day = working_day((day - clock.today()).days + 1)
    return at(day, 9 + 2 * (n % 4))


async def _act(kit, agency, firm, booking, action):
    bid, start = booking["id"], datetime.fromisoformat(booking["start"])
    match action:
        case "confirm":
            return await kit.post(f"/v1/bookings/{bid}/confirm", kit.agency(agency.id))
        case "cancel":
            return await kit.post(f"/v1/bookings/{bid}/cancel", kit.enterprise(firm), {"reason": "改期"})
        case "check_in":
            with kit.clock(start + timedelta(minutes=5)):
                return await kit.post(f"/v1/bookings/{bid}/check-in", kit.expert(agency))
        case "report":
            with kit.clock(start + timedelta(minutes=90)):
                return await kit.post(f"/v1/bookings/{bid}/report", kit.expert(agency),
                                      {"summary": "完成", "items": [], "hazards": [general_hazard(booking)]})
        case "acknowledge":
            return await kit.post(f"/v1/bookings/{bid}/acknowledge", kit.enterprise(firm))
        case "no_show":
            with kit.clock(start + timedelta(minutes=30)):
                return await kit.post(f"/v1/bookings/{bid}/no-show", kit.agency(agency.id), {"reason": "企业无人"})
    raise AssertionError(action)


PATH = {"REQUESTED": [], "CONFIRMED": ["confirm"], "CHECKED_IN": ["confirm", "check_in"],
        "REPORTED": ["confirm", "check_in", "report"],
        "ACKNOWLEDGED": ["confirm", "check_in", "report", "acknowledge"],
        "CANCELLED": ["cancel"], "NO_SHOW": ["confirm", "no_show"]}


@pytest.mark.parametrize("state", STATES)
async def test_each_action_from_each_state_follows_the_transition_table(kit, state):
    agency = await kit.agency_with_expert()
    firm = await kit.firm()
    policy = await kit.policy(firm, budget_fen=10_000_000)
    for action in ACTIONS:
        booking = await kit.booked(agency, firm, next_start(), policy_id=policy)
        for step in PATH[state]:
            response = await _act(kit, agency, firm, booking, step)
            assert response.status_code == 200, (step, response.text)
        response = await _act(kit, agency, firm, booking, action)
        allowed_from, target = TRANSITIONS[action]
        if state in allowed_from:
            assert response.status_code == 200, (state, action, response.text)
            assert response.json()["status"] == target
        else:
            assert response.status_code == 409, (state, action, response.text)
            assert response.json()["code"] == "INVALID_STATE"
            now = (await kit.client.get(f"/v1/bookings/{booking['id']}", headers=kit.enterprise(firm))).json()
            assert now["status"] == state


async def test_cancelling_releases_the_reservation_and_frees_the_slot(kit):
    agency = await kit.agency_with_expert(price_fen=40_000)
    firm, other = await kit.firm(), await kit.firm()
    policy = await kit.policy(firm, budget_fen=100_000)
    start = at(working_day(4), 9)
    booking = await kit.booked(agency, firm, start, policy_id=policy)
    cancelled = await kit.post(f"/v1/bookings/{booking['id']}/cancel", kit.enterprise(firm), {"reason": "停产检修"})
    assert cancelled.status_code == 200 and cancelled.json()["cancel_reason"] == "停产检修"
    ledger = await kit.ledger(policy)
    assert (ledger["reserved_fen"], ledger["available_fen"]) == (0, 100_000)
    lines = (await kit.client.get(f"/v1/ledgers/{policy}/entries", headers=kit.admin())).json()
    assert [line["kind"] for line in lines] == ["BUDGET", "RESERVATION", "RELEASE"]
    again = await kit.book(agency, other, start, funding="SELF")
    assert again.status_code == 201


async def test_a_no_show_before_the_start_is_refused(kit):
    agency = await kit.agency_with_expert()
    firm = await kit.firm()
    booking = await kit.booked(agency, firm, at(working_day(), 9), funding="SELF")
    await kit.post(f"/v1/bookings/{booking['id']}/confirm", kit.agency(agency.id))
    response = await kit.post(f"/v1/bookings/{booking['id']}/no-show", kit.agency(agency.id))
    assert response.status_code == 409 and response.json()["code"] == "INVALID_STATE"


async def test_check_in_days_or_hours_too_early_is_check_in_not_open_with_the_time_it_opens(kit):
    """Issue 19 item 3: by default check-in opens 2 hours before the start; earlier is refused with when."""
    assert kit.ctx.settings.checkin_earliest_hours == 2  # the default, not a test's choice
    agency = await kit.agency_with_expert()
    firm = await kit.firm()
    booking = await kit.booked(agency, firm, at(working_day(3), 10), funding="SELF")
    await kit.post(f"/v1/bookings/{booking['id']}/confirm", kit.agency(agency.id))
    start = datetime.fromisoformat(booking["start"])
    for early in (start - timedelta(days=3), start - timedelta(hours=2, minutes=1)):
        with kit.clock(early):
            response = await kit.post(f"/v1/bookings/{booking['id']}/check-in", kit.expert(agency))
        assert response.status_code == 409 and response.json()["code"] == "CHECK_IN_NOT_OPEN", response.text
        assert datetime.fromisoformat(response.json()["retry_at"]) == start - timedelta(hours=2)
    status = (await kit.client.get(f"/v1/bookings/{booking['id']}", headers=kit.admin())).json()["status"]
    assert status == "CONFIRMED"  # nothing changed
    with kit.clock(start - timedelta(hours=1)):
        response = await kit.post(f"/v1/bookings/{booking['id']}/check-in", kit.expert(agency),
                                  {"latitude": 30.2, "longitude": 121.3})
    assert response.status_code == 200
    assert (response.json()["check_in_latitude"], response.json()["check_in_longitude"]) == (30.2, 121.3)


async def test_without_a_window_check_in_is_open_once_confirmed(kit):
    agency = await kit.agency_with_expert()
    firm = await kit.firm()
    booking = await kit.booked(agency, firm, at(working_day(3), 14), funding="SELF")
    await kit.post(f"/v1/bookings/{booking['id']}/confirm", kit.agency(agency.id))
    kit.ctx.settings.checkin_earliest_hours = None
    try:
        response = await kit.post(f"/v1/bookings/{booking['id']}/check-in", kit.expert(agency))
        assert response.status_code == 200, response.text
        assert response.json()["check_in_latitude"] is None  # no location given, none recorded
    finally:
        kit.ctx.settings.checkin_earliest_hours = 2


async def test_the_hazard_loop_refuses_moves_out_of_order(kit):
    agency = await kit.agency_with_expert()
    firm = await kit.firm()
    booking = await kit.booked(agency, firm, at(working_day(), 9), funding="SELF")
    await kit.visited(agency, booking)
    [hazard] = (await kit.client.get("/v1/hazards", params={"booking_ids": booking["id"]},
                                     headers=kit.admin())).json()["items"]
    hid = hazard["id"]
    verify_open = await kit.post(f"/v1/hazards/{hid}/verification", kit.expert(agency), {"accepted": True})
    assert verify_open.status_code == 409 and verify_open.json()["code"] == "INVALID_STATE"
    assert (await kit.post(f"/v1/hazards/{hid}/rectifications", kit.enterprise(firm),
                           {"description": "已整改"})).status_code == 200
    twice = await kit.post(f"/v1/hazards/{hid}/rectifications", kit.enterprise(firm), {"description": "再次"})
    assert twice.status_code == 409 and twice.json()["code"] == "INVALID_STATE"
    assert (await kit.post(f"/v1/hazards/{hid}/verification", kit.expert(agency),
                           {"accepted": True})).status_code == 200
    after_close = await kit.post(f"/v1/hazards/{hid}/rectifications", kit.enterprise(firm), {"description": "x"})
    assert after_close.status_code == 409 and after_close.json()["code"] == "INVALID_STATE"


async def test_another_firm_cannot_rectify_a_hazard(kit):
    agency = await kit.agency_with_expert()
    firm = await kit.firm()
    booking = await kit.booked(agency, firm, at(working_day(), 9), funding="SELF")
    await kit.visited(agency, booking)
    [hazard] = (await kit.client.get("/v1/hazards", params={"booking_ids": booking["id"]},
                                     headers=kit.admin())).json()["items"]
    response = await kit.post(f"/v1/hazards/{hazard['id']}/rectifications", kit.enterprise("ent_other"),
                              {"description": "冒名整改"})
    assert response.status_code == 403 and response.json()["code"] == "FORBIDDEN"
