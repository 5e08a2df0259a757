"""Races: fifty firms on one expert's slot at once (exactly one wins, the database refuses the rest), and
concurrent bookings on one policy never take the prevention budget below zero."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from services.bookings.models import Booking, SlotClaim
from tests.bookings.conftest import at, working_day

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_fifty_concurrent_attempts_on_one_slot_make_exactly_one_booking(kit):
    agency = await kit.agency_with_expert(price_fen=10_000)
    firms = [await kit.firm() for _ in range(50)]
    policies = [await kit.policy(firm, budget_fen=50_000) for firm in firms]
    start = at(working_day(3), 10)
    responses = await asyncio.gather(*(
        kit.book(agency, firm, start, policy_id=policy, expert_id=agency.expert_id)
        for firm, policy in zip(firms, policies, strict=True)))
    codes = sorted(r.status_code for r in responses)
    assert codes == [201] + [409] * 49, [r.text for r in responses if r.status_code not in (201, 409)]
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"SLOT_TAKEN"}
    [winner] = [r.json() for r in responses if r.status_code == 201]
    async with kit.bookings.state.runtime.database.transaction() as session:
        booked = await session.scalar(select(func.count()).select_from(Booking).where(
            Booking.expert_id == agency.expert_id))
        claims = (await session.scalars(select(SlotClaim).where(SlotClaim.expert_id == agency.expert_id))).all()
    assert booked == 1
    assert {c.booking_id for c in claims} == {winner["id"]} and len(claims) == 4  # 2 hours of 30-minute units
    reserved = [(await kit.ledger(policy))["reserved_fen"] for policy in policies]
    assert sorted(reserved) == [0] * 49 + [10_000]  # the losers reserved nothing


async def test_concurrent_bookings_on_one_policy_never_overdraw_its_budget(kit):
    agency = await kit.agency_with_expert(price_fen=30_000, experts=4)
    experts = [s["expert_id"] for s in (await kit.client.get("/v1/slots", params={
        "offering_id": agency.offering_id, "from": working_day(3).isoformat(), "to": working_day(3).isoformat()},
        headers=kit.admin())).json()]
    experts = sorted(set(experts))
    assert len(experts) == 4
    firm = await kit.firm()
    policy = await kit.policy(firm, budget_fen=150_000)  # room for five visits
    day = working_day(3)
    attempts = [(expert, at(day, hour)) for expert in experts for hour in (9, 11, 13)]
    responses = await asyncio.gather(*(kit.book(agency, firm, start, policy_id=policy, expert_id=expert)
                                       for expert, start in attempts))
    created = [r for r in responses if r.status_code == 201]
    refused = [r for r in responses if r.status_code != 201]
    assert len(created) == 5
    assert {r.json()["code"] for r in refused} == {"INSUFFICIENT_BUDGET"}, [r.text for r in refused]
    ledger = await kit.ledger(policy)
    assert (ledger["reserved_fen"], ledger["available_fen"]) == (150_000, 0)
    lines = (await kit.client.get(f"/v1/ledgers/{policy}/entries", headers=kit.admin())).json()
    assert sum(line["amount_fen"] for line in lines if line["kind"] == "RESERVATION") == 150_000


async def test_concurrent_cancellations_release_a_reservation_once(kit):
    agency = await kit.agency_with_expert(price_fen=20_000)
    firm = await kit.firm()
    policy = await kit.policy(firm, budget_fen=100_000)
    booking = await kit.booked(agency, firm, at(working_day(3), 9) + timedelta(hours=4), policy_id=policy)
    responses = await asyncio.gather(*(kit.post(f"/v1/bookings/{booking['id']}/cancel", kit.enterprise(firm),
                                                {"reason": "重复操作"}) for _ in range(5)))
    assert sorted(r.status_code for r in responses) == [200] + [409] * 4
    ledger = await kit.ledger(policy)
    assert (ledger["reserved_fen"], ledger["available_fen"]) == (0, 100_000)
