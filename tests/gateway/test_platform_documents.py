"""Documents through the gateway's ``/reports`` door: the policy certificate and a visit's hazard notice download as
PDFs with the caller's token; the services' refusals (FORBIDDEN, NOT_FOUND, INVALID_STATE) come back as they are,
and ``Policy.certificateUrl`` says when there is a certificate to download."""

from __future__ import annotations

import hashlib
import io
import json
import uuid
import zipfile
from datetime import timedelta

import pytest
from pypdf import PdfReader

from gateway.accounts import service as accounts
from services.kernel.auth import Role

from .test_platform_journey import buy_policy, china_today, register_firm, wait_for
from .test_platform_photos import another_firms_token, checked_in_visit

pytestmark = pytest.mark.asyncio(loop_scope="package")

CERTIFICATE_URL = "query($id: ID!) { policy(id: $id) { number status certificateUrl enterprise { name uscc } } }"


async def get(platform, path: str, *, as_: str | None = None, token: str | None = None):
    token = token or (platform.tokens[as_] if as_ else None)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return await platform.client.get(path, headers=headers)


def pdf_text(content: bytes) -> str:
    return "".join("".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split())


async def test_an_active_policy_offers_its_certificate_and_it_downloads_with_the_policy_and_the_firm(platform):
    firm = await register_firm(platform)
    bought = await buy_policy(platform, firm, as_="admin")
    policy = (await platform.data(CERTIFICATE_URL, {"id": bought["id"]}, as_="insurer"))["policy"]
    assert policy["status"] == "ACTIVE"
    assert policy["certificateUrl"] == f"/reports/policies/{bought['id']}/certificate.pdf"
    for who in ("insurer", "bureau"):
        response = await get(platform, policy["certificateUrl"], as_=who)
        assert response.status_code == 200, (who, response.text)
        assert response.headers["content-type"] == "application/pdf"
        assert f"policy-{policy['number']}.pdf" in response.headers["content-disposition"]
        text = pdf_text(response.content)
        assert policy["number"] in text and policy["enterprise"]["name"] in text
        assert policy["enterprise"]["uscc"] in text


async def test_another_firm_gets_the_services_refusal_not_the_pdf(platform):
    firm = await register_firm(platform)
    bought = await buy_policy(platform, firm, as_="admin")
    path = f"/reports/policies/{bought['id']}/certificate.pdf"
    refused = await get(platform, path, token=await another_firms_token(platform))
    assert refused.status_code == 403 and refused.json()["code"] == "FORBIDDEN"
    assert not refused.content.startswith(b"%PDF")
    assert (await get(platform, path)).status_code == 401  # no token at all
    missing = await get(platform, "/reports/policies/pol_nothing/certificate.pdf", as_="insurer")
    assert missing.status_code == 404 and missing.json()["code"] == "NOT_FOUND"


async def test_a_policy_awaiting_payment_has_no_certificate_url_and_the_download_says_why(platform):
    firm = await register_firm(platform, employees=9)
    product = (await platform.data("query($i: ID) { products(insurerId: $i) { id limitOptionsFen } }",
                                   {"i": platform.ctx["insurer_ids"][0]}))["products"][0]
    quote = (await platform.data("""mutation($in: QuoteInput!) { requestQuote(input: $in) { ... on Quote { id } } }""",
                                 {"in": {"enterpriseId": firm, "productId": product["id"], "headcount": 9,
                                         "limitPerPersonFen": product["limitOptionsFen"][0],
                                         "startDate": china_today().isoformat()}}, as_="admin"))["requestQuote"]
    pending = (await platform.data("mutation($q: ID!) { bindQuote(quoteId: $q) { ... on Policy { id } } }",
                                   {"q": quote["id"]}, as_="admin"))["bindQuote"]
    policy = (await platform.data(CERTIFICATE_URL, {"id": pending["id"]}, as_="insurer"))["policy"]
    assert policy["status"] == "PENDING_PAYMENT" and policy["certificateUrl"] is None
    response = await get(platform, f"/reports/policies/{pending['id']}/certificate.pdf", as_="insurer")
    assert response.status_code == 409
    assert response.json()["code"] == "INVALID_STATE" and "PENDING_PAYMENT" in response.json()["detail"]


async def test_the_hazard_notice_of_a_visit_downloads_for_its_firm_only(platform):
    booking = await checked_in_visit(platform)
    reported = (await platform.data("""mutation($b: ID!, $in: VisitReportInput!) { submitVisitReport(bookingId: $b,
        input: $in) { __typename ... on Booking { number } ... on OperationError { code message } } }""", {
        "b": booking, "in": {"summary": "检查(文书测试)", "items": ["电气"], "hazards": [{
            "grade": "GENERAL", "description": "配电箱未接地(文书测试)",
            "deadline": (china_today() + timedelta(days=30)).isoformat()}]}}, as_="expert"))["submitVisitReport"]
    assert reported["__typename"] == "Booking", reported
    path = f"/reports/bookings/{booking}/hazard-notice.pdf"
    response = await get(platform, path, as_="enterprise")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "事故隐患整改通知书" in text and reported["number"] in text and "配电箱未接地(文书测试)" in text
    assert (await get(platform, path, as_="expert")).status_code == 200
    refused = await get(platform, path, token=await another_firms_token(platform))
    assert refused.status_code == 403 and refused.json()["code"] == "FORBIDDEN"


async def test_a_visit_without_hazards_has_no_hazard_notice(platform):
    booking = await checked_in_visit(platform)
    reported = (await platform.data("""mutation($b: ID!, $in: VisitReportInput!) { submitVisitReport(bookingId: $b,
        input: $in) { __typename ... on OperationError { code message } } }""", {
        "b": booking, "in": {"summary": "检查(无隐患)", "items": ["电气"], "hazards": []}}, as_="expert"))
    assert reported["submitVisitReport"]["__typename"] == "Booking", reported
    response = await get(platform, f"/reports/bookings/{booking}/hazard-notice.pdf", as_="enterprise")
    assert response.status_code == 409 and response.json()["code"] == "INVALID_STATE"


async def test_the_firm_downloads_its_annual_evaluation_report(platform):
    from services.kernel.clock import today

    firm, year = platform.ctx["demo_enterprise_id"], today().year
    response = await get(platform, f"/reports/archive/{firm}/annual-report.pdf?year={year}", as_="enterprise")
    assert response.status_code == 200, response.text
    text = pdf_text(response.content)
    assert "安全生产责任保险事故预防服务年度评估报告" in text and f"评估年度：{year}年" in text
    refused = await get(platform, f"/reports/archive/{firm}/annual-report.pdf?year={year}", as_="agency")
    assert refused.status_code == 403


async def firms_token(platform, firm: str) -> str:
    """A login of the firm's own (the demo firm's account belongs to the demo firm)."""
    email = f"file-firm-{uuid.uuid4().hex[:6]}@test.anze.cn"
    gateway = platform.gateway
    async with gateway.database.transaction() as session:
        await accounts.add_account(session=session, email=email, password="file-firm-password", role=Role.ENTERPRISE,
                                   org_id=firm, hasher=gateway.account_policy.hasher)
    body = await platform.gql('mutation($e: String!) { login(email: $e, password: "file-firm-password") { '
                              "... on AuthPayload { token } } }", {"e": email})
    return str(body["data"]["login"]["token"])


async def test_the_firm_its_insurer_and_its_bureau_download_the_whole_aq9010_file(platform):
    firm = await register_firm(platform)
    bought = await buy_policy(platform, firm, as_="admin")
    token = await firms_token(platform, firm)
    path = f"/reports/archive/{firm}/file.zip"

    async def contract_known() -> bool:  # bookings learns the policy from its event
        ledgers = await get(platform, path, as_="insurer")
        return ledgers.status_code == 200
    await wait_for(contract_known)
    response = await get(platform, path, token=token)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert f"aq9010-file-{firm}.zip" in response.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(response.content)) as zf:
        files = {name: zf.read(name) for name in zf.namelist()}
    manifest = json.loads(files["manifest.json"])
    assert manifest["chain"]["intact"] is True and manifest["chain"]["head"] == json.loads(
        files["archive.json"])[-1]["hash"]
    for item in manifest["items"]:
        assert hashlib.sha256(files[item["path"]]).hexdigest() == item["sha256"], item["path"]
    assert {"CONTRACT", "SERVICE_PLAN", "FEE_LEDGER", "ANNUAL_REPORT"} <= {i["kind"] for i in manifest["items"]}
    [contract] = [i["path"] for i in manifest["items"] if i["kind"] == "CONTRACT"]
    assert json.loads(files[contract])["policy_id"] == bought["id"]
    [report] = [i["path"] for i in manifest["items"] if i["kind"] == "ANNUAL_REPORT"]
    assert "安全生产责任保险事故预防服务年度评估报告" in pdf_text(files[report])
    for reader in ("insurer", "bureau"):
        assert (await get(platform, path, as_=reader)).status_code == 200, reader
    for refused in (await get(platform, path, as_="agency"),
                    await get(platform, path, token=await another_firms_token(platform))):
        assert refused.status_code == 403 and refused.json()["code"] == "FORBIDDEN"
