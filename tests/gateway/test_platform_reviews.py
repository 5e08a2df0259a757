"""Reviews through the gateway: the demo firm reviews its own acknowledged visit once (stars 1 to 5), the agency
replies once; the wrong accounts (the agency reviewing, the firm replying, the public reading) are refused with
the service's codes. The visit is booked seven weeks ahead, away from the journeys' first free time."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.gateway.test_platform_journey import china_today

pytestmark = pytest.mark.asyncio(loop_scope="package")

STEP = ("mutation($b: ID!) {{ {op}(bookingId: $b) {{ __typename ... on Booking {{ status }} "
        "... on OperationError {{ code message }} }} }}")
REVIEW = """mutation($b: ID!, $r: Int!, $t: String!) { reviewVisit(bookingId: $b, input: {rating: $r, text: $t}) {
  __typename ... on Review { id rating text reply booking { id } } ... on OperationError { code message field } } }"""
REPLY = """mutation($r: ID!, $t: String!) { replyToReview(reviewId: $r, text: $t) {
  __typename ... on Review { id reply repliedAt } ... on OperationError { code message field } } }"""


async def reported_visit_of_the_demo_firm(platform) -> str:
    ctx = platform.ctx
    start = china_today() + timedelta(days=49)
    slots = (await platform.data("""query($o: ID!, $f: Date!, $t: Date!) { availableSlots(offeringId: $o, from: $f,
        to: $t) { start expertId } }""", {"o": ctx["demo_offering_id"], "f": start.isoformat(),
                                          "t": (start + timedelta(days=7)).isoformat()}, as_="enterprise"))
    booked: dict = {}
    for slot in slots["availableSlots"][::2]:
        booked = (await platform.data("""mutation($in: BookVisitInput!) { bookVisit(input: $in) { __typename
            ... on Booking { id } ... on OperationError { code message } } }""", {"in": {
            "offeringId": ctx["demo_offering_id"], "enterpriseId": ctx["demo_enterprise_id"], "start": slot["start"],
            "expertId": slot["expertId"], "funding": "SELF"}}, as_="enterprise"))["bookVisit"]
        if booked["__typename"] == "Booking":
            break
    assert booked.get("__typename") == "Booking", booked
    bid = {"b": booked["id"]}
    assert (await platform.data(STEP.format(op="confirmBooking"), bid, as_="agency"))["confirmBooking"][
        "status"] == "CONFIRMED"
    start = (await platform.data("query($b: ID!) { booking(id: $b) { start } }", {"b": booked["id"]}, as_="expert"))["booking"]["start"]
    async with platform.at_the_visit(start):  # check-in opens 2 hours before the start
        checked = await platform.data(STEP.format(op="checkIn"), bid, as_="expert")
    assert checked["checkIn"]["status"] == "CHECKED_IN"
    reported = (await platform.data("""mutation($b: ID!) { submitVisitReport(bookingId: $b, input: {
        summary: "现场检查(评价测试)", items: ["消防通道"], hazards: []}) { __typename
        ... on OperationError { code message } } }""", bid, as_="expert"))["submitVisitReport"]
    assert reported["__typename"] == "Booking", reported
    return str(booked["id"])


async def wait_for_review_state(platform, booking: str, code: str | None) -> dict:
    """Providers learns of the report and its acknowledgement by events: retry until the answer settles."""
    import asyncio

    for _ in range(100):
        got = (await platform.data(REVIEW, {"b": booking, "r": 4, "t": "专家认真细致"}, as_="enterprise"))["reviewVisit"]
        if got.get("code") == code or (code is None and got["__typename"] == "Review"):
            return got
        await asyncio.sleep(0.2)
    raise AssertionError(got)


async def test_a_firm_reviews_its_acknowledged_visit_once_and_the_agency_replies_once(platform):
    booking = await reported_visit_of_the_demo_firm(platform)
    early = (await platform.data(REVIEW, {"b": booking, "r": 4, "t": "太早"}, as_="enterprise"))["reviewVisit"]
    assert early["code"] == "INVALID_STATE", early  # not acknowledged yet
    acked = await platform.data(STEP.format(op="acknowledgeVisitReport"), {"b": booking}, as_="enterprise")
    assert acked["acknowledgeVisitReport"]["status"] == "ACKNOWLEDGED"
    before = (await platform.data("query($a: ID!) { agency(id: $a) { rating ratingCount } }",
                                  {"a": platform.ctx["demo_agency_id"]}))["agency"]

    by_agency = (await platform.data(REVIEW, {"b": booking, "r": 5, "t": "自夸"}, as_="agency"))["reviewVisit"]
    assert by_agency["code"] == "FORBIDDEN"
    six = (await platform.data(REVIEW, {"b": booking, "r": 6, "t": ""}, as_="enterprise"))["reviewVisit"]
    assert (six["code"], six["field"]) == ("VALIDATION", "rating")

    review = await wait_for_review_state(platform, booking, None)
    assert (review["rating"], review["text"], review["reply"]) == (4, "专家认真细致", None)
    assert review["booking"] == {"id": booking}
    again = (await platform.data(REVIEW, {"b": booking, "r": 1, "t": "再评"}, as_="enterprise"))["reviewVisit"]
    assert again["code"] == "CONFLICT", again

    after = (await platform.data("query($a: ID!) { agency(id: $a) { rating ratingCount } }",
                                 {"a": platform.ctx["demo_agency_id"]}))["agency"]
    assert after["ratingCount"] == before["ratingCount"] + 1

    by_firm = (await platform.data(REPLY, {"r": review["id"], "t": "冒名回复"}, as_="enterprise"))["replyToReview"]
    assert by_firm["code"] == "FORBIDDEN"
    replied = (await platform.data(REPLY, {"r": review["id"], "t": "感谢认可"}, as_="agency"))["replyToReview"]
    assert replied["reply"] == "感谢认可" and replied["repliedAt"], replied
    twice = (await platform.data(REPLY, {"r": review["id"], "t": "再回复"}, as_="agency"))["replyToReview"]
    assert twice["code"] == "CONFLICT"

    listed = (await platform.data("query($a: ID!) { reviews(agencyId: $a, first: 5) { totalCount nodes { id reply } } }",
                                  {"a": platform.ctx["demo_agency_id"]}, as_="insurer"))["reviews"]
    assert {"id": review["id"], "reply": "感谢认可"} in listed["nodes"]
    one = (await platform.data("query($b: ID!) { reviews(bookingId: $b) { nodes { id } } }", {"b": booking},
                               as_="enterprise"))["reviews"]
    assert one["nodes"] == [{"id": review["id"]}]


async def test_the_public_reads_an_agencys_reviews_without_the_visits(platform):
    body = await platform.gql("query($a: ID!) { reviews(agencyId: $a) { totalCount nodes { rating bookingId "
                              "booking { id } } } }", {"a": platform.ctx["demo_agency_id"]})
    assert not body.get("errors"), body
    nodes = body["data"]["reviews"]["nodes"]
    assert body["data"]["reviews"]["totalCount"] == len(nodes)
    assert all(n["bookingId"] is None and n["booking"] is None for n in nodes)  # nobody's visit is shown
    refused = await platform.gql("query($b: ID!) { reviews(bookingId: $b) { totalCount } }", {"b": "bkg_any"})
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"  # listing by visit is the firm's own
