"""Policy.endorsementQuote through the gateway: the firm and its insurer see what a new headcount would do before it
is made, and it is what the endorsement then does; bad input is an OperationError at the field; other accounts
are refused."""

from __future__ import annotations

import pytest

from .test_cancellation import ENDORSE, REFUNDS, insured_firm
from .test_complaints import account_for
from .test_platform_journey import china_today

pytestmark = pytest.mark.asyncio(loop_scope="package")

QUOTE = """query($id: ID!, $n: Int!, $d: Date!) { policy(id: $id) { headcount premiumFen endorsementQuote(headcount: $n,
  effectiveDate: $d) { __typename ... on EndorsementQuote { effectiveDate remainingDays termDays headcountBefore
  headcount premiumBeforeFen premiumFen deltaFen preventionBudgetBeforeFen preventionBudgetFen settlement }
  ... on OperationError { code message field } } } }"""


async def quoted(platform, policy_id: str, headcount: int, day: str, **who) -> dict:
    return (await platform.gql(QUOTE, {"id": policy_id, "n": headcount, "d": day}, **who))


async def test_the_firm_is_quoted_a_transfer_and_the_endorsement_charges_exactly_that(platform):
    _, policy, firm = await insured_firm(platform, employees=20)
    today = china_today().isoformat()
    seen = (await quoted(platform, policy["id"], 24, today, token=firm))["data"]["policy"]
    quote = seen["endorsementQuote"]
    assert quote["__typename"] == "EndorsementQuote" and quote["settlement"] == "TRANSFER"
    assert (quote["headcountBefore"], quote["headcount"], quote["effectiveDate"]) == (20, 24, today)
    assert quote["premiumBeforeFen"] == policy["premiumFen"] and quote["deltaFen"] > 0
    assert (seen["headcount"], seen["premiumFen"]) == (20, policy["premiumFen"])  # asking changed nothing
    endorsed = (await platform.gql(ENDORSE, {"p": policy["id"], "n": 24, "d": today}, token=firm))["data"][
        "endorseHeadcount"]
    assert (endorsed["headcount"], endorsed["premiumFen"]) == (24, quote["premiumFen"])
    [charge] = [p for p in endorsed["payments"] if p["purpose"] == "ENDORSEMENT"]
    assert charge["amountFen"] == quote["deltaFen"]


async def test_the_insurer_is_quoted_a_refund_and_the_endorsement_refunds_exactly_that(platform):
    _, policy, firm = await insured_firm(platform, employees=20)
    today = china_today().isoformat()
    quote = (await quoted(platform, policy["id"], 15, today, as_="insurer"))["data"]["policy"]["endorsementQuote"]
    assert quote["settlement"] == "REFUND" and quote["deltaFen"] < 0
    assert quote["preventionBudgetFen"] < quote["preventionBudgetBeforeFen"]
    await platform.gql(ENDORSE, {"p": policy["id"], "n": 15, "d": today}, token=firm)
    [refund] = (await platform.gql(REFUNDS, {"id": policy["id"]}, token=firm))["data"]["policy"]["refunds"]
    assert (refund["amountFen"], refund["reason"]) == (-quote["deltaFen"], "ENDORSEMENT")


async def test_bad_input_is_an_operation_error_at_the_field_as_for_the_endorsement(platform):
    _, policy, firm = await insured_firm(platform, employees=20)
    today = china_today().isoformat()
    for headcount, day, field in ((0, today, "headcount"), (20, today, "headcount"), (22, "2020-01-01",
                                                                                      "effectiveDate")):
        got = (await quoted(platform, policy["id"], headcount, day, token=firm))["data"]["policy"]["endorsementQuote"]
        assert (got["__typename"], got["code"], got["field"]) == ("OperationError", "VALIDATION", field), got
    await platform.gql("""mutation($p: ID!) { cancelPolicy(policyId: $p, reason: "重复投保", reasonCode: DUPLICATE) {
        __typename } }""", {"p": policy["id"]}, token=firm)
    got = (await quoted(platform, policy["id"], 22, today, token=firm))["data"]["policy"]["endorsementQuote"]
    assert got["code"] == "INVALID_STATE" and "CANCELLED" in got["message"]


async def test_other_accounts_get_no_endorsement_quote(platform):
    _, policy, _firm = await insured_firm(platform, employees=20)
    today = china_today().isoformat()
    for who in ({"as_": "enterprise"}, {"token": await account_for(  # the demo firm, another insurer
            platform, "INSURER", platform.ctx["insurer_ids"][1])}):
        got = await quoted(platform, policy["id"], 22, today, **who)
        assert got["data"]["policy"] is None and got["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await quoted(platform, policy["id"], 22, today, as_="agency"))["data"]["policy"] is None
    # the bureau reads the policy but is no party to it: the service refuses the quote
    bureau = (await quoted(platform, policy["id"], 22, today, as_="bureau"))["data"]["policy"]
    assert bureau["endorsementQuote"]["code"] == "FORBIDDEN"
