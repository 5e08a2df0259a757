"""Cancellation, headcount endorsement and refunds through the gateway: the firm sees the cancellation quote and
cancels, the insurer confirms the bank-transfer refund; a higher headcount is a transfer to confirm; other
accounts are refused and bad input is an OperationError with the service's code."""

from __future__ import annotations

import uuid

import pytest

from .test_complaints import account_for
from .test_platform_journey import ALPHABET, buy_policy, china_today, register_firm, uscc

pytestmark = pytest.mark.asyncio(loop_scope="package")

QUOTE = """query($id: ID!) { policy(id: $id) { premiumFen cancellationQuote { cancelOn unusedDays termDays premiumFen
  unpaidFen refundFen preventionBudgetFen preventionBudgetKeptFen compulsory reasonCodes openInsurerFundedBookings
  blockedReason } } }"""
CANCEL = """mutation($p: ID!, $r: String!, $c: CancelReason) { cancelPolicy(policyId: $p, reason: $r, reasonCode: $c) {
  __typename ... on Policy { status cancelledOn preventionBudgetFen } ... on OperationError { code message field } } }"""
REFUNDS = """query($id: ID!) { policy(id: $id) { refunds { id paymentId amountFen status reason method createdAt
  updatedAt } payments { id purpose status amountFen } } }"""
CONFIRM_REFUND = """mutation($id: ID!, $ref: String!) { confirmOfflineRefund(refundId: $id, reference: $ref) {
  __typename ... on Refund { id status amountFen updatedAt } ... on OperationError { code message field } } }"""
ENDORSE = """mutation($p: ID!, $n: Int!, $d: Date!) { endorseHeadcount(policyId: $p, headcount: $n, effectiveDate: $d) {
  __typename ... on Policy { headcount premiumFen payments { id purpose status method amountFen
  bankInstructions { payee bank account memo } } } ... on OperationError { code message field } } }"""


async def insured_firm(platform, **firm) -> tuple[str, dict, str]:
    """(firm id, its ACTIVE policy, a token of an account bound to the firm)."""
    firm_id = await register_firm(platform, **firm)
    policy = await buy_policy(platform, firm_id, as_="admin")
    return firm_id, policy, await account_for(platform, "ENTERPRISE", firm_id)


async def test_the_firm_is_quoted_cancels_and_the_insurer_confirms_the_transfer_refund(platform):
    _, policy, firm = await insured_firm(platform, employees=20)
    quote = (await platform.gql(QUOTE, {"id": policy["id"]}, token=firm))["data"]["policy"]["cancellationQuote"]
    assert quote["cancelOn"] == china_today().isoformat() and quote["compulsory"] is False
    assert quote["refundFen"] == policy["premiumFen"] and quote["unpaidFen"] == 0  # the first day: all of it back
    assert "SWITCHED_INSURER" in quote["reasonCodes"] and quote["blockedReason"] is None
    cancelled = (await platform.gql(CANCEL, {"p": policy["id"], "r": "转投他司", "c": "SWITCHED_INSURER"},
                                    token=firm))["data"]["cancelPolicy"]
    assert cancelled["status"] == "CANCELLED" and cancelled["preventionBudgetFen"] == quote["preventionBudgetKeptFen"]
    [refund] = (await platform.gql(REFUNDS, {"id": policy["id"]}, token=firm))["data"]["policy"]["refunds"]
    assert (refund["amountFen"], refund["status"], refund["reason"], refund["method"]) == (
        quote["refundFen"], "PENDING", "CANCELLATION", "BANK_TRANSFER")

    # the firm may not confirm its own refund; a blank reference is refused at the field
    refused = (await platform.gql(CONFIRM_REFUND, {"id": refund["id"], "ref": "X"}, token=firm))["data"]
    assert refused["confirmOfflineRefund"]["code"] == "FORBIDDEN"
    blank = (await platform.data(CONFIRM_REFUND, {"id": refund["id"], "ref": ""}, as_="insurer"))
    assert blank["confirmOfflineRefund"]["code"] == "VALIDATION"
    assert blank["confirmOfflineRefund"]["field"] == "reference"
    done = (await platform.data(CONFIRM_REFUND, {"id": refund["id"], "ref": "REFUND-0001"}, as_="insurer"))
    assert done["confirmOfflineRefund"]["status"] == "SUCCEEDED" and done["confirmOfflineRefund"]["updatedAt"]
    again = (await platform.data(CONFIRM_REFUND, {"id": refund["id"], "ref": "REFUND-0001"}, as_="insurer"))
    assert again["confirmOfflineRefund"]["code"] == "INVALID_STATE"
    seen = (await platform.gql(REFUNDS, {"id": policy["id"]}, token=firm))["data"]["policy"]
    assert seen["refunds"][0]["status"] == "SUCCEEDED"
    assert [p["status"] for p in seen["payments"]] == ["REFUNDED"]
    after = (await platform.gql(QUOTE, {"id": policy["id"]}, token=firm))["data"]["policy"]["cancellationQuote"]
    assert "CANCELLED" in after["blockedReason"]


async def test_a_higher_headcount_is_a_transfer_the_insurer_confirms(platform):
    _, policy, firm = await insured_firm(platform, employees=20)
    endorsed = (await platform.gql(ENDORSE, {"p": policy["id"], "n": 25, "d": china_today().isoformat()},
                                   token=firm))["data"]["endorseHeadcount"]
    assert endorsed["headcount"] == 25 and endorsed["premiumFen"] > policy["premiumFen"]
    [charge] = [p for p in endorsed["payments"] if p["purpose"] == "ENDORSEMENT"]
    assert charge["amountFen"] == endorsed["premiumFen"] - policy["premiumFen"] and charge["status"] == "PENDING"
    assert charge["method"] == "BANK_TRANSFER" and charge["bankInstructions"]["memo"]
    confirmed = (await platform.data("""mutation($p: ID!) { confirmOfflinePayment(paymentId: $p, reference: "END-1") {
        ... on Payment { status purpose } } }""", {"p": charge["id"]}, as_="insurer"))["confirmOfflinePayment"]
    assert confirmed == {"status": "SUCCEEDED", "purpose": "ENDORSEMENT"}


async def test_a_lower_headcount_is_a_refund_and_bad_headcounts_are_refused_at_the_field(platform):
    _, policy, firm = await insured_firm(platform, employees=20)
    for headcount, code in ((0, "VALIDATION"), (20, "VALIDATION")):
        bad = (await platform.gql(ENDORSE, {"p": policy["id"], "n": headcount, "d": china_today().isoformat()},
                                  token=firm))["data"]["endorseHeadcount"]
        assert (bad["code"], bad["field"]) == (code, "headcount"), bad
    late = (await platform.gql(ENDORSE, {"p": policy["id"], "n": 18, "d": "2020-01-01"}, token=firm))["data"]
    assert late["endorseHeadcount"]["field"] == "effectiveDate"
    lower = (await platform.gql(ENDORSE, {"p": policy["id"], "n": 18, "d": china_today().isoformat()},
                                token=firm))["data"]["endorseHeadcount"]
    [refund] = (await platform.gql(REFUNDS, {"id": policy["id"]}, token=firm))["data"]["policy"]["refunds"]
    assert refund["reason"] == "ENDORSEMENT" and refund["amountFen"] == policy["premiumFen"] - lower["premiumFen"]


async def test_a_compulsory_firm_is_quoted_the_closing_reasons_and_refused_another(platform):
    code = uscc("91330282MA2" + "".join(ALPHABET[b % 31] for b in uuid.uuid4().bytes[:6]))
    made = (await platform.data("""mutation($in: EnterpriseInput!) { registerEnterprise(input: $in) {
        __typename ... on Enterprise { id compulsory } ... on OperationError { code message field } } }""", {"in": {
        "uscc": code, "name": f"网关测试冶炼厂{code[-4:]}(演示)", "townCode": "330282107", "sector": "INDUSTRY",
        "industryCode": "C31", "employees": 20, "annualRevenueFen": 2_000_000_000, "highRiskTags": ["METAL_SMELTING"],
        "principalName": "测试", "contactPhone": "13800000000"}}, as_="bureau"))["registerEnterprise"]
    assert made["compulsory"] is True, made
    policy = await buy_policy(platform, made["id"], as_="admin")
    firm = await account_for(platform, "ENTERPRISE", made["id"])
    quote = (await platform.gql(QUOTE, {"id": policy["id"]}, token=firm))["data"]["policy"]["cancellationQuote"]
    assert quote["compulsory"] is True and quote["reasonCodes"] == ["CLOSED", "STOPPED_OPERATING"]
    refused = (await platform.gql(CANCEL, {"p": policy["id"], "r": "不想保了", "c": "OTHER"}, token=firm))["data"]
    assert refused["cancelPolicy"]["code"] == "INVALID_STATE" and "compulsory" in refused["cancelPolicy"]["message"]
    closed = (await platform.gql(CANCEL, {"p": policy["id"], "r": "企业注销", "c": "CLOSED"}, token=firm))["data"]
    assert closed["cancelPolicy"]["status"] == "CANCELLED"


async def test_other_accounts_see_no_refunds_or_quote_and_confirm_nothing(platform):
    _, policy, firm = await insured_firm(platform, employees=20)
    await platform.gql(CANCEL, {"p": policy["id"], "r": "重复投保", "c": "DUPLICATE"}, token=firm)
    [refund] = (await platform.gql(REFUNDS, {"id": policy["id"]}, token=firm))["data"]["policy"]["refunds"]
    other = await platform.gql(REFUNDS, {"id": policy["id"]}, as_="enterprise")  # the demo firm
    assert other["data"]["policy"] is None or other["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    agency = await platform.gql(QUOTE, {"id": policy["id"]}, as_="agency")
    assert agency["data"]["policy"] is None
    other_insurer = await account_for(platform, "INSURER", platform.ctx["insurer_ids"][1])
    refused = (await platform.gql(CONFIRM_REFUND, {"id": refund["id"], "ref": "NOT-MINE"}, token=other_insurer))
    assert refused["data"]["confirmOfflineRefund"]["code"] == "FORBIDDEN"
    missing = (await platform.data(CONFIRM_REFUND, {"id": "rfd_nothing", "ref": "R-1"}, as_="insurer"))
    assert missing["confirmOfflineRefund"]["code"] == "NOT_FOUND"
