"""Complaints in real Chromium on the demo platform: a firm (its own account, made by the admin for a firm
other than the demo one, so that the other journeys keep their state) files a complaint about the demo agency;
the agency extends the deadline once and answers; the firm reads the answer; the bureau follows its region's
complaints with the overdue filter and records a fact check; another firm cannot open the complaint."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.web.conftest import PHONE, log_in
from tests.web.setup import Api, graphql, reload_until, today

pytestmark = pytest.mark.browser

PASSWORD = "complaint-firm-pass-1"
GUANHAIWEI = "330282107"
state: dict[str, str] = {}


def second_firm(platform_url: str) -> tuple[str, str]:
    """(email, agency id): an account for a firm of the region that is not the demo firm, made by the admin."""
    if "email" not in state:
        demo = graphql(platform_url, "enterprise@demo.anze.cn", "{ me { orgId } }")["me"]["orgId"]
        firms = graphql(platform_url, "bureau@demo.anze.cn", """query($t: String) { enterprises(first: 20,
            filter: {townCode: $t}) { nodes { id name } } }""", {"t": GUANHAIWEI})  # a town the demo agency serves
        firm = next(n for n in firms["enterprises"]["nodes"] if n["id"] != demo)
        email = f"firm-{uuid.uuid4().hex[:8]}@test.anze.cn"
        made = graphql(platform_url, "admin@demo.anze.cn", """mutation($i: AccountInput!) { createAccount(input: $i) {
            __typename ... on OperationError { code message } } }""", {"i": {
            "email": email, "password": PASSWORD, "role": "ENTERPRISE", "orgId": firm["id"]}})
        assert made["createAccount"]["__typename"] == "User", made
        state.update(email=email, firm=firm["id"], firm_name=firm["name"],
                     agency=graphql(platform_url, "agency@demo.anze.cn", "{ me { orgId } }")["me"]["orgId"])
    return state["email"], state["agency"]


def test_firm_files_a_complaint_the_agency_answers_and_the_firm_reads_it(open_page, shots, platform_url) -> None:
    email, agency_id = second_firm(platform_url)
    firm = open_page(viewport=PHONE)
    log_in(firm, email, PASSWORD)
    firm.click("nav.menu a[href='/firm/complaints']")
    expect(firm.locator("main .empty-state")).to_have_text("暂无投诉记录。")
    shots(firm, "firm-no-complaints-yet")
    firm.click("a[href='/firm/complaints/new']")
    firm.fill("#f-description", "约定上午9点上门，专家10点才到，且未出示证件。")
    firm.click("#complaint-form button[type=submit]")
    expect(firm.locator(".has-error #f-agency_id")).to_have_count(1)
    expect(firm.locator(".has-error #f-subject")).to_have_count(1)
    assert firm.input_value("#f-description") == "约定上午9点上门，专家10点才到，且未出示证件。"  # kept
    shots(firm, "firm-complaint-errors-kept")
    firm.select_option("#f-agency_id", agency_id)
    firm.fill("#f-subject", "专家迟到且未出示证件")
    firm.click("#complaint-form button[type=submit]")
    firm.wait_for_url("**/firm/complaints/cmp_*")
    state["complaint"] = firm.url.split("?")[0].rsplit("/", 1)[1]
    assert "待答复" in firm.locator("#complaint-status").inner_text()
    assert "投诉已提交" in firm.locator(".notice").inner_text()
    first_due = firm.locator("#complaint-due").inner_text().split()[0]
    shots(firm, "firm-complaint-filed")

    agency = open_page()
    log_in(agency, "agency@demo.anze.cn")
    agency.click("nav.menu a[href='/agency/complaints']")
    row = agency.locator(f"#complaints tr[data-complaint='{state['complaint']}']")
    assert "专家迟到且未出示证件" in row.inner_text() and first_due in row.inner_text()
    shots(agency, "agency-complaints-to-answer")
    row.locator("a").click()
    agency.fill("#extension-form #f-days", "31")
    agency.fill("#extension-form #f-reason", "需调取门禁记录")
    agency.click("#extension-form button[type=submit]")
    expect(agency.locator("#extension-form .has-error #f-days")).to_have_count(1)
    assert agency.input_value("#extension-form #f-reason") == "需调取门禁记录"
    agency.fill("#extension-form #f-days", "5")
    agency.click("#extension-form button[type=submit]")
    assert "答复期限已延长" in agency.locator(".notice").inner_text()
    assert agency.locator("#complaint-due").inner_text().split()[0] > first_due
    assert agency.locator("#extension-form").count() == 0  # once only
    for name, text in (("request", "要求说明迟到原因并致歉"), ("facts", "经核实专家因交通原因迟到约1小时"),
                       ("basis", "服务合同第5条")):
        agency.fill(f"#answer-form #f-{name}", text)
    agency.click("#answer-form button[type=submit]")
    expect(agency.locator("#answer-form .has-error #f-measures")).to_have_count(1)
    assert agency.input_value("#answer-form #f-basis") == "服务合同第5条"
    shots(agency, "agency-answer-error-kept")
    agency.fill("#answer-form #f-measures", "向企业致歉，调整排班并要求专家佩戴证件")
    agency.click("#answer-form button[type=submit]")
    expect(agency.locator("#complaint-status")).to_contain_text("已答复")
    shots(agency, "agency-answered")

    firm.reload()
    answer = firm.locator("#complaint-answer").inner_text()
    assert "向企业致歉，调整排班并要求专家佩戴证件" in answer and "经核实专家因交通原因迟到约1小时" in answer
    assert "已答复" in firm.locator("#complaint-status").inner_text()
    firm.click("a[href='/firm/complaints']")
    assert "已答复" in firm.locator(f"tr[data-complaint='{state['complaint']}']").inner_text()
    shots(firm, "firm-reads-the-answer")


def test_sending_the_complaint_form_again_files_one_complaint(open_page, shots, platform_url) -> None:
    email, agency_id = second_firm(platform_url)
    firm = open_page()
    log_in(firm, email, PASSWORD)
    firm.goto("/firm/complaints/new")
    firm.select_option("#f-agency_id", agency_id)
    firm.fill("#f-subject", "培训课时不足")
    firm.fill("#f-description", "合同约定4课时，实际2课时。")
    firm.click("#complaint-form button[type=submit]")
    firm.wait_for_url("**/firm/complaints/cmp_*")
    filed = firm.url.split("?")[0]
    firm.go_back()  # the same form, the same key: sending it again shows the same complaint
    firm.wait_for_url("**/firm/complaints/new")
    firm.click("#complaint-form button[type=submit]")
    firm.wait_for_url("**/firm/complaints/cmp_*")
    assert firm.url.split("?")[0] == filed
    firm.go_back()
    firm.wait_for_url("**/firm/complaints/new")
    firm.fill("#f-subject", "培训课时不足（补充）")
    firm.click("#complaint-form button[type=submit]")  # changed after sending: said so, nothing filed
    assert "这份表单已提交过投诉" in firm.locator(".form-error").inner_text()
    assert firm.input_value("#f-subject") == "培训课时不足（补充）"
    shots(firm, "form-sent-before")
    firm.goto("/firm/complaints")
    assert firm.locator("#complaints tr", has_text="培训课时不足").count() == 1


def test_bureau_sees_the_region_complaints_and_filters_the_overdue_ones(open_page, shots, platform_url) -> None:
    """The clock cannot be set through the gateway, so every complaint filed here is fresh: the overdue filter
    must leave them out, and it shows exactly what the gateway counts as overdue for the bureau."""
    email, agency_id = second_firm(platform_url)
    with_firm = _file_as_second_firm(platform_url, email, agency_id, "收费与报价不一致")
    overdue = graphql(platform_url, "bureau@demo.anze.cn", """{ complaints(filter: {overdue: true}, first: 500) {
        totalCount nodes { id } } }""")["complaints"]

    bureau = open_page()
    log_in(bureau, "bureau@demo.anze.cn")
    bureau.click("nav.menu a[href='/bureau/lists']")
    bureau.click("#complaints-link a[href*='overdue=1']")
    assert bureau.locator("#complaint-filters input[name=overdue]").is_checked()
    rows = bureau.locator("#complaints tbody tr")
    assert rows.count() == min(overdue["totalCount"], 20)
    assert bureau.locator(f"tr[data-complaint='{with_firm}']").count() == 0
    if overdue["totalCount"] == 0:
        assert "没有逾期未答复的投诉。" in bureau.locator("main").inner_text()
    else:
        assert bureau.locator("#complaints tbody tr[data-overdue='1']").count() == rows.count()
    shots(bureau, "bureau-overdue-filter")

    bureau.uncheck("#complaint-filters input[name=overdue]")
    bureau.select_option("#complaint-filters select[name=status]", "OPEN")
    bureau.click("#complaint-filters button[type=submit]")
    row = bureau.locator(f"tr[data-complaint='{with_firm}']")
    assert "收费与报价不一致" in row.inner_text() and state["firm_name"] in row.inner_text()
    answered = state.get("complaint")
    if answered:
        assert bureau.locator(f"tr[data-complaint='{answered}']").count() == 0  # answered, not open
    shots(bureau, "bureau-open-complaints")
    row.locator("a").click()
    due_before = bureau.locator("#complaint-due").inner_text().split()[0]
    assert bureau.locator("#answer-form").count() == 0  # only the agency answers
    bureau.click("#fact-check-form button[type=submit]")
    expect(bureau.locator("#fact-check-form .has-error #f-reason")).to_have_count(1)
    bureau.fill("#fact-check-form #f-reason", "需调取报价单与发票核对")
    bureau.click("#fact-check-form button[type=submit]")
    assert "已记录需核实事实" in bureau.locator(".notice").inner_text()
    assert bureau.locator("#complaint-due").inner_text().split()[0] > due_before
    assert "需调取报价单与发票核对" in bureau.locator("main").inner_text()
    shots(bureau, "bureau-fact-check-recorded")


def test_a_firm_cannot_open_another_firms_complaint_by_changing_the_address(open_page, shots, platform_url) -> None:
    email, agency_id = second_firm(platform_url)
    theirs = _file_as_second_firm(platform_url, email, agency_id, "报告漏项")
    page = open_page()
    log_in(page, "enterprise@demo.anze.cn")
    response = page.goto(f"/firm/complaints/{theirs}")
    assert response is not None and response.status == 403
    assert "无权访问" in page.locator("main").inner_text() and "报告漏项" not in page.content()
    page.goto("/firm/complaints")
    assert page.locator(f"tr[data-complaint='{theirs}']").count() == 0
    shots(page, "other-firm-refused")


def test_firm_complains_about_a_visit_from_its_page(open_page, shots, platform_url) -> None:
    email, agency_id = second_firm(platform_url)
    booking = _book_as_second_firm(platform_url, email, agency_id)
    firm = open_page(viewport=PHONE)
    log_in(firm, email, PASSWORD)
    firm.goto(f"/firm/visits/{booking['id']}")
    firm.click("#complain")
    assert booking["number"] in firm.locator("#complaint-form .callout").inner_text()
    assert firm.input_value("#f-agency_id") == agency_id  # the visit's agency, chosen already
    firm.fill("#f-subject", "预约后迟迟未确认")
    firm.fill("#f-description", "提交预约三天仍未确认，也无人联系。")
    shots(firm, "firm-complains-about-a-visit")
    firm.click("#complaint-form button[type=submit]")
    firm.wait_for_url("**/firm/complaints/cmp_*")
    assert booking["number"] in firm.locator("main").inner_text() and "待答复" in firm.locator(
        "#complaint-status").inner_text()
    complaint = firm.url.split("?")[0].rsplit("/", 1)[1]
    shots(firm, "visit-complaint-filed")

    agency = open_page()
    log_in(agency, "agency@demo.anze.cn")
    agency.goto("/agency/complaints?status=OPEN")
    reload_until(agency, f"tr[data-complaint='{complaint}']", state["firm_name"])  # the firm of its booking
    shots(agency, "agency-sees-the-firm-of-its-visit")

    demo_firm = open_page()
    log_in(demo_firm, "enterprise@demo.anze.cn")
    response = demo_firm.goto(f"/firm/complaints/new?booking={booking['id']}")
    assert response is not None and response.status == 403  # not the demo firm's visit


def _book_as_second_firm(platform_url: str, email: str, agency_id: str) -> dict[str, str]:
    """A self-paid visit of the demo agency three weeks ahead (clear of the journeys' coming week)."""
    start = today() + timedelta(days=22)
    api = Api(platform_url)
    with api.client:
        token = api.login(email, PASSWORD)

        def gql(document: str, variables: dict) -> dict:
            return api.run(document, variables, token)

        offerings = gql("query($a: ID!) { agency(id: $a) { offerings { id bookable townCodes } } }",
                        {"a": agency_id})["agency"]["offerings"]
        offering = next(o["id"] for o in offerings if o["bookable"] and GUANHAIWEI in o["townCodes"])
        slots = gql("""query($o: ID!, $f: Date!, $t: Date!) { availableSlots(offeringId: $o, from: $f, to: $t) {
            start expertId } }""", {"o": offering, "f": start.isoformat(),
                                    "t": (start + timedelta(days=14)).isoformat()})["availableSlots"]
        for slot in slots[::5]:
            booked = gql("""mutation($in: BookVisitInput!) { bookVisit(input: $in) { __typename
                ... on Booking { id number } ... on OperationError { code message } } }""", {"in": {
                "offeringId": offering, "enterpriseId": state["firm"], "start": slot["start"],
                "expertId": slot["expertId"], "funding": "SELF"}})["bookVisit"]
            if booked.get("code") == "SLOT_TAKEN":
                continue
            assert booked["__typename"] == "Booking", booked
            return {"id": booked["id"], "number": booked["number"]}
    raise AssertionError("no free slot for the second firm's visit")


def _file_as_second_firm(platform_url: str, email: str, agency_id: str, subject: str) -> str:
    """A complaint filed straight through the gateway by the second firm (set-up, not what is tested)."""
    api = Api(platform_url)
    with api.client:
        filed = api.run("""mutation($in: ComplaintInput!) { fileComplaint(input: $in) { __typename
            ... on Complaint { id } ... on OperationError { code message } } }""",
                        {"in": {"agencyId": agency_id, "subject": subject, "description": "详见附件说明"}},
                        api.login(email, PASSWORD))
    assert filed["fileComplaint"]["__typename"] == "Complaint", filed
    return str(filed["fileComplaint"]["id"])
