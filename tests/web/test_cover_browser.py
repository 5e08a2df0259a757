"""Issue 19 items 1 and 5 in real Chromium: a firm of its own types its limit as people do ("五十万" is refused
saying what to type, "50万" is understood), binds, withdraws the unpaid policy from its page, binds again for
tomorrow and pays; its home and the bureau's firm page then say 已投保，生效于 <tomorrow> (not 未投保, no
获取报价), and a second quote with the same insurer for the same days is refused in Chinese."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from tests.web.conftest import log_in
from tests.web.setup import Api, registered_firm, today

pytestmark = pytest.mark.browser

TOWN = "330282107"
PASSWORD = "cover-firm-password-1"


def quote(page, limit: str) -> None:
    page.goto("/firm/quote")
    page.fill("#f-limit_yuan", limit)
    page.click("form[action='/firm/quote'] button[type=submit]")


def test_the_firm_cannot_buy_the_same_cover_twice_and_sees_cover_from_tomorrow(open_page, platform_url, shots
                                                                               ) -> None:
    api = Api(platform_url)
    email = f"cover-{uuid.uuid4().hex[:8]}@example.com"
    firm = registered_firm(api, email=email, password=PASSWORD, name=f"演示-重复投保测试厂{uuid.uuid4().hex[:4]}",
                           town=TOWN, employees=9, industry="C33", phone="13900007777")
    tomorrow = (today() + timedelta(days=1)).isoformat()
    page = open_page()
    log_in(page, email, PASSWORD)

    quote(page, "五十万")  # item 5: not understood, and the page says exactly what to type
    error = page.locator(".has-error:has(#f-limit_yuan) .field-error").inner_text()
    assert "50万" in error and "500,000" in error, error
    assert page.input_value("#f-limit_yuan") == "五十万"
    shots(page, "limit-not-understood")
    page.fill("#f-limit_yuan", "50万")
    page.click("form[action='/firm/quote'] button[type=submit]")
    assert page.locator("#premium").count() == 1, page.locator("main").inner_text()
    assert "500,000" in page.locator("main").inner_text()  # 50万 = ¥500,000 per person
    page.click("form[action$='/bind'] button[type=submit]")
    assert page.locator("#withdraw").count() == 1, page.locator("main").inner_text()
    shots(page, "unpaid-policy-can-be-withdrawn")

    page.click("#withdraw a")  # item 1: the unpaid policy is withdrawn from its page
    page.select_option("#f-reason_code", "DUPLICATE")
    page.fill("#f-reason", "报价重复，撤销未缴费的保单")
    page.check("#f-confirm")
    page.click("#cancel-form button[type=submit]")
    assert page.locator("#policy-status, .badge").first.inner_text() in ("已退保",), page.locator("main").inner_text()

    quote(page, "1,000,000")  # thousands separators are understood too
    assert page.locator("#premium").count() == 1, page.locator("main").inner_text()
    page.click("form[action$='/bind'] button[type=submit]")
    policy_id = page.url.split("?")[0].rstrip("/").rsplit("/", 1)[1]
    token = api.login(email, PASSWORD)
    payment = api.run("mutation($p: ID!) { startPayment(policyId: $p, method: BANK_TRANSFER) { ... on Payment { id } } }",
                      {"p": policy_id}, token)["startPayment"]
    paid = api.run("""mutation($p: ID!) { confirmOfflinePayment(paymentId: $p, reference: "COVER-TEST-1") {
        ... on Payment { status } } }""", {"p": payment["id"]}, api.login("insurer@demo.anze.cn"))
    assert paid["confirmOfflinePayment"] == {"status": "SUCCEEDED"}, paid

    page.goto("/firm")
    assert page.locator("#insured-badge").inner_text() == f"已投保，生效于 {tomorrow}"
    assert page.locator("a[href='/firm/quote']").count() == 0  # no 获取报价 for cover it already has
    shots(page, "covered-from-tomorrow")

    quote(page, "50万")  # typed straight in: the same insurer, the same days
    message = page.locator("main").inner_text()
    assert "不能重复投保" in message and page.locator("#premium").count() == 0, message
    shots(page, "same-cover-twice-refused")

    bureau = open_page()
    log_in(bureau, "bureau@demo.anze.cn")
    bureau.goto(f"/bureau/enterprises/{firm['id']}")
    assert bureau.locator("#insured-badge").inner_text() == f"已投保，生效于 {tomorrow}"
    shots(bureau, "bureau-sees-cover-from-tomorrow")
