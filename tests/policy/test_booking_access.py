"""An agency and its expert read the firms of their own bookings (learnt from bookings events), no others."""

from __future__ import annotations

import pytest
import pytest_asyncio

from services.kernel.auth import Role
from services.kernel.events import Event

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def visits(world):
    """Firm A booked agency 1 (expert 1, self-funded); firm B booked agency 1 (expert 2); firm C's booking
    with agency 1 was cancelled."""
    a, b, c = await world.firm(name="演示-甲厂"), await world.firm(name="演示-乙厂"), await world.firm()
    consumer = world.app.state.runtime.consumer
    suffix = a["id"][-8:]
    agency, other_agency = f"agy_{suffix}", f"agy_other_{suffix}"
    one, two = f"exp_one_{suffix}", f"exp_two_{suffix}"
    for firm, expert, name in ((a, one, "bookings.booking.requested"), (b, two, "bookings.booking.confirmed"),
                               (c, one, "bookings.booking.cancelled")):
        await consumer.handle(Event(name=name, payload={
            "booking_id": f"bkg_{firm['id']}", "number": "YY1", "enterprise_id": firm["id"], "agency_id": agency,
            "policy_id": None, "insurer_id": None, "expert_id": expert, "funding": "SELF", "price_fen": 0}))
    return {"a": a, "b": b, "c": c, "agency": agency, "other_agency": other_agency, "one": one, "two": two}


async def test_an_agency_reads_the_firm_of_its_booking(world, visits):
    r = await world.client.get(f"/v1/enterprises/{visits['a']['id']}", headers=world.as_(Role.AGENCY, visits["agency"]))
    assert r.status_code == 200, r.text
    firm = r.json()
    assert firm["name"] == "演示-甲厂" and firm["town_code"] and firm["principal_name"] and firm["contact_phone"]


async def test_an_agency_lists_only_the_firms_of_its_bookings_that_are_not_cancelled(world, visits):
    ids = ",".join(visits[k]["id"] for k in "abc")
    r = await world.client.get(f"/v1/enterprises?ids={ids}", headers=world.as_(Role.AGENCY, visits["agency"]))
    assert sorted(f["id"] for f in r.json()["items"]) == sorted([visits["a"]["id"], visits["b"]["id"]])
    everything = await world.client.get("/v1/enterprises", headers=world.as_(Role.AGENCY, visits["agency"]))
    assert everything.json()["total"] == 2
    cancelled = await world.client.get(f"/v1/enterprises/{visits['c']['id']}",
                                       headers=world.as_(Role.AGENCY, visits["agency"]))
    assert cancelled.status_code == 403


async def test_another_agency_reading_the_firm_is_forbidden(world, visits):
    headers = world.as_(Role.AGENCY, visits["other_agency"])
    r = await world.client.get(f"/v1/enterprises/{visits['a']['id']}", headers=headers)
    assert r.status_code == 403 and r.json()["code"] == "FORBIDDEN"
    assert (await world.client.get("/v1/enterprises", headers=headers)).json()["items"] == []


async def test_an_expert_reads_the_firm_of_a_visit_assigned_to_them_not_another_experts(world, visits):
    mine = world.keys.headers(Role.EXPERT, org=visits["agency"], expert=visits["one"])
    r = await world.client.get(f"/v1/enterprises/{visits['a']['id']}", headers=mine)
    assert r.status_code == 200 and r.json()["contact_phone"] == "13900000000"
    r = await world.client.get(f"/v1/enterprises/{visits['b']['id']}", headers=mine)
    assert r.status_code == 403 and r.json()["code"] == "FORBIDDEN"
    listed = await world.client.get("/v1/enterprises", headers=mine)
    assert [f["id"] for f in listed.json()["items"]] == [visits["a"]["id"]]


async def test_an_agency_or_expert_still_cannot_edit_the_firm(world, visits):
    r = await world.client.patch(f"/v1/enterprises/{visits['a']['id']}", headers=world.as_(
        Role.AGENCY, visits["agency"]), json={"contact_phone": "13800000000"})
    assert r.status_code == 403
