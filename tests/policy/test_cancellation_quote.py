"""The cancellation quote: what cancelling today would refund, figured by the cancellation's own code."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from services.kernel.auth import Role
from services.policy import lifecycle
from services.policy.dates import today
from tests.policy.test_lifecycle import past_policy, product_of

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_the_quote_is_the_refund_the_cancellation_then_makes(world):
    _insurer, product = await product_of(world)
    firm = await world.firm()
    start = today() - timedelta(days=40)
    policy_id = await past_policy(world, firm, product, start)
    me = world.as_(Role.ENTERPRISE, firm["id"])
    r = await world.client.get(f"/v1/policies/{policy_id}/cancellation-quote", headers=me)
    assert r.status_code == 200, r.text
    quote = r.json()
    total = quote["term_days"]
    assert quote["cancel_on"] == today().isoformat() and quote["unused_days"] == total - 40
    assert quote["refund_fen"] == lifecycle.pro_rata(quote["premium_fen"], total - 40, total)
    assert quote["compulsory"] is False and "OTHER" in quote["reason_codes"] and quote["blocked_reason"] is None
    r = await world.client.post(f"/v1/policies/{policy_id}/cancel", headers=me,
                                json={"reason": "转投他司", "reason_code": "SWITCHED_INSURER"})
    assert r.status_code == 200 and r.json()["prevention_budget_fen"] == quote["prevention_budget_kept_fen"]
    refunds = (await world.client.get(f"/v1/policies/{policy_id}/refunds", headers=me)).json()
    assert sum(x["amount_fen"] for x in refunds) == quote["refund_fen"]
    assert {x["method"] for x in refunds} == {"BANK_TRANSFER"}
    # once cancelled the quote says why nothing more can be done
    again = (await world.client.get(f"/v1/policies/{policy_id}/cancellation-quote", headers=me)).json()
    assert "CANCELLED" in again["blocked_reason"]


async def test_a_compulsory_firm_is_quoted_only_the_closing_reasons(world):
    insurer, product = await product_of(world)
    firm = await world.firm(high_risk_tags=["HAZARDOUS_CHEMICALS_STORAGE"])
    policy = await world.active_policy(firm, product, insurer)
    quote = (await world.client.get(f"/v1/policies/{policy['id']}/cancellation-quote",
                                    headers=world.as_(Role.INSURER, insurer))).json()
    assert quote["compulsory"] is True and quote["reason_codes"] == ["CLOSED", "STOPPED_OPERATING"]
    assert quote["refund_fen"] == policy["premium_fen"]  # cancelled on its first day: all of it
    assert date.fromisoformat(quote["cancel_on"]) == today()


async def test_another_firm_or_insurer_gets_no_quote(world):
    insurer, product = await product_of(world)
    firm = await world.firm()
    policy = await world.active_policy(firm, product, insurer)
    other = await world.firm()
    r = await world.client.get(f"/v1/policies/{policy['id']}/cancellation-quote",
                                headers=world.as_(Role.ENTERPRISE, other["id"]))
    assert r.status_code == 403 and r.json()["code"] == "FORBIDDEN"
    r = await world.client.get(f"/v1/policies/{policy['id']}/cancellation-quote",
                               headers=world.as_(Role.INSURER, await world.insurer()))
    assert r.status_code == 403
    r = await world.client.get("/v1/policies/pol_nothing/cancellation-quote",
                               headers=world.as_(Role.ENTERPRISE, firm["id"]))
    assert r.status_code == 404 and r.json()["code"] == "NOT_FOUND"


async def test_an_endorsement_transfer_never_made_comes_off_the_refund_and_is_abandoned(world):
    insurer, product = await product_of(world)
    firm = await world.firm(employees=10)
    policy = await world.active_policy(firm, product, insurer)
    me = world.as_(Role.ENTERPRISE, firm["id"])
    r = await world.client.post(f"/v1/policies/{policy['id']}/endorsements", headers=me,
                                json={"headcount": 15, "effective_date": today().isoformat()})
    endorsed = r.json()
    unpaid = endorsed["premium_fen"] - policy["premium_fen"]
    quote = (await world.client.get(f"/v1/policies/{policy['id']}/cancellation-quote", headers=me)).json()
    assert quote["unpaid_fen"] == unpaid and quote["refund_fen"] == policy["premium_fen"]  # what was paid, no more
    await world.client.post(f"/v1/policies/{policy['id']}/cancel", headers=me, json={"reason": "停业"})
    refunds = (await world.client.get(f"/v1/policies/{policy['id']}/refunds", headers=me)).json()
    assert sum(x["amount_fen"] for x in refunds) == quote["refund_fen"]
    paid = (await world.client.get(f"/v1/policies/{policy['id']}/payments", headers=me)).json()
    [charge] = [p for p in paid if p["purpose"] == "ENDORSEMENT"]
    assert charge["status"] == "FAILED"  # the insurer can no longer confirm it
    r = await world.client.post(f"/v1/payments/{charge['id']}/confirm-offline",
                                headers=world.as_(Role.INSURER, insurer), json={"reference": "late"})
    assert r.status_code == 409 and r.json()["code"] == "INVALID_STATE"
