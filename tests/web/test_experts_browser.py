"""The agency's experts in real Chromium on the demo platform: the demo agency adds an expert with a certificate
and a login, a certificate ending before it starts is refused next to its end date, the agency sets the
expert's weekly hours and time off and marks them gone and back, the new expert logs in to an empty day, and
another agency gets 403 on the expert's page.

The expert's certificate starts in 400 days, so they are never offered for the visits the other journeys book in
the coming weeks (the demo expert's first free time and the qualifications test's visit three months ahead stay
as they were)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.web.conftest import PHONE, log_in
from tests.web.setup import graphql, today

pytestmark = pytest.mark.browser

NAME = "赵新任(测试)"
PASSWORD = "zhao-expert-password-1"


def new_expert(platform_url: str, *, with_login: bool = False) -> dict[str, str]:
    """An expert of the demo agency made through the API for one test (each test sets up what it needs), with a
    certificate starting in 400 days; with a login when asked."""
    suffix = uuid.uuid4().hex[:6]
    starts = today() + timedelta(days=400)
    agency = graphql(platform_url, "agency@demo.anze.cn", "{ me { orgId } }")["me"]["orgId"]
    made = graphql(platform_url, "agency@demo.anze.cn", """mutation($a: ID!, $in: ExpertInput!) {
        addExpert(agencyId: $a, input: $in) { __typename ... on Expert { id } ... on OperationError { code message } } }""",
                   {"a": agency, "in": {"name": f"{NAME}{suffix}", "phone": "13900001111", "certificates": [{
                       "name": "注册安全工程师(测试)", "number": f"WEB-EXP-{suffix}", "serviceTypes": ["HAZARD_INSPECTION"],
                       "validFrom": starts.isoformat(),
                       "validUntil": (starts + timedelta(days=3 * 365)).isoformat()}]}})["addExpert"]
    assert made["__typename"] == "Expert", made
    expert = {"id": made["id"], "name": f"{NAME}{suffix}", "email": f"zhao.xinren-{suffix}@test.anze.cn"}
    if with_login:
        account = graphql(platform_url, "agency@demo.anze.cn", """mutation($i: AccountInput!) { createAccount(input: $i) {
            __typename ... on OperationError { code message } } }""", {"i": {
            "email": expert["email"], "password": PASSWORD, "role": "EXPERT", "orgId": agency,
            "expertId": expert["id"]}})["createAccount"]
        assert account["__typename"] == "User", account
    return expert


def submit(page, form: str) -> None:
    page.click(f"{form} button[type=submit]:not([name])")
    page.wait_for_load_state("domcontentloaded")


def expert_page(page, expert: dict[str, str]) -> None:
    page.goto(f"/agency/experts/{expert['id']}")


def test_the_agency_adds_an_expert_with_a_future_certificate_and_a_login(open_page, shots) -> None:
    email = f"zhao.xinren-{uuid.uuid4().hex[:6]}@test.anze.cn"
    page = open_page()
    log_in(page, "agency@demo.anze.cn")
    page.click("nav.menu a[href='/agency/experts']")
    expect(page.locator("tr[data-expert]").first).to_be_visible()  # the demo agency's own experts
    shots(page, "experts")
    page.click("#add-expert")
    page.fill("#f-name", NAME)
    page.fill("#f-phone", "13900001111")
    page.fill("#f-specialties", "机械安全、电气安全")
    starts = today() + timedelta(days=400)
    page.fill("#f-cert_name", "注册安全工程师(测试)")
    page.fill("#f-cert_number", "WEB-EXP-0001")
    page.check("input[name=cert_types][value=HAZARD_INSPECTION]")
    page.fill("#f-cert_valid_from", starts.isoformat())
    page.fill("#f-cert_valid_until", (starts + timedelta(days=3 * 365)).isoformat())
    page.fill("#f-email", email)
    page.fill("#f-password", "short")
    submit(page, "#expert-form")
    expect(page.locator(".has-error #f-password")).to_have_count(1)  # nothing stored yet
    assert page.input_value("#f-name") == NAME and page.input_value("#f-cert_number") == "WEB-EXP-0001"
    assert page.is_checked("input[name=cert_types][value=HAZARD_INSPECTION]")
    assert page.input_value("#f-email") == email and page.input_value("#f-password") == ""  # never sent back
    shots(page, "password-too-short")
    page.fill("#f-password", PASSWORD)
    submit(page, "#expert-form")
    page.wait_for_url("**/agency/experts/exp_*")
    assert "done=expert_added" in page.url, page.locator("main").inner_text()
    expert = page.url.split("?")[0].rsplit("/", 1)[1]
    row = page.locator("#certificates tr[data-certificate='WEB-EXP-0001']")
    assert row.get_attribute("data-status") == "NOT_YET_VALID"
    assert f"{starts.isoformat()} 起生效" in row.inner_text()
    assert page.locator("#account .account-email").inner_text() == email
    shots(page, "expert-added")
    page.click("a[href='/agency/experts']")
    listed = page.locator(f"tr[data-expert='{expert}']")
    assert NAME in listed.inner_text() and listed.get_attribute("data-active") == "yes"
    assert listed.locator("[data-certificate='WEB-EXP-0001']").get_attribute("data-status") == "NOT_YET_VALID"
    new_page = open_page(viewport=PHONE)  # the login made with the expert works
    log_in(new_page, email, PASSWORD)
    assert new_page.url.endswith("/expert"), new_page.url


def test_a_certificate_ending_before_it_starts_shows_the_error_next_to_the_end_date(open_page, shots,
                                                                                     platform_url) -> None:
    expert = new_expert(platform_url)
    page = open_page(viewport=PHONE)
    log_in(page, "agency@demo.anze.cn")
    expert_page(page, expert)
    page.click("#certificates summary")
    page.fill("#f-cert_name", "安全评价师(测试)")
    page.fill("#f-cert_number", "WEB-EXP-0002")
    page.check("input[name=cert_types][value=RISK_ASSESSMENT]")
    page.fill("#f-cert_valid_from", (today() + timedelta(days=500)).isoformat())
    page.fill("#f-cert_valid_until", (today() + timedelta(days=450)).isoformat())
    submit(page, "#certificate-form")
    expect(page.locator(".has-error #f-cert_valid_until")).to_have_count(1)
    assert "有效期至不能早于有效期自" in page.locator("#e-cert_valid_until").inner_text()
    assert page.input_value("#f-cert_number") == "WEB-EXP-0002"
    assert page.is_checked("input[name=cert_types][value=RISK_ASSESSMENT]")
    assert page.locator("#certificates tr[data-certificate='WEB-EXP-0002']").count() == 0  # nothing stored
    shots(page, "certificate-end-before-start")
    page.fill("#f-cert_valid_until", (today() + timedelta(days=900)).isoformat())
    submit(page, "#certificate-form")
    assert "done=certificate_added" in page.url and page.locator(".notice").inner_text() == "证书已保存。"
    assert page.locator("#certificates tr[data-certificate='WEB-EXP-0002']").get_attribute("data-status") == \
        "NOT_YET_VALID"


def test_the_agency_sets_the_experts_hours_and_time_off_and_marks_them_gone_and_back(open_page, shots,
                                                                                     platform_url) -> None:
    expert = new_expert(platform_url)
    page = open_page()
    log_in(page, "agency@demo.anze.cn")
    expert_page(page, expert)
    expect(page.locator("#default-hours")).to_be_visible()
    page.fill("#f-hours_0", "8:30-12:00, 13:00-17:30")
    page.fill("#f-hours_2", "9点到12点")
    submit(page, "#hours-form")
    expect(page.locator(".has-error #f-hours_2")).to_have_count(1)
    assert page.input_value("#f-hours_0") == "8:30-12:00, 13:00-17:30"  # kept
    page.fill("#f-hours_2", "13:00-17:00")
    submit(page, "#hours-form")
    assert "done=hours_saved" in page.url and page.locator(".notice").inner_text() == "工作时间已保存。"
    assert page.input_value("#f-hours_0") == "08:30-12:00, 13:00-17:30"
    assert page.input_value("#f-hours_2") == "13:00-17:00" and page.input_value("#f-hours_1") == ""
    expect(page.locator("#default-hours")).to_have_count(0)

    day = today() + timedelta(days=420)
    page.fill("#f-off_starts", f"{day}T09:00")
    page.fill("#f-off_ends", f"{day}T08:00")
    page.fill("#f-off_reason", "年假")
    submit(page, "#time-off-form")
    expect(page.locator(".has-error #f-off_ends")).to_have_count(1)
    assert page.input_value("#f-off_reason") == "年假"
    page.fill("#f-off_ends", f"{day + timedelta(days=2)}T18:00")
    submit(page, "#time-off-form")
    assert "done=time_off_added" in page.url
    assert "年假" in page.locator("#time-off ul.time-off").inner_text()
    shots(page, "hours-and-time-off")

    page.click("#active-form button[type=submit]")
    page.wait_for_load_state("domcontentloaded")
    assert "done=expert_deactivated" in page.url and page.locator("#expert-status").inner_text() == "已离职"
    page.goto("/agency/experts")
    assert page.locator(f"tr[data-expert='{expert['id']}']").count() == 0
    page.goto("/agency/experts?inactive=1")
    assert page.locator(f"tr[data-expert='{expert['id']}']").get_attribute("data-active") == "no"
    shots(page, "all-experts-with-the-one-gone")
    expert_page(page, expert)
    page.click("#active-form button[type=submit]")
    page.wait_for_load_state("domcontentloaded")
    assert "done=expert_reactivated" in page.url and page.locator("#expert-status").inner_text() == "在职"


def test_the_new_expert_logs_in_and_sees_an_empty_day(open_page, shots, platform_url) -> None:
    expert = new_expert(platform_url, with_login=True)
    page = open_page(viewport=PHONE)
    log_in(page, expert["email"], PASSWORD)
    assert page.url.endswith("/expert"), page.url
    expect(page.locator("main .empty-state")).to_have_text("暂无指派给您的上门服务。")
    shots(page, "new-experts-empty-day")


def test_a_login_refused_after_the_expert_is_stored_is_offered_again_on_their_page(open_page, shots) -> None:
    page = open_page()
    log_in(page, "agency@demo.anze.cn")
    page.goto("/agency/experts/new")
    page.fill("#f-name", "钱重名(测试)")
    page.fill("#f-email", "expert@demo.anze.cn")  # the demo expert's: taken
    page.fill("#f-password", PASSWORD)
    submit(page, "#expert-form")
    expect(page.locator("#account .has-error #f-email")).to_have_count(1)
    assert "该邮箱已有账号" in page.locator("#e-email").inner_text()
    assert "专家已添加，但登录账号未能创建" in page.locator("#account .form-error").inner_text()
    assert page.input_value("#f-email") == "expert@demo.anze.cn" and page.input_value("#f-password") == ""
    assert page.locator("h1").inner_text().startswith("钱重名(测试)")  # the expert is stored, once
    shots(page, "login-refused-offered-again")
    page.goto("/agency/experts")
    assert page.locator("tr[data-expert]", has_text="钱重名(测试)").count() == 1


def test_another_agency_cannot_open_the_experts_page(open_page, shots, platform_url) -> None:
    expert = new_expert(platform_url)
    demo = graphql(platform_url, "agency@demo.anze.cn", "{ me { orgId } }")["me"]["orgId"]
    agencies = graphql(platform_url, "bureau@demo.anze.cn", "{ agencies(first: 20) { nodes { id } } }")
    other = next(a["id"] for a in agencies["agencies"]["nodes"] if a["id"] != demo)
    email = f"agency-{uuid.uuid4().hex[:8]}@test.anze.cn"
    made = graphql(platform_url, "admin@demo.anze.cn", """mutation($i: AccountInput!) { createAccount(input: $i) {
        __typename ... on OperationError { code message } } }""", {"i": {
        "email": email, "password": "other-agency-pass-1", "role": "AGENCY", "orgId": other}})
    assert made["createAccount"]["__typename"] == "User", made
    page = open_page()
    log_in(page, email, "other-agency-pass-1")
    response = page.goto(f"/agency/experts/{expert['id']}")
    assert response is not None and response.status == 403
    assert expert["name"] not in page.locator("main").inner_text()
    shots(page, "another-agency-refused")
    page.goto("/agency/experts/new")  # a form of its own, for a valid CSRF token
    token = page.locator("#expert-form input[name=csrf_token]").input_value()
    posted = page.request.post(f"/agency/experts/{expert['id']}/active", form={"csrf_token": token, "active": "0"})
    assert posted.status == 403
    page.goto("/agency/experts?inactive=1")
    assert page.locator(f"tr[data-expert='{expert['id']}']").count() == 0
    still = graphql(platform_url, "agency@demo.anze.cn", "query($id: ID!) { expert(id: $id) { active } }",
                    {"id": expert["id"]})
    assert still["expert"]["active"]
