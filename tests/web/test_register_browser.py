"""A firm registers itself through the pages: the account and the firm in one form, errors next to their
fields with what was typed kept, then straight to its own firm page."""

from __future__ import annotations

import uuid

import pytest

from tests.web.conftest import log_in
from tests.web.setup import valid_uscc

pytestmark = pytest.mark.browser

def fill_firm(page, uscc: str) -> None:
    page.fill("#f-name", "演示-注册测试五金厂")
    page.fill("#f-uscc", uscc)
    page.select_option("#f-town_code", "330282107")
    page.select_option("#f-sector", "INDUSTRY")
    page.select_option("#f-industry_code", "C33")
    page.fill("#f-employees", "12")
    page.fill("#f-revenue_yuan", "250万")
    page.fill("#f-principal_name", "演示负责人")
    page.fill("#f-contact_phone", "13900001234")


def test_a_firm_registers_itself_and_lands_on_its_page(open_page, shots) -> None:
    page = open_page()
    page.goto("/login")
    page.click("a[href='/register']")
    email = f"firm-{uuid.uuid4().hex[:8]}@example.com"
    page.fill("#f-email", email)
    page.fill("#f-password", "a-long-password-1")
    fill_firm(page, valid_uscc())
    # what people really type: no staff, a short phone number, an amount in 万 with a typo
    page.fill("#f-employees", "0")
    page.fill("#f-contact_phone", "1390000")
    page.fill("#f-revenue_yuan", "三百万")
    page.click("#register-form button[type=submit]")
    assert "至少 1 人" in page.locator(".has-error:has(#f-employees) .field-error").inner_text()
    assert "11 位手机号码" in page.locator(".has-error:has(#f-contact_phone) .field-error").inner_text()
    assert "50万" in page.locator(".has-error:has(#f-revenue_yuan) .field-error").inner_text()
    assert page.input_value("#f-name") == "演示-注册测试五金厂"
    industries = page.locator("#f-industry_code option").all_inner_texts()
    assert "C33 金属制品业" in industries and len(industries) == 98  # the 97 divisions and the prompt
    assert page.locator("#f-industry_code").input_value() == "C33"  # kept
    shots(page, "bad-employees-phone-and-amount")
    page.fill("#f-password", "a-long-password-1")
    page.fill("#f-employees", "12")
    page.fill("#f-contact_phone", "139 0000 1234")
    page.fill("#f-revenue_yuan", "250万")
    page.fill("#f-uscc", "91330282MA2CX0001X")  # a wrong check character: the firm is refused, so is the login
    page.click("#register-form button[type=submit]")
    assert page.locator(".has-error #f-uscc").count() == 1, page.locator("main").inner_text()
    assert page.locator("#f-password").count() == 1  # no account was made: still asked for one
    shots(page, "wrong-credit-code")
    page.fill("#f-uscc", valid_uscc())
    page.fill("#f-password", "a-long-password-1")
    page.click("#register-form button[type=submit]")  # the same e-mail: not 该邮箱已注册
    assert page.url.endswith("/firm?done=registered"), page.locator("main").inner_text()
    assert page.locator("h1").inner_text() == "演示-注册测试五金厂"
    assert "C33" in page.locator("main").inner_text() and "13900001234" in page.locator("main").inner_text()
    shots(page, "registered")
    page.click("header form[action='/logout'] button")
    log_in(page, email, "a-long-password-1")
    assert page.url.endswith("/firm")


def test_an_agency_applies_and_the_bureau_approves_it(open_page, shots) -> None:
    page = open_page()
    page.goto("/")
    page.click("a[href='/apply']")
    page.fill("#f-email", f"agency-{uuid.uuid4().hex[:8]}@example.com")
    page.fill("#f-password", "a-long-password-2")
    page.fill("#f-name", "演示-申请测试安全咨询有限公司")
    page.fill("#f-uscc", valid_uscc())
    page.fill("#f-contact_name", "演示联系人")
    page.fill("#f-contact_phone", "13900005678")
    page.click("#apply-form button[type=submit]")  # no service type, no town: said next to each
    assert page.locator("#service-types .field-error").count() == 1
    assert page.locator("#town-codes .field-error").count() == 1
    assert page.input_value("#f-name") == "演示-申请测试安全咨询有限公司"
    page.check("#service-types input[value=HAZARD_INSPECTION]")
    page.check("#town-codes input[value='330282107']")
    if page.locator("#f-password").count():
        page.fill("#f-password", "a-long-password-2")
    shots(page, "application")
    page.click("#apply-form button[type=submit]")
    assert page.url.endswith("/agency?done=applied"), page.locator("main").inner_text()

    bureau = open_page()
    log_in(bureau, "bureau@demo.anze.cn")
    bureau.click("nav.menu a[href='/bureau/agencies']")
    card = bureau.locator("article.card", has_text="演示-申请测试安全咨询有限公司")
    shots(bureau, "vetting-queue")
    card.locator("select[name=decision]").select_option("APPROVE")
    card.locator("button[type=submit]").click()
    assert "done=reviewed" in bureau.url
    bureau.goto("/bureau/agencies?status=APPROVED")
    assert "演示-申请测试安全咨询有限公司" in bureau.locator("main").inner_text()
    shots(bureau, "approved")
