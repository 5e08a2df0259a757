"""Commission to intermediaries: at most 5% for the compulsory industries (2025 Measures), shown where applied."""

from __future__ import annotations

import pytest

from services.kernel.auth import Role

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def create_product(world, insurer: str, **overrides):
    body = {"insurer_id": insurer, "name": "安责险佣金条款", "limit_options_fen": [40_000_000],
            "base_rates_ppm": {"LOW": 500, "MEDIUM": 800, "HIGH": 1200}, "prevention_share": 0.2, **overrides}
    return await world.client.post("/v1/products", headers=world.as_(Role.INSURER, insurer), json=body)


async def test_a_compulsory_industry_product_may_state_exactly_5_percent(world):
    insurer = await world.insurer()
    r = await create_product(world, insurer, industry_scope="COMPULSORY", commission_rate=0.05)
    assert r.status_code == 201, r.text
    assert r.json()["commission_rate"] == 0.05 and r.json()["industry_scope"] == "COMPULSORY"


async def test_a_compulsory_industry_product_above_5_percent_is_refused_naming_the_rule(world):
    insurer = await world.insurer()
    r = await create_product(world, insurer, industry_scope="COMPULSORY", commission_rate=0.0501)
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["code"] == "COMMISSION_ABOVE_CAP"
    assert "5%" in problem["detail"] and "安全生产责任保险实施办法" in problem["detail"]
    products = (await world.client.get("/v1/products", params={"insurer_id": insurer})).json()
    assert products["items"] == []


async def test_a_mixed_product_shows_the_capped_commission_on_a_compulsory_firms_quote_and_policy(world):
    insurer = await world.insurer()
    product = (await create_product(world, insurer, commission_rate=0.08)).json()["id"]
    firm = await world.firm(high_risk_tags=["MINING"])
    assert firm["compulsory"] is True
    quote = (await world.quote(firm, product)).json()
    assert quote["commission_rate"] == 0.05
    assert quote["commission_fen"] == round(quote["premium_fen"] * 5 / 100)
    policy = await world.active_policy(firm, product, insurer)
    assert policy["commission_rate"] == 0.05
    assert policy["commission_fen"] == round(policy["premium_fen"] * 5 / 100)


async def test_a_mixed_product_keeps_its_stated_commission_for_a_firm_that_need_not_insure(world):
    insurer = await world.insurer()
    product = (await create_product(world, insurer, commission_rate=0.08)).json()["id"]
    firm = await world.firm()
    assert firm["compulsory"] is False
    quote = (await world.quote(firm, product)).json()
    assert quote["commission_rate"] == 0.08
    assert quote["commission_fen"] == round(quote["premium_fen"] * 8 / 100)
