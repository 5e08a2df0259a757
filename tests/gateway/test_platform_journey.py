"""The thin journey through the gateway alone: buy cover, book an insurer-funded visit, report a hazard,
rectify and close it; coverage and the policy's spend move as they should. The firm's steps are taken by the
admin for a firm the bureau registers (the demo micro firm's prevention budget is below a visit's price);
the insurer, agency and expert steps by their demo accounts."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.kernel import clock

pytestmark = pytest.mark.asyncio(loop_scope="package")

GUANHAIWEI = "330282107"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def china_today() -> date:
    return clock.today()


async def insured_in_guanhaiwei(platform) -> int:
    rows = (await platform.data('{ coverage(regionCode: "330282107", groupBy: TOWN) { total { insured } } }',
                                as_="bureau"))["coverage"]["total"]
    return int(rows["insured"])


ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc(body17: str) -> str:
    """A made-up unified social credit code with its check character (GB 32100-2015)."""
    total = sum(ALPHABET.index(c) * w for c, w in zip(body17, WEIGHTS, strict=True))
    return body17 + ALPHABET[(31 - total % 31) % 31]


async def register_firm(platform, employees: int = 60, high_risk_tags: list[str] | None = None) -> str:
    """A firm big enough that its prevention budget pays for a visit (the demo micro firm's does not)."""
    import uuid

    code = uscc("91330282MA2" + "".join(ALPHABET[b % 31] for b in uuid.uuid4().bytes[:6]))
    made = (await platform.data("""mutation($in: EnterpriseInput!) { registerEnterprise(input: $in) {
        __typename ... on Enterprise { id } ... on OperationError { code message field } } }""", {"in": {
        "uscc": code, "name": f"网关测试五金厂{code[-4:]}(演示)", "townCode": GUANHAIWEI, "sector": "INDUSTRY",
        "industryCode": "C33", "employees": employees, "annualRevenueFen": 2_000_000_000,
        "principalName": "测试", "contactPhone": "13800000000", "highRiskTags": high_risk_tags or []}},
        as_="bureau"))["registerEnterprise"]
    assert made["__typename"] == "Enterprise", made
    return str(made["id"])


async def buy_policy(platform, firm_id: str, as_: str, start: date | None = None) -> dict:
    ctx = platform.ctx
    firm = (await platform.data("query($id: ID!) { enterprise(id: $id) { id employees } }",
                                {"id": firm_id}, as_=as_))["enterprise"]
    product = (await platform.data("query($i: ID) { products(insurerId: $i) { id limitOptionsFen } }",
                                   {"i": ctx["insurer_ids"][0]}))["products"][0]
    quote = (await platform.data("""mutation($in: QuoteInput!) { requestQuote(input: $in) { __typename
        ... on Quote { id premiumFen preventionBudgetFen factors { name value } }
        ... on OperationError { code message field } } }""", {"in": {
        "enterpriseId": firm["id"], "productId": product["id"], "headcount": firm["employees"],
        "limitPerPersonFen": product["limitOptionsFen"][-1],
        "startDate": (start or china_today()).isoformat()}},
        as_=as_))["requestQuote"]
    assert quote["__typename"] == "Quote", quote
    policy = (await platform.data("""mutation($q: ID!) { bindQuote(quoteId: $q) { __typename
        ... on Policy { id status premiumFen } ... on OperationError { code message } } }""",
                                  {"q": quote["id"]}, as_=as_))["bindQuote"]
    assert policy["status"] == "PENDING_PAYMENT", policy
    again = (await platform.data("""mutation($q: ID!) { bindQuote(quoteId: $q) {
        ... on OperationError { code } } }""", {"q": quote["id"]}, as_=as_))["bindQuote"]
    assert again["code"] == "INVALID_STATE"
    payment = (await platform.data("""mutation($p: ID!) { startPayment(policyId: $p, method: BANK_TRANSFER) {
        __typename ... on Payment { id status method amountFen bankInstructions { account memo } }
        ... on OperationError { code message } } }""", {"p": policy["id"]}, as_=as_))["startPayment"]
    assert payment["status"] == "PENDING" and payment["amountFen"] == policy["premiumFen"], payment
    confirmed = (await platform.data("""mutation($p: ID!) { confirmOfflinePayment(paymentId: $p, reference: "BANK-001") {
        __typename ... on Payment { status } ... on OperationError { code message } } }""",
                                     {"p": payment["id"]}, as_="insurer"))["confirmOfflinePayment"]
    assert confirmed == {"__typename": "Payment", "status": "SUCCEEDED"}
    paid = (await platform.data("query($id: ID!) { policy(id: $id) { payments { id status method amountFen } } }",
                                {"id": policy["id"]}, as_="insurer"))["policy"]["payments"]
    assert paid == [{"id": payment["id"], "status": "SUCCEEDED", "method": "BANK_TRANSFER",
                     "amountFen": policy["premiumFen"]}]
    return {**policy, "budget": quote["preventionBudgetFen"]}


async def free_slot(platform, offering: str, skip: int = 0) -> dict:
    start = china_today() + timedelta(days=1)
    slots = (await platform.data("""query($o: ID!, $f: Date!, $t: Date!) { availableSlots(offeringId: $o, from: $f,
        to: $t) { start end expertId } }""", {"o": offering, "f": start.isoformat(),
                                              "t": (start + timedelta(days=14)).isoformat()}, as_="enterprise"))
    return slots["availableSlots"][skip]


async def wait_for(check, within: float = 20.0):
    import asyncio

    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not (value := await check()):
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.2)
    return value


async def test_the_journey_closes_the_hazard_and_spends_from_the_policy(platform):
    ctx = platform.ctx
    firm = await register_firm(platform)
    before = await insured_in_guanhaiwei(platform)
    policy = await buy_policy(platform, firm, as_="admin")
    assert await wait_for(lambda: _equals(insured_in_guanhaiwei(platform), before + 1))

    async def ledger_open():
        p = (await platform.data("query($id: ID!) { policy(id: $id) { status preventionSpentFen "
                                 "preventionAvailableFen } }", {"id": policy["id"]}, as_="admin"))["policy"]
        return p if p["status"] == "ACTIVE" and p["preventionAvailableFen"] > 0 else None

    opened = await wait_for(ledger_open)
    assert opened["preventionSpentFen"] == 0

    slot = await free_slot(platform, ctx["demo_offering_id"])
    booked = (await platform.data("""mutation($in: BookVisitInput!) { bookVisit(input: $in) { __typename
        ... on Booking { id number status funding policy { id } offering { serviceType agency { id } }
                         enterprise { id } expert { id } }
        ... on OperationError { code message field } } }""", {"in": {
        "offeringId": ctx["demo_offering_id"], "enterpriseId": firm, "start": slot["start"],
        "expertId": slot["expertId"], "policyId": policy["id"], "funding": "INSURER"}}, as_="admin"))["bookVisit"]
    assert booked["__typename"] == "Booking" and booked["status"] == "REQUESTED", booked
    assert booked["policy"]["id"] == policy["id"] and booked["offering"]["agency"]["id"] == ctx["demo_agency_id"]

    taken = (await platform.data("""mutation($in: BookVisitInput!) { bookVisit(input: $in) {
        ... on OperationError { code } } }""", {"in": {
        "offeringId": ctx["demo_offering_id"], "enterpriseId": ctx["demo_enterprise_id"], "start": slot["start"],
        "expertId": slot["expertId"], "funding": "SELF"}}, as_="enterprise"))["bookVisit"]
    assert taken["code"] == "SLOT_TAKEN"

    bid = {"b": booked["id"]}
    step = "mutation($b: ID!) {{ {op}(bookingId: $b) {{ __typename ... on Booking {{ status }} " \
           "... on OperationError {{ code message }} }} }}"
    confirmed = (await platform.data(step.format(op="confirmBooking"), bid, as_="agency"))["confirmBooking"]
    assert confirmed == {"__typename": "Booking", "status": "CONFIRMED"}, confirmed
    async with platform.at_the_visit(slot["start"]):  # check-in opens 2 hours before the start
        checked = (await platform.data(step.format(op="checkIn"), bid, as_="expert"))["checkIn"]
    assert checked["status"] == "CHECKED_IN", checked
    reported = (await platform.data("""mutation($b: ID!, $in: VisitReportInput!) { submitVisitReport(bookingId: $b,
        input: $in) { __typename ... on Booking { status hazards { id grade status } }
        ... on OperationError { code message field } } }""", {**bid, "in": {
        "summary": "现场检查(演示)", "items": ["消防通道", "配电箱"],
        "hazards": [{"grade": "GENERAL", "description": "配电箱未上锁", "location": "一车间",
                     "deadline": (china_today() + timedelta(days=20)).isoformat()}]}}, as_="expert"))
    report = reported["submitVisitReport"]
    assert report["status"] == "REPORTED" and len(report["hazards"]) == 1, report
    acked = (await platform.data(step.format(op="acknowledgeVisitReport"), bid, as_="admin"))
    assert acked["acknowledgeVisitReport"]["status"] == "ACKNOWLEDGED"

    hazard = {"h": report["hazards"][0]["id"]}
    rectified = (await platform.data("""mutation($h: ID!) { submitRectification(hazardId: $h, input: {
        description: "已加锁(演示)"}) { __typename ... on Hazard { status } ... on OperationError { code message } } }""",
                                     hazard, as_="admin"))["submitRectification"]
    assert rectified["status"] == "RECTIFICATION_SUBMITTED", rectified
    closed = (await platform.data("""mutation($h: ID!) { verifyRectification(hazardId: $h, accepted: true) {
        __typename ... on Hazard { status booking { id } } ... on OperationError { code message } } }""",
                                  hazard, as_="expert"))["verifyRectification"]
    assert closed == {"__typename": "Hazard", "status": "CLOSED", "booking": {"id": booked["id"]}}

    async def spent():
        p = (await platform.data("query($id: ID!) { policy(id: $id) { preventionSpentFen bookings { id } } }",
                                 {"id": policy["id"]}, as_="admin"))["policy"]
        return p if p["preventionSpentFen"] > 0 else None

    final = await wait_for(spent)
    assert final["bookings"] == [{"id": booked["id"]}]


async def _equals(awaitable, expected) -> bool:
    return await awaitable == expected
