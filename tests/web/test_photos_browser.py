"""Photos in real Chromium on a phone: the expert files a report with a hazard photo (a wrong file is refused
next to its field, with what was typed kept and nothing filed), the firm sees the photo on its hazard and
rectifies with a photo of its own, the agency and the insurer see both, the expert sees both when verifying,
and another firm cannot open the photo's address.

The set-up is this module's own: a firm that signs itself up, buys cover and books a visit of the demo agency
two weeks ahead (the journeys in test_journeys_browser.py use the demo firm and the coming week's first free
time, and find their visit and hazard by id)."""

from __future__ import annotations

import struct
import uuid
import zlib
from datetime import timedelta

import pytest

from tests.web.conftest import PHONE, log_in
from tests.web.setup import (
    WAIT_FOR_THE_LEDGER,
    Api,
    check_in_too_early_then_on_the_day,
    confirmed_visit_of_the_demo_agency,
    insured_firm,
    today,
)

pytestmark = pytest.mark.browser

TOWN = "330282107"  # 观海卫镇, served by the demo agency
PASSWORD = "photo-firm-password-1"
HAZARD_TEXT = "二号车间灭火器被货物遮挡"
FULL = 640  # the expert's photo is 640 px square: its thumbnail is 320
setup: dict[str, str] = {}


def png(rgb: tuple[int, int, int], size: int = 24) -> bytes:
    """A valid PNG of one colour, written by hand (zlib and struct only)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes(rgb) * size for _ in range(size))
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def insured_firm_with_a_confirmed_visit(api: Api) -> None:
    """A firm of its own (account, registry, insurer-funded cover), a visit of the demo agency two weeks ahead,
    confirmed by the agency for the demo expert."""
    own = insured_firm(api, name=f"演示-照片测试机械厂{uuid.uuid4().hex[:4]}", town=TOWN, password=PASSWORD,
                       employees=60, industry="C34", limit="highest", reference="PHOTO-TEST-1",
                       email_prefix="photo-firm", principal="照片测试", phone="13900002222")
    booked = confirmed_visit_of_the_demo_agency(
        api, own["token"], own["firm"], start=today() + timedelta(days=14), policy_id=own["policy"],
        pick=lambda slots: slots[-1::-5],  # late slots of the fortnight: far from the journeys' first free time
        retry_on=WAIT_FOR_THE_LEDGER)  # the prevention ledger opens once bookings learns the policy (an event)
    setup.update(email=own["email"], firm=own["firm"], booking=booked["id"])


def image_loaded(page, selector: str) -> int:
    """How many images under ``selector`` the browser actually decoded (not broken links)."""
    page.wait_for_selector(selector)
    for image in page.locator(selector).all():  # lazy thumbnails load once they come into view
        image.scroll_into_view_if_needed()
    # thumbnails load lazily, after the page's load event: wait until the browser has finished with each
    page.wait_for_function("s => [...document.querySelectorAll(s)].every(i => i.complete)", arg=selector)
    return int(page.eval_on_selector_all(selector, "imgs => imgs.filter(i => i.complete && i.naturalWidth > 0).length"))


def photo_id(src: str) -> str:
    """The photo's id in a thumbnail's ``src`` (``/photos/{id}?size=thumb``)."""
    return src.split("?")[0].rsplit("/", 1)[1]


def test_the_expert_reports_a_hazard_with_a_photo_and_a_wrong_file_is_refused(open_page, platform_url, shots
                                                                             ) -> None:
    insured_firm_with_a_confirmed_visit(Api(platform_url))
    page = open_page(viewport=PHONE)
    log_in(page, "expert@demo.anze.cn")
    page.goto(f"/expert/visits/{setup['booking']}")
    check_in_too_early_then_on_the_day(page, platform_url, setup["booking"])
    assert page.get_attribute("#f-hazard_0_photos", "capture") == "environment"
    page.fill("#f-summary", "检查了车间消防设施和疏散通道。")
    page.fill("#f-items", "消防设施\n疏散通道")
    page.fill("#f-hazard_0_description", HAZARD_TEXT)
    page.fill("#f-hazard_0_location", "二号车间东侧")
    page.fill("#f-hazard_0_deadline", (today() + timedelta(days=60)).isoformat())  # after the visit, weeks ahead
    page.set_input_files("#f-hazard_0_photos", files=[
        {"name": "notes.txt", "mimeType": "text/plain", "buffer": "不是照片".encode()}])
    page.click("#report-form button[type=submit]:not([name])")
    assert page.locator(".has-error #f-hazard_0_photos").count() == 1
    assert "JPEG、PNG 或 WebP" in page.locator("#hazard-0 .photo-field .field-error").inner_text()
    assert page.input_value("#f-hazard_0_description") == HAZARD_TEXT  # what was typed is kept
    assert page.input_value("#f-summary") == "检查了车间消防设施和疏散通道。"
    assert page.locator("#booking-status").inner_text() == "已签到"  # and nothing was filed
    shots(page, "wrong-file-refused")
    page.set_input_files("#f-hazard_0_photos", files=[
        {"name": "hazard.png", "mimeType": "image/png", "buffer": png((220, 60, 40), size=FULL)}])
    page.click("#report-form button[type=submit]:not([name])")
    assert page.locator("#booking-status").inner_text() == "已提交记录", page.locator("main").inner_text()
    assert image_loaded(page, ".hazard-list .photos img") == 1
    setup["hazard_photo"] = photo_id(page.get_attribute(".hazard-list .photos img", "src"))
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shots(page, "reported-with-photo")


def test_the_firm_sees_the_photo_and_rectifies_with_its_own(open_page, shots) -> None:
    assert "hazard_photo" in setup, "the report with a photo was not filed"
    page = open_page(viewport=PHONE)
    log_in(page, setup["email"], PASSWORD)
    page.goto("/firm/hazards")
    page.click(f"a:has-text('{HAZARD_TEXT}')")
    setup["hazard"] = page.url.split("?")[0].rsplit("/", 1)[1]
    assert image_loaded(page, "#hazard-photos img") == 1
    # a thumbnail made by the server, not the full photo scaled down by CSS, linking to the full photo
    thumb = page.locator("#hazard-photos img")
    assert thumb.get_attribute("src") == f"/photos/{setup['hazard_photo']}?size=thumb"
    assert 0 < page.evaluate("i => i.naturalWidth", thumb.element_handle()) <= 320
    assert page.get_attribute("#hazard-photos a", "href") == f"/photos/{setup['hazard_photo']}"
    shots(page, "firm-sees-the-photo")
    hazard_url = page.url
    page.click("#hazard-photos a")
    assert page.url.endswith(f"/photos/{setup['hazard_photo']}")
    assert page.evaluate("document.images[0].naturalWidth") == FULL  # the full photo, as uploaded
    page.goto(hazard_url)
    page.fill("#f-description", "已移开货物，灭火器前保持通道畅通。")
    page.set_input_files("#f-photos", files=[  # one good photo and one wrong file
        {"name": "fixed.png", "mimeType": "image/png", "buffer": png((40, 160, 60))},
        {"name": "invoice.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 not a photo"}])
    page.click("form[action$='/rectify'] button[type=submit]")
    assert "JPEG、PNG 或 WebP" in page.locator(".photo-field .field-error").inner_text()
    assert page.locator("#hazard-status").inner_text() == "待整改"  # nothing submitted
    assert page.input_value("#f-description") == "已移开货物，灭火器前保持通道畅通。"
    assert image_loaded(page, ".photos.kept img") == 1  # the good photo went up and is kept, ticked
    assert page.is_checked(".photos.kept input[type=checkbox]")
    shots(page, "wrong-file-good-photo-kept")
    page.click("form[action$='/rectify'] button[type=submit]")  # nothing to pick again
    assert page.locator("#hazard-status").inner_text() == "整改待验收", page.locator("main").inner_text()
    assert image_loaded(page, "#hazard-history img") == 1
    setup["rectification_photo"] = photo_id(page.get_attribute("#hazard-history img", "src"))
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shots(page, "rectified-with-photo")


def test_the_agency_and_the_insurer_see_both_photos(open_page, shots) -> None:
    assert "rectification_photo" in setup
    for who, path in (("agency@demo.anze.cn", "/agency/hazards"), ("insurer@demo.anze.cn", "/insurer/hazards")):
        page = open_page()
        log_in(page, who)
        page.goto(f"{path}?grade=&status=RECTIFICATION_SUBMITTED")
        page.click(f"tr[data-hazard='{setup['hazard']}'] a")
        assert image_loaded(page, "#hazard-photos img") == 1
        assert image_loaded(page, "#hazard-history img") == 1
        shots(page, who.split("@")[0])


def test_the_expert_sees_both_photos_when_verifying(open_page, shots) -> None:
    assert "rectification_photo" in setup
    page = open_page(viewport=PHONE)
    log_in(page, "expert@demo.anze.cn")
    page.goto("/expert/hazards")
    page.click(f"a.visit-card[data-hazard='{setup['hazard']}']")
    assert image_loaded(page, "#hazard-photos img") == 1
    assert image_loaded(page, "#hazard-history img") == 1
    assert "已移开货物" in page.locator("#hazard-history").inner_text()
    shots(page, "verify-with-photos")
    page.check("input[name=accepted][value=yes]")
    page.click("form[action$='/verify'] button")
    assert "done=verified" in page.url


def test_another_firm_cannot_open_the_photos(open_page, shots) -> None:
    assert "rectification_photo" in setup
    page = open_page(viewport=PHONE)
    log_in(page, "enterprise@demo.anze.cn")
    for photo in (setup["hazard_photo"], setup["rectification_photo"]):
        response = page.goto(f"/photos/{photo}")
        assert response.status in (403, 404)
        assert response.headers["content-type"].startswith("text/html")
    shots(page, "refused")
    anonymous = open_page()
    anonymous.goto(f"/photos/{setup['hazard_photo']}")
    assert "/login" in anonymous.url
