"""The agency's qualifications and the choice of expert, in real Chromium on the demo platform: the agency adds
a qualification with its scan and sees its expiry, a wrong file is refused next to the field with what was typed
kept, a qualification ending soon is flagged, and the coordinator confirms a visit giving it to a chosen expert,
who then finds it among their visits.

The visit is set up apart from the journeys of ``test_journeys_browser.py``: a new expert of the demo agency whose
certificate starts in 90 days, and a firm-paid booking of the demo firm three months ahead, so the demo expert's
week and the demo firm's insured visit stay as those journeys left them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.web.conftest import PHONE, log_in
from tests.web.setup import Api, today

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
EXPERT_EMAIL, EXPERT_PASSWORD = "wu.xuanpai@test.anze.cn", "wu-expert-password-1"
EXPERT_NAME = "吴选派(测试)"


def fill_qualification(page, number: str, valid_until: str) -> None:
    page.fill("#f-kind", "安全评价机构资质(测试)")
    page.fill("#f-number", number)
    page.fill("#f-issuer", "浙江省应急管理厅")
    page.check("input[name=service_types][value=HAZARD_INSPECTION]")
    page.fill("#f-valid_until", valid_until)


def submit(page) -> None:
    page.click("#qualification-form button[type=submit]")
    page.wait_for_load_state("domcontentloaded")


def test_agency_adds_a_qualification_with_a_pdf_scan_and_sees_its_expiry(open_page, shots) -> None:
    page = open_page()
    log_in(page, "agency@demo.anze.cn")
    page.click("nav.menu a[href='/agency/qualifications']")
    assert page.locator("tr[data-qualification]").count() >= 1  # the one the demo agency applied with
    shots(page, "qualifications")
    until = (today() + timedelta(days=2 * 365)).isoformat()
    fill_qualification(page, "WEB-Q-0001", until)
    page.set_input_files("#f-scan", files=[{"name": "证书.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    submit(page)
    assert "done=qualification_added" in page.url, page.locator("main").inner_text()
    row = page.locator("tr[data-qualification]", has_text="WEB-Q-0001")
    assert until in row.locator(".validity").inner_text()
    assert row.get_attribute("data-status") == "VALID" and row.locator(".badge").inner_text() == "有效"
    shots(page, "added-with-scan")
    scan = page.request.get(row.locator("a.scan-link").get_attribute("href"))
    assert scan.ok and scan.body() == PDF and scan.headers["content-type"] == "application/pdf"


def test_the_bureau_sees_the_agencys_qualifications_and_scan_when_vetting(open_page, shots) -> None:
    page = open_page()
    log_in(page, "bureau@demo.anze.cn")
    page.goto("/bureau/agencies?status=APPROVED")
    added = page.locator(".qualifications [data-qualification]", has_text="WEB-Q-0001")
    assert added.count() == 1, "the qualification the agency added is not on the vetting page"
    shots(page, "vetting-with-qualifications")
    scan = page.request.get(added.locator("a").get_attribute("href"))
    assert scan.ok and scan.body() == PDF


def test_a_wrong_file_type_shows_the_error_next_to_the_field(open_page, shots) -> None:
    page = open_page()
    log_in(page, "agency@demo.anze.cn")
    page.goto("/agency/qualifications")
    until = (today() + timedelta(days=400)).isoformat()
    fill_qualification(page, "WEB-Q-0002", until)
    page.set_input_files("#f-scan", files=[{"name": "scan.png", "mimeType": "image/png",
                                            "buffer": b"GIF89a this is not a PNG"}])
    submit(page)
    assert page.locator(".has-error #f-scan").count() == 1
    assert "PDF、PNG 或 JPEG" in page.locator("#e-scan").inner_text()
    assert page.input_value("#f-number") == "WEB-Q-0002" and page.input_value("#f-valid_until") == until
    assert page.is_checked("input[name=service_types][value=HAZARD_INSPECTION]")
    assert page.locator("tr[data-qualification]", has_text="WEB-Q-0002").count() == 0  # nothing half-stored
    shots(page, "wrong-file-type")


def test_a_qualification_expiring_within_30_days_is_flagged(open_page, shots) -> None:
    page = open_page(viewport=PHONE)
    log_in(page, "agency@demo.anze.cn")
    page.goto("/agency/qualifications")
    fill_qualification(page, "WEB-Q-0003", (today() + timedelta(days=12)).isoformat())
    page.set_input_files("#f-scan", files=[{"name": "scan.png", "mimeType": "image/png", "buffer": PNG}])
    submit(page)
    assert "done=qualification_added" in page.url
    warning = page.locator("#expiry-warning")
    assert warning.is_visible() and "WEB-Q-0003" in warning.inner_text() and "12 天后到期" in warning.inner_text()
    row = page.locator("tr[data-qualification]", has_text="WEB-Q-0003")
    assert row.get_attribute("data-status") == "EXPIRING" and row.locator(".badge").inner_text() == "12 天后到期"
    shots(page, "expiring-soon-warning")


def book_far_ahead(platform_url: str) -> tuple[str, str]:
    """A new expert of the demo agency (certified from day 90, with an account) and a firm-paid visit of the demo
    firm on day 91 or later given to another expert: (booking id, new expert id)."""
    api = Api(platform_url)
    with api.client:
        agency_token = api.login("agency@demo.anze.cn")
        agency_id = api.run("{ me { orgId } }", token=agency_token)["me"]["orgId"]
        certified = {"name": "注册安全工程师(测试)", "number": "WEB-ZA-0001", "serviceTypes": ["HAZARD_INSPECTION"],
                     "validFrom": (today() + timedelta(days=90)).isoformat(),
                     "validUntil": (today() + timedelta(days=3 * 365)).isoformat()}
        created = api.run("""mutation($a: ID!, $in: ExpertInput!) { addExpert(agencyId: $a,
            input: $in) { __typename ... on Expert { id } ... on OperationError { code message } } }""",
                          {"a": agency_id, "in": {"name": EXPERT_NAME, "specialties": ["HAZARD_INSPECTION"],
                                                  "certificates": [certified]}}, agency_token)["addExpert"]
        assert created["__typename"] == "Expert", created
        expert_id = created["id"]
        account = api.run("""mutation($in: AccountInput!) { createAccount(input: $in) {
            __typename ... on OperationError { code message } } }""", {"in": {
            "email": EXPERT_EMAIL, "password": EXPERT_PASSWORD, "role": "EXPERT", "orgId": agency_id,
            "expertId": expert_id, "displayName": EXPERT_NAME}}, agency_token)["createAccount"]
        assert account["__typename"] == "User", account
        offering = next(o["id"] for o in api.run("query($id: ID!) { agency(id: $id) { offerings { id serviceType "
                                                 "} } }", {"id": agency_id}, agency_token)["agency"]["offerings"]
                        if o["serviceType"] == "HAZARD_INSPECTION")

        firm_token = api.login("enterprise@demo.anze.cn")
        firm_id = api.run("{ me { orgId } }", token=firm_token)["me"]["orgId"]
        start = today() + timedelta(days=91)
        slots = api.run("""query($o: ID!, $f: Date!, $t: Date!) { availableSlots(offeringId: $o,
            from: $f, to: $t) { start expertId } }""", {"o": offering, "f": start.isoformat(),
                                                        "t": (start + timedelta(days=14)).isoformat()}, firm_token)
        for slot in [s for s in slots["availableSlots"] if s["expertId"] != expert_id][::5]:
            booked = api.run("""mutation($in: BookVisitInput!) { bookVisit(input: $in) {
                __typename ... on Booking { id expert { id } } ... on OperationError { code message } } }""",
                             {"in": {"offeringId": offering, "enterpriseId": firm_id, "start": slot["start"],
                                     "expertId": slot["expertId"], "funding": "SELF"}}, firm_token)["bookVisit"]
            if booked.get("code") == "SLOT_TAKEN":
                continue
            assert booked["__typename"] == "Booking", booked
            assert booked["expert"]["id"] != expert_id
            return booked["id"], expert_id
    raise AssertionError("no free slot three months ahead")


def test_the_coordinator_confirms_a_visit_giving_it_to_a_chosen_expert(open_page, shots, platform_url) -> None:
    booking_id, expert_id = book_far_ahead(platform_url)
    page = open_page()
    log_in(page, "agency@demo.anze.cn")
    row = page.locator(f"tr[data-booking='{booking_id}']")
    choice = row.locator("select[name=expert_id]")
    assert choice.input_value() == ""  # the default: the expert the booking has, as before
    assert EXPERT_NAME in choice.locator(f"option[value='{expert_id}']").inner_text()
    choice.select_option(expert_id)
    shots(page, "choosing-the-expert")
    row.locator("button[type=submit]").click()
    assert "done=booking_confirmed" in page.url, page.locator("main").inner_text()
    page.goto("/agency?status=CONFIRMED")
    confirmed = page.locator(f"tr[data-booking='{booking_id}']")
    assert EXPERT_NAME in confirmed.inner_text() and "已确认" in confirmed.inner_text()
    shots(page, "confirmed-with-the-chosen-expert")

    expert = open_page(viewport=PHONE)
    log_in(expert, EXPERT_EMAIL, EXPERT_PASSWORD)
    assert expert.locator(f"a.visit-card[data-booking='{booking_id}']").count() == 1
    shots(expert, "the-chosen-experts-day")
