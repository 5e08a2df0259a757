"""Set-up shared by the browser tests (not collected: no test here): GraphQL straight through the gateway as a
given account, a valid unified social credit code, today in Asia/Shanghai, and "a firm of its own" (signed up,
registered, insured with the demo insurer, paid by bank transfer and confirmed). Each test module keeps its own
data choices (town, headcount, names, dates) and passes them in."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import date, timedelta

import httpx

from services.kernel import clock
from tests.visit_day import at_the_visit
from tests.web.conftest import DEMO_PASSWORD

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def valid_uscc() -> str:
    """A made-up unified social credit code in Cixi with a correct check character (GB 32100-2015)."""
    body = "91330282" + "".join(ALPHABET[b % 31] for b in uuid.uuid4().bytes[:9])
    total = sum(ALPHABET.index(c) * w for c, w in zip(body, WEIGHTS, strict=True))
    return body + ALPHABET[(31 - total % 31) % 31]


def today() -> date:
    return clock.today()


class Api:
    """GraphQL straight through the gateway, for set-up and checks."""

    def __init__(self, platform_url: str) -> None:
        self.client = httpx.Client(base_url=platform_url, timeout=30)

    def run(self, document: str, variables: dict | None = None, token: str | None = None) -> dict:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        body = self.client.post("/graphql", json={"query": document, "variables": variables or {}},
                                headers=headers).json()
        assert not body.get("errors"), body
        return body["data"]

    def login(self, email: str, password: str = DEMO_PASSWORD) -> str:
        data = self.run("mutation($e: String!, $p: String!) { login(email: $e, password: $p) { __typename "
                        "... on AuthPayload { token } ... on OperationError { code message } } }",
                        {"e": email, "p": password})
        assert data["login"]["__typename"] == "AuthPayload", data
        return str(data["login"]["token"])

    def sign_up(self, email: str, password: str) -> str:
        """A new firm account; its token (which carries no firm until one is registered)."""
        data = self.run("mutation($e: String!, $p: String!) { signUp(email: $e, password: $p, role: ENTERPRISE) { "
                        "__typename ... on AuthPayload { token } ... on OperationError { code message } } }",
                        {"e": email, "p": password})
        assert data["signUp"]["__typename"] == "AuthPayload", data
        return str(data["signUp"]["token"])

    def org_of(self, email: str) -> str:
        return str(self.run("{ me { orgId } }", token=self.login(email))["me"]["orgId"])


def graphql(platform_url: str, email: str, document: str, variables: dict | None = None) -> dict:
    """One document straight through the gateway, as the given demo account."""
    api = Api(platform_url)
    try:
        return api.run(document, variables, api.login(email))
    finally:
        api.client.close()


def reload_until(page, locator: str, text: str, tries: int = 20) -> None:
    """Reload until the text shows (a service learns of another's change through an event)."""
    for _ in range(tries):
        if text in page.locator(locator).inner_text():
            return
        page.wait_for_timeout(500)
        page.reload()
    assert text in page.locator(locator).inner_text()


def registered_firm(api: Api, *, email: str, password: str, name: str, town: str, employees: int,
                    industry: str, revenue_fen: int = 2_000_000_000, principal: str = "演示负责人",
                    phone: str = "13900004321", **extra) -> dict:
    """A firm account that signs itself up and registers its firm: {id, name, compulsory}."""
    firm = api.run("""mutation($in: EnterpriseInput!) { registerEnterprise(input: $in) { __typename
        ... on Enterprise { id name compulsory } ... on OperationError { code message field } } }""", {"in": {
        "uscc": valid_uscc(), "name": name, "townCode": town, "sector": "INDUSTRY", "industryCode": industry,
        "employees": employees, "annualRevenueFen": revenue_fen, "principalName": principal,
        "contactPhone": phone, **extra}}, api.sign_up(email, password))["registerEnterprise"]
    assert firm["__typename"] == "Enterprise", firm
    return firm


def insured_firm(api: Api, *, name: str, town: str, password: str, employees: int = 20, industry: str = "C34",
                 limit: str = "lowest", reference: str = "BANK-TEST-1", email_prefix: str = "firm",
                 revenue_fen: int = 2_000_000_000, principal: str = "演示负责人", phone: str = "13900004321",
                 **extra) -> dict[str, str]:
    """A firm of its own with an ACTIVE policy from today: signs up, registers (``name`` as given), requests a
    quote of the demo insurer's first product for all its employees at the lowest or highest limit, binds it,
    pays by bank transfer and the insurer confirms the transfer. ``extra`` goes into the registration."""
    email = f"{email_prefix}-{uuid.uuid4().hex[:8]}@example.com"
    firm = registered_firm(api, email=email, password=password, name=name, town=town, employees=employees,
                           industry=industry, revenue_fen=revenue_fen, principal=principal, phone=phone, **extra)
    token = api.login(email, password)  # a token that carries the firm
    insurer = api.login("insurer@demo.anze.cn")
    insurer_id = api.run("{ me { orgId } }", token=insurer)["me"]["orgId"]
    product = api.run("query($i: ID) { products(insurerId: $i) { id limitOptionsFen } }", {"i": insurer_id},
                      token)["products"][0]
    quote = api.run("""mutation($in: QuoteInput!) { requestQuote(input: $in) { __typename ... on Quote { id }
        ... on OperationError { code message } } }""", {"in": {
        "enterpriseId": firm["id"], "productId": product["id"], "headcount": employees,
        "limitPerPersonFen": product["limitOptionsFen"][-1 if limit == "highest" else 0],
        "startDate": today().isoformat()}}, token)["requestQuote"]
    assert quote["__typename"] == "Quote", quote
    policy = api.run("mutation($q: ID!) { bindQuote(quoteId: $q) { ... on Policy { id number premiumFen } } }",
                     {"q": quote["id"]}, token)["bindQuote"]
    payment = api.run("mutation($p: ID!) { startPayment(policyId: $p, method: BANK_TRANSFER) { ... on Payment { id } } }",
                      {"p": policy["id"]}, token)["startPayment"]
    paid = api.run("""mutation($p: ID!, $r: String!) { confirmOfflinePayment(paymentId: $p, reference: $r) {
        ... on Payment { status } } }""", {"p": payment["id"], "r": reference}, insurer)["confirmOfflinePayment"]
    assert paid == {"status": "SUCCEEDED"}, paid
    return {"email": email, "password": password, "token": token, "firm": firm["id"], "name": firm["name"],
            "compulsory": str(firm["compulsory"]), "policy": policy["id"], "number": policy["number"],
            "premium": str(policy["premiumFen"])}


WAIT_FOR_THE_LEDGER = ("INVALID_STATE", "INSUFFICIENT_BUDGET", "NOT_FOUND", "VALIDATION")


def confirmed_visit_of_the_demo_agency(api: Api, token: str, firm_id: str, *, start: date,
                                       pick: Callable[[list[dict]], list[dict]], expert_id: str | None = None,
                                       policy_id: str | None = None, retry_on: tuple[str, ...] = (),
                                       only_slot_taken: bool = False) -> dict:
    """A hazard inspection of the demo agency booked by the firm (``token``) in the fortnight from ``start``
    (only ``expert_id``'s times if given), trying the slots ``pick`` chooses in turn, insurer-funded on
    ``policy_id`` if given, else paid by the firm; the agency confirms it. A slot refused with a code of
    ``retry_on`` is tried again (up to 40 times, half a second apart: bookings learns a policy from an event);
    with ``only_slot_taken`` any other refusal than SLOT_TAKEN fails at once. The booking: {id, number, start}."""
    agency = api.login("agency@demo.anze.cn")
    agency_id = api.run("{ me { orgId } }", token=agency)["me"]["orgId"]
    offering = next(o["id"] for o in api.run("query($a: ID!) { agency(id: $a) { offerings { id serviceType } } }",
                                             {"a": agency_id}, token)["agency"]["offerings"]
                    if o["serviceType"] == "HAZARD_INSPECTION")
    slots = api.run("""query($o: ID!, $f: Date!, $t: Date!, $x: ID) { availableSlots(offeringId: $o, from: $f,
        to: $t, expertId: $x) { start expertId } }""", {"o": offering, "f": start.isoformat(),
                                                        "t": (start + timedelta(days=14)).isoformat(),
                                                        "x": expert_id}, token)["availableSlots"]
    funding = {"policyId": policy_id, "funding": "INSURER"} if policy_id else {"funding": "SELF"}
    booked: dict = {}
    for slot in pick(slots):
        for _ in range(40):
            booked = api.run("""mutation($in: BookVisitInput!) { bookVisit(input: $in) { __typename
                ... on Booking { id number start } ... on OperationError { code message } } }""", {"in": {
                "offeringId": offering, "enterpriseId": firm_id, "start": slot["start"],
                "expertId": slot["expertId"], **funding}}, token)["bookVisit"]
            if booked.get("code") not in retry_on:
                break
            time.sleep(0.5)
        if booked["__typename"] == "Booking":
            break
        assert not only_slot_taken or booked["code"] == "SLOT_TAKEN", booked
    assert booked.get("__typename") == "Booking", f"no free time of the demo agency from {start}: {booked}"
    confirmed = api.run("mutation($b: ID!) { confirmBooking(bookingId: $b) { ... on Booking { status } "
                        "... on OperationError { code message } } }", {"b": booked["id"]}, agency)
    assert confirmed["confirmBooking"] == {"status": "CONFIRMED"}, confirmed
    return booked


def visit_with_a_hazard(api: Api, *, password: str, town: str, hazard: str, days_ahead: int = 35) -> dict[str, str]:
    """A firm of its own (no policy: the visit is paid by the firm) with a visit of the demo agency for the demo
    expert ``days_ahead`` days ahead, confirmed, checked in and reported with one GENERAL hazard: the visit has a
    written hazard notice."""
    email = f"notice-{uuid.uuid4().hex[:8]}@example.com"
    firm = registered_firm(api, email=email, password=password, name=f"演示-整改通知测试厂{uuid.uuid4().hex[:4]}",
                           town=town, employees=20, industry="C26", revenue_fen=800_000_000, phone="13900006789")
    token = api.login(email, password)
    expert = api.login("expert@demo.anze.cn")
    expert_id = api.run("{ me { expertId } }", token=expert)["me"]["expertId"]
    start = today() + timedelta(days=days_ahead)
    booked = confirmed_visit_of_the_demo_agency(
        api, token, firm["id"], start=start, pick=lambda slots: [s for s in slots if s["expertId"] == expert_id][::3],
        only_slot_taken=True)
    step = "mutation($b: ID!) {{ {op}(bookingId: $b) {{ ... on Booking {{ status }} ... on OperationError {{ code }} }} }}"
    with at_the_visit(booked["start"]):  # check-in opens 2 hours before the start; the expert logs in that day
        checked = api.run(step.format(op="checkIn"), {"b": booked["id"]}, api.login("expert@demo.anze.cn"))
    assert checked["checkIn"] == {"status": "CHECKED_IN"}, checked
    deadline = (start + timedelta(days=30)).isoformat()
    reported = api.run("""mutation($b: ID!, $in: VisitReportInput!) { submitVisitReport(bookingId: $b,
        input: $in) { __typename ... on OperationError { code message } } }""", {"b": booked["id"], "in": {
        "summary": "现场检查(文书测试)", "items": ["危化品储存"], "hazards": [{
            "grade": "GENERAL", "description": hazard, "location": "仓库", "deadline": deadline}]}}, expert)
    assert reported["submitVisitReport"]["__typename"] == "Booking", reported
    return {"email": email, "firm": firm["name"], "firm_id": firm["id"], "booking": booked["id"],
            "number": booked["number"]}


def visit_start(platform_url: str, booking_id: str) -> str:
    """When a visit starts (as its expert sees it)."""
    return str(graphql(platform_url, "expert@demo.anze.cn", "query($b: ID!) { booking(id: $b) { start } }",
                       {"b": booking_id})["booking"]["start"])


def check_in_too_early_then_on_the_day(page, platform_url: str, booking_id: str, shots=None) -> None:
    """The expert taps 到场签到 days before the visit: refused in Chinese with the time check-in opens, still
    待签到; then on the day (the pinned clock travels to just after the start) the same tap checks in."""
    from datetime import datetime

    from services.kernel.clock import SHANGHAI
    from tests.visit_day import at_the_visit
    from tests.web.conftest import log_in

    start = visit_start(platform_url, booking_id)
    page.goto(f"/expert/visits/{booking_id}")
    page.click("form[action$='/check-in'] button")
    opens = (datetime.fromisoformat(start) - timedelta(hours=2)).astimezone(SHANGHAI).strftime("%H:%M")
    message = page.locator("#check-in-error").inner_text()
    assert "签到尚未开放" in message and opens in message, message
    assert page.locator("#booking-status").inner_text() == "已确认"
    if shots is not None:
        shots(page, "check-in-too-early")
    with at_the_visit(start):
        page.goto(f"/expert/visits/{booking_id}")
        if "/login" in page.url:  # days later the login may have lapsed, as it would for the expert
            log_in(page, "expert@demo.anze.cn")
            page.goto(f"/expert/visits/{booking_id}")
        page.click("form[action$='/check-in'] button")
        assert page.locator("#booking-status").inner_text() == "已签到"
    # back on the suite's clock, the session made on the visit day is not yet valid: log in again, as after a
    # day away, and return to the visit's page
    log_in(page, "expert@demo.anze.cn")
    page.goto(f"/expert/visits/{booking_id}")
