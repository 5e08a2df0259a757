"""The thin journey in the policy service: quote → bind → pay by transfer → insurer confirms → ACTIVE."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from services.kernel.auth import Role
from services.policy.models import Outbox

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def outbox(world, name: str) -> list[dict]:
    async with world.app.state.runtime.database.transaction() as s:
        rows = (await s.scalars(select(Outbox).where(Outbox.name == name))).all()
        return [r.payload for r in rows]


async def test_a_paid_and_confirmed_transfer_activates_the_policy_and_publishes_its_budget(world):
    insurer = await world.insurer()
    product = await world.product(insurer, prevention_share=0.21)
    firm = await world.firm(employees=8)
    me = world.as_(Role.ENTERPRISE, firm["id"])

    quote = await world.quote(firm, product)
    assert quote.status_code == 201, quote.text
    q = quote.json()
    assert q["premium_fen"] > 0 and q["prevention_budget_fen"] == round(q["premium_fen"] * 0.21)
    assert {f["name"] for f in q["factors"]} >= {"base_rate", "accident_record", "risk_color"}

    policy = (await world.client.post(f"/v1/quotes/{q['id']}/bind", headers=me)).json()
    assert policy["status"] == "PENDING_PAYMENT" and policy["number"].startswith("AZ")

    r = await world.client.post(f"/v1/policies/{policy['id']}/payments", headers=me, json={"method": "BANK_TRANSFER"})
    assert r.status_code == 201, r.text
    payment = r.json()
    assert payment["status"] == "PENDING" and payment["amount_fen"] == q["premium_fen"]
    assert payment["bank_instructions"]["reference"] == payment["reference"]
    assert payment["bank_instructions"]["amount_fen"] == q["premium_fen"]

    r = await world.client.post(f"/v1/payments/{payment['id']}/confirm-offline",
                                headers=world.as_(Role.INSURER, insurer), json={"reference": "ICBC-20261128-01"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "SUCCEEDED"

    active = (await world.client.get(f"/v1/policies/{policy['id']}", headers=me)).json()
    assert active["status"] == "ACTIVE"
    firm_now = (await world.client.get(f"/v1/enterprises/{firm['id']}", headers=me)).json()
    assert firm_now["insured"] is True

    activated = [p for p in await outbox(world, "policy.policy.activated") if p["policy_id"] == policy["id"]]
    assert len(activated) == 1
    assert activated[0]["prevention_budget_fen"] == round(q["premium_fen"] * 0.21)
    assert activated[0]["town_code"] == "330282107" and activated[0]["insurer_id"] == insurer

    history = (await world.client.get(f"/v1/policies/{policy['id']}/history", headers=me)).json()
    assert [h["action"] for h in history] == ["bind", "payment_started", "activate"]


async def test_registering_a_firm_publishes_it_with_its_computed_size_class(world):
    firm = await world.firm(employees=25, annual_revenue_fen=500 * 1_000_000)
    assert firm["size_class"] == "SMALL"
    registered = [p for p in await outbox(world, "policy.enterprise.registered")
                  if p["enterprise_id"] == firm["id"]]
    assert registered and registered[0]["size_class"] == "SMALL" and registered[0]["uscc"] == firm["uscc"]


async def test_confirming_a_transfer_twice_is_refused(world):
    insurer = await world.insurer()
    product = await world.product(insurer)
    firm = await world.firm()
    policy = await world.active_policy(firm, product, insurer)
    payments = (await world.client.get(f"/v1/policies/{policy['id']}/payments",
                                       headers=world.as_(Role.INSURER, insurer))).json()
    r = await world.client.post(f"/v1/payments/{payments[0]['id']}/confirm-offline",
                                headers=world.as_(Role.INSURER, insurer), json={"reference": "again"})
    assert r.status_code == 409 and r.json()["code"] == "INVALID_STATE"


async def test_card_alipay_and_wechat_are_unavailable_without_stripe_keys(world):
    insurer = await world.insurer()
    product = await world.product(insurer)
    firm = await world.firm()
    me = world.as_(Role.ENTERPRISE, firm["id"])
    quote = (await world.quote(firm, product)).json()
    policy = (await world.client.post(f"/v1/quotes/{quote['id']}/bind", headers=me)).json()
    for method in ("CARD", "ALIPAY", "WECHAT_PAY"):
        r = await world.client.post(f"/v1/policies/{policy['id']}/payments", headers=me, json={"method": method})
        assert r.status_code == 409 and r.json()["code"] == "PAYMENT_METHOD_UNAVAILABLE"
    assert (await world.client.get(f"/v1/policies/{policy['id']}/payments", headers=me)).json() == []


async def test_the_same_idempotency_key_returns_the_first_payment(world):
    insurer = await world.insurer()
    product = await world.product(insurer)
    firm = await world.firm()
    me = {**world.as_(Role.ENTERPRISE, firm["id"]), "Idempotency-Key": "pay-once"}
    quote = (await world.quote(firm, product)).json()
    policy = (await world.client.post(f"/v1/quotes/{quote['id']}/bind", headers=me)).json()
    first = await world.client.post(f"/v1/policies/{policy['id']}/payments", headers=me,
                                    json={"method": "BANK_TRANSFER"})
    second = await world.client.post(f"/v1/policies/{policy['id']}/payments", headers=me,
                                     json={"method": "BANK_TRANSFER"})
    assert first.json()["id"] == second.json()["id"]


async def test_the_insurer_sees_transfers_pending_longer_than_n_days(world):
    from datetime import timedelta

    from sqlalchemy import update

    from services.kernel.db import utcnow
    from services.policy.models import Payment

    insurer = await world.insurer()
    product = await world.product(insurer)
    firm = await world.firm()
    me = world.as_(Role.ENTERPRISE, firm["id"])
    quote = (await world.quote(firm, product)).json()
    policy = (await world.client.post(f"/v1/quotes/{quote['id']}/bind", headers=me)).json()
    payment = (await world.client.post(f"/v1/policies/{policy['id']}/payments", headers=me,
                                       json={"method": "BANK_TRANSFER"})).json()
    ins = world.as_(Role.INSURER, insurer)
    assert (await world.client.get("/v1/payments", headers=ins, params={"pending_for_days": 7})).json()["items"] == []
    async with world.app.state.runtime.database.transaction() as s:  # as if it had been waiting 8 days
        await s.execute(update(Payment).where(Payment.id == payment["id"]).values(
            created_at=utcnow() - timedelta(days=8)))
    late = (await world.client.get("/v1/payments", headers=ins, params={"pending_for_days": 7})).json()["items"]
    assert [p["id"] for p in late] == [payment["id"]]


async def test_payments_of_several_policies_in_one_call_show_only_the_callers(world):
    insurer = await world.insurer()
    product = await world.product(insurer)
    ids, payment_ids, firms = [], [], []
    for _ in range(2):
        firm = await world.firm()
        me = world.as_(Role.ENTERPRISE, firm["id"])
        quote = (await world.quote(firm, product)).json()
        policy = (await world.client.post(f"/v1/quotes/{quote['id']}/bind", headers=me)).json()
        payment = (await world.client.post(f"/v1/policies/{policy['id']}/payments", headers=me,
                                           json={"method": "BANK_TRANSFER"})).json()
        ids.append(policy["id"])
        payment_ids.append(payment["id"])
        firms.append(me)
    both = {"policy_ids": ",".join(ids)}
    ins = world.as_(Role.INSURER, insurer)
    seen = (await world.client.get("/v1/payments", headers=ins, params=both)).json()["items"]
    assert sorted(p["id"] for p in seen) == sorted(payment_ids)
    assert {p["policy_id"] for p in seen} == set(ids)
    # the first firm names both policies but sees only its own payment
    own = (await world.client.get("/v1/payments", headers=firms[0], params=both)).json()["items"]
    assert [p["id"] for p in own] == [payment_ids[0]]
