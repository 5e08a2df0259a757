"""The exposure board: the bureau of the firm's region publishes a case citing a MAJOR hazard that is overdue
or whose rectification was rejected, at most one live case per hazard, and withdraws it with a reason; anyone
reads the live cases, nobody but the bureau sees a withdrawn one; each change is published once."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from tests.bookings.conftest import GUANHAIWEI, OTHER_TOWN, SHANGHAI, at, general_hazard, major_hazard, working_day

pytestmark = pytest.mark.asyncio(loop_scope="module")



async def _run_overdue_job(kit, day: date) -> None:
    runtime = kit.bookings.state.runtime
    [job] = [j for j in runtime.jobs if j.name == "hazards-overdue"]
    with kit.clock(datetime.combine(day, time(9), SHANGHAI)):
        await job.run(runtime)


async def _hazard(kit, grade: str = "MAJOR", town: str = GUANHAIWEI, days: int = 2) -> tuple[str, dict]:
    """A firm of ``town`` visited by a fresh agency; its one hazard, OPEN, due ``days`` after the visit."""
    agency = await kit.agency_with_expert()
    firm = await kit.firm(town_code=town)
    booking = await kit.booked(agency, firm, at(working_day(3), 9), funding="SELF")
    hazard = (major_hazard if grade == "MAJOR" else general_hazard)(booking, days=days)
    assert (await kit.visited(agency, booking, hazards=[hazard])).status_code == 200
    [row] = (await kit.client.get("/v1/hazards", params={"booking_ids": booking["id"]},
                                  headers=kit.admin())).json()["items"]
    return firm, {**row, "agency": agency}


async def _overdue(kit, **kwargs) -> tuple[str, dict]:
    firm, hazard = await _hazard(kit, **kwargs)
    await _run_overdue_job(kit, date.fromisoformat(hazard["deadline"]) + timedelta(days=1))
    return firm, {**hazard, "status": "OVERDUE"}


def _case(hazard: dict, **overrides) -> dict:
    return {"hazard_id": hazard["id"], "title": "某五金厂重大事故隐患逾期未整改",
            "summary": "该企业喷漆房未设置防爆电气，逾期未整改。", "enterprise_name": "测试五金厂(演示)",
            "town_code": hazard["town_code"], **overrides}


async def _publish(kit, hazard: dict, headers=None, **overrides):
    return await kit.post("/v1/exposure-cases", headers or kit.bureau(), _case(hazard, **overrides))


async def _public_list(kit, **params) -> list[dict]:
    response = await kit.client.get("/v1/exposure-cases", params=params)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_the_bureau_publishes_an_overdue_major_hazard_and_anyone_reads_it(kit):
    firm, hazard = await _overdue(kit)
    response = await _publish(kit, hazard)
    assert response.status_code == 201, response.text
    case = response.json()
    assert case["number"].startswith("BG") and case["enterprise_id"] == firm
    assert (case["hazard_grade"], case["hazard_status"], case["hazard_deadline"]) == \
        ("MAJOR", "OVERDUE", hazard["deadline"])
    assert case["hazard_description"] == "喷漆房未设置防爆电气" and case["enterprise_name"] == "测试五金厂(演示)"
    listed = await _public_list(kit)
    assert case["id"] in [c["id"] for c in listed]
    public = (await kit.client.get(f"/v1/exposure-cases/{case['id']}")).json()  # no token at all
    assert public["title"] == case["title"] and public["published_by"] is None  # who published stays inside
    [event] = [e for e in await kit.events("bookings.exposure_case.published") if e["case_id"] == case["id"]]
    assert event["hazard_id"] == hazard["id"] and event["reason"] == "OVERDUE"


async def test_the_case_keeps_the_facts_as_published_when_the_hazard_is_later_closed(kit):
    firm, hazard = await _overdue(kit)
    case = (await _publish(kit, hazard)).json()
    await kit.post(f"/v1/hazards/{hazard['id']}/rectifications", kit.enterprise(firm), {"description": "已整改"})
    await kit.post(f"/v1/hazards/{hazard['id']}/verification", kit.expert(hazard["agency"]), {"accepted": True})
    again = (await kit.client.get(f"/v1/exposure-cases/{case['id']}")).json()
    assert again["hazard_status"] == "OVERDUE" and again["withdrawn_at"] is None


async def test_a_rejected_rectification_can_be_exposed_before_the_deadline(kit):
    firm, hazard = await _hazard(kit, days=60)
    await kit.post(f"/v1/hazards/{hazard['id']}/rectifications", kit.enterprise(firm), {"description": "换了插座"})
    assert (await _publish(kit, hazard)).json()["code"] == "NOT_PUBLISHABLE"  # being rectified: not yet
    await kit.post(f"/v1/hazards/{hazard['id']}/verification", kit.expert(hazard["agency"]),
                   {"accepted": False, "note": "未更换防爆电气"})
    response = await _publish(kit, hazard)
    assert response.status_code == 201, response.text
    assert response.json()["hazard_status"] == "OPEN" and response.json()["rejection_reason"] == "未更换防爆电气"


async def test_an_open_a_general_or_a_closed_hazard_is_not_publishable(kit):
    _, open_major = await _hazard(kit, days=60)  # the other hazards' overdue runs leave it on time
    _, general = await _overdue(kit, grade="GENERAL")
    for hazard in (open_major, general):
        response = await _publish(kit, hazard)
        assert (response.status_code, response.json()["code"]) == (409, "NOT_PUBLISHABLE")
        assert response.json()["fields"][0]["field"] == "hazard_id"
    assert not [c for c in await _public_list(kit) if c["hazard_id"] in (open_major["id"], general["id"])]


async def test_a_second_live_case_for_the_same_hazard_is_refused_until_the_first_is_withdrawn(kit):
    _, hazard = await _overdue(kit)
    first = (await _publish(kit, hazard)).json()
    second = await _publish(kit, hazard, title="重复")
    assert (second.status_code, second.json()["code"]) == (409, "EXPOSURE_CASE_EXISTS")
    await kit.post(f"/v1/exposure-cases/{first['id']}/withdrawal", kit.bureau(), {"reason": "事实有误"})
    assert (await _publish(kit, hazard, title="更正后重新发布")).status_code == 201


async def test_only_the_bureau_of_the_firms_region_publishes(kit):
    _, hazard = await _overdue(kit)
    for headers in (kit.enterprise("ent_x"), kit.insurer("ins_test"), kit.agency(hazard["agency"].id)):
        assert (await _publish(kit, hazard, headers=headers)).status_code == 403
    assert (await _publish(kit, hazard, headers=kit.admin())).json()["code"] == "FORBIDDEN"  # the bureau's act
    assert (await _publish(kit, hazard, headers=kit.bureau("330281"))).status_code == 403  # another county
    anonymous = await kit.client.post("/v1/exposure-cases", json=_case(hazard))
    assert anonymous.status_code == 401
    assert (await _publish(kit, hazard, headers=kit.bureau(GUANHAIWEI))).status_code == 201  # a town's own bureau


async def test_the_firms_town_sent_must_lie_in_the_bureaus_region(kit):
    _, hazard = await _overdue(kit)
    response = await _publish(kit, hazard, headers=kit.bureau(GUANHAIWEI), town_code=OTHER_TOWN)
    assert (response.status_code, response.json()["fields"][0]["field"]) == (422, "town_code")


async def test_bad_input_is_refused_field_by_field(kit):
    _, hazard = await _overdue(kit)
    response = await _publish(kit, hazard, title="   ", summary="")
    assert response.status_code == 422
    assert {f["field"]: f["message"] for f in response.json()["fields"]} == {
        "title": "Value error, must not be blank", "summary": "String should have at least 1 character"}
    response = await _publish(kit, {**hazard, "id": "hzd_nothing"})
    assert (response.status_code, response.json()["fields"][0]["field"]) == (422, "hazard_id")
    assert "no hazard" in response.json()["detail"]
    response = await kit.post("/v1/exposure-cases", kit.bureau(), {**_case(hazard), "extra": 1})
    assert response.status_code == 422
    assert await _public_list(kit, town_code="330282199") == []


async def test_withdrawal_needs_a_reason_and_takes_the_case_off_the_board(kit):
    _, hazard = await _overdue(kit)
    case = (await _publish(kit, hazard)).json()
    refused = await kit.post(f"/v1/exposure-cases/{case['id']}/withdrawal", kit.bureau(), {"reason": "  "})
    assert refused.status_code == 422
    assert (await kit.post(f"/v1/exposure-cases/{case['id']}/withdrawal", kit.bureau("330281"),
                           {"reason": "x"})).status_code == 403
    done = await kit.post(f"/v1/exposure-cases/{case['id']}/withdrawal", kit.bureau(), {"reason": "企业已整改到位"})
    assert done.status_code == 200 and done.json()["withdraw_reason"] == "企业已整改到位"
    again = await kit.post(f"/v1/exposure-cases/{case['id']}/withdrawal", kit.bureau(), {"reason": "再次"})
    assert (again.status_code, again.json()["code"]) == (409, "INVALID_STATE")
    assert case["id"] not in [c["id"] for c in await _public_list(kit)]
    assert (await kit.client.get(f"/v1/exposure-cases/{case['id']}")).status_code == 404
    seen = await kit.client.get(f"/v1/exposure-cases/{case['id']}", headers=kit.bureau())
    assert seen.status_code == 200 and seen.json()["withdrawn_by"]
    withdrawn = (await kit.client.get("/v1/exposure-cases", params={"withdrawn": "true"},
                                      headers=kit.bureau())).json()["items"]
    assert case["id"] in [c["id"] for c in withdrawn]
    assert (await kit.client.get("/v1/exposure-cases", params={"withdrawn": "true"})).status_code == 403
    [event] = [e for e in await kit.events("bookings.exposure_case.withdrawn") if e["case_id"] == case["id"]]
    assert event["reason"] == "企业已整改到位"


async def test_the_board_pages_and_filters_by_town(kit):
    cases = []
    for town in (GUANHAIWEI, OTHER_TOWN, GUANHAIWEI):
        _, hazard = await _overdue(kit, town=town)
        cases.append((await _publish(kit, hazard)).json())
    mine = [c["id"] for c in await _public_list(kit, town_code=GUANHAIWEI, limit=500)]
    assert cases[0]["id"] in mine and cases[2]["id"] in mine and cases[1]["id"] not in mine
    first = (await kit.client.get("/v1/exposure-cases", params={"limit": 1})).json()
    second = (await kit.client.get("/v1/exposure-cases", params={"limit": 1, "cursor": first["next_cursor"]})).json()
    assert first["total"] >= 3 and first["items"][0]["id"] != second["items"][0]["id"]
    assert first["items"][0]["id"] > second["items"][0]["id"]  # newest first
