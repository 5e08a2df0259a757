"""The thin journey: a policy's activation opens its prevention ledger; a firm books an INSURER-funded
visit (reserving the price), the agency confirms, the expert checks in and reports hazards (the price
is spent), the firm acknowledges and rectifies, the agency's expert verifies and the hazard closes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.kernel import clock
from tests.bookings.conftest import at, working_day

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_activation_opens_a_ledger_with_the_prevention_budget(kit):
    firm = await kit.firm()
    policy = await kit.policy(firm, budget_fen=123_400)
    ledger = await kit.ledger(policy, kit.enterprise(firm))
    assert ledger == {"policy_id": policy, "enterprise_id": firm, "insurer_id": "ins_test", "status": "ACTIVE",
                      "budget_fen": 123_400, "reserved_fen": 0, "spent_fen": 0, "available_fen": 123_400}
    lines = (await kit.client.get(f"/v1/ledgers/{policy}/entries", headers=kit.enterprise(firm))).json()
    assert [(line["kind"], line["amount_fen"]) for line in lines] == [("BUDGET", 123_400)]


async def test_the_same_activation_delivered_twice_opens_the_budget_once(kit):
    firm = await kit.firm()
    policy = await kit.policy(firm, budget_fen=50_000)
    event = (await kit.client.get(f"/v1/ledgers/{policy}/entries", headers=kit.admin())).json()
    assert len(event) == 1
    from services.kernel.events import Event

    again = Event(name="policy.policy.activated", payload={"policy_id": policy, "enterprise_id": firm,
                                                          "insurer_id": "ins_test", "prevention_budget_fen": 50_000})
    assert await kit.bookings.state.runtime.consumer.handle(again) is True  # a new event id, same policy
    assert (await kit.ledger(policy))["budget_fen"] == 50_000


async def test_an_insurer_funded_booking_reserves_the_offering_price(kit):
    agency = await kit.agency_with_expert(price_fen=80_000)
    firm = await kit.firm()
    policy = await kit.policy(firm, budget_fen=200_000)
    booking = await kit.booked(agency, firm, at(working_day(), 9), policy_id=policy)
    assert booking["status"] == "REQUESTED" and booking["funding"] == "INSURER"
    assert booking["price_fen"] == 80_000 and booking["expert_id"] == agency.expert_id
    assert booking["insurer_id"] == "ins_test" and booking["agency_id"] == agency.id
    assert booking["number"].startswith("BK")
    ledger = await kit.ledger(policy)
    assert (ledger["reserved_fen"], ledger["spent_fen"], ledger["available_fen"]) == (80_000, 0, 120_000)
    [event] = [e for e in await kit.events("bookings.booking.requested") if e["booking_id"] == booking["id"]]
    assert event["policy_id"] == policy and event["price_fen"] == 80_000 and event["funding"] == "INSURER"


async def test_insurer_funding_without_an_active_policy_is_an_invalid_state(kit):
    agency = await kit.agency_with_expert()
    firm, other = await kit.firm(), await kit.firm()
    others_policy = await kit.policy(other)
    start = at(working_day(), 9)
    for policy_id in (None, "pol_unknown", others_policy):
        response = await kit.book(agency, firm, start, policy_id=policy_id)
        assert response.status_code == 409 and response.json()["code"] == "INVALID_STATE", response.text
    cancelled = await kit.policy(firm)
    await kit.deliver("policy.policy.cancelled", {"policy_id": cancelled, "cancelled_on": "2026-11-28",
                                                  "prevention_budget_fen": 0})
    response = await kit.book(agency, firm, start, policy_id=cancelled)
    assert response.status_code == 409 and response.json()["code"] == "INVALID_STATE"


async def test_an_agency_off_the_insurers_panel_cannot_be_insurer_funded(kit):
    agency = await kit.agency_with_expert(insurer_id=None)
    firm = await kit.firm()
    policy = await kit.policy(firm)
    response = await kit.book(agency, firm, at(working_day(), 9), policy_id=policy)
    assert response.status_code == 409 and response.json()["code"] == "INVALID_STATE"
    assert "panel" in response.json()["detail"]
    assert (await kit.ledger(policy))["reserved_fen"] == 0


async def test_a_visit_costing_more_than_the_budget_left_is_refused(kit):
    agency = await kit.agency_with_expert(price_fen=80_000)
    firm = await kit.firm()
    policy = await kit.policy(firm, budget_fen=100_000)
    await kit.booked(agency, firm, at(working_day(), 9), policy_id=policy)
    response = await kit.book(agency, firm, at(working_day(), 13), policy_id=policy)
    assert response.status_code == 409 and response.json()["code"] == "INSUFFICIENT_BUDGET"
    assert (await kit.ledger(policy))["reserved_fen"] == 80_000
    listed = (await kit.client.get("/v1/bookings", params={"policy_id": policy}, headers=kit.enterprise(firm))).json()
    assert listed["total"] == 1  # the refused booking left nothing behind


async def test_a_self_funded_visit_records_the_price_and_the_invoice_without_touching_the_budget(kit):
    agency = await kit.agency_with_expert(insurer_id=None, price_fen=66_600)
    firm = await kit.firm()
    policy = await kit.policy(firm)
    booking = await kit.booked(agency, firm, at(working_day(), 9), funding="SELF", invoice_reference="INV-2026-001")
    assert booking["funding"] == "SELF" and booking["price_fen"] == 66_600
    assert booking["invoice_reference"] == "INV-2026-001" and booking["policy_id"] is None
    assert (await kit.ledger(policy))["reserved_fen"] == 0


async def test_booking_a_taken_slot_is_slot_taken(kit):
    agency = await kit.agency_with_expert()
    first, second = await kit.firm(), await kit.firm()
    day = working_day()
    await kit.booked(agency, first, at(day, 9), funding="SELF")
    for start in (at(day, 9), at(day, 10)):  # the same start, and one inside the 2-hour visit
        response = await kit.book(agency, second, start, funding="SELF", expert_id=agency.expert_id)
        assert response.status_code == 409 and response.json()["code"] == "SLOT_TAKEN"
    response = await kit.book(agency, second, at(day, 9), funding="SELF")  # any expert: all busy
    assert response.status_code == 409 and response.json()["code"] == "SLOT_TAKEN"


async def test_the_whole_visit_spends_the_reservation_and_closes_the_hazard(kit):
    agency = await kit.agency_with_expert(price_fen=80_000)
    firm = await kit.firm()
    policy = await kit.policy(firm, budget_fen=200_000)
    booking = await kit.booked(agency, firm, at(working_day(), 9), policy_id=policy)
    response = await kit.visited(agency, booking)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "REPORTED"
    ledger = await kit.ledger(policy, kit.insurer("ins_test"))
    assert (ledger["reserved_fen"], ledger["spent_fen"], ledger["available_fen"]) == (0, 80_000, 120_000)
    lines = (await kit.client.get(f"/v1/ledgers/{policy}/entries", headers=kit.insurer("ins_test"))).json()
    assert [line["kind"] for line in lines] == ["BUDGET", "RESERVATION", "SPEND"]

    acknowledged = await kit.post(f"/v1/bookings/{booking['id']}/acknowledge", kit.enterprise(firm))
    assert acknowledged.status_code == 200 and acknowledged.json()["status"] == "ACKNOWLEDGED"
    [hazard] = (await kit.client.get("/v1/hazards", params={"booking_ids": booking["id"]},
                                     headers=kit.enterprise(firm))).json()["items"]
    assert hazard["status"] == "OPEN" and hazard["grade"] == "GENERAL" and hazard["policy_id"] == policy

    rectified = await kit.post(f"/v1/hazards/{hazard['id']}/rectifications", kit.enterprise(firm),
                               {"description": "已重新接地并检测合格"})
    assert rectified.status_code == 200 and rectified.json()["status"] == "RECTIFICATION_SUBMITTED"
    verified = await kit.post(f"/v1/hazards/{hazard['id']}/verification", kit.expert(agency),
                              {"accepted": True, "note": "复核合格"})
    assert verified.status_code == 200 and verified.json()["status"] == "CLOSED"
    assert verified.json()["closed_at"] is not None
    names = {"bookings.booking.confirmed", "bookings.visit.reported", "bookings.visit.acknowledged",
             "bookings.hazard.found", "bookings.hazard.closed"}
    for name in names:
        assert any(e.get("booking_id") == booking["id"] for e in await kit.events(name)), name
    [found] = [e for e in await kit.events("bookings.hazard.found") if e["hazard_id"] == hazard["id"]]
    assert found["insurer_id"] == "ins_test" and found["town_code"] == "330282107" and found["grade"] == "GENERAL"


async def test_a_rejected_rectification_goes_back_to_open_with_the_reason(kit):
    agency = await kit.agency_with_expert()
    firm = await kit.firm()
    booking = await kit.booked(agency, firm, at(working_day(), 9), funding="SELF")
    await kit.visited(agency, booking)
    [hazard] = (await kit.client.get("/v1/hazards", params={"booking_ids": booking["id"]},
                                     headers=kit.admin())).json()["items"]
    await kit.post(f"/v1/hazards/{hazard['id']}/rectifications", kit.enterprise(firm), {"description": "已整改"})
    no_reason = await kit.post(f"/v1/hazards/{hazard['id']}/verification", kit.expert(agency), {"accepted": False})
    assert no_reason.status_code == 422 and no_reason.json()["code"] == "VALIDATION"
    rejected = await kit.post(f"/v1/hazards/{hazard['id']}/verification", kit.expert(agency),
                              {"accepted": False, "note": "接地电阻仍超标"})
    assert rejected.status_code == 200
    assert rejected.json()["status"] == "OPEN" and rejected.json()["rejection_reason"] == "接地电阻仍超标"
    history = (await kit.client.get(f"/v1/hazards/{hazard['id']}/history", headers=kit.enterprise(firm))).json()
    assert [h["kind"] for h in history] == ["RECTIFICATION", "REJECTED"]


async def test_the_firm_can_never_verify_its_own_hazard_nor_can_another_agencys_expert(kit):
    agency, stranger = await kit.agency_with_expert(), await kit.agency_with_expert()
    firm = await kit.firm()
    booking = await kit.booked(agency, firm, at(working_day(), 9), funding="SELF")
    await kit.visited(agency, booking)
    [hazard] = (await kit.client.get("/v1/hazards", params={"booking_ids": booking["id"]},
                                     headers=kit.admin())).json()["items"]
    await kit.post(f"/v1/hazards/{hazard['id']}/rectifications", kit.enterprise(firm), {"description": "已整改"})
    for headers in (kit.enterprise(firm), kit.agency(agency.id), kit.expert(stranger), kit.admin()):
        response = await kit.post(f"/v1/hazards/{hazard['id']}/verification", headers, {"accepted": True})
        assert response.status_code == 403 and response.json()["code"] == "FORBIDDEN"
    still = (await kit.client.get(f"/v1/hazards/{hazard['id']}", headers=kit.enterprise(firm))).json()
    assert still["status"] == "RECTIFICATION_SUBMITTED"


async def test_the_spend_shows_on_the_ledger_batch_read_for_several_policies(kit):
    agency = await kit.agency_with_expert(price_fen=30_000)
    firm = await kit.firm()
    first, second = await kit.policy(firm, budget_fen=100_000), await kit.policy(firm, budget_fen=70_000)
    booking = await kit.booked(agency, firm, at(working_day(), 9), policy_id=first)
    await kit.visited(agency, booking, hazards=[])
    response = await kit.client.get("/v1/ledgers", params={"policy_ids": f"{first},{second},pol_missing"},
                                    headers=kit.enterprise(firm))
    rows = {r["policy_id"]: r for r in response.json()["items"]}
    assert rows[first]["spent_fen"] == 30_000 and rows[second]["spent_fen"] == 0 and len(rows) == 2
    other = await kit.client.get("/v1/ledgers", params={"policy_ids": first}, headers=kit.enterprise("ent_other"))
    assert other.json()["items"] == []


async def test_a_visit_day_outside_the_policy_term_cannot_be_insurer_funded(kit):
    agency = await kit.agency_with_expert()
    firm = await kit.firm()
    policy = await kit.policy(firm, days=1)
    response = await kit.book(agency, firm, at(working_day(5), 9), policy_id=policy)
    assert response.status_code == 409 and response.json()["code"] == "INVALID_STATE"


async def test_an_idempotency_key_replays_the_first_booking(kit):
    agency = await kit.agency_with_expert()
    firm = await kit.firm()
    policy = await kit.policy(firm, budget_fen=500_000)
    body = {"offering_id": agency.offering_id, "enterprise_id": firm, "start": at(working_day(), 9).isoformat(),
            "funding": "INSURER", "policy_id": policy}
    headers = {**kit.enterprise(firm), "Idempotency-Key": "book-1"}
    first = await kit.client.post("/v1/bookings", json=body, headers=headers)
    again = await kit.client.post("/v1/bookings", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert (await kit.ledger(policy))["reserved_fen"] == 80_000
    other = await kit.client.post("/v1/bookings", json={**body, "start": (at(working_day(), 13)).isoformat()},
                                  headers=headers)
    assert other.status_code == 409


async def test_a_visit_must_be_booked_ahead_and_on_the_grid(kit):
    agency = await kit.agency_with_expert()
    firm = await kit.firm()
    day = working_day()
    off_grid = await kit.book(agency, firm, at(day, 9, 10), funding="SELF")
    assert off_grid.status_code == 422 and off_grid.json()["fields"][0]["field"] == "start"
    naive = await kit.client.post("/v1/bookings", headers=kit.enterprise(firm), json={
        "offering_id": agency.offering_id, "enterprise_id": firm, "start": "2030-01-07T09:00:00", "funding": "SELF"})
    assert naive.status_code == 422 and naive.json()["code"] == "VALIDATION"

    soon = clock.local_now().replace(minute=0, second=0, microsecond=0) + timedelta(hours=2)
    too_soon = await kit.book(agency, firm, soon, funding="SELF")
    assert too_soon.status_code == 422 and too_soon.json()["code"] == "VALIDATION"


async def test_a_malformed_policy_event_is_skipped_without_blocking_the_next(kit):
    from services.kernel.events import Event

    consumer = kit.bookings.state.runtime.consumer
    assert await consumer.handle(Event("policy.policy.activated", {"policy_id": "pol_broken"})) is True
    assert await consumer.handle(Event("policy.policy.activated", {
        "policy_id": "pol_bad_budget", "enterprise_id": "ent_x", "insurer_id": "ins_x",
        "prevention_budget_fen": "lots"})) is True
    firm = await kit.firm()
    policy = await kit.policy(firm, budget_fen=10_000)
    assert (await kit.ledger(policy))["budget_fen"] == 10_000
    response = await kit.client.get("/v1/ledgers", params={"policy_ids": "pol_broken,pol_bad_budget"},
                                    headers=kit.admin())
    assert response.json()["items"] == []


async def test_ledger_totals_sum_the_book_an_insurer_sees_and_a_firm_only_its_own(kit):
    firm, other = await kit.firm(), await kit.firm()
    insurer = f"ins_{firm[-6:]}"
    agency = await kit.agency_with_expert(insurer_id=insurer, price_fen=30_000)
    first = await kit.policy(firm, insurer_id=insurer, budget_fen=100_000)
    await kit.policy(other, insurer_id=insurer, budget_fen=70_000)
    await kit.policy(other, insurer_id=f"{insurer}x", budget_fen=50_000)
    booking = await kit.booked(agency, firm, at(working_day(), 9), policy_id=first)
    await kit.visited(agency, booking, hazards=[])
    book = (await kit.client.get("/v1/ledgers/totals", headers=kit.insurer(insurer))).json()
    assert book == {"policies": 2, "budget_fen": 170_000, "reserved_fen": 0, "spent_fen": 30_000,
                    "available_fen": 140_000}
    own = (await kit.client.get("/v1/ledgers/totals", headers=kit.enterprise(other))).json()
    assert own["policies"] == 2 and own["budget_fen"] == 120_000
    agency_call = await kit.client.get("/v1/ledgers/totals", headers=kit.agency(agency.id))
    assert agency_call.status_code == 403


async def test_the_budget_follows_premium_received_to_the_fen(kit):
    """The policy service publishes a budget of 21% of what was collected; an endorsement raising the premium
    leaves it until the money arrives (budget_changed): then a visit at exactly the new budget fits and one
    a fen dearer does not."""
    firm = await kit.firm()
    policy = await kit.policy(firm, budget_fen=210_000)
    dearer = await kit.agency_with_expert(price_fen=231_000)
    await kit.deliver("policy.policy.endorsed", {
        "policy_id": policy, "headcount": 9, "premium_fen": 1_100_000, "prevention_budget_fen": 210_000,
        "delta_fen": 100_000})
    refused = await kit.book(dearer, firm, at(working_day(), 9), policy_id=policy)
    assert refused.status_code == 409 and refused.json()["code"] == "INSUFFICIENT_BUDGET"
    await kit.deliver("policy.policy.budget_changed", {
        "policy_id": policy, "prevention_budget_fen": 231_000, "reason": "bank transfer confirmed"})
    assert (await kit.ledger(policy))["budget_fen"] == 231_000
    one_fen_over = await kit.agency_with_expert(price_fen=231_001)
    over = await kit.book(one_fen_over, firm, at(working_day(), 13), policy_id=policy)
    assert over.status_code == 409 and over.json()["code"] == "INSUFFICIENT_BUDGET"
    await kit.booked(dearer, firm, at(working_day(), 9), policy_id=policy)
    assert (await kit.ledger(policy))["reserved_fen"] == 231_000
