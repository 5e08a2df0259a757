"""Documents in real Chromium: a firm downloads its policy certificate (保险凭证) from its policy list and its policy
page and the PDF shows its policy number and name; the insurer downloads it from its policy page; another firm that
changes the id in the address gets the 403 page, not the PDF. The firm and the expert download a visit's hazard
notice (事故隐患整改通知书) from their visit pages. The firms, the policy and the visit are this module's own (set up
through the gateway): the demo firm's state, which the journeys build on, is left alone; the demo firm is the other
firm here. The visit is the demo agency's, five weeks ahead, past the times the other modules book."""

from __future__ import annotations

import hashlib
import io
import json
import time
import uuid
import zipfile
from pathlib import Path

import httpx
import pytest
from pypdf import PdfReader

from tests.web.conftest import PHONE, log_in
from tests.web.setup import Api, insured_firm, today, visit_with_a_hazard

pytestmark = pytest.mark.browser

FIRM_PASSWORD = "a-long-password-documents"
ZHOUXIANG = "330282114"  # 周巷镇: away from the demo firm's town, whose coverage the journeys count
GUANHAIWEI = "330282107"  # 观海卫镇, served by the demo agency
HAZARD_TEXT = "危化品仓库未设置防爆照明(文书测试)"


@pytest.fixture(scope="module")
def firm(platform_url: str) -> dict[str, str]:
    """A firm of its own with an ACTIVE policy: signed up, registered, quoted, bound, paid by transfer and
    confirmed by the demo insurer."""
    made = insured_firm(Api(platform_url), name=f"演示-保单下载测试厂{uuid.uuid4().hex[:4]}", town=ZHOUXIANG,
                        password=FIRM_PASSWORD, employees=15, industry="C38", limit="lowest", reference="BANK-DOC-1",
                        email_prefix="documents", revenue_fen=500_000_000, phone="13900005678")
    return {**made, "firm_id": made["firm"], "firm": made["name"]}  # the certificate shows the firm's name


def downloaded_text(page, link: str) -> tuple[str, str]:
    """Click the link as a person would and read the file the browser saved: (its name, its text)."""
    with page.expect_download() as started:
        page.click(link)
    download = started.value
    content = Path(download.path()).read_bytes()
    assert content.startswith(b"%PDF"), content[:200]
    text = "".join(page_.extract_text() for page_ in PdfReader(io.BytesIO(content)).pages)
    return download.suggested_filename, "".join(text.split())


def test_firm_downloads_its_policy_certificate_from_the_list_and_the_policy_page(open_page, shots, firm) -> None:
    page = open_page()
    log_in(page, firm["email"], FIRM_PASSWORD)
    page.click("nav.menu a[href='/firm/policies']")
    row = page.locator(f"tr[data-policy='{firm['policy']}']")
    assert row.locator("a.certificate").inner_text() == "下载保单"
    shots(page, "policy-list-with-download")
    name, text = downloaded_text(page, f"tr[data-policy='{firm['policy']}'] a.certificate")
    assert name == f"policy-{firm['number']}.pdf"
    assert firm["number"] in text and firm["firm"] in text and "安全生产责任保险保险凭证" in text
    assert "保单状态有效" in text

    phone = open_page(viewport=PHONE)
    log_in(phone, firm["email"], FIRM_PASSWORD)
    phone.goto(f"/firm/policies/{firm['policy']}")
    assert phone.locator("#download-certificate").is_visible()
    shots(phone, "policy-page-phone")
    _, text = downloaded_text(phone, "#download-certificate")
    assert firm["number"] in text and firm["firm"] in text


def test_another_firm_changing_the_id_gets_the_403_page_not_the_pdf(open_page, shots, firm) -> None:
    page = open_page()
    log_in(page, "enterprise@demo.anze.cn")
    response = page.goto(f"/firm/policies/{firm['policy']}/certificate.pdf")
    assert response is not None and response.status == 403
    assert response.headers["content-type"].startswith("text/html")
    assert "无权访问" in page.locator("main").inner_text()
    assert firm["number"] not in page.content()
    shots(page, "other-firm-refused")
    missing = page.goto("/firm/policies/pol_nothing/certificate.pdf")
    assert missing is not None and missing.status == 404


def test_insurer_downloads_the_certificate_from_its_policy_page(open_page, shots, firm) -> None:
    page = open_page()
    log_in(page, "insurer@demo.anze.cn")
    page.goto(f"/insurer/policies/{firm['policy']}")
    assert page.locator("#policy-status").inner_text() == "有效"
    shots(page, "insurer-policy-page")
    _, text = downloaded_text(page, "#download-certificate")
    assert firm["number"] in text and firm["firm"] in text


def downloaded_file(page, link: str) -> tuple[str, dict, dict[str, bytes]]:
    """Click the link and open the ZIP the browser saved: (its name, its manifest, its files), each file checked
    against the SHA-256 the manifest gives for it."""
    with page.expect_download() as started:
        page.click(link)
    download = started.value
    content = Path(download.path()).read_bytes()
    assert content.startswith(b"PK"), content[:200]
    with zipfile.ZipFile(io.BytesIO(content)) as zf:
        files = {name: zf.read(name) for name in zf.namelist()}
    manifest = json.loads(files.pop("manifest.json"))
    for item in manifest["items"]:
        assert hashlib.sha256(files[item["path"]]).hexdigest() == item["sha256"], item["path"]
    return download.suggested_filename, manifest, files


def wait_until_bookings_knows_the_policy(platform_url: str, firm_id: str) -> None:
    """Bookings learns the policy from its event: the insurer may read the firm's file once it has."""
    token = Api(platform_url).login("insurer@demo.anze.cn")
    for _ in range(60):
        answer = httpx.get(f"{platform_url}/reports/archive/{firm_id}/file.zip",
                           headers={"Authorization": f"Bearer {token}"}, timeout=30)
        if answer.status_code == 200:
            return
        time.sleep(0.5)  # polling a live server, not reading the clock
    raise AssertionError(f"bookings never learnt the policy: {answer.status_code} {answer.text[:200]}")


def test_firm_downloads_its_annual_report_and_whole_file_from_its_page(open_page, shots, firm, platform_url) -> None:
    wait_until_bookings_knows_the_policy(platform_url, firm["firm_id"])
    page = open_page()
    log_in(page, firm["email"], FIRM_PASSWORD)
    page.goto("/firm")
    card = page.locator("#service-file")
    assert card.locator("h2").inner_text() == "服务档案"
    assert page.locator("#download-file").inner_text() == "下载全部档案"
    shots(page, "firm-service-file")
    name, text = downloaded_text(page, "#download-annual-report")
    assert name == f"annual-report-{firm['firm_id']}-{today().year}.pdf"
    assert "安全生产责任保险事故预防服务年度评估报告" in text and firm["firm"] in text
    name, manifest, files = downloaded_file(page, "#download-file")
    assert name == f"aq9010-file-{firm['firm_id']}.zip"
    assert manifest["chain"]["intact"] is True and manifest["standard"] == "AQ 9010-2019"
    kinds = {item["kind"] for item in manifest["items"]}
    assert {"CONTRACT", "SERVICE_PLAN", "FEE_LEDGER", "ANNUAL_REPORT"} <= kinds, kinds
    contract = json.loads(files[f"contract/{firm['policy']}.json"])
    assert contract["number"] == firm["number"] and contract["premium_fen"] == int(firm["premium"])
    assert manifest["not_available"] == []


def test_insurer_downloads_the_firms_whole_file_from_its_policy_page(open_page, shots, firm, platform_url) -> None:
    wait_until_bookings_knows_the_policy(platform_url, firm["firm_id"])
    page = open_page()
    log_in(page, "insurer@demo.anze.cn")
    page.goto(f"/insurer/policies/{firm['policy']}")
    assert page.locator("#download-file").inner_text() == "下载全部档案"
    shots(page, "insurer-service-file")
    name, manifest, files = downloaded_file(page, "#download-file")
    assert name == f"aq9010-file-{firm['firm_id']}.zip" and manifest["chain"]["intact"] is True
    assert f"contract/{firm['policy']}.json" in files
    _, text = downloaded_text(page, "#download-annual-report")
    assert "安全生产责任保险事故预防服务年度评估报告" in text and firm["firm"] in text


def test_bureau_downloads_the_firms_whole_file_from_the_firms_page(open_page, shots, firm, platform_url) -> None:
    wait_until_bookings_knows_the_policy(platform_url, firm["firm_id"])
    page = open_page()
    log_in(page, "bureau@demo.anze.cn")
    page.goto(f"/bureau/enterprises/{firm['firm_id']}")
    assert page.locator("#download-file").inner_text() == "下载全部档案"
    shots(page, "bureau-firm-page")
    name, manifest, files = downloaded_file(page, "#download-file")
    assert name == f"aq9010-file-{firm['firm_id']}.zip" and manifest["chain"]["intact"] is True
    assert f"contract/{firm['policy']}.json" in files


@pytest.fixture(scope="module")
def visit(platform_url: str) -> dict[str, str]:
    return visit_with_a_hazard(Api(platform_url), password=FIRM_PASSWORD, town=GUANHAIWEI, hazard=HAZARD_TEXT)


def test_firm_and_expert_download_the_hazard_notice_from_the_visit_page(open_page, shots, visit) -> None:
    page = open_page(viewport=PHONE)
    log_in(page, visit["email"], FIRM_PASSWORD)
    page.goto(f"/firm/visits/{visit['booking']}")
    assert HAZARD_TEXT in page.locator("main").inner_text()
    shots(page, "firm-visit-with-notice")
    name, text = downloaded_text(page, "#download-notice")
    assert name.endswith(".pdf")
    assert "事故隐患整改通知书" in text and visit["number"] in text and "".join(HAZARD_TEXT.split()) in text

    expert = open_page(viewport=PHONE)
    log_in(expert, "expert@demo.anze.cn")
    expert.goto(f"/expert/visits/{visit['booking']}")
    shots(expert, "expert-visit-with-notice")
    _, text = downloaded_text(expert, "#download-notice")
    assert visit["number"] in text and visit["firm"] in text

    other = open_page()
    log_in(other, "enterprise@demo.anze.cn")
    refused = other.goto(f"/firm/visits/{visit['booking']}/hazard-notice.pdf")
    assert refused is not None and refused.status == 403 and "无权访问" in other.locator("main").inner_text()


def test_a_policy_awaiting_payment_offers_no_download_and_its_address_says_why(open_page, shots, platform_url,
                                                                               visit) -> None:
    api = Api(platform_url)
    token = api.login(visit["email"], FIRM_PASSWORD)
    product = api.run("{ products { id limitOptionsFen } }", token=token)["products"][0]
    quote = api.run("mutation($in: QuoteInput!) { requestQuote(input: $in) { ... on Quote { id } } }",
                    {"in": {"enterpriseId": visit["firm_id"], "productId": product["id"], "headcount": 20,
                            "limitPerPersonFen": product["limitOptionsFen"][0], "startDate": today().isoformat()}},
                    token)
    pending = api.run("mutation($q: ID!) { bindQuote(quoteId: $q) { ... on Policy { id } } }",
                      {"q": quote["requestQuote"]["id"]}, token)["bindQuote"]
    page = open_page()
    log_in(page, visit["email"], FIRM_PASSWORD)
    page.goto("/firm/policies")
    row = page.locator(f"tr[data-policy='{pending['id']}']")
    assert "待缴费" in row.inner_text() and row.locator("a.certificate").count() == 0
    page.goto(f"/firm/policies/{pending['id']}")
    assert page.locator("#download-certificate").count() == 0
    response = page.goto(f"/firm/policies/{pending['id']}/certificate.pdf")
    assert response is not None and response.status == 409
    assert "保单缴费生效后才能下载保险凭证" in page.locator("main").inner_text()
    shots(page, "no-certificate-before-payment")
