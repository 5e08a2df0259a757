"""The bureau's coverage page in real Chromium: log in as the demo bureau, see every town of Cixi in the
table and as bars of the chart, in Chinese, on a desktop and on a phone."""

from __future__ import annotations

import pytest

from tests.web.conftest import PHONE, log_in

pytestmark = pytest.mark.browser

SOME_TOWNS = ("观海卫镇", "浒山街道", "周巷镇", "龙山镇")


def test_bureau_sees_coverage_by_town_as_a_table_and_a_bar_chart(open_page, shots) -> None:
    page = open_page()
    log_in(page, "bureau@demo.anze.cn")
    assert page.url.endswith("/bureau")
    assert page.locator("h1").inner_text().startswith("投保扩面")
    rows = page.locator("#coverage-table tbody tr")
    assert rows.count() >= 19  # Cixi's 5 sub-districts and 14 towns
    table = page.locator("#coverage-table").inner_text()
    for town in SOME_TOWNS:
        assert town in table
    bars = page.locator("figure.chart svg.chart-bar g.bar")
    assert bars.count() == rows.count()
    labels = {bars.nth(i).get_attribute("data-label") for i in range(bars.count())}
    assert set(SOME_TOWNS) <= labels
    rate = page.locator("#total-rate").inner_text()
    assert rate.endswith("%") and 0 < float(rate.rstrip("%")) < 100
    shots(page, "coverage-desktop")


def test_bureau_coverage_page_fits_a_phone_and_switches_to_english(open_page, shots) -> None:
    page = open_page(viewport=PHONE)
    log_in(page, "bureau@demo.anze.cn")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.locator("figure.chart svg.chart-bar").bounding_box()["width"] <= PHONE["width"]
    shots(page, "coverage-phone")
    page.click("a.lang")
    assert page.locator("h1").inner_text().startswith("Coverage")
    assert "Coverage rate" in page.locator("#coverage-table thead").inner_text()
    shots(page, "coverage-phone-english")


def test_bureau_drills_down_from_a_town_to_its_villages_parks_and_firms(open_page) -> None:
    page = open_page()
    log_in(page, "bureau@demo.anze.cn")
    page.click("#coverage-table tbody tr[data-key='330282107'] a")
    assert "region=330282107" in page.url
    assert "观海卫镇" in page.locator("h1").inner_text()
    page.click("#coverage-table tbody tr:not([data-enterprises='0']) a >> nth=0")  # a village → its parks
    assert "group_by=PARK" in page.url
    village = page.locator("h1").inner_text()
    rows = page.locator("#coverage-table tbody tr:not([data-enterprises='0'])")
    assert rows.count() >= 1
    row = rows.first  # a park of the village (or its firms outside any park) → those firms
    firms, insured = int(row.get_attribute("data-enterprises")), int(row.get_attribute("data-insured"))
    outside = row.get_attribute("data-key") == "NONE"
    row.locator("a").click()
    assert "/bureau/enterprises?village=" in page.url
    assert ("in_park=no" if outside else "park=") in page.url
    assert page.locator("h1").inner_text().startswith("企业 · " + village.split(" · ")[-1])
    assert firms <= 20, "more firms than a page: pick a smaller row"  # the page shows them all
    assert page.locator("#firms tbody tr").count() == firms  # the same firms the coverage counted
    assert page.locator("#firms tbody tr .badge:not(.pending)").count() == insured
    if not outside:
        park = page.locator("h1").inner_text().split(" · ")[-1]
        shown = page.locator("#firms tbody tr td:first-child small").all_inner_texts()
        assert shown and all(p == park for p in shown), (park, shown)
    name = page.locator("#firms tbody tr a").first.inner_text()
    page.click("#firms tbody tr a >> nth=0")  # a firm → its policies and hazard ledger
    assert page.locator("h1").inner_text() == name


def test_logging_out_ends_the_session(open_page) -> None:
    page = open_page()
    log_in(page, "bureau@demo.anze.cn")
    page.click("header form[action='/logout'] button")
    assert "/login" in page.url
    page.goto("/bureau")
    assert "/login" in page.url


def test_a_wrong_password_keeps_the_email_and_says_so(open_page) -> None:
    page = open_page()
    log_in(page, "bureau@demo.anze.cn", "not-the-password")
    assert "/login" in page.url
    assert page.locator(".form-error").inner_text().strip() != ""
    assert page.input_value("#f-email") == "bureau@demo.anze.cn"
