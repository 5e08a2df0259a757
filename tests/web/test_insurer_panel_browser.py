"""The insurer's agency panel, service plans and prevention ledger, and the firm's ledger, in real Chromium:
the insurer adds an approved agency to its panel and takes it off again with the reason (the demo agency
stays), sees the change history; proposes a service plan on a policy of a firm set up here; reads the ledger
across its book; the firm sees the same figures, its entries with the visit each belongs to, and agrees to
the plan. Nothing the other journeys use is changed: the firm, its policy and its visit are this module's."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest

from tests.web.conftest import PHONE, log_in
from tests.web.setup import Api, insured_firm, today

pytestmark = pytest.mark.browser

OTHER_AGENCY = "宁波衡信安全评价咨询有限公司(演示)"  # approved, not on the demo insurer's panel
PANEL_AGENCY = "慈溪众安应急服务有限公司(演示)"  # on the demo insurer's panel, serves towns the demo firm is not in
FIRM_PASSWORD = "a-long-password-panels"
setup: dict[str, str] = {}


def insured_firm_with_a_visit(platform_url: str) -> dict[str, str]:
    """A firm of its own in a town the panel agency serves: signed up, registered, insured with the demo insurer
    (paid by transfer, confirmed), with one insurer-funded visit booked three weeks ahead."""
    api = Api(platform_url)
    insurer = api.login("insurer@demo.anze.cn")
    agency = next(a for a in api.run("{ agencies(first: 50) { nodes { name offerings { id serviceType "
                                     "townCodes priceFen } } } }", token=insurer)["agencies"]["nodes"]
                  if a["name"] == PANEL_AGENCY)
    offering = next(o for o in agency["offerings"] if o["serviceType"] == "HAZARD_INSPECTION")
    name = f"演示-台账测试机械厂{uuid.uuid4().hex[:4]}"
    own = insured_firm(api, name=name, town=offering["townCodes"][0], password=FIRM_PASSWORD, employees=60,
                       industry="C34", limit="highest", reference="BANK-PANELS-1", email_prefix="panels")
    token = own["token"]
    for _ in range(100):  # the bookings service learns the policy from its event
        if api.run("query($p: ID!) { preventionLedger(policyId: $p) { budgetFen } }",
                   {"p": own["policy"]}, token)["preventionLedger"]:
            break
        time.sleep(0.2)
    start = today() + timedelta(days=21)
    slots = api.run("query($o: ID!, $f: Date!, $t: Date!) { availableSlots(offeringId: $o, from: $f, to: $t) "
                    "{ start expertId } }", {"o": offering["id"], "f": start.isoformat(),
                                             "t": (start + timedelta(days=14)).isoformat()}, token)["availableSlots"]
    booking = None
    for slot in slots[::5]:
        booked = api.run("""mutation($in: BookVisitInput!) { bookVisit(input: $in) { __typename
            ... on Booking { id number } ... on OperationError { code message } } }""", {"in": {
            "offeringId": offering["id"], "enterpriseId": own["firm"], "start": slot["start"],
            "expertId": slot["expertId"], "policyId": own["policy"], "funding": "INSURER"}}, token)["bookVisit"]
        if booked["__typename"] == "Booking":
            booking = booked
            break
        assert booked["code"] == "SLOT_TAKEN", booked
    assert booking is not None, "no free time for the visit"
    return {"email": own["email"], "firm": name, "policy": own["policy"], "number": own["number"],
            "booking": booking["number"]}


@pytest.fixture(scope="module")
def firm(platform_url: str) -> dict[str, str]:
    return insured_firm_with_a_visit(platform_url)


def test_insurer_adds_and_removes_an_agency_and_sees_the_history(open_page, shots) -> None:
    page = open_page()
    log_in(page, "insurer@demo.anze.cn")
    page.click("nav.menu a[href='/insurer/panel']")
    entries = page.locator("#panel-entries")
    assert "慈溪安泰安全技术服务有限公司(演示)" in entries.inner_text()  # the demo agency, left alone
    assert OTHER_AGENCY not in entries.inner_text()
    shots(page, "panel")

    page.fill("#f-criteria", "资质有效、评价良好")
    page.click("#add-agency button[type=submit]")  # no agency chosen: said next to the field
    assert page.locator(".has-error #f-agency_id").count() == 1
    assert page.input_value("#f-criteria") == "资质有效、评价良好"
    shots(page, "add-without-agency")
    page.select_option("#f-agency_id", label=OTHER_AGENCY)
    agency_id = page.input_value("#f-agency_id")
    page.click("#add-agency button[type=submit]")
    assert page.url.endswith("/insurer/panel?done=panel_added")
    row = page.locator(f"#panel-entries tr[data-agency='{agency_id}']")
    assert OTHER_AGENCY in row.inner_text() and "资质有效、评价良好" in row.inner_text()
    assert page.locator(f"#f-agency_id option[value='{agency_id}']").count() == 0  # no longer offered
    shots(page, "agency-added")

    row.locator("button[type=submit]").click()  # no reason: refused, next to that row's field
    row = page.locator(f"#panel-entries tr[data-agency='{agency_id}']")
    assert row.locator(".has-error input[name=reason]").count() == 1
    shots(page, "removal-without-reason")
    row.locator("input[name=reason]").fill("服务投诉较多，暂停合作")
    row.locator("button[type=submit]").click()
    assert page.url.endswith("/insurer/panel?done=panel_removed")
    assert page.locator(f"#panel-entries tr[data-agency='{agency_id}']").count() == 0
    history = page.locator("#panel-changes tbody tr")
    assert history.nth(0).get_attribute("data-action") == "REMOVED"
    assert history.nth(0).get_attribute("data-agency") == agency_id
    assert "服务投诉较多，暂停合作" in history.nth(0).inner_text()
    assert history.nth(1).get_attribute("data-action") == "ADDED" and "资质有效、评价良好" in history.nth(1).inner_text()
    shots(page, "history")
    phone = open_page(viewport=PHONE)
    log_in(phone, "insurer@demo.anze.cn")
    phone.goto("/insurer/panel")
    assert phone.locator("#panel-changes").is_visible()
    shots(phone, "panel-phone")


def test_insurer_proposes_a_service_plan_on_a_policy(open_page, shots, firm) -> None:
    page = open_page()
    log_in(page, "insurer@demo.anze.cn")
    page.goto(f"/insurer/policies/{firm['policy']}")
    assert page.locator("#plan-status").inner_text() == "已确定"
    planned = page.locator("#visits-planned-done").inner_text()
    assert planned.startswith("每年 ") and "/ 0" in planned and "已预约 1 次" in planned
    assert page.locator("#policy-visits tr[data-status='REQUESTED']").count() == 1
    shots(page, "plan-agreed")
    page.click("#service-plan summary")
    page.fill("#f-visits_per_year", "99")
    page.fill("#f-targets", "重大隐患动态清零")
    page.click("#plan-form button[type=submit]")
    assert page.locator(".has-error #f-visits_per_year").count() == 1, page.locator("main").inner_text()
    assert page.locator("#plan-form .field-error").inner_text() == "请填写 0 到 52 之间的整数。"
    assert page.input_value("#f-targets") == "重大隐患动态清零"  # what was typed is kept
    shots(page, "plan-error-kept")
    page.fill("#f-visits_per_year", "8")
    page.check("#plan-form input[value=EMERGENCY_DRILL]")
    page.select_option("#f-agency_id", label=PANEL_AGENCY)
    page.click("#plan-form button[type=submit]")
    assert page.url.endswith("?done=plan_proposed")
    assert page.locator("#plan-status").inner_text() == "待企业同意"
    proposed = page.locator("#plan-proposed").inner_text()
    assert "8" in proposed and "应急演练" in proposed and PANEL_AGENCY in proposed
    shots(page, "plan-proposed")


def ledger_row(page, policy: str):
    """Walk the book's ledger pages to the policy's row."""
    page.goto("/insurer/ledger")
    for _ in range(60):
        row = page.locator(f"#ledgers tr[data-policy='{policy}']")
        if row.count():
            return row
        page.click("nav.pager a[rel=next]")
    raise AssertionError("the policy is not in the book's ledger")


def test_insurer_reads_the_ledger_across_the_book_and_the_firm_the_same_figures(open_page, shots, firm) -> None:
    page = open_page()
    log_in(page, "insurer@demo.anze.cn")
    page.click("nav.menu a[href='/insurer/ledger']")
    policies = int(page.locator("#ledger-totals .stat strong").first.inner_text())
    assert policies > 20 and f"共 {policies} 条" in page.locator("nav.pager").inner_text()
    assert page.locator("#ledgers tbody tr").count() == 20 and page.locator("nav.pager a[rel=next]").count() == 1
    shots(page, "book-ledger")
    row = ledger_row(page, firm["policy"])
    seen = {col: row.locator(f"td[data-col={col}]").inner_text() for col in ("budget", "reserved", "spent",
                                                                               "available")}
    assert firm["number"] in row.inner_text() and firm["firm"] in row.inner_text()
    assert seen["reserved"] != "¥0.00" and seen["spent"] == "¥0.00"
    shots(page, "book-ledger-policy-row")

    mine = open_page(viewport=PHONE)
    log_in(mine, firm["email"], FIRM_PASSWORD)
    assert mine.locator("nav.menu a[href='/firm/ledger']").count() == 1
    mine.goto("/firm/ledger")
    card = mine.locator(f"section.ledger[data-policy='{firm['policy']}']")
    assert {col: card.locator(f"dd[data-col={col}]").inner_text().split(" ")[0]
            for col in seen} == seen
    kinds = [card.locator(".ledger-entries tbody tr").nth(i).get_attribute("data-kind")
             for i in range(card.locator(".ledger-entries tbody tr").count())]
    assert kinds == ["BUDGET", "RESERVATION"]
    assert firm["booking"] in card.locator(".ledger-entries tr[data-kind=RESERVATION]").inner_text()
    shots(mine, "firm-ledger")
    card.locator(".agree-plan button[value=accept]").click()
    assert mine.url.endswith("/firm/ledger?done=plan_agreed")
    card = mine.locator(f"section.ledger[data-policy='{firm['policy']}']")
    assert card.locator(".plan-proposal").count() == 0 and "每年 8 次" in card.inner_text()
    shots(mine, "firm-agreed")
    page.goto(f"/insurer/policies/{firm['policy']}")
    assert page.locator("#plan-status").inner_text() == "已确定"
    assert page.locator("#visits-planned-done").inner_text().startswith("每年 8 次")
    assert page.locator("#prevention-reserved").inner_text() == seen["reserved"]
    shots(page, "insurer-sees-agreed-plan")
