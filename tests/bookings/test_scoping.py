"""Who sees and does what: a firm its own bookings, an insurer its book, an agency its bookings, an
expert the visits assigned to them, the bureau its region; the wrong party is FORBIDDEN."""

from __future__ import annotations

import pytest

from tests.bookings.conftest import OTHER_TOWN, at, working_day

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def _ids(kit, headers, **params):
    response = await kit.client.get("/v1/bookings", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return {b["id"] for b in response.json()["items"]}


async def test_each_role_sees_only_its_own_bookings(kit):
    agency = await kit.agency_with_expert(experts=2, insurer_id="ins_scope")
    other_agency = await kit.agency_with_expert(insurer_id=None)
    firm, far_firm = await kit.firm(), await kit.firm(town_code=OTHER_TOWN)
    policy = await kit.policy(firm, insurer_id="ins_scope")
    day = working_day()
    mine = await kit.booked(agency, firm, at(day, 9), policy_id=policy, expert_id=agency.expert_id)
    second_expert = (await kit.client.get("/v1/slots", params={"offering_id": agency.offering_id,
                                                               "from": day.isoformat(), "to": day.isoformat()},
                                          headers=kit.enterprise(far_firm))).json()
    other_expert = next(s["expert_id"] for s in second_expert if s["expert_id"] != agency.expert_id)
    far = await kit.booked(agency, far_firm, at(day, 9), funding="SELF", expert_id=other_expert)
    elsewhere = await kit.booked(other_agency, firm, at(day, 13), funding="SELF")

    assert await _ids(kit, kit.enterprise(firm)) == {mine["id"], elsewhere["id"]}
    assert await _ids(kit, kit.enterprise(far_firm)) == {far["id"]}
    assert await _ids(kit, kit.agency(agency.id)) == {mine["id"], far["id"]}
    assert await _ids(kit, kit.expert(agency)) == {mine["id"]}
    assert await _ids(kit, kit.expert(agency, other_expert)) == {far["id"]}
    assert await _ids(kit, kit.insurer("ins_scope")) == {mine["id"]}
    town = await _ids(kit, kit.bureau("330282107"), ids=f"{mine['id']},{far['id']},{elsewhere['id']}")
    assert town == {mine["id"], elsewhere["id"]}
    batch = await _ids(kit, kit.admin(), ids=f"{mine['id']},{far['id']},bkg_missing")
    assert batch == {mine["id"], far["id"]}


async def test_reading_another_firms_booking_is_forbidden_and_an_unknown_one_not_found(kit):
    agency = await kit.agency_with_expert()
    firm = await kit.firm()
    booking = await kit.booked(agency, firm, at(working_day(), 9), funding="SELF")
    response = await kit.client.get(f"/v1/bookings/{booking['id']}", headers=kit.enterprise("ent_other"))
    assert response.status_code == 403 and response.json()["code"] == "FORBIDDEN"
    response = await kit.client.get("/v1/bookings/bkg_missing", headers=kit.enterprise(firm))
    assert response.status_code == 404 and response.json()["code"] == "NOT_FOUND"
    assert (await kit.client.get(f"/v1/bookings/{booking['id']}")).status_code == 401


async def test_a_firm_books_only_for_itself(kit):
    agency = await kit.agency_with_expert()
    firm = await kit.firm()
    response = await kit.client.post("/v1/bookings", headers=kit.enterprise("ent_someone_else"), json={
        "offering_id": agency.offering_id, "enterprise_id": firm, "start": at(working_day(), 9).isoformat(),
        "funding": "SELF"})
    assert response.status_code == 403 and response.json()["code"] == "FORBIDDEN"
    for headers in (kit.agency(agency.id), kit.insurer("ins_test"), kit.bureau()):
        response = await kit.client.post("/v1/bookings", headers=headers, json={
            "offering_id": agency.offering_id, "enterprise_id": firm,
            "start": at(working_day(), 9).isoformat(), "funding": "SELF"})
        assert response.status_code == 403


async def test_only_the_booked_agency_confirms_and_only_the_assigned_expert_checks_in(kit):
    agency, stranger = await kit.agency_with_expert(), await kit.agency_with_expert()
    firm = await kit.firm()
    booking = await kit.booked(agency, firm, at(working_day(), 9), funding="SELF")
    bid = booking["id"]
    for headers in (kit.agency(stranger.id), kit.enterprise(firm)):
        response = await kit.post(f"/v1/bookings/{bid}/confirm", headers)
        assert response.status_code == 403, response.text
    assert (await kit.post(f"/v1/bookings/{bid}/confirm", kit.agency(agency.id))).status_code == 200
    from datetime import datetime, timedelta

    with kit.clock(datetime.fromisoformat(booking["start"]) + timedelta(minutes=1)):
        for headers in (kit.expert(stranger), kit.expert(agency, "exp_not_assigned"), kit.agency(agency.id)):
            response = await kit.post(f"/v1/bookings/{bid}/check-in", headers)
            assert response.status_code == 403, response.text
        assert (await kit.post(f"/v1/bookings/{bid}/check-in", kit.expert(agency))).status_code == 200


async def test_only_the_visited_firm_acknowledges_the_record(kit):
    agency = await kit.agency_with_expert()
    firm = await kit.firm()
    booking = await kit.booked(agency, firm, at(working_day(), 9), funding="SELF")
    await kit.visited(agency, booking)
    for headers in (kit.enterprise("ent_other"), kit.agency(agency.id), kit.expert(agency)):
        response = await kit.post(f"/v1/bookings/{booking['id']}/acknowledge", headers)
        assert response.status_code == 403
    assert (await kit.post(f"/v1/bookings/{booking['id']}/acknowledge", kit.enterprise(firm))).status_code == 200


async def test_hazards_are_scoped_like_their_bookings(kit):
    agency = await kit.agency_with_expert(insurer_id="ins_hz")
    firm = await kit.firm()
    policy = await kit.policy(firm, insurer_id="ins_hz")
    booking = await kit.booked(agency, firm, at(working_day(), 9), policy_id=policy)
    await kit.visited(agency, booking)
    params = {"booking_ids": booking["id"]}
    for headers, visible in ((kit.enterprise(firm), 1), (kit.enterprise("ent_other"), 0),
                             (kit.insurer("ins_hz"), 1), (kit.insurer("ins_other"), 0),
                             (kit.agency(agency.id), 1), (kit.expert(agency, "exp_colleague"), 1),
                             (kit.bureau("330282"), 1), (kit.bureau("330283"), 0)):
        response = await kit.client.get("/v1/hazards", params=params, headers=headers)
        assert response.json()["total"] == visible, headers


async def test_ledgers_are_read_by_the_firm_its_insurer_and_the_bureau_only(kit):
    firm = await kit.firm()
    policy = await kit.policy(firm, insurer_id="ins_led")
    for headers, visible in ((kit.enterprise(firm), 1), (kit.insurer("ins_led"), 1), (kit.bureau(), 1),
                             (kit.insurer("ins_x"), 0), (kit.enterprise("ent_x"), 0)):
        response = await kit.client.get("/v1/ledgers", params={"policy_ids": policy}, headers=headers)
        assert len(response.json()["items"]) == visible
    response = await kit.client.get("/v1/ledgers", params={"policy_ids": policy}, headers=kit.agency("agy_x"))
    assert response.status_code == 403
    lines = await kit.client.get(f"/v1/ledgers/{policy}/entries", headers=kit.insurer("ins_x"))
    assert lines.status_code == 403
