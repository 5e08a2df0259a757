"""The thin journey through every part, as the demo accounts, through GraphQL only: a micro firm in
观海卫镇 buys cover by bank transfer, the bureau sees coverage rise by exactly one, the firm books an
insurer-funded hazard inspection, the expert reports a hazard, the firm rectifies, the expert closes it,
and the visit's price shows as prevention spend on the policy. Run embedded and distributed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.visit_day import at_the_visit


async def _journey(anonymous, Steps) -> None:
    steps = Steps(anonymous)
    eventually = Steps.eventually
    who = await steps.accounts()
    enterprise, insurer, bureau = who["enterprise"], who["insurer"], who["bureau"]
    insurer_id = (await insurer("query { me { orgId } }"))["me"]["orgId"]

    firm = await steps.my_firm(enterprise)
    assert firm["townCode"] == "330282107" and firm["sizeClass"] == "MICRO" and firm["insured"] is False
    insured_before = await steps.insured_in_town(bureau)

    bound = await steps.quote_and_bind(enterprise, firm, insurer_id)
    policy_id = bound["policy"]["id"]
    assert bound["quote"]["preventionBudgetFen"] <= bound["quote"]["premiumFen"] * 21 // 100
    payment = await steps.pay_by_bank_transfer(enterprise, insurer, policy_id)
    assert payment["amountFen"] == bound["quote"]["premiumFen"]

    policy = (await enterprise("""query($id: ID!) { policy(id: $id) { status number premiumFen preventionBudgetFen
        enterprise { id insured } insurer { id } } }""", id=policy_id))["policy"]
    assert policy["status"] == "ACTIVE" and policy["enterprise"]["insured"] is True
    assert await steps.insured_in_town(bureau) == insured_before + 1

    offering = await steps.demo_offering(enterprise)
    slot = (await steps.slots(enterprise, offering["id"]))[0]

    attempts: list[dict] = []

    async def booked():  # the ledger is opened by the activation event, asynchronously
        result = await steps.book(enterprise, offering_id=offering["id"], firm_id=firm["id"],
                                  start=slot["start"], funding="INSURER", policy_id=policy_id)
        attempts.append(result)
        return result if result["__typename"] == "Booking" else None

    try:
        booking = await eventually(booked)
    except AssertionError as exc:
        raise AssertionError(f"the insurer-funded booking never went through: {attempts[-1]}") from exc
    assert booking["status"] == "REQUESTED" and booking["funding"] == "INSURER"
    booking_id = booking["id"]

    agency, expert = who["agency"], who["expert"]
    confirmed = (await agency("""mutation($b: ID!) { confirmBooking(bookingId: $b) {
        __typename ... on Booking { status expert { id } } ... on OperationError { code message } } }""",
                              b=booking_id))["confirmBooking"]
    assert confirmed["status"] == "CONFIRMED", confirmed
    with at_the_visit(slot["start"]):  # check-in opens 2 hours before the start (distributed: see its fixture)
        on_the_day = await anonymous.login("expert")  # the morning's token has expired by then
        checked = (await on_the_day("""mutation($b: ID!) { checkIn(bookingId: $b) {
            __typename ... on Booking { status } ... on OperationError { code message } } }""",
                                b=booking_id))["checkIn"]
    assert checked["status"] == "CHECKED_IN", checked
    deadline = (Steps.today() + timedelta(days=14)).isoformat()
    reported = (await expert("""mutation($b: ID!, $in: VisitReportInput!) { submitVisitReport(bookingId: $b, input: $in) {
        __typename ... on Booking { status hazards { id grade status deadline } } ... on OperationError { code message } } }""",
                             b=booking_id, **{"in": {
                                 "summary": "车间安全检查 (演示)", "items": ["电气线路", "消防通道"],
                                 "hazards": [{"grade": "GENERAL", "description": "消防通道堆放杂物",
                                              "deadline": deadline, "location": "一号车间"}]}}))["submitVisitReport"]
    assert reported["status"] == "REPORTED", reported
    hazard_id = reported["hazards"][0]["id"]
    assert reported["hazards"][0]["status"] == "OPEN"

    acknowledged = (await enterprise("""mutation($b: ID!) { acknowledgeVisitReport(bookingId: $b) {
        __typename ... on Booking { status } ... on OperationError { code message } } }""",
                                     b=booking_id))["acknowledgeVisitReport"]
    assert acknowledged["status"] == "ACKNOWLEDGED", acknowledged
    submitted = (await enterprise("""mutation($h: ID!, $in: RectificationInput!) { submitRectification(hazardId: $h, input: $in) {
        __typename ... on Hazard { status } ... on OperationError { code message } } }""",
                                  h=hazard_id, **{"in": {"description": "杂物已清理"}}))["submitRectification"]
    assert submitted["status"] == "RECTIFICATION_SUBMITTED", submitted
    closed = (await expert("""mutation($h: ID!) { verifyRectification(hazardId: $h, accepted: true, note: "现场复核通过") {
        __typename ... on Hazard { status } ... on OperationError { code message } } }""", h=hazard_id))["verifyRectification"]
    assert closed["status"] == "CLOSED", closed

    final = (await insurer("""query($id: ID!) { policy(id: $id) { preventionBudgetFen preventionSpentFen
        bookings { id status hazards { status } } } }""", id=policy_id))["policy"]
    assert final["preventionSpentFen"] == offering["priceFen"]
    assert [b["status"] for b in final["bookings"]] == ["ACKNOWLEDGED"]
    assert final["bookings"][0]["hazards"][0]["status"] == "CLOSED"


async def test_journey_embedded(embedded, steps):
    await _journey(embedded, steps)
    # What an operator's dashboard sees of that journey: the facts and the events consumed across parts.
    metrics = (await embedded.http.get("/metrics")).text
    for sample in ('anze_business_events_total{fact="policy_activated",service="policy"}',
                   'anze_business_events_total{fact="visit_reported",service="bookings"}',
                   'anze_business_events_total{fact="hazard_closed",service="bookings"}',
                   'anze_events_consumed_total{event="policy.policy.activated",service="bookings"}'):
        assert sample in metrics, sample


@pytest.mark.distributed
async def test_journey_distributed(distributed, steps):
    await _journey(distributed.gql, steps)
