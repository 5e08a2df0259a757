"""Documents in real Chromium: a firm downloads its policy certificate (保险凭证) from its policy list and its policy
page and the PDF shows its policy number and name; the insurer downloads it from its policy page; another firm that
changes the id in the address gets the 403 page, not the PDF. The firm and the expert download a visit's hazard
notice (事故隐患整改通知书) from their visit pages. The firms, the policy and the visit are this module's own (set up
through the gateway): the demo firm's state, which the journeys build on, is left alone; the demo firm is the other
firm here. The visit is the demo agency's, five weeks ahead, past the times the other modules book."""

from __future__ import annotations

import io
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from tests.web.conftest import PHONE, log_in
from tests.web.test_insurer_panel_browser import Api, uscc

pytestmark = pytest.mark.browser

FIRM_PASSWORD = "a-long-password-documents"
ZHOUXIANG = "330282114"  # 周巷镇: away from the demo firm's town, whose coverage the journeys count
GUANHAIWEI = "330282107"  # 观海卫镇, served by the demo agency
HAZARD_TEXT = "危化品仓库未设置防爆照明(文书测试)"


def insured_firm(platform_url: str) -> dict[str, str]:
    """A firm of its own with an ACTIVE policy: signed up, registered, quoted, bound, paid by transfer and
    confirmed by the demo insurer."""
    api = Api(platform_url)
    insurer = api.token("insurer@demo.anze.cn")
    email = f"documents-{uuid.uuid4().hex[:8]}@example.com"
    signed = api.client.post("/graphql", json={"query": 'mutation($e: String!, $p: String!) { signUp(email: $e, '
                                               'password: $p) { ... on AuthPayload { token } } }',
                                               "variables": {"e": email, "p": FIRM_PASSWORD}}).json()
    name = f"演示-保单下载测试厂{uuid.uuid4().hex[:4]}"
    firm = api.run(signed["data"]["signUp"]["token"], """mutation($in: EnterpriseInput!) { registerEnterprise(
        input: $in) { ... on Enterprise { id } ... on OperationError { code message } } }""", {"in": {
        "uscc": uscc(), "name": name, "townCode": ZHOUXIANG, "sector": "INDUSTRY", "industryCode": "C38",
        "employees": 15, "annualRevenueFen": 500_000_000, "principalName": "演示负责人",
        "contactPhone": "13900005678"}})["registerEnterprise"]
    token = api.token(email, FIRM_PASSWORD)  # a token that carries the firm
    product = api.run(token, "query($i: ID) { products(insurerId: $i) { id limitOptionsFen } }",
                      {"i": api.run(insurer, "{ me { orgId } }")["me"]["orgId"]})["products"][0]
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    quote = api.run(token, "mutation($in: QuoteInput!) { requestQuote(input: $in) { ... on Quote { id } } }",
                    {"in": {"enterpriseId": firm["id"], "productId": product["id"], "headcount": 15,
                            "limitPerPersonFen": product["limitOptionsFen"][0], "startDate": today.isoformat()}})
    policy = api.run(token, "mutation($q: ID!) { bindQuote(quoteId: $q) { ... on Policy { id number } } }",
                     {"q": quote["requestQuote"]["id"]})["bindQuote"]
    payment = api.run(token, "mutation($p: ID!) { startPayment(policyId: $p, method: BANK_TRANSFER) { "
                             "... on Payment { id } } }", {"p": policy["id"]})["startPayment"]
    confirmed = api.run(insurer, 'mutation($p: ID!) { confirmOfflinePayment(paymentId: $p, reference: "BANK-DOC-1") '
                                 "{ ... on Payment { status } } }", {"p": payment["id"]})
    assert confirmed["confirmOfflinePayment"]["status"] == "SUCCEEDED", confirmed
    return {"email": email, "firm": name, "policy": policy["id"], "number": policy["number"]}


def visit_with_a_hazard(platform_url: str) -> dict[str, str]:
    """A firm of its own (no policy: the visit is paid by the firm) with a visit of the demo agency for the demo
    expert, confirmed, checked in and reported with one hazard: the visit has a written hazard notice."""
    api = Api(platform_url)
    email = f"notice-{uuid.uuid4().hex[:8]}@example.com"
    signed = api.client.post("/graphql", json={"query": 'mutation($e: String!, $p: String!) { signUp(email: $e, '
                                               'password: $p) { ... on AuthPayload { token } } }',
                                               "variables": {"e": email, "p": FIRM_PASSWORD}}).json()
    firm = api.run(signed["data"]["signUp"]["token"], """mutation($in: EnterpriseInput!) { registerEnterprise(
        input: $in) { ... on Enterprise { id name } ... on OperationError { code message } } }""", {"in": {
        "uscc": uscc(), "name": f"演示-整改通知测试厂{uuid.uuid4().hex[:4]}", "townCode": GUANHAIWEI,
        "sector": "INDUSTRY", "industryCode": "C26", "employees": 20, "annualRevenueFen": 800_000_000,
        "principalName": "演示负责人", "contactPhone": "13900006789"}})["registerEnterprise"]
    token = api.token(email, FIRM_PASSWORD)
    agency, expert = api.token("agency@demo.anze.cn"), api.token("expert@demo.anze.cn")
    agency_id = api.run(agency, "{ me { orgId } }")["me"]["orgId"]
    expert_id = api.run(expert, "{ me { expertId } }")["me"]["expertId"]
    offering = next(o["id"] for o in api.run(token, "query($a: ID!) { agency(id: $a) { offerings { id serviceType "
                                                    "} } }", {"a": agency_id})["agency"]["offerings"]
                    if o["serviceType"] == "HAZARD_INSPECTION")
    start = datetime.now(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=35)
    slots = api.run(token, "query($o: ID!, $f: Date!, $t: Date!) { availableSlots(offeringId: $o, from: $f, to: $t) "
                           "{ start expertId } }", {"o": offering, "f": start.isoformat(),
                                                    "t": (start + timedelta(days=14)).isoformat()})["availableSlots"]
    booked: dict = {}
    for slot in [s for s in slots if s["expertId"] == expert_id][::3]:
        booked = api.run(token, """mutation($in: BookVisitInput!) { bookVisit(input: $in) { __typename
            ... on Booking { id number } ... on OperationError { code message } } }""", {"in": {
            "offeringId": offering, "enterpriseId": firm["id"], "start": slot["start"], "expertId": expert_id,
            "funding": "SELF"}})["bookVisit"]
        if booked["__typename"] == "Booking":
            break
        assert booked["code"] == "SLOT_TAKEN", booked
    assert booked.get("__typename") == "Booking", "no free time of the demo expert five weeks ahead"
    step = "mutation($b: ID!) {{ {op}(bookingId: $b) {{ ... on Booking {{ status }} ... on OperationError {{ code }} }} }}"
    assert api.run(agency, step.format(op="confirmBooking"), {"b": booked["id"]})["confirmBooking"] == {
        "status": "CONFIRMED"}
    assert api.run(expert, step.format(op="checkIn"), {"b": booked["id"]})["checkIn"] == {"status": "CHECKED_IN"}
    deadline = (start + timedelta(days=30)).isoformat()
    reported = api.run(expert, """mutation($b: ID!, $in: VisitReportInput!) { submitVisitReport(bookingId: $b,
        input: $in) { __typename ... on OperationError { code message } } }""", {"b": booked["id"], "in": {
        "summary": "现场检查(文书测试)", "items": ["危化品储存"], "hazards": [{
            "grade": "GENERAL", "description": HAZARD_TEXT, "location": "仓库", "deadline": deadline}]}})
    assert reported["submitVisitReport"]["__typename"] == "Booking", reported
    return {"email": email, "firm": firm["name"], "firm_id": firm["id"], "booking": booked["id"],
            "number": booked["number"]}


@pytest.fixture(scope="module")
def firm(platform_url: str) -> dict[str, str]:
    return insured_firm(platform_url)


def downloaded_text(page, link: str) -> tuple[str, str]:
    """Click the link as a person would and read the file the browser saved: (its name, its text)."""
    with page.expect_download() as started:
        page.click(link)
    download = started.value
    content = Path(download.path()).read_bytes()
    assert content.startswith(b"%PDF"), content[:200]
    text = "".join(page_.extract_text() for page_ in PdfReader(io.BytesIO(content)).pages)
    return download.suggested_filename, "".join(text.split())


def test_firm_downloads_its_policy_certificate_from_the_list_and_the_policy_page(open_page, shots, firm) -> None:
    page = open_page()
    log_in(page, firm["email"], FIRM_PASSWORD)
    page.click("nav.menu a[href='/firm/policies']")
    row = page.locator(f"tr[data-policy='{firm['policy']}']")
    assert row.locator("a.certificate").inner_text() == "下载保单"
    shots(page, "policy-list-with-download")
    name, text = downloaded_text(page, f"tr[data-policy='{firm['policy']}'] a.certificate")
    assert name == f"policy-{firm['number']}.pdf"
    assert firm["number"] in text and firm["firm"] in text and "安全生产责任保险保险凭证" in text
    assert "保单状态有效" in text

    phone = open_page(viewport=PHONE)
    log_in(phone, firm["email"], FIRM_PASSWORD)
    phone.goto(f"/firm/policies/{firm['policy']}")
    assert phone.locator("#download-certificate").is_visible()
    shots(phone, "policy-page-phone")
    _, text = downloaded_text(phone, "#download-certificate")
    assert firm["number"] in text and firm["firm"] in text


def test_another_firm_changing_the_id_gets_the_403_page_not_the_pdf(open_page, shots, firm) -> None:
    page = open_page()
    log_in(page, "enterprise@demo.anze.cn")
    response = page.goto(f"/firm/policies/{firm['policy']}/certificate.pdf")
    assert response is not None and response.status == 403
    assert response.headers["content-type"].startswith("text/html")
    assert "无权访问" in page.locator("main").inner_text()
    assert firm["number"] not in page.content()
    shots(page, "other-firm-refused")
    missing = page.goto("/firm/policies/pol_nothing/certificate.pdf")
    assert missing is not None and missing.status == 404


def test_insurer_downloads_the_certificate_from_its_policy_page(open_page, shots, firm) -> None:
    page = open_page()
    log_in(page, "insurer@demo.anze.cn")
    page.goto(f"/insurer/policies/{firm['policy']}")
    assert page.locator("#policy-status").inner_text() == "有效"
    shots(page, "insurer-policy-page")
    _, text = downloaded_text(page, "#download-certificate")
    assert firm["number"] in text and firm["firm"] in text


@pytest.fixture(scope="module")
def visit(platform_url: str) -> dict[str, str]:
    return visit_with_a_hazard(platform_url)


def test_firm_and_expert_download_the_hazard_notice_from_the_visit_page(open_page, shots, visit) -> None:
    page = open_page(viewport=PHONE)
    log_in(page, visit["email"], FIRM_PASSWORD)
    page.goto(f"/firm/visits/{visit['booking']}")
    assert HAZARD_TEXT in page.locator("main").inner_text()
    shots(page, "firm-visit-with-notice")
    name, text = downloaded_text(page, "#download-notice")
    assert name.endswith(".pdf")
    assert "事故隐患整改通知书" in text and visit["number"] in text and "".join(HAZARD_TEXT.split()) in text

    expert = open_page(viewport=PHONE)
    log_in(expert, "expert@demo.anze.cn")
    expert.goto(f"/expert/visits/{visit['booking']}")
    shots(expert, "expert-visit-with-notice")
    _, text = downloaded_text(expert, "#download-notice")
    assert visit["number"] in text and visit["firm"] in text

    other = open_page()
    log_in(other, "enterprise@demo.anze.cn")
    refused = other.goto(f"/firm/visits/{visit['booking']}/hazard-notice.pdf")
    assert refused is not None and refused.status == 403 and "无权访问" in other.locator("main").inner_text()


def test_a_policy_awaiting_payment_offers_no_download_and_its_address_says_why(open_page, shots, platform_url,
                                                                               visit) -> None:
    api = Api(platform_url)
    token = api.token(visit["email"], FIRM_PASSWORD)
    product = api.run(token, "{ products { id limitOptionsFen } }")["products"][0]
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    quote = api.run(token, "mutation($in: QuoteInput!) { requestQuote(input: $in) { ... on Quote { id } } }",
                    {"in": {"enterpriseId": visit["firm_id"], "productId": product["id"], "headcount": 20,
                            "limitPerPersonFen": product["limitOptionsFen"][0], "startDate": today.isoformat()}})
    pending = api.run(token, "mutation($q: ID!) { bindQuote(quoteId: $q) { ... on Policy { id } } }",
                      {"q": quote["requestQuote"]["id"]})["bindQuote"]
    page = open_page()
    log_in(page, visit["email"], FIRM_PASSWORD)
    page.goto("/firm/policies")
    row = page.locator(f"tr[data-policy='{pending['id']}']")
    assert "待缴费" in row.inner_text() and row.locator("a.certificate").count() == 0
    page.goto(f"/firm/policies/{pending['id']}")
    assert page.locator("#download-certificate").count() == 0
    response = page.goto(f"/firm/policies/{pending['id']}/certificate.pdf")
    assert response is not None and response.status == 409
    assert "保单缴费生效后才能下载保险凭证" in page.locator("main").inner_text()
    shots(page, "no-certificate-before-payment")
