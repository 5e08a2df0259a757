"""The policy certificate (保险凭证) PDF: its figures read back, who may download it, and which states have one."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
from pypdf import PdfReader

from services.kernel.auth import Role
from services.kernel.clock import SHANGHAI
from services.policy import lifecycle
from services.policy.dates import today
from tests.policy.test_lifecycle import past_policy

pytestmark = pytest.mark.asyncio(loop_scope="module")
GUANHAIWEI = "330282107"
WEIDONG = "330282107201"  # 卫东村 (assumed code, docs/policy.md)


def pdf_text(content: bytes) -> str:
    """The PDF's text without blanks (pypdf breaks CJK lines where fpdf wrapped them)."""
    return "".join("".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split())


async def insured_firm(world, **firm):
    insurer = await world.insurer(name=f"凭证测试保险{firm.pop('tag', '')}")
    product = await world.product(insurer, name="安责险凭证条款")
    firm = await world.firm(principal_name="孙厂长", village_code=WEIDONG, **firm)
    policy = await world.active_policy(firm, product, insurer)
    return insurer, firm, policy


def certificate(world, policy_id: str, headers):
    return world.client.get(f"/v1/policies/{policy_id}/certificate.pdf", headers=headers)


async def test_an_active_policy_certificate_shows_the_policy_the_firm_and_the_figures(world):
    _insurer, firm, policy = await insured_firm(world, name="演示-凭证五金厂", tag="A")
    response = await certificate(world, policy["id"], world.as_(Role.ENTERPRISE, firm["id"]))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert f'policy-{policy["number"]}.pdf' in response.headers["content-disposition"]
    text = pdf_text(response.content)
    premium, budget = policy["premium_fen"], policy["prevention_budget_fen"]
    activated = policy["activated_at"]
    for expected in ("安全生产责任保险保险凭证", policy["number"], "凭证测试保险A", "演示-凭证五金厂", firm["uscc"],
                     "慈溪市观海卫镇卫东村", "孙厂长", "安责险凭证条款",
                     f"{policy['start_date']}零时起至{policy['end_date']}二十四时止",
                     f"{policy['headcount']}人", "400,000.00元",
                     f"{premium // 100:,}.{premium % 100:02d}元", "保险费的20%",
                     f"{budget // 100:,}.{budget % 100:02d}元", "保单状态有效"):
        assert expected in text, (expected, text)
    issued = datetime.fromisoformat(activated).astimezone(SHANGHAI).date().isoformat()
    assert f"签发日期{issued}" in text


async def test_the_insurer_and_the_regions_bureau_download_it_too(world):
    insurer, firm, policy = await insured_firm(world, name="演示-凭证下载厂", tag="B")
    for headers in (world.as_(Role.INSURER, insurer), world.as_(Role.BUREAU, region=GUANHAIWEI)):
        response = await certificate(world, policy["id"], headers)
        assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
        text = pdf_text(response.content)  # the same certificate as the firm's, read back
        assert "安全生产责任保险保险凭证" in text and policy["number"] in text and "演示-凭证下载厂" in text
        assert firm["uscc"] in text


async def test_another_firm_insurer_or_region_is_refused(world):
    _insurer, firm, policy = await insured_firm(world, tag="C")
    other_firm = await world.firm()
    for headers in (world.as_(Role.ENTERPRISE, other_firm["id"]), world.as_(Role.INSURER, "ins_other"),
                    world.as_(Role.BUREAU, region="330282114")):
        response = await certificate(world, policy["id"], headers)
        assert response.status_code == 403, response.text
        assert response.json()["code"] == "FORBIDDEN" and not response.content.startswith(b"%PDF")
    for role in (Role.AGENCY, Role.EXPERT):  # not policy readers at all
        assert (await certificate(world, policy["id"], world.as_(role, "org_x"))).status_code == 403
    missing = await certificate(world, "pol_missing", world.as_(Role.ENTERPRISE, firm["id"]))
    assert missing.status_code == 404 and missing.json()["code"] == "NOT_FOUND"


async def test_a_policy_awaiting_payment_has_no_certificate_yet(world):
    insurer = await world.insurer()
    product = await world.product(insurer)
    firm = await world.firm()
    me = world.as_(Role.ENTERPRISE, firm["id"])
    quote = (await world.quote(firm, product)).json()
    policy = (await world.client.post(f"/v1/quotes/{quote['id']}/bind", headers=me)).json()
    response = await certificate(world, policy["id"], me)
    assert response.status_code == 409
    problem = response.json()
    assert problem["code"] == "INVALID_STATE" and "PENDING_PAYMENT" in problem["detail"]
    # cancelled before it was ever paid: it never covered a day, so still no certificate
    r = await world.client.post(f"/v1/policies/{policy['id']}/cancel", headers=me,
                                json={"reason": "不买了", "reason_code": "OTHER"})
    assert r.status_code == 200 and r.json()["status"] == "CANCELLED"
    response = await certificate(world, policy["id"], me)
    assert response.status_code == 409 and "never took effect" in response.json()["detail"]


async def test_a_cancelled_policy_certificate_says_so_with_its_date(world):
    _insurer, firm, policy = await insured_firm(world, tag="D")
    me = world.as_(Role.ENTERPRISE, firm["id"])
    r = await world.client.post(f"/v1/policies/{policy['id']}/cancel", headers=me,
                                json={"reason": "转投他司", "reason_code": "SWITCHED_INSURER"})
    assert r.status_code == 200, r.text
    response = await certificate(world, policy["id"], me)
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert f"已退保（自{today().isoformat()}起终止）" in text and policy["number"] in text


async def test_an_expired_policy_certificate_says_it_has_expired(world):
    insurer = await world.insurer()
    product = await world.product(insurer)
    firm = await world.firm()
    policy_id = await past_policy(world, firm, product, today() - timedelta(days=400))
    await lifecycle.expire_due(world.app.state.runtime.database)
    response = await certificate(world, policy_id, world.as_(Role.INSURER, insurer))
    assert response.status_code == 200, response.text
    assert "保单状态已到期" in pdf_text(response.content)


async def test_a_firm_outside_cixi_has_its_own_city_in_the_address(world):
    from services.policy import repository
    from services.policy.regions import RegionSeed

    async with world.app.state.runtime.database.transaction() as session:
        await repository.upsert_regions(session, [
            RegionSeed("330281", "余姚市", "CITY", None, "CITY"),
            RegionSeed("330281001", "凤山街道", "TOWN", "330281", "SUB_DISTRICT")])
    insurer = await world.insurer(name="凭证测试保险E")
    product = await world.product(insurer, name="安责险凭证条款")
    firm = await world.firm(town_code="330281001", name="演示-余姚凭证厂")
    policy = await world.active_policy(firm, product, insurer)
    response = await certificate(world, policy["id"], world.as_(Role.ENTERPRISE, firm["id"]))
    assert response.status_code == 200, response.text
    text = pdf_text(response.content)
    assert "地址余姚市凤山街道" in text, text
    assert "慈溪" not in text
