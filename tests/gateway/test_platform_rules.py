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


async def test_the_bureau_sees_a_compulsory_firms_lapsed_cover_with_the_days_uncovered(platform):
    from datetime import timedelta

    from services.kernel.auth import Principal, Role
    from services.kernel.clock import today
    from services.policy import payments, policies
    from services.policy.dates import add_months

    firm = await register_firm(platform, employees=12, high_risk_tags=["FIREWORKS"])
    admin = Principal(sub="usr_test_admin", role=Role.ADMIN)
    start = add_months(today() - timedelta(days=3), -12) + timedelta(days=1)  # ended three days ago
    database = platform.app.state.platform.apps["policy"].state.runtime.database
    async with database.transaction() as s:
        quote = await policies.request_quote(s, principal=admin, enterprise_id=firm,
                                             product_id=platform.ctx["product_ids"][0], headcount=12,
                                             limit_per_person_fen=40_000_000, start_date=start, on=start)
        policy = await policies.bind_quote(s, principal=admin, quote_id=quote.id, on=start)
        payment = await payments.new_payment(s, policy, method="BANK_TRANSFER", amount_fen=policy.premium_fen)
        await payments.confirm_offline(s, principal=admin, payment_id=payment.id, bank_reference="old")
        number, end = policy.number, policy.end_date
    rows = (await platform.data("""{ coverLapses(regionCode: "330282107") { enterpriseId lastPolicyNumber
        lastCoveredDay lapsedSince daysUncovered renewalPending } }""", as_="bureau"))["coverLapses"]
    [lapse] = [r for r in rows if r["enterpriseId"] == firm]
    assert lapse == {"enterpriseId": firm, "lastPolicyNumber": number, "lastCoveredDay": end.isoformat(),
                     "lapsedSince": (end + timedelta(days=1)).isoformat(),
                     "daysUncovered": (today() - end).days, "renewalPending": False}
    refused = await platform.gql("{ coverLapses { enterpriseId } }", as_="insurer")
    assert refused["errors"] and refused["data"] is None
