"""Prevention metrics aggregated in SQL by region and insurer (each caller held to its scope), and the
service plan of each policy: defaults by risk colour, changed by the insurer with the firm's agreement."""

from __future__ import annotations

import pytest
import pytest_asyncio

from tests.bookings.conftest import GUANHAIWEI, OTHER_TOWN, at, general_hazard, major_hazard, working_day

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def book_of_two_insurers(kit):
    """Insurer A in 观海卫镇: one visit done (80,000 fen spent) with a closed GENERAL and an open MAJOR
    hazard, and one cancelled visit. Insurer B elsewhere: one visit planned."""
    agency_a = await kit.agency_with_expert(insurer_id="ins_ma", price_fen=80_000)
    agency_b = await kit.agency_with_expert(insurer_id="ins_mb", price_fen=50_000)
    firm_a, firm_b = await kit.firm(GUANHAIWEI), await kit.firm(OTHER_TOWN)
    policy_a = await kit.policy(firm_a, insurer_id="ins_ma", budget_fen=200_000, town_code=GUANHAIWEI)
    policy_b = await kit.policy(firm_b, insurer_id="ins_mb", budget_fen=100_000, town_code=OTHER_TOWN)
    done = await kit.booked(agency_a, firm_a, at(working_day(3), 9), policy_id=policy_a)
    await kit.visited(agency_a, done, hazards=[general_hazard(done), major_hazard(done)])
    hazards = (await kit.client.get("/v1/hazards", params={"booking_ids": done["id"], "grade": "GENERAL"},
                                    headers=kit.admin())).json()["items"]
    await kit.post(f"/v1/hazards/{hazards[0]['id']}/rectifications", kit.enterprise(firm_a), {"description": "已整改"})
    await kit.post(f"/v1/hazards/{hazards[0]['id']}/verification", kit.expert(agency_a), {"accepted": True})
    dropped = await kit.booked(agency_a, firm_a, at(working_day(3), 13), policy_id=policy_a)
    await kit.post(f"/v1/bookings/{dropped['id']}/cancel", kit.enterprise(firm_a), {"reason": "取消"})
    await kit.booked(agency_b, firm_b, at(working_day(3), 9), policy_id=policy_b)
    return {"policy_a": policy_a, "policy_b": policy_b, "firm_a": firm_a}


async def _metrics(kit, headers, **params):
    response = await kit.client.get("/v1/metrics/prevention", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_the_admin_sees_the_whole_platforms_prevention_figures(kit, book_of_two_insurers):
    totals = await _metrics(kit, kit.admin())
    assert totals == {"budget_fen": 300_000, "spent_fen": 80_000, "visits_planned": 2, "visits_done": 1,
                      "hazards_found": 2, "hazards_closed": 1, "major_hazards_open": 1, "overdue_hazards": 0,
                      "closure_rate": 0.5}


async def test_an_insurer_sees_its_own_book_only(kit, book_of_two_insurers):
    mine = await _metrics(kit, kit.insurer("ins_mb"))
    assert (mine["budget_fen"], mine["spent_fen"], mine["visits_planned"], mine["hazards_found"]) == (
        100_000, 0, 1, 0)
    response = await kit.client.get("/v1/metrics/prevention", params={"insurer_id": "ins_ma"},
                                    headers=kit.insurer("ins_mb"))
    assert response.status_code == 403


async def test_the_bureau_sees_its_region_grouped_by_town_and_insurer(kit, book_of_two_insurers):
    town = await _metrics(kit, kit.bureau(GUANHAIWEI))
    assert (town["budget_fen"], town["visits_planned"], town["hazards_found"]) == (200_000, 1, 2)
    city = await _metrics(kit, kit.bureau("330282"), group_by="town")
    rows = {r["key"]: r for r in city["rows"]}
    assert set(rows) == {GUANHAIWEI, OTHER_TOWN}
    assert rows[GUANHAIWEI]["spent_fen"] == 80_000 and rows[OTHER_TOWN]["budget_fen"] == 100_000
    by_insurer = {r["key"]: r for r in (await _metrics(kit, kit.bureau("330282"), group_by="insurer"))["rows"]}
    assert by_insurer["ins_ma"]["major_hazards_open"] == 1 and by_insurer["ins_mb"]["visits_done"] == 0
    outside = await kit.client.get("/v1/metrics/prevention", params={"region_code": "330283"},
                                   headers=kit.bureau("330282"))
    assert outside.status_code == 403
    assert (await kit.client.get("/v1/metrics/prevention", headers=kit.enterprise("ent_x"))).status_code == 403


async def test_a_date_range_counts_the_visits_and_hazards_inside_it(kit, book_of_two_insurers):
    day = working_day(3).isoformat()
    inside = await _metrics(kit, kit.admin(), **{"from": day, "to": day})
    assert (inside["visits_planned"], inside["visits_done"]) == (2, 1)
    before = await _metrics(kit, kit.admin(), **{"from": "2020-01-01", "to": "2020-12-31"})
    assert (before["visits_planned"], before["hazards_found"], before["budget_fen"]) == (0, 0, 0)


async def test_a_red_firms_policy_gets_more_visits_in_its_default_plan(kit):
    red, blue = await kit.firm(), await kit.firm()
    red_policy = await kit.policy(red, risk_color="RED")
    blue_policy = await kit.policy(blue, risk_color="BLUE")
    red_plan = (await kit.client.get(f"/v1/plans/{red_policy}", headers=kit.enterprise(red))).json()
    blue_plan = (await kit.client.get(f"/v1/plans/{blue_policy}", headers=kit.enterprise(blue))).json()
    assert red_plan["visits_per_year"] > blue_plan["visits_per_year"]
    assert "EMERGENCY_DRILL" in red_plan["service_types"] and blue_plan["service_types"] == ["HAZARD_INSPECTION"]
    assert (await kit.client.get(f"/v1/plans/{red_policy}", headers=kit.enterprise(blue))).status_code == 403


async def test_the_insurer_changes_the_plan_only_with_the_firms_agreement(kit):
    firm = await kit.firm()
    policy = await kit.policy(firm, insurer_id="ins_plan", risk_color="YELLOW")
    proposed = await kit.post(f"/v1/plans/{policy}/proposals", kit.insurer("ins_plan"),
                              {"visits_per_year": 3, "targets": "一般隐患整改率100%"})
    assert proposed.status_code == 200 and proposed.json()["status"] == "PROPOSED"
    assert proposed.json()["visits_per_year"] == 2  # not yet in force
    assert (await kit.post(f"/v1/plans/{policy}/proposals", kit.enterprise(firm), {"visits_per_year": 9})
            ).status_code == 403
    assert (await kit.post(f"/v1/plans/{policy}/proposals", kit.insurer("ins_other"), {"visits_per_year": 9})
            ).status_code == 403
    agreed = await kit.post(f"/v1/plans/{policy}/agreement", kit.enterprise(firm), {"accept": True})
    assert agreed.json()["status"] == "AGREED" and agreed.json()["visits_per_year"] == 3
    assert agreed.json()["targets"] == "一般隐患整改率100%"
    await kit.post(f"/v1/plans/{policy}/proposals", kit.insurer("ins_plan"), {"visits_per_year": 1})
    declined = await kit.post(f"/v1/plans/{policy}/agreement", kit.enterprise(firm), {"accept": False})
    assert declined.json()["visits_per_year"] == 3
    nothing = await kit.post(f"/v1/plans/{policy}/agreement", kit.enterprise(firm), {"accept": True})
    assert nothing.status_code == 409


async def test_the_insurer_sees_one_policys_visits_budget_and_hazards(kit, book_of_two_insurers):
    policy = book_of_two_insurers["policy_a"]
    summary = await kit.client.get(f"/v1/policies/{policy}/prevention", headers=kit.insurer("ins_ma"))
    assert summary.status_code == 200, summary.text
    assert {k: v for k, v in summary.json().items() if k in (
        "budget_fen", "spent_fen", "visits_planned_per_year", "visits_done", "cancellations", "hazards_found",
        "hazards_open", "hazards_closed")} == {
        "budget_fen": 200_000, "spent_fen": 80_000, "visits_planned_per_year": 2, "visits_done": 1,
        "cancellations": 1, "hazards_found": 2, "hazards_open": 1, "hazards_closed": 1}
    other = await kit.client.get(f"/v1/policies/{policy}/prevention", headers=kit.insurer("ins_mb"))
    assert other.status_code == 403


async def test_a_plan_states_its_measures_staff_and_guarantees_and_changes_them_only_when_the_firm_agrees(kit):
    firm = await kit.firm()
    policy = await kit.policy(firm, insurer_id="ins_plan2", risk_color="ORANGE")
    plan = (await kit.client.get(f"/v1/plans/{policy}", headers=kit.enterprise(firm))).json()
    assert "复核销号" in plan["measures"] and "注册安全工程师" in plan["staff"] and "21%" in plan["guarantees"]
    change = {"measures": "每季度一次全面排查，每月一次重点部位抽查", "staff": "张工(注册安全工程师)、李工(电气)",
              "guarantees": "服务费用专款专用，每季度向企业报送台账"}
    proposed = await kit.post(f"/v1/plans/{policy}/proposals", kit.insurer("ins_plan2"), change)
    assert proposed.status_code == 200, proposed.text
    assert proposed.json()["proposed"] == change and proposed.json()["staff"] == plan["staff"]  # not yet
    agreed = (await kit.post(f"/v1/plans/{policy}/agreement", kit.enterprise(firm), {"accept": True})).json()
    assert {k: agreed[k] for k in change} == change
