"""Nested fields across the three services are fetched in batches: the number of calls from the gateway
to the services does not grow with the length of the list."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.kernel import clock

pytestmark = pytest.mark.asyncio(loop_scope="package")

NESTED = """query($n: Int, $e: ID) { bookings(first: $n, filter: {enterpriseId: $e}) { totalCount nodes {
  id number status funding start
  enterprise { id name insured policies { id number } }
  policy { id number preventionSpentFen insurer { name } product { name } }
  offering { id serviceType priceFen agency { id name } }
  agency { id name experts { id name } offerings { id } }
  expert { id name agency { id name } }
  hazards { id status booking { id } }
} } }"""

BOOKINGS = 6


async def book_visits(platform, count: int) -> list[str]:
    ctx = platform.ctx
    start = clock.today() + timedelta(days=20)
    slots = (await platform.data("""query($o: ID!, $f: Date!, $t: Date!) { availableSlots(offeringId: $o, from: $f,
        to: $t) { start expertId } }""", {"o": ctx["demo_offering_id"], "f": start.isoformat(),
                                          "t": (start + timedelta(days=21)).isoformat()}, as_="enterprise"))
    ids: list[str] = []
    # Every seventh slot, and the next one when the service finds a slot taken after all (the bookings
    # service can offer a slot that overlaps another visit's travel buffer; reported to its team).
    for slot in slots["availableSlots"][::7]:
        if len(ids) == count:
            break
        booked = (await platform.data("""mutation($in: BookVisitInput!) { bookVisit(input: $in) { __typename
            ... on Booking { id } ... on OperationError { code message } } }""", {"in": {
            "offeringId": ctx["demo_offering_id"], "enterpriseId": ctx["demo_enterprise_id"],
            "start": slot["start"], "expertId": slot["expertId"], "funding": "SELF"}}, as_="enterprise"))["bookVisit"]
        if booked.get("code") == "SLOT_TAKEN":
            continue
        assert booked["__typename"] == "Booking", booked
        ids.append(booked["id"])
    assert len(ids) == count
    return ids


async def calls_for(platform, first: int, as_: str) -> tuple[dict[str, int], list]:
    before = platform.gateway.service_calls()
    body = await platform.gql(NESTED, {"n": first, "e": platform.ctx["demo_enterprise_id"]}, as_=as_)
    after = platform.gateway.service_calls()
    assert not body.get("errors"), body["errors"]
    return {k: after[k] - before[k] for k in after}, body["data"]["bookings"]["nodes"]


async def test_service_calls_for_a_nested_list_do_not_grow_with_its_length(platform):
    await book_visits(platform, BOOKINGS)
    one, one_nodes = await calls_for(platform, 1, "enterprise")
    many, many_nodes = await calls_for(platform, BOOKINGS, "enterprise")
    assert len(one_nodes) == 1 and len(many_nodes) == BOOKINGS
    assert all(n["enterprise"]["id"] == platform.ctx["demo_enterprise_id"] for n in many_nodes)
    assert all(n["offering"]["agency"]["id"] == platform.ctx["demo_agency_id"] for n in many_nodes)
    assert all(n["expert"]["agency"]["id"] == platform.ctx["demo_agency_id"] for n in many_nodes)
    assert all(one[service] >= 1 for service in ("policy", "providers", "bookings")), one
    assert many == one, f"{BOOKINGS} bookings made {many} calls, one booking {one}"


POLICIES_WITH_PAYMENTS = """query($n: Int) { policies(first: $n) { nodes { id number payments { id status amountFen }
} } }"""


async def calls_to(platform, service: str, document: str, first: int, as_: str) -> tuple[int, list]:
    """The calls one query makes to ``service``, and the list's nodes."""
    before = platform.gateway.service_calls()
    data = await platform.data(document, {"n": first}, as_=as_)
    [nodes] = [v["nodes"] for v in data.values()]
    return platform.gateway.service_calls()[service] - before[service], nodes


async def test_the_payments_of_a_list_of_policies_come_in_one_call(platform):
    one_calls, one = await calls_to(platform, "policy", POLICIES_WITH_PAYMENTS, 1, "insurer")
    many_calls, many = await calls_to(platform, "policy", POLICIES_WITH_PAYMENTS, 50, "insurer")
    assert len(one) == 1 and len(many) >= 10
    paid = [n for n in many if n["payments"]]
    assert paid and all(p["status"] for n in paid for p in n["payments"])  # the rows reach their own policy
    assert many_calls == one_calls == 2, (one_calls, many_calls)  # the list, then every policy's payments


AGENCIES_WITH_QUALIFICATIONS = """query($n: Int) { agencies(first: $n) { nodes { id qualifications { id validUntil }
} } }"""


async def test_the_qualifications_of_a_list_of_agencies_come_in_one_call(platform):
    one_calls, one = await calls_to(platform, "providers", AGENCIES_WITH_QUALIFICATIONS, 1, "bureau")
    many_calls, many = await calls_to(platform, "providers", AGENCIES_WITH_QUALIFICATIONS, 50, "bureau")
    assert len(one) == 1 and len(many) >= 3
    assert all(a["qualifications"] for a in many)  # every demo agency holds some
    assert many_calls == one_calls == 2, (one_calls, many_calls)  # the list, then every agency's qualifications
