"""The prevention budget follows premium actually collected (≤ 21%, the 2024 joint notice): an endorsement that
raises the headcount raises the budget only when its transfer arrives."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.kernel.auth import Role
from services.policy.dates import today
from tests.policy.test_lifecycle import events_named, past_policy

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def policy_at_21_percent(world, employees: int = 20):
    insurer = await world.insurer()
    # 20 × 400,000 yuan × 500 ppm × 0.9 (no claims) = 3,600 yuan premium; 21% of it is 756 yuan exactly
    product = await world.product(insurer, prevention_share=0.21, limit_options_fen=[40_000_000])
    firm = await world.firm(employees=employees)
    policy_id = await past_policy(world, firm, product, today() - timedelta(days=40))
    return insurer, firm, policy_id


async def test_the_budget_is_exactly_21_percent_of_the_premium_collected(world):
    _insurer, firm, policy_id = await policy_at_21_percent(world)
    policy = (await world.client.get(f"/v1/policies/{policy_id}", headers=world.as_(Role.ENTERPRISE, firm["id"]))
              ).json()
    assert policy["premium_fen"] == 360_000
    assert policy["prevention_budget_fen"] * 100 == policy["premium_fen"] * 21  # 75,600 fen: exactly 21%


async def test_a_higher_headcount_raises_the_budget_only_when_its_transfer_arrives(world):
    insurer, firm, policy_id = await policy_at_21_percent(world)
    me = world.as_(Role.ENTERPRISE, firm["id"])
    r = await world.client.post(f"/v1/policies/{policy_id}/endorsements", headers=me,
                                json={"headcount": 30, "effective_date": (today() + timedelta(days=10)).isoformat()})
    assert r.status_code == 200, r.text
    endorsed = r.json()
    assert endorsed["premium_fen"] > 360_000
    # collected is still 360,000: the budget stays 21% of that, not 21% of the premium now due
    assert endorsed["prevention_budget_fen"] == 75_600
    [sent] = [e for e in await events_named(world, "policy.policy.endorsed") if e["policy_id"] == policy_id]
    assert sent["prevention_budget_fen"] == 75_600
    [charge] = [p for p in (await world.client.get(f"/v1/policies/{policy_id}/payments", headers=me)).json()
                if p["purpose"] == "ENDORSEMENT"]
    r = await world.client.post(f"/v1/payments/{charge['id']}/confirm-offline",
                                headers=world.as_(Role.INSURER, insurer), json={"reference": "BANK-ENDORSE"})
    assert r.status_code == 200, r.text
    after = (await world.client.get(f"/v1/policies/{policy_id}", headers=me)).json()
    collected = 360_000 + charge["amount_fen"]
    assert after["premium_fen"] == collected
    expected = (collected * 21 + 50) // 100  # 21% of what came in, to the fen (half up)
    assert after["prevention_budget_fen"] == expected
    [followed] = [e for e in await events_named(world, "policy.policy.budget_changed")
                  if e["policy_id"] == policy_id]
    assert followed["prevention_budget_fen"] == expected
    history = (await world.client.get(f"/v1/policies/{policy_id}/history", headers=me)).json()
    assert [h["changes"]["prevention_budget_fen"] for h in history if h["action"] == "budget_follows_payment"] == [
        [75_600, expected]]
