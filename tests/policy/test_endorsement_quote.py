"""The endorsement quote: what a new headcount from a date would do, figured by the endorsement's own code and
refused for the same reasons; asking changes nothing."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from services.kernel.auth import Role
from services.policy.dates import today
from services.policy.pricing import round_fen
from tests.policy.test_lifecycle import past_policy, product_of

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def quote_then_endorse(world, headcount: int) -> tuple[dict, dict, dict, dict]:
    """(policy before, quote, policy after endorsing, the firm's headers) for a policy bought 40 days ago, the
    change taking effect in 10 days (so the pro rata is neither nothing nor all of it)."""
    _insurer, product = await product_of(world)
    firm = await world.firm(employees=20)
    policy_id = await past_policy(world, firm, product, today() - timedelta(days=40))
    me = world.as_(Role.ENTERPRISE, firm["id"])
    before = (await world.client.get(f"/v1/policies/{policy_id}", headers=me)).json()
    effective = (today() + timedelta(days=10)).isoformat()
    r = await world.client.get(f"/v1/policies/{policy_id}/endorsement-quote", headers=me,
                               params={"headcount": headcount, "effective_date": effective})
    assert r.status_code == 200, r.text
    quote = r.json()
    unchanged = (await world.client.get(f"/v1/policies/{policy_id}", headers=me)).json()
    assert unchanged == before  # asking changed nothing
    r = await world.client.post(f"/v1/policies/{policy_id}/endorsements", headers=me,
                                json={"headcount": headcount, "effective_date": effective})
    assert r.status_code == 200, r.text
    return before, quote, r.json(), me


async def test_a_higher_headcount_is_quoted_exactly_as_the_endorsement_then_charges_it(world):
    before, quote, after, me = await quote_then_endorse(world, 23)
    total = quote["term_days"]
    assert quote["remaining_days"] == total - 50 and quote["effective_date"] == (today() + timedelta(days=10)
                                                                                 ).isoformat()
    assert quote["delta_fen"] == round_fen(
        Decimal(before["premium_fen"]) * 3 * (total - 50) / (20 * total)) > 0
    assert (quote["headcount_before"], quote["headcount"]) == (20, 23) and quote["settlement"] == "TRANSFER"
    assert (quote["premium_before_fen"], quote["prevention_budget_before_fen"]) == (
        before["premium_fen"], before["prevention_budget_fen"])
    assert (after["headcount"], after["premium_fen"]) == (quote["headcount"], quote["premium_fen"])
    # the quoted budget is the one the money buys: until the transfer arrives the budget stays
    assert after["prevention_budget_fen"] == before["prevention_budget_fen"] < quote["prevention_budget_fen"]
    charges = [p for p in (await world.client.get(f"/v1/policies/{after['id']}/payments", headers=me)).json()
               if p["purpose"] == "ENDORSEMENT"]
    assert [(p["amount_fen"], p["status"]) for p in charges] == [(quote["delta_fen"], "PENDING")]


async def test_a_lower_headcount_is_quoted_exactly_as_the_endorsement_then_refunds_it(world):
    before, quote, after, me = await quote_then_endorse(world, 17)
    assert quote["delta_fen"] < 0 and quote["settlement"] == "REFUND"
    assert quote["premium_fen"] == before["premium_fen"] + quote["delta_fen"]
    assert quote["prevention_budget_fen"] < quote["prevention_budget_before_fen"]
    assert (after["headcount"], after["premium_fen"], after["prevention_budget_fen"]) == (
        17, quote["premium_fen"], quote["prevention_budget_fen"])
    refunds = (await world.client.get(f"/v1/policies/{after['id']}/refunds", headers=me)).json()
    assert [(x["amount_fen"], x["reason"]) for x in refunds] == [(-quote["delta_fen"], "ENDORSEMENT")]


async def test_the_quote_refuses_what_the_endorsement_refuses_with_the_same_codes(world):
    insurer, product = await product_of(world)
    firm = await world.firm(employees=20)
    policy = await world.active_policy(firm, product, insurer)
    me = world.as_(Role.ENTERPRISE, firm["id"])
    late = (date.fromisoformat(policy["end_date"]) + timedelta(days=1)).isoformat()
    yesterday = (today() - timedelta(days=1)).isoformat()
    for headcount, effective, field in ((0, today().isoformat(), "headcount"), (20, today().isoformat(), "headcount"),
                                        (25, late, "effective_date"), (25, yesterday, "effective_date")):
        params = {"headcount": headcount, "effective_date": effective}
        quoted = await world.client.get(f"/v1/policies/{policy['id']}/endorsement-quote", headers=me, params=params)
        endorsed = await world.client.post(f"/v1/policies/{policy['id']}/endorsements", headers=me, json=params)
        for r in (quoted, endorsed):
            assert r.status_code == 422 and r.json()["code"] == "VALIDATION", r.text
            assert r.json()["fields"][0]["field"] == field
        assert quoted.json()["detail"] == endorsed.json()["detail"]
    missing = await world.client.get(f"/v1/policies/{policy['id']}/endorsement-quote", headers=me,
                                     params={"effective_date": today().isoformat()})
    assert missing.status_code == 422 and missing.json()["fields"][0]["field"] == "headcount"
    await world.client.post(f"/v1/policies/{policy['id']}/cancel", headers=me,
                            json={"reason": "重复投保", "reason_code": "DUPLICATE"})
    r = await world.client.get(f"/v1/policies/{policy['id']}/endorsement-quote", headers=me,
                               params={"headcount": 25, "effective_date": today().isoformat()})
    assert r.status_code == 409 and r.json()["code"] == "INVALID_STATE" and "CANCELLED" in r.json()["detail"]


async def test_the_firm_and_its_insurer_are_quoted_and_no_one_else(world):
    insurer, product = await product_of(world)
    firm = await world.firm(employees=20)
    policy = await world.active_policy(firm, product, insurer)
    url = f"/v1/policies/{policy['id']}/endorsement-quote"
    params = {"headcount": 22, "effective_date": today().isoformat()}
    own = await world.client.get(url, headers=world.as_(Role.INSURER, insurer), params=params)
    assert own.status_code == 200 and own.json()["premium_fen"] > policy["premium_fen"]
    other = await world.firm()
    for headers in (world.as_(Role.ENTERPRISE, other["id"]), world.as_(Role.INSURER, await world.insurer()),
                    world.as_(Role.AGENCY, "agc_somebody")):
        r = await world.client.get(url, headers=headers, params=params)
        assert r.status_code == 403 and r.json()["code"] == "FORBIDDEN", r.text
    r = await world.client.get("/v1/policies/pol_nothing/endorsement-quote",
                               headers=world.as_(Role.ENTERPRISE, firm["id"]), params=params)
    assert r.status_code == 404 and r.json()["code"] == "NOT_FOUND"


async def test_two_lower_headcounts_in_a_row_are_two_refunds(world):
    insurer, product = await product_of(world)
    firm = await world.firm(employees=20)
    policy = await world.active_policy(firm, product, insurer)
    me = world.as_(Role.ENTERPRISE, firm["id"])
    for headcount in (15, 12):  # within the same second: each is its own refund
        r = await world.client.post(f"/v1/policies/{policy['id']}/endorsements", headers=me,
                                    json={"headcount": headcount, "effective_date": today().isoformat()})
        assert r.status_code == 200, r.text
    refunds = (await world.client.get(f"/v1/policies/{policy['id']}/refunds", headers=me)).json()
    assert len(refunds) == 2 and sum(x["amount_fen"] for x in refunds) == policy["premium_fen"] - r.json()["premium_fen"]
