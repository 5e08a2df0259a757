"""Each user group's main journey through the pages alone, in real Chromium, on the demo platform: the firm
buys cover by bank transfer and the insurer confirms it, the bureau sees its town's coverage rise, the firm
books a visit, the agency confirms it, the expert files a report with a major hazard from a phone, the firm
rectifies, the expert verifies, the bureau downloads the XLSX. The tests run in this order and share the
demo firm's state; screenshots go to ``test-artifacts/web/<journey>/``."""

from __future__ import annotations

import re

import pytest

from tests.web.conftest import ARTIFACTS, PHONE, log_in
from tests.web.setup import check_in_too_early_then_on_the_day, graphql, reload_until

pytestmark = pytest.mark.browser

TOWN = "330282107"  # 观海卫镇, the demo firm's town
DEMO_FIRM, DEMO_FIRM_PHONE = "演示-观海卫小微五金厂", "13900000000"
journey: dict[str, str] = {}


def insured_in_town(page, as_of: str) -> int:
    page.goto(f"/bureau?group_by=TOWN&as_of={as_of}")
    return int(page.locator(f"#coverage-table tr[data-key='{TOWN}']").get_attribute("data-insured"))


def test_firm_buys_cover_by_bank_transfer(open_page, shots) -> None:
    page = open_page()
    log_in(page, "enterprise@demo.anze.cn")
    assert page.url.endswith("/firm")
    shots(page, "my-firm")
    page.click("nav.menu a[href='/firm/policies']")
    page.click("a[href='/firm/quote']")
    start = page.input_value("#f-start_date")
    journey["start"] = start
    page.fill("#f-headcount", "0")
    page.click("form[action='/firm/quote'] button[type=submit]")
    assert page.locator(".has-error #f-headcount").count() == 1  # the error sits next to the field
    assert page.input_value("#f-start_date") == start  # and what was typed is kept
    shots(page, "quote-error-kept")
    page.fill("#f-headcount", "8")
    page.fill("#f-limit_yuan", "500000")
    page.click("form[action='/firm/quote'] button[type=submit]")
    assert page.locator("#premium").inner_text().startswith("¥")
    shots(page, "quote-with-factors")
    page.click("form[action*='/bind'] button[type=submit]")
    assert page.locator("#policy-status").inner_text() == "待缴费"
    journey["policy"] = page.url.rstrip("/").rsplit("/", 1)[1]
    page.click("form[action$='/pay'] button[type=submit]")
    assert page.locator("#bank-transfer").is_visible()
    assert page.locator("#payment-memo").inner_text().strip()
    assert page.locator("#payment-status").inner_text() == "待确认"
    shots(page, "bank-transfer-instructions")


def test_insurer_confirms_the_transfer_and_the_town_coverage_rises(open_page, shots) -> None:
    assert "policy" in journey, "the firm's purchase did not happen"
    bureau = open_page()
    log_in(bureau, "bureau@demo.anze.cn")
    before = insured_in_town(bureau, journey["start"])

    page = open_page()
    log_in(page, "insurer@demo.anze.cn")
    page.click("a[href='/insurer/payments']")
    page.click(f"tr[data-policy='{journey['policy']}'] a")
    shots(page, "transfer-to-confirm")
    page.fill("form.confirm-transfer input[name=reference]", "BANK-20261130-0001")
    page.click("form.confirm-transfer button[type=submit]")
    assert page.locator("#policy-status").inner_text() == "有效"
    shots(page, "policy-active")

    after = insured_in_town(bureau, journey["start"])
    assert after == before + 1
    shots(bureau, "bureau-town-coverage-after")


def test_firm_books_a_visit_with_the_slot_picker(open_page, shots) -> None:
    assert "policy" in journey
    page = open_page()
    log_in(page, "enterprise@demo.anze.cn")
    page.goto("/firm/book?service_type=HAZARD_INSPECTION")
    shots(page, "find-a-service")
    page.click("article.offering a.button")
    slot = page.locator(".slot").first
    assert slot.is_visible(), "no free time in the coming week"
    slot.click()
    page.check("input[name=funding][value=INSURER]")
    shots(page, "slot-picked")
    page.click("#booking-form button[type=submit]")
    assert "/firm/visits/" in page.url, page.locator("main").inner_text()
    assert page.locator("#booking-status").inner_text() == "待确认"
    journey["booking"] = page.url.split("?")[0].rsplit("/", 1)[1]
    shots(page, "booked")


def test_agency_confirms_the_booking(open_page, shots) -> None:
    assert "booking" in journey
    page = open_page()
    log_in(page, "agency@demo.anze.cn")
    row = page.locator(f"tr[data-booking='{journey['booking']}']")
    reload_until(page, f"tr[data-booking='{journey['booking']}']", DEMO_FIRM)  # the firm's name, not 无权查看
    shots(page, "incoming-bookings")
    row.locator("button[type=submit]").click()
    assert "done=booking_confirmed" in page.url
    shots(page, "confirmed")


SIX_IN_PLACE = {"personnel": "车间主任张三", "responsibility": "企业主要负责人", "measures": "清理易燃物，更换灭火器",
                "funds": "2000元，企业安全费用列支", "deadline": "7日内", "contingency_plan": "配电房火灾现场处置方案"}


def test_expert_files_a_report_with_a_major_hazard_from_a_phone(open_page, platform_url, shots) -> None:
    assert "booking" in journey
    page = open_page(viewport=PHONE)
    log_in(page, "expert@demo.anze.cn")
    shots(page, "my-visits")
    assert DEMO_FIRM in page.locator(f"a.visit-card[data-booking='{journey['booking']}']").inner_text()
    page.click(f"a.visit-card[data-booking='{journey['booking']}']")
    assert page.locator("h1").inner_text() == DEMO_FIRM  # the firm, not the booking number
    assert page.locator(f"a[href='tel:{DEMO_FIRM_PHONE}']").count() == 1
    check_in_too_early_then_on_the_day(page, platform_url, journey["booking"], shots)
    page.click("#report-form button[type=submit]:not([name])")  # an empty report is refused, field by field
    assert page.locator(".has-error #f-summary").count() == 1
    page.fill("#f-summary", "对车间、仓库和配电房进行了隐患排查。")
    page.fill("#f-items", "消防设施\n电气线路\n危化品存放")
    page.select_option("#f-hazard_0_grade", "MAJOR")
    page.fill("#f-hazard_0_description", "配电房堆放易燃包装材料，灭火器过期")
    page.fill("#f-hazard_0_location", "一号车间配电房")
    page.click("#report-form button[type=submit]:not([name])")  # a major hazard needs its six in place
    assert page.locator(".has-error #f-hazard_0_six_measures").count() == 1
    assert page.input_value("#f-hazard_0_description") == "配电房堆放易燃包装材料，灭火器过期"
    for name, value in SIX_IN_PLACE.items():
        page.fill(f"#f-hazard_0_six_{name}", value)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shots(page, "report-filled")
    page.click("#report-form button[type=submit]:not([name])")
    assert page.locator("#booking-status").inner_text() == "已提交记录", page.locator(".form-error").all_inner_texts()
    assert "重大事故隐患" in page.locator(".hazard-list").inner_text()
    shots(page, "reported")


def test_firm_acknowledges_and_submits_a_rectification(open_page, shots) -> None:
    assert "booking" in journey
    page = open_page()
    log_in(page, "enterprise@demo.anze.cn")
    page.goto(f"/firm/visits/{journey['booking']}")
    page.click("form[action$='/acknowledge'] button")
    assert page.locator("#booking-status").inner_text() == "企业已确认"
    page.click(".hazard-list a")
    journey["hazard"] = page.url.split("?")[0].rsplit("/", 1)[1]
    shots(page, "major-hazard")
    page.fill("#f-description", "已清理配电房内易燃物，更换全部过期灭火器。")
    page.click("form[action$='/rectify'] button")
    assert page.locator("#hazard-status").inner_text() == "整改待验收"
    shots(page, "rectification-submitted")


def test_expert_verifies_the_rectification_and_the_hazard_closes(open_page, platform_url, shots) -> None:
    assert "hazard" in journey
    page = open_page(viewport=PHONE)
    log_in(page, "expert@demo.anze.cn")
    page.goto("/expert/hazards")
    page.click(f"a.visit-card[data-hazard='{journey['hazard']}']")
    page.check("input[name=accepted][value=yes]")
    page.fill("#f-note", "现场复核合格。")
    shots(page, "verify")
    page.click("form[action$='/verify'] button")
    assert "done=verified" in page.url
    state = graphql(platform_url, "enterprise@demo.anze.cn",
                    "query($id: ID!) { hazard(id: $id) { status } }", {"id": journey["hazard"]})
    assert state["hazard"]["status"] == "CLOSED"
    shots(page, "verified")


def test_bureau_sees_the_agency_close_the_hazard_it_found(open_page, shots) -> None:
    assert "hazard" in journey
    page = open_page()
    log_in(page, "bureau@demo.anze.cn")
    page.click("nav.menu a[href='/bureau/performance']")
    row = page.locator("#performance tbody tr", has_text="慈溪安泰安全技术服务有限公司")
    cells = row.locator("td").all_inner_texts()
    visits, found, closed, rate = cells[:4]
    assert int(visits) >= 1 and int(found) >= 1 and int(closed) >= 1 and rate.endswith("%")
    assert page.locator("figure.chart svg g.bar").count() >= 1
    shots(page, "agency-performance")


def test_bureau_downloads_the_coverage_as_xlsx(open_page, shots) -> None:
    from openpyxl import load_workbook

    page = open_page()
    log_in(page, "bureau@demo.anze.cn")
    with page.expect_download() as info:
        page.click("a[href^='/bureau/coverage.xlsx']")
    target = ARTIFACTS / "bureau_downloads_the_coverage_as_xlsx" / "coverage.xlsx"
    target.parent.mkdir(parents=True, exist_ok=True)
    info.value.save_as(target)
    sheet = load_workbook(target).active
    labels = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "观海卫镇" in labels


def test_a_firm_cannot_open_another_firms_pages_by_changing_the_id(open_page, platform_url, shots) -> None:
    book = graphql(platform_url, "insurer@demo.anze.cn",
                   "{ policies(filter: {status: ACTIVE}, first: 5) { nodes { id enterprise { name } } } }")
    others = [p for p in book["policies"]["nodes"] if p["id"] != journey.get("policy")]
    assert others, "the demo book has other firms' policies"
    page = open_page()
    log_in(page, "enterprise@demo.anze.cn")
    response = page.goto(f"/firm/policies/{others[0]['id']}")
    assert response.status in (403, 404)
    assert others[0]["enterprise"]["name"] not in page.content()
    shots(page, "refused")
    response = page.goto("/bureau")
    assert response.status == 403


def test_a_refused_csrf_token_shows_a_page_not_a_stack_trace(open_page) -> None:
    page = open_page()
    log_in(page, "enterprise@demo.anze.cn")
    page.goto("/firm/quote")
    page.locator("form[action='/firm/quote'] input[name=csrf_token]").evaluate("field => field.value = 'forged.x'")
    page.click("form[action='/firm/quote'] button[type=submit]")
    assert "请求已被拒绝" in page.content()
    assert re.search(r"Traceback|Exception", page.content()) is None
