"""Changing plans: reschedules and cancellations (free until the notice, late after it and shown to the
insurer), no-shows, agencies suspended or losing a qualification, and policy endorsements and
cancellations adjusting the ledger."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest

from tests.bookings.conftest import at, working_day, working_day_after

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def _get(kit, booking_id, headers=None):
    return (await kit.client.get(f"/v1/bookings/{booking_id}", headers=headers or kit.admin())).json()


async def test_a_firm_reschedules_ahead_of_the_notice_and_the_old_time_is_freed(kit):
    agency = await kit.agency_with_expert()
    firm, other = await kit.firm(), await kit.firm()
    policy = await kit.policy(firm)
    day = working_day(3)
    booking = await kit.booked(agency, firm, at(day, 9), policy_id=policy)
    moved = await kit.post(f"/v1/bookings/{booking['id']}/reschedule", kit.enterprise(firm),
                           {"start": at(day, 13).isoformat()})
    assert moved.status_code == 200, moved.text
    assert datetime.fromisoformat(moved.json()["start"]) == at(day, 13)
    assert (await kit.ledger(policy))["reserved_fen"] == 80_000  # the reservation stays with the visit
    assert (await kit.book(agency, other, at(day, 9), funding="SELF")).status_code == 201
    taken = await kit.book(agency, other, at(day, 13), funding="SELF")
    assert taken.status_code == 409 and taken.json()["code"] == "SLOT_TAKEN"
    [event] = [e for e in await kit.events("bookings.booking.rescheduled") if e["booking_id"] == booking["id"]]
    assert datetime.fromisoformat(event["previous_start"]) == at(day, 9)


async def test_rescheduling_onto_a_taken_slot_keeps_the_booking_where_it_was(kit):
    agency = await kit.agency_with_expert()
    firm, other = await kit.firm(), await kit.firm()
    day = working_day(3)
    mine = await kit.booked(agency, firm, at(day, 9), funding="SELF")
    await kit.booked(agency, other, at(day, 13), funding="SELF")
    response = await kit.post(f"/v1/bookings/{mine['id']}/reschedule", kit.enterprise(firm),
                              {"start": at(day, 13).isoformat()})
    assert response.status_code == 409 and response.json()["code"] == "SLOT_TAKEN"
    assert datetime.fromisoformat((await _get(kit, mine["id"]))["start"]) == at(day, 9)
    third = await kit.firm()
    again = await kit.book(agency, third, at(day, 9), funding="SELF")
    assert again.status_code == 409  # the original claim is still held


async def test_within_the_notice_the_firm_cannot_reschedule_and_a_cancellation_is_late(kit):
    agency = await kit.agency_with_expert(insurer_id="ins_late")
    firm = await kit.firm()
    policy = await kit.policy(firm, insurer_id="ins_late")
    day = working_day(3)
    booking = await kit.booked(agency, firm, at(day, 9), policy_id=policy)
    with kit.clock(at(day, 9) - timedelta(hours=3)):
        refused = await kit.post(f"/v1/bookings/{booking['id']}/reschedule", kit.enterprise(firm),
                                 {"start": at(day, 13).isoformat()})
        assert refused.status_code == 409 and refused.json()["code"] == "INVALID_STATE"
        cancelled = await kit.post(f"/v1/bookings/{booking['id']}/cancel", kit.enterprise(firm), {"reason": "临时停工"})
    assert cancelled.status_code == 200 and cancelled.json()["late_cancellation"] is True
    shown = (await kit.client.get("/v1/bookings", params={"status": "CANCELLED"},
                                  headers=kit.insurer("ins_late"))).json()["items"]
    assert [(b["id"], b["late_cancellation"]) for b in shown] == [(booking["id"], True)]
    assert (await kit.ledger(policy))["reserved_fen"] == 0
    [event] = [e for e in await kit.events("bookings.booking.cancelled") if e["booking_id"] == booking["id"]]
    assert event["late"] is True and event["cancelled_by"] == "enterprise"


async def test_a_cancellation_ahead_of_the_notice_is_free(kit):
    agency = await kit.agency_with_expert()
    firm = await kit.firm()
    booking = await kit.booked(agency, firm, at(working_day(3), 9), funding="SELF")
    cancelled = await kit.post(f"/v1/bookings/{booking['id']}/cancel", kit.enterprise(firm), {"reason": "改期"})
    assert cancelled.json()["late_cancellation"] is False


async def test_the_agency_may_move_a_visit_within_the_notice(kit):
    agency = await kit.agency_with_expert()
    firm = await kit.firm()
    day = working_day(3)
    booking = await kit.booked(agency, firm, at(day, 9), funding="SELF")
    moment = at(day, 9) - timedelta(hours=3)  # inside the 24-hour notice of the booked visit
    later = working_day_after(moment + timedelta(hours=24))  # the new time respects the notice from that moment
    with kit.clock(moment):
        response = await kit.post(f"/v1/bookings/{booking['id']}/reschedule", kit.agency(agency.id),
                                  {"start": at(later, 9).isoformat()})
    assert response.status_code == 200, response.text
    assert datetime.fromisoformat(response.json()["start"]) == at(later, 9)
    stored = (await kit.client.get(f"/v1/bookings/{booking['id']}", headers=kit.enterprise(firm))).json()
    assert datetime.fromisoformat(stored["start"]) == at(later, 9)  # the firm sees the new time
    freed = await kit.client.get("/v1/slots", headers=kit.admin(), params={
        "offering_id": agency.offering_id, "from": day.isoformat(), "to": day.isoformat()})
    assert at(day, 9) in [datetime.fromisoformat(s["start"]) for s in freed.json()]  # the old time is free again
    taken = await kit.client.get("/v1/slots", headers=kit.admin(), params={
        "offering_id": agency.offering_id, "from": later.isoformat(), "to": later.isoformat()})
    assert at(later, 9) not in [datetime.fromisoformat(s["start"]) for s in taken.json()]


async def test_a_no_show_releases_the_reservation_and_is_shown_to_the_insurer(kit):
    agency = await kit.agency_with_expert(insurer_id="ins_ns")
    firm = await kit.firm()
    policy = await kit.policy(firm, insurer_id="ins_ns")
    day = working_day(3)
    booking = await kit.booked(agency, firm, at(day, 9), policy_id=policy)
    await kit.post(f"/v1/bookings/{booking['id']}/confirm", kit.agency(agency.id))
    with kit.clock(at(day, 9, 40)):
        response = await kit.post(f"/v1/bookings/{booking['id']}/no-show", kit.expert(agency), {"reason": "企业大门紧锁"})
    assert response.status_code == 200 and response.json()["status"] == "NO_SHOW"
    assert (await kit.ledger(policy))["reserved_fen"] == 0
    listed = (await kit.client.get("/v1/bookings", params={"status": "NO_SHOW"}, headers=kit.insurer("ins_ns"))).json()
    assert [b["id"] for b in listed["items"]] == [booking["id"]]
    assert any(e["booking_id"] == booking["id"] for e in await kit.events("bookings.booking.no_show"))


async def _eventually(check):
    for _ in range(100):  # the providers event reaches bookings through the relay and the bus
        if result := await check():
            return result
        await asyncio.sleep(0.1)
    raise AssertionError("timed out waiting")


async def test_a_suspended_agency_cannot_be_booked_and_its_future_visits_are_flagged(kit):
    agency = await kit.agency_with_expert(insurer_id="ins_sus")
    firm = await kit.firm()
    policy = await kit.policy(firm, insurer_id="ins_sus")
    booking = await kit.booked(agency, firm, at(working_day(3), 9), policy_id=policy)
    decided = await kit.providers_client.post(f"/v1/agencies/{agency.id}/decisions", headers=kit.bureau(),
                                              json={"decision": "SUSPEND", "note": "资质核查中"})
    assert decided.status_code == 200, decided.text

    async def flagged():
        return (await _get(kit, booking["id"]))["flag"]

    assert "suspended" in await _eventually(flagged)
    for headers in (kit.enterprise(firm), kit.insurer("ins_sus")):
        listed = (await kit.client.get("/v1/bookings", params={"flagged": "true"}, headers=headers)).json()
        assert [b["id"] for b in listed["items"]] == [booking["id"]]
    refused = await kit.book(agency, firm, at(working_day(3), 13), policy_id=policy)
    assert refused.status_code in (404, 409) and refused.json()["code"] in ("NOT_FOUND", "INVALID_STATE")


async def test_an_agency_that_loses_a_qualification_is_not_bookable_for_that_service(kit):
    agency = await kit.agency_with_expert()
    firm = await kit.firm()
    booking = await kit.booked(agency, firm, at(working_day(3), 9), funding="SELF")
    await kit.deliver("providers.agency.services_withdrawn", {"agency_id": agency.id,
                                                             "service_types": ["HAZARD_INSPECTION"]})
    assert "qualification" in (await _get(kit, booking["id"]))["flag"]
    refused = await kit.book(agency, firm, at(working_day(3), 13), funding="SELF")
    assert refused.status_code == 409 and refused.json()["code"] == "INVALID_STATE"
    assert any(e["booking_id"] == booking["id"] for e in await kit.events("bookings.booking.flagged"))


async def test_an_endorsement_raises_the_budget_and_never_lowers_it_below_what_is_committed(kit):
    agency = await kit.agency_with_expert(price_fen=60_000)
    firm = await kit.firm()
    policy = await kit.policy(firm, budget_fen=100_000)
    await kit.booked(agency, firm, at(working_day(3), 9), policy_id=policy)
    await kit.deliver("policy.policy.endorsed", {"policy_id": policy, "headcount": 12, "premium_fen": 750_000,
                                                 "prevention_budget_fen": 150_000, "delta_fen": 250_000})
    assert (await kit.ledger(policy))["budget_fen"] == 150_000
    await kit.deliver("policy.policy.endorsed", {"policy_id": policy, "headcount": 2, "premium_fen": 100_000,
                                                 "prevention_budget_fen": 20_000, "delta_fen": -650_000})
    ledger = await kit.ledger(policy)
    assert (ledger["budget_fen"], ledger["reserved_fen"], ledger["available_fen"]) == (60_000, 60_000, 0)
    lines = (await kit.client.get(f"/v1/ledgers/{policy}/entries", headers=kit.admin())).json()
    adjustments = [(line["amount_fen"], line["note"]) for line in lines if line["kind"] == "ADJUSTMENT"]
    assert [a for a, _ in adjustments] == [50_000, -90_000]
    assert "committed" in adjustments[1][1]


async def test_a_policy_cancellation_cancels_its_future_insurer_funded_visits(kit):
    agency = await kit.agency_with_expert(price_fen=50_000)
    firm = await kit.firm()
    policy = await kit.policy(firm, budget_fen=200_000)
    funded = await kit.booked(agency, firm, at(working_day(3), 9), policy_id=policy)
    own = await kit.booked(agency, firm, at(working_day(3), 13), funding="SELF", policy_id=policy)
    await kit.deliver("policy.policy.cancelled", {"policy_id": policy, "cancelled_on": "2026-11-28",
                                                  "prevention_budget_fen": 30_000})
    assert (await _get(kit, funded["id"]))["status"] == "CANCELLED"
    assert (await _get(kit, own["id"]))["status"] == "REQUESTED"
    ledger = await kit.ledger(policy)
    assert (ledger["status"], ledger["budget_fen"], ledger["reserved_fen"]) == ("CANCELLED", 30_000, 0)
    kinds = [line["kind"] for line in (await kit.client.get(f"/v1/ledgers/{policy}/entries",
                                                            headers=kit.admin())).json()]
    assert kinds == ["BUDGET", "RESERVATION", "RELEASE", "ADJUSTMENT"]


async def test_a_firm_cancelling_a_flagged_visit_late_is_not_blamed(kit):
    agency = await kit.agency_with_expert()
    firm = await kit.firm()
    day = working_day(3)
    booking = await kit.booked(agency, firm, at(day, 9), funding="SELF")
    await kit.deliver("providers.agency.suspended", {"agency_id": agency.id, "name": "x", "status": "SUSPENDED",
                                                    "note": "核查"})
    with kit.clock(at(day, 9) - timedelta(hours=2)):
        cancelled = await kit.post(f"/v1/bookings/{booking['id']}/cancel", kit.enterprise(firm), {"reason": "机构停业"})
    assert cancelled.status_code == 200 and cancelled.json()["late_cancellation"] is False


async def test_an_insurer_funded_visit_cannot_be_moved_past_the_policy_term(kit):
    agency = await kit.agency_with_expert()
    firm = await kit.firm()
    policy = await kit.policy(firm, days=6)
    booking = await kit.booked(agency, firm, at(working_day(2), 9), policy_id=policy)
    response = await kit.post(f"/v1/bookings/{booking['id']}/reschedule", kit.enterprise(firm),
                              {"start": at(working_day(9), 9).isoformat()})
    assert response.status_code == 409 and response.json()["code"] == "INVALID_STATE"
