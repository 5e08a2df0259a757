"""Issue 13, finding 5: an approved agency's new service types or towns wait for the bureau of its home region;
until then search, offerings and booking use the approved scope. Unapproved applications are edited freely."""

from __future__ import annotations

import pytest

from tests.providers.conftest import GUANHAIWEI

pytestmark = pytest.mark.asyncio(loop_scope="module")

ZHOUXIANG = "330282114"  # another town: its bureau is not the agency's


async def _search(kit, **params):
    r = await kit.client.get("/v1/agencies", params={"limit": 500, **params})
    assert r.status_code == 200, r.text
    return {a["id"] for a in r.json()["items"]}


async def _offer(kit, agency_id, town, service_type="HAZARD_INSPECTION"):
    return await kit.client.post(f"/v1/agencies/{agency_id}/offerings", headers=kit.agency(agency_id), json={
        "service_type": service_type, "title": "隐患排查", "description": "上门排查", "price_fen": 80_000,
        "duration_minutes": 120, "town_codes": [town], "travel_buffer_minutes": 30})


async def test_an_approved_agencys_new_scope_waits_for_its_home_bureau(kit):
    agency = await kit.approved_agency(town_codes=[GUANHAIWEI])
    me = kit.agency(agency["id"])
    r = await kit.client.patch(f"/v1/agencies/{agency['id']}", headers=me, json={
        "town_codes": [GUANHAIWEI, ZHOUXIANG], "service_types": ["HAZARD_INSPECTION", "TRAINING", "EMERGENCY_DRILL"],
        "contact_name": "李四"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["town_codes"] == [GUANHAIWEI] and "EMERGENCY_DRILL" not in body["service_types"]
    assert body["contact_name"] == "李四"  # the plain details still change at once
    pending = body["pending_scope_change"]
    assert pending["status"] == "PENDING" and pending["town_codes"] == [GUANHAIWEI, ZHOUXIANG]

    # the approved scope still rules search and offerings
    assert agency["id"] not in await _search(kit, town_code=ZHOUXIANG)
    assert agency["id"] not in await _search(kit, service_type="EMERGENCY_DRILL")
    r = await _offer(kit, agency["id"], ZHOUXIANG)
    assert r.status_code == 422 and r.json()["code"] == "VALIDATION"
    assert (await _offer(kit, agency["id"], GUANHAIWEI, "EMERGENCY_DRILL")).status_code == 409

    # the town the agency added does not make its bureau the judge, of the scope or of the agency
    decision = f"/v1/agencies/{agency['id']}/scope-changes/{pending['id']}/decision"
    r = await kit.client.post(decision, headers=kit.bureau(ZHOUXIANG), json={"decision": "APPROVE"})
    assert r.status_code == 403
    r = await kit.client.post(f"/v1/agencies/{agency['id']}/decisions", headers=kit.bureau(ZHOUXIANG),
                              json={"decision": "SUSPEND", "note": "x"})
    assert r.status_code == 403

    r = await kit.client.post(decision, headers=kit.bureau(GUANHAIWEI), json={"decision": "APPROVE"})
    assert r.status_code == 200 and r.json()["status"] == "APPROVED", r.text
    assert agency["id"] in await _search(kit, town_code=ZHOUXIANG)
    assert (await _offer(kit, agency["id"], ZHOUXIANG)).status_code == 201
    again = await kit.client.post(decision, headers=kit.bureau(GUANHAIWEI), json={"decision": "APPROVE"})
    assert again.status_code == 409

    history = await kit.client.get(f"/v1/agencies/{agency['id']}/scope-changes", headers=me)
    [row] = history.json()
    assert row["from_town_codes"] == [GUANHAIWEI] and row["decided_by"] and row["decided_role"] == "bureau"
    other = await kit.approved_agency()
    assert (await kit.client.get(f"/v1/agencies/{agency['id']}/scope-changes",
                                 headers=kit.agency(other["id"]))).status_code == 403


async def test_the_bureau_rejects_a_scope_change_with_a_reason_and_the_scope_stays(kit):
    agency = await kit.approved_agency(town_codes=[GUANHAIWEI])
    r = await kit.client.patch(f"/v1/agencies/{agency['id']}", headers=kit.agency(agency["id"]),
                               json={"service_types": ["OTHER"]})
    change = r.json()["pending_scope_change"]
    decision = f"/v1/agencies/{agency['id']}/scope-changes/{change['id']}/decision"
    assert (await kit.client.post(decision, headers=kit.bureau(), json={"decision": "REJECT"})).status_code == 422
    r = await kit.client.post(decision, headers=kit.bureau(), json={"decision": "REJECT", "note": "无相应资质"})
    assert r.status_code == 200 and r.json()["status"] == "REJECTED"
    seen = (await kit.client.get(f"/v1/agencies/{agency['id']}", headers=kit.agency(agency["id"]))).json()
    assert seen["service_types"] == ["HAZARD_INSPECTION", "TRAINING"] and seen["pending_scope_change"] is None


async def test_a_new_request_replaces_the_pending_one_and_the_old_scope_withdraws_it(kit):
    agency = await kit.approved_agency(town_codes=[GUANHAIWEI])
    me = kit.agency(agency["id"])
    first = (await kit.client.patch(f"/v1/agencies/{agency['id']}", headers=me,
                                    json={"town_codes": [GUANHAIWEI, ZHOUXIANG]})).json()["pending_scope_change"]
    back = await kit.client.patch(f"/v1/agencies/{agency['id']}", headers=me, json={"town_codes": [GUANHAIWEI]})
    assert back.json()["pending_scope_change"] is None
    rows = (await kit.client.get(f"/v1/agencies/{agency['id']}/scope-changes", headers=kit.bureau())).json()
    assert [(r["id"], r["status"]) for r in rows] == [(first["id"], "WITHDRAWN")]


async def test_an_application_not_yet_approved_is_edited_freely(kit):
    agency = await kit.apply(town_codes=[GUANHAIWEI])
    r = await kit.client.patch(f"/v1/agencies/{agency['id']}", headers=kit.agency(agency["id"]),
                               json={"town_codes": [GUANHAIWEI, ZHOUXIANG], "service_types": ["TRAINING"]})
    assert r.status_code == 200
    assert r.json()["town_codes"] == [GUANHAIWEI, ZHOUXIANG] and r.json()["service_types"] == ["TRAINING"]
    assert r.json()["pending_scope_change"] is None
    # the town added to the application does not give its bureau the decision either
    r = await kit.client.post(f"/v1/agencies/{agency['id']}/decisions", headers=kit.bureau(ZHOUXIANG),
                              json={"decision": "APPROVE"})
    assert r.status_code == 403


async def test_an_approved_smaller_scope_takes_the_dropped_town_out_of_the_offerings(kit):
    agency = await kit.approved_agency(town_codes=[GUANHAIWEI, ZHOUXIANG])
    both = (await kit.client.post(f"/v1/agencies/{agency['id']}/offerings", headers=kit.agency(agency["id"]), json={
        "service_type": "HAZARD_INSPECTION", "title": "隐患排查", "description": "上门排查", "price_fen": 80_000,
        "duration_minutes": 120, "town_codes": [GUANHAIWEI, ZHOUXIANG], "travel_buffer_minutes": 30})).json()
    only_dropped = (await _offer(kit, agency["id"], ZHOUXIANG)).json()
    change = (await kit.client.patch(f"/v1/agencies/{agency['id']}", headers=kit.agency(agency["id"]),
                                     json={"town_codes": [GUANHAIWEI]})).json()["pending_scope_change"]
    r = await kit.client.post(f"/v1/agencies/{agency['id']}/scope-changes/{change['id']}/decision",
                              headers=kit.bureau(GUANHAIWEI), json={"decision": "APPROVE"})
    assert r.status_code == 200, r.text
    seen = (await kit.client.get("/v1/offerings", params={"ids": f"{both['id']},{only_dropped['id']}"},
                                 headers=kit.agency(agency["id"]))).json()["items"]
    by_id = {o["id"]: o for o in seen}
    assert by_id[both["id"]]["town_codes"] == [GUANHAIWEI] and by_id[both["id"]]["active"] is True
    assert only_dropped["id"] not in by_id or by_id[only_dropped["id"]]["active"] is False
    assert agency["id"] not in await _search(kit, town_code=ZHOUXIANG)
