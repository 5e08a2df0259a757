"""Reviews in real Chromium: a firm of its own acknowledges its visit's record and reviews it (a missing rating
is shown next to the stars with the text kept), the agency's public page shows the review, the agency replies
once from /agency/reviews and the reply shows publicly; a second review of the same visit, sent from a page
opened before the first, is refused with a clear message.

The set-up is this module's own (visit_with_a_hazard of tests/web/setup.py, as in test_documents_browser.py: a
firm that signs itself up, a visit of the demo agency for the demo expert five weeks ahead, confirmed, checked
in and reported through GraphQL as the proper accounts), away from the demo firm and the coming week that the journeys use."""

from __future__ import annotations

import uuid

import pytest

from tests.web.conftest import PHONE, log_in
from tests.web.setup import Api, visit_with_a_hazard

pytestmark = pytest.mark.browser

REVIEW_TEXT = f"专家讲解细致，隐患指认清楚({uuid.uuid4().hex[:6]})"
REPLY_TEXT = "感谢认可，整改期间如有疑问请随时联系我们。"
FIRM_PASSWORD = "a-long-password-documents"
GUANHAIWEI = "330282107"  # 观海卫镇, served by the demo agency
HAZARD_TEXT = "危化品仓库未设置防爆照明(文书测试)"
setup: dict[str, str] = {}


@pytest.fixture(scope="module")
def visit(platform_url: str) -> dict[str, str]:
    api = Api(platform_url)
    made = visit_with_a_hazard(api, password=FIRM_PASSWORD, town=GUANHAIWEI, hazard=HAZARD_TEXT)
    made["agency"] = api.org_of("agency@demo.anze.cn")
    return made


def test_the_firm_reviews_its_acknowledged_visit_once(open_page, shots, visit) -> None:
    page = open_page(viewport=PHONE)
    log_in(page, visit["email"], FIRM_PASSWORD)
    page.goto(f"/firm/visits/{visit['booking']}")
    assert page.locator("#review-form").count() == 0  # not before the record is acknowledged
    page.click("form[action$='/acknowledge'] button")
    assert page.locator("#booking-status").inner_text() == "企业已确认"
    assert "评价本次服务" in page.locator("#review").inner_text()
    stale = open_page(viewport=PHONE)  # a second page with the form, opened before the review is sent
    log_in(stale, visit["email"], FIRM_PASSWORD)
    stale.goto(f"/firm/visits/{visit['booking']}")

    page.fill("#f-text", REVIEW_TEXT)
    page.click("#review-form button[type=submit]")
    assert page.locator("#f-rating.has-error #e-rating").inner_text() == "请选择 1 到 5 星。"
    assert page.input_value("#f-text") == REVIEW_TEXT  # what was typed is kept
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shots(page, "missing-rating")

    page.check("#f-rating input[value='4']")
    page.click("#review-form button[type=submit]")
    assert page.locator(".notice").inner_text() == "评价已提交，感谢您的反馈。", page.locator("main").inner_text()
    assert page.locator("#review-form").count() == 0
    assert "★★★★☆" in page.locator("#review").inner_text() and REVIEW_TEXT in page.locator("#review").inner_text()
    shots(page, "reviewed")

    stale.check("#f-rating input[value='1']")
    stale.fill("#f-text", "再评一次")
    stale.click("#review-form button[type=submit]")
    assert "本次服务已评价过，每次服务只能评价一次。" in stale.locator("#review .form-error").inner_text()
    shots(stale, "second-review-refused")
    setup["reviewed"] = visit["booking"]


def test_the_agency_page_shows_the_review_and_the_agency_replies_once(open_page, shots, visit) -> None:
    assert "reviewed" in setup, "the review was not posted"
    firm = open_page(viewport=PHONE)
    log_in(firm, visit["email"], FIRM_PASSWORD)
    firm.goto(f"/agencies/{visit['agency']}")
    review = firm.locator(".review", has_text=REVIEW_TEXT)
    assert "★★★★☆" in review.inner_text() and "机构回复" not in review.inner_text()
    assert "条评价" in firm.locator("#agency-rating").inner_text()
    shots(firm, "public-page-with-the-review")

    agency = open_page()
    log_in(agency, "agency@demo.anze.cn")
    agency.click("nav a[href='/agency/reviews']")
    mine = agency.locator(".review", has_text=REVIEW_TEXT)
    mine.locator("button[type=submit]").click()  # an empty reply
    mine = agency.locator(".review", has_text=REVIEW_TEXT)
    assert mine.locator(".field-error").inner_text() == "请填写回复内容。"
    mine.locator("textarea").fill(REPLY_TEXT)
    mine.locator("button[type=submit]").click()
    assert agency.locator(".notice").inner_text() == "回复已发布。"
    mine = agency.locator(".review", has_text=REVIEW_TEXT)
    assert REPLY_TEXT in mine.inner_text() and mine.locator("form").count() == 0  # one reply only
    shots(agency, "agency-replied")

    firm.reload()
    assert REPLY_TEXT in firm.locator(".review", has_text=REVIEW_TEXT).inner_text()
    shots(firm, "public-page-with-the-reply")

    anonymous = open_page()
    anonymous.goto(f"/agencies/{visit['agency']}")
    assert "条评价" in anonymous.locator("#agency-rating").inner_text()
    public = anonymous.locator(".review", has_text=REVIEW_TEXT)  # a firm choosing an agency reads what others said
    assert public.count() == 1 and REPLY_TEXT in public.inner_text()
