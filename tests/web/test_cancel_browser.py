"""Cancellation, headcount endorsement and refunds in real Chromium: a firm of its own (signed up, insured, paid)
raises its headcount and sees the transfer to make, which the insurer confirms; it cancels after reading the
refund the policy service quotes, the insurer confirms the bank-transfer refunds and the firm sees them done; a
compulsory-industry firm is told next to the reason that only closing or stopping lets it cancel.

The firms are this module's own (the journeys rely on the demo firm's policy, which is never touched here)."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from tests.web.conftest import PHONE, log_in
from tests.web.setup import Api, insured_firm, today

pytestmark = pytest.mark.browser

TOWN = "330282107"
PASSWORD = "cancel-firm-password-1"
state: dict[str, str] = {}


def cancel_firm(api: Api, name: str, **extra) -> dict[str, str]:
    """A firm that signs itself up and holds an ACTIVE policy from today, paid by transfer."""
    return insured_firm(api, name=f"{name}{uuid.uuid4().hex[:4]}", town=TOWN, password=PASSWORD, employees=20,
                        industry="C33", limit="lowest", reference="CANCEL-TEST-1", email_prefix="cancel",
                        principal="退保测试", phone="13900003333", **extra)


def test_the_firm_raises_its_headcount_and_the_insurer_confirms_the_transfer(open_page, platform_url, shots) -> None:
    state.update(cancel_firm(Api(platform_url), "演示-退保测试五金厂"))
    firm = open_page(viewport=PHONE)
    log_in(firm, state["email"], PASSWORD)
    firm.goto(f"/firm/policies/{state['policy']}")
    firm.click("#policy-actions a[href$='/endorse']")
    expect(firm.locator("#f-headcount")).to_have_value("20")
    firm.fill("#f-headcount", "0")
    firm.click("#endorse-form button[type=submit]")
    expect(firm.locator(".has-error #f-headcount")).to_have_count(1)
    assert firm.input_value("#f-effective_date") == today().isoformat()  # kept
    firm.fill("#f-headcount", "20")  # the headcount it already has: the service's quote says so at the field
    firm.click("#endorse-form button[type=submit]")
    expect(firm.locator("#e-headcount")).to_contain_text("20")
    shots(firm, "endorsement-error-at-the-field")
    firm.fill("#f-headcount", "25")
    firm.click("#endorse-form button[type=submit]")
    # the preview: what the endorsement would do, nothing changed yet
    expect(firm.locator("#preview-headcount")).to_have_text("20 → 25")
    preview = {k: firm.locator(f"#preview-{k}").inner_text() for k in ("delta", "premium", "budget")}
    assert preview["delta"].startswith("+¥") and preview["delta"][1:] in firm.locator("#preview-settlement").inner_text()
    assert firm.locator("#preview-settlement").get_attribute("data-settlement") == "TRANSFER"
    target_budget = preview["budget"].split(" → ")[1]  # reached once the endorsement premium is received
    assert target_budget != preview["budget"].split(" → ")[0]
    assert target_budget in firm.locator("#preview-budget-note").inner_text()
    assert firm.locator("#preview-effective").inner_text() == today().isoformat()
    assert firm.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shots(firm, "endorsement-preview-transfer")
    firm.click("#endorse-change")  # back to the inputs, kept
    expect(firm.locator("#f-headcount")).to_have_value("25")
    firm.click("#endorse-form button[type=submit]")
    expect(firm.locator("#preview-delta")).to_have_text(preview["delta"])
    firm.click("#endorse-confirm button[type=submit]")
    expect(firm.locator("#new-headcount")).to_have_text("20 → 25")
    delta = firm.locator("#premium-delta").inner_text()
    assert delta == preview["delta"]  # what the preview said is what was done
    assert firm.locator("#endorse-result dd").nth(2).inner_text() == preview["premium"]
    assert firm.locator("#endorse-result dd").nth(4).inner_text() == preview["budget"]
    assert target_budget in firm.locator("#budget-after-payment").inner_text()  # said, not yet spendable
    assert firm.locator("#payment-amount").inner_text() == delta[1:]
    assert firm.locator("#payment-memo").inner_text().startswith(state["number"])
    assert firm.locator("#payment-status").inner_text() == "待确认"
    assert firm.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shots(firm, "endorsed-transfer-to-make")
    firm.goto(f"/firm/policies/{state['policy']}")
    expect(firm.locator(".endorsement-transfer")).to_have_count(1)  # still shown until the insurer confirms

    insurer = open_page()
    log_in(insurer, "insurer@demo.anze.cn")
    insurer.goto(f"/insurer/policies/{state['policy']}")
    form = insurer.locator("#transfers-due form.confirm-transfer")
    expect(form).to_have_count(1)
    assert "批改保费" in form.inner_text() and delta[1:] in form.inner_text()
    shots(insurer, "insurer-endorsement-transfer-due")
    form.locator("input[name=reference]").fill("ENDORSE-BANK-001")
    form.locator("button[type=submit]").click()
    expect(insurer.locator(".notice")).to_have_text("已确认批改保费到账。")
    expect(insurer.locator("#transfers-due")).to_have_count(0)
    firm.reload()
    expect(firm.locator(".endorsement-transfer")).to_have_count(0)
    shots(firm, "endorsement-paid")


def test_the_firm_cancels_and_the_insurer_sends_the_refunds(open_page, shots) -> None:
    assert "policy" in state, "the firm was not set up"
    firm = open_page(viewport=PHONE)
    log_in(firm, state["email"], PASSWORD)
    firm.goto(f"/firm/policies/{state['policy']}")
    firm.click("#policy-actions a[href$='/cancel']")
    refund_due = firm.locator("#quote-refund").inner_text()
    assert firm.locator("#cancel-on").inner_text().startswith(today().isoformat())
    shots(firm, "cancellation-quote")
    firm.select_option("#f-reason_code", "SWITCHED_INSURER")
    firm.click("#cancel-form button[type=submit]")  # no details, not confirmed
    expect(firm.locator(".has-error #f-reason")).to_have_count(1)
    expect(firm.locator("#e-confirm")).to_have_count(1)
    assert firm.input_value("#f-reason_code") == "SWITCHED_INSURER"  # kept
    firm.fill("#f-reason", "已转投其他保险机构")
    firm.check("#f-confirm")
    firm.click("#cancel-form button[type=submit]")
    expect(firm.locator("#policy-status")).to_have_text("已退保")
    assert "已退保" in firm.locator(".notice").inner_text()
    rows = firm.locator("#refunds tbody tr")
    assert rows.count() >= 1 and all(s == "PENDING" for s in rows.evaluate_all(
        "rs => rs.map(r => r.dataset.status)"))
    total = firm.evaluate("""() => [...document.querySelectorAll('#refunds tbody tr td.num')]
        .reduce((s, td) => s + Math.round(parseFloat(td.innerText.replace(/[¥,]/g, '')) * 100), 0)""")
    assert total == round(float(refund_due.replace("¥", "").replace(",", "")) * 100)
    assert firm.locator("#policy-actions").count() == 0
    shots(firm, "cancelled-refunds-pending")

    insurer = open_page()
    log_in(insurer, "insurer@demo.anze.cn")
    insurer.goto(f"/insurer/policies/{state['policy']}")
    first = insurer.locator("#refunds tr[data-status=PENDING]").first
    first.locator("button[type=submit]").click()  # no bank reference
    expect(insurer.locator("#refunds .has-error input[name=refund_reference]")).to_have_count(1)
    shots(insurer, "insurer-refund-reference-missing")
    while insurer.locator("#refunds tr[data-status=PENDING]").count():
        row = insurer.locator("#refunds tr[data-status=PENDING]").first
        row.locator("input[name=refund_reference]").fill(f"REFUND-{uuid.uuid4().hex[:6]}")
        row.locator("button[type=submit]").click()
        expect(insurer.locator(".notice")).to_contain_text("已确认退款")
    assert insurer.locator("#refunds tr[data-status=SUCCEEDED]").count() == rows.count()
    shots(insurer, "insurer-refunds-sent")

    firm.reload()
    statuses = firm.locator("#refunds tbody tr").evaluate_all("rs => rs.map(r => r.dataset.status)")
    assert statuses and set(statuses) == {"SUCCEEDED"}
    assert "已退款" in firm.locator("#refunds").inner_text()
    shots(firm, "firm-sees-refunds-done")


def test_a_compulsory_firm_may_cancel_only_when_closed_or_stopped(open_page, platform_url, shots) -> None:
    compulsory = cancel_firm(Api(platform_url), "演示-退保测试冶炼厂", highRiskTags=["METAL_SMELTING"])
    assert compulsory["compulsory"] == "True"
    firm = open_page(viewport=PHONE)
    log_in(firm, compulsory["email"], PASSWORD)
    firm.goto(f"/firm/policies/{compulsory['policy']}/cancel")
    expect(firm.locator("#compulsory-note")).to_have_count(1)
    firm.select_option("#f-reason_code", "OTHER")
    firm.fill("#f-reason", "不想继续投保")
    firm.check("#f-confirm")
    firm.click("#cancel-form button[type=submit]")
    expect(firm.locator("#e-reason_code")).to_contain_text("关闭或停产停业")
    assert firm.input_value("#f-reason") == "不想继续投保"
    assert firm.locator("#policy-status").inner_text() == "有效"
    shots(firm, "compulsory-firm-refused")
    firm.select_option("#f-reason_code", "STOPPED_OPERATING")
    firm.fill("#f-reason", "企业已停产")
    firm.check("#f-confirm")
    firm.click("#cancel-form button[type=submit]")
    expect(firm.locator("#policy-status")).to_have_text("已退保")
    shots(firm, "compulsory-firm-stopped-and-cancelled")


def test_a_lower_headcount_is_previewed_as_a_refund_and_a_change_made_meanwhile_is_refused(open_page, platform_url,
                                                                                              shots) -> None:
    api = Api(platform_url)
    own = cancel_firm(api, "演示-批改测试服装厂")
    firm = open_page(viewport=PHONE)
    log_in(firm, own["email"], PASSWORD)
    firm.goto(f"/firm/policies/{own['policy']}/endorse")
    firm.fill("#f-headcount", "15")
    firm.click("#endorse-form button[type=submit]")
    expect(firm.locator("#preview-headcount")).to_have_text("20 → 15")
    assert firm.locator("#preview-settlement").get_attribute("data-settlement") == "REFUND"
    assert firm.locator("#preview-delta").inner_text().startswith("-¥")
    shots(firm, "endorsement-preview-refund")
    # meanwhile the same change is made elsewhere (another tab): confirming is refused at the field
    api.run("mutation($p: ID!, $d: Date!) { endorseHeadcount(policyId: $p, headcount: 15, effectiveDate: $d) { "
            "__typename } }", {"p": own["policy"], "d": today().isoformat()}, api.login(own["email"], PASSWORD))
    firm.click("#endorse-confirm button[type=submit]")
    expect(firm.locator("#e-headcount")).to_contain_text("15")
    assert "已发生变更" in firm.locator(".form-error").inner_text()
    expect(firm.locator("#f-headcount")).to_have_value("15")
    shots(firm, "endorsement-changed-meanwhile")
    firm.fill("#f-headcount", "12")
    firm.click("#endorse-form button[type=submit]")
    expect(firm.locator("#preview-headcount")).to_have_text("15 → 12")
    delta = firm.locator("#preview-delta").inner_text()
    assert delta[1:] in firm.locator("#preview-settlement").inner_text()
    firm.click("#endorse-confirm button[type=submit]")
    expect(firm.locator("#new-headcount")).to_have_text("15 → 12")
    assert firm.locator("#premium-delta").inner_text() == delta
    assert delta[1:] in firm.locator("#endorse-refund").inner_text()
    shots(firm, "endorsed-refund")
    # a different change made meanwhile: the confirmation shows the new quote to confirm again, nothing is made
    firm.goto(f"/firm/policies/{own['policy']}/endorse")
    firm.fill("#f-headcount", "10")
    firm.click("#endorse-form button[type=submit]")
    expect(firm.locator("#preview-headcount")).to_have_text("12 → 10")
    api.run("mutation($p: ID!, $d: Date!) { endorseHeadcount(policyId: $p, headcount: 11, effectiveDate: $d) { "
            "__typename } }", {"p": own["policy"], "d": today().isoformat()}, api.login(own["email"], PASSWORD))
    firm.click("#endorse-confirm button[type=submit]")
    expect(firm.locator("#preview-headcount")).to_have_text("11 → 10")
    assert "已发生变更" in firm.locator(".form-error").inner_text()
    firm.click("#endorse-confirm button[type=submit]")
    expect(firm.locator("#new-headcount")).to_have_text("11 → 10")
