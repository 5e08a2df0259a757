"""The daily overdue job: a hazard still open after its deadline (a local date in Asia/Shanghai) becomes
OVERDUE and is published once; submitted or closed hazards are left alone; overdue MAJOR hazards are
listed for the insurer and the bureau."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from tests.bookings.conftest import SHANGHAI, at, general_hazard, major_hazard, working_day

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def _run_job(kit, instant: datetime) -> None:
    runtime = kit.bookings.state.runtime
    [job] = [j for j in runtime.jobs if j.name == "hazards-overdue"]
    with kit.clock(instant):
        await job.run(runtime)


async def _hazard(kit, hazard_id):
    return (await kit.client.get(f"/v1/hazards/{hazard_id}", headers=kit.admin())).json()


async def _reported(kit, agency, firm, hour, hazards, policy=None):
    if policy:
        booking = await kit.booked(agency, firm, at(working_day(3), hour), policy_id=policy)
    else:
        booking = await kit.booked(agency, firm, at(working_day(3), hour), funding="SELF")
    hazard_list = hazards(booking)
    response = await kit.visited(agency, booking, hazards=hazard_list)
    assert response.status_code == 200, response.text
    items = (await kit.client.get("/v1/hazards", params={"booking_ids": booking["id"]},
                                  headers=kit.admin())).json()["items"]
    return booking, sorted(items, key=lambda h: h["grade"])


def _local(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), SHANGHAI)


async def test_a_hazard_is_overdue_only_after_its_deadline_day_in_shanghai(kit):
    agency = await kit.agency_with_expert()
    firm = await kit.firm()
    _, [hazard] = await _reported(kit, agency, firm, 9, lambda b: [general_hazard(b, days=7)])
    deadline = date.fromisoformat(hazard["deadline"])
    await _run_job(kit, _local(deadline, 23, 59))  # the last minute of the deadline day: still on time
    assert (await _hazard(kit, hazard["id"]))["status"] == "OPEN"
    await _run_job(kit, _local(deadline + timedelta(days=1), 0, 1))  # 16:01 UTC on the deadline day
    assert (await _hazard(kit, hazard["id"]))["status"] == "OVERDUE"
    await _run_job(kit, _local(deadline + timedelta(days=2), 9))  # running again publishes nothing more
    events = [e for e in await kit.events("bookings.hazard.overdue") if e["hazard_id"] == hazard["id"]]
    assert len(events) == 1 and events[0]["deadline"] == hazard["deadline"]


async def test_a_submitted_rectification_is_not_marked_overdue_but_a_rejected_one_is(kit):
    agency = await kit.agency_with_expert()
    firm = await kit.firm()
    _, [hazard] = await _reported(kit, agency, firm, 13, lambda b: [general_hazard(b, days=3)])
    deadline = date.fromisoformat(hazard["deadline"])
    await kit.post(f"/v1/hazards/{hazard['id']}/rectifications", kit.enterprise(firm), {"description": "已整改"})
    await _run_job(kit, _local(deadline + timedelta(days=1), 9))
    assert (await _hazard(kit, hazard["id"]))["status"] == "RECTIFICATION_SUBMITTED"
    await kit.post(f"/v1/hazards/{hazard['id']}/verification", kit.expert(agency),
                   {"accepted": False, "note": "未彻底整改"})
    await _run_job(kit, _local(deadline + timedelta(days=2), 9))
    assert (await _hazard(kit, hazard["id"]))["status"] == "OVERDUE"


async def test_an_overdue_hazard_can_still_be_rectified_and_closed(kit):
    agency = await kit.agency_with_expert()
    firm = await kit.firm()
    _, [hazard] = await _reported(kit, agency, firm, 9, lambda b: [general_hazard(b, days=1)])
    await _run_job(kit, _local(date.fromisoformat(hazard["deadline"]) + timedelta(days=1), 9))
    assert (await _hazard(kit, hazard["id"]))["status"] == "OVERDUE"
    assert (await kit.post(f"/v1/hazards/{hazard['id']}/rectifications", kit.enterprise(firm),
                           {"description": "逾期整改完成"})).json()["status"] == "RECTIFICATION_SUBMITTED"
    closed = await kit.post(f"/v1/hazards/{hazard['id']}/verification", kit.expert(agency), {"accepted": True})
    assert closed.json()["status"] == "CLOSED"


async def test_overdue_major_hazards_are_listed_for_the_insurer_and_the_bureau(kit):
    agency = await kit.agency_with_expert(insurer_id="ins_od")
    firm = await kit.firm()
    policy = await kit.policy(firm, insurer_id="ins_od", budget_fen=1_000_000)
    _, hazards = await _reported(kit, agency, firm, 13, lambda b: [general_hazard(b, days=2), major_hazard(b, days=2)],
                                 policy=policy)
    general, major = hazards
    assert (general["grade"], major["grade"]) == ("GENERAL", "MAJOR")
    await _run_job(kit, _local(date.fromisoformat(major["deadline"]) + timedelta(days=1), 8))
    for headers in (kit.insurer("ins_od"), kit.bureau("330282")):
        listed = (await kit.client.get("/v1/hazards", params={"status": "OVERDUE", "grade": "MAJOR"},
                                       headers=headers)).json()["items"]
        assert major["id"] in [h["id"] for h in listed] and general["id"] not in [h["id"] for h in listed]
    assert (await kit.client.get("/v1/hazards", params={"status": "OVERDUE", "grade": "MAJOR"},
                                 headers=kit.insurer("ins_other"))).json()["items"] == []
