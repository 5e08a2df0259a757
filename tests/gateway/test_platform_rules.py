"""The rules at their edges (issue 18) as GraphQL shows them: the commission applied to a compulsory firm."""

from __future__ import annotations

import pytest

from tests.gateway.test_platform_journey import china_today, register_firm

pytestmark = pytest.mark.asyncio(loop_scope="package")


async def product_with_commission(platform, rate: float) -> str:
    """A mixed product of the demo insurer stating ``rate``, made on the policy service's own API."""
    insurer = platform.ctx["insurer_ids"][0]
    response = await platform.client.post(
        "/api/policy/v1/products", headers={"Authorization": f"Bearer {platform.tokens['insurer']}"},
        json={"insurer_id": insurer, "name": "安责险混合条款(演示)", "limit_options_fen": [40_000_000],
              "base_rates_ppm": {"LOW": 500, "MEDIUM": 800, "HIGH": 1200}, "prevention_share": 0.2,
              "commission_rate": rate, "industry_scope": "MIXED"})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_a_compulsory_firms_quote_and_policy_show_the_commission_capped_at_5_percent(platform):
    product = await product_with_commission(platform, 0.08)
    firm = await register_firm(platform, employees=30, high_risk_tags=["MINING"])
    quote = (await platform.data("""mutation($in: QuoteInput!) { requestQuote(input: $in) { __typename
        ... on Quote { id premiumFen commissionRate commissionFen } ... on OperationError { code message } } }""",
        {"in": {"enterpriseId": firm, "productId": product, "headcount": 30, "limitPerPersonFen": 40_000_000,
                "startDate": china_today().isoformat()}}, as_="admin"))["requestQuote"]
    assert quote["__typename"] == "Quote", quote
    assert quote["commissionRate"] == 0.05 and quote["commissionFen"] == round(quote["premiumFen"] * 0.05)
    policy = (await platform.data("""mutation($q: ID!) { bindQuote(quoteId: $q) { __typename
        ... on Policy { id commissionRate commissionFen premiumFen product { commissionRate industryScope } }
        ... on OperationError { code message } } }""", {"q": quote["id"]}, as_="admin"))["bindQuote"]
    assert policy["commissionRate"] == 0.05 and policy["commissionFen"] == quote["commissionFen"], policy
    assert policy["product"] == {"commissionRate": 0.08, "industryScope": "MIXED"}
