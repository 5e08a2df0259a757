"""The policy life: the transition table, cancellation, endorsement, renewal, expiry, claims."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from services.kernel.auth import Principal, Role
from services.kernel.events import Event
from services.policy import lifecycle, payments, policies
from services.policy.dates import today
from services.policy.models import Outbox

pytestmark = pytest.mark.asyncio(loop_scope="module")
ADMIN = Principal(sub="test", role=Role.ADMIN)


async def events_named(world, name):
    async with world.app.state.runtime.database.transaction() as s:
        return [r.payload for r in (await s.scalars(select(Outbox).where(Outbox.name == name))).all()]


async def past_policy(world, firm, product, start: date) -> str:
    """A policy bound and paid as if it had been bought on ``start``."""
    async with world.app.state.runtime.database.transaction() as s:
        quote = await policies.request_quote(s, principal=ADMIN, enterprise_id=firm["id"], product_id=product,
                                             headcount=firm["employees"], limit_per_person_fen=40_000_000,
                                             start_date=start, on=start)
        policy = await policies.bind_quote(s, principal=ADMIN, quote_id=quote.id, on=start)
        payment = await payments.new_payment(s, policy, method="BANK_TRANSFER", amount_fen=policy.premium_fen)
        await payments.confirm_offline(s, principal=ADMIN, payment_id=payment.id, bank_reference="old")
        return policy.id


async def product_of(world):
    insurer = await world.insurer()
    return insurer, await world.product(insurer)


async def test_cancelling_an_active_policy_refunds_the_unused_days_and_publishes_the_remaining_budget(world):
    insurer, product = await product_of(world)
    firm = await world.firm()
    policy = await world.active_policy(firm, product, insurer)
    me = world.as_(Role.ENTERPRISE, firm["id"])
    r = await world.client.post(f"/v1/policies/{policy['id']}/cancel", headers=me,
                                json={"reason": "转投他司", "reason_code": "SWITCHED_INSURER"})
    assert r.status_code == 200, r.text
    cancelled = r.json()
    assert cancelled["status"] == "CANCELLED" and cancelled["cancelled_on"] == today().isoformat()
    total = (date.fromisoformat(policy["end_date"]) - date.fromisoformat(policy["start_date"])).days + 1
    refunds = (await world.client.get(f"/v1/policies/{policy['id']}/refunds", headers=me)).json()
    assert [x["amount_fen"] for x in refunds] == [policy["premium_fen"]]  # cancelled on the first day: all of it
    assert refunds[0]["status"] == "PENDING" and total in (365, 366)
    assert cancelled["prevention_budget_fen"] == 0
    event = [e for e in await events_named(world, "policy.policy.cancelled") if e["policy_id"] == policy["id"]]
    assert event[0]["prevention_budget_fen"] == 0 and event[0]["cancelled_on"] == today().isoformat()
    # the insurer sends the money back and confirms it
    r = await world.client.post(f"/v1/refunds/{refunds[0]['id']}/confirm-offline",
                                headers=world.as_(Role.INSURER, insurer), json={"reference": "REFUND-1"})
    assert r.status_code == 200 and r.json()["status"] == "SUCCEEDED"
    paid = (await world.client.get(f"/v1/policies/{policy['id']}/payments", headers=me)).json()
    assert paid[0]["status"] == "REFUNDED" and paid[0]["refunded_fen"] == policy["premium_fen"]
    history = (await world.client.get(f"/v1/policies/{policy['id']}/history", headers=me)).json()
    assert history[-1]["action"] == "cancel" and history[-1]["reason"] == "转投他司"
    assert history[-1]["actor"].startswith("enterprise:")


async def test_a_half_used_policy_refunds_pro_rata(world):
    insurer, product = await product_of(world)
    firm = await world.firm()
    start = today() - timedelta(days=100)
    policy_id = await past_policy(world, firm, product, start)
    r = await world.client.post(f"/v1/policies/{policy_id}/cancel", headers=world.as_(Role.INSURER, insurer),
                                json={"reason": "重复投保", "reason_code": "DUPLICATE"})
    body = r.json()
    total = (date.fromisoformat(body["end_date"]) - start).days + 1
    unused = total - 100
    refunds = (await world.client.get(f"/v1/policies/{policy_id}/refunds",
                                      headers=world.as_(Role.INSURER, insurer))).json()
    assert refunds[0]["amount_fen"] == lifecycle.pro_rata(body["premium_fen"], unused, total)
    original_budget = round(body["premium_fen"] * 0.2)
    assert body["prevention_budget_fen"] == original_budget - lifecycle.pro_rata(original_budget, unused, total)


async def test_cancelling_a_cancelled_or_expired_policy_is_invalid_state_naming_both_states(world):
    insurer, product = await product_of(world)
    firm = await world.firm()
    policy = await world.active_policy(firm, product, insurer)
    me = world.as_(Role.ENTERPRISE, firm["id"])
    await world.client.post(f"/v1/policies/{policy['id']}/cancel", headers=me, json={"reason": "x"})
    r = await world.client.post(f"/v1/policies/{policy['id']}/cancel", headers=me, json={"reason": "x"})
    assert r.status_code == 409 and r.json()["code"] == "INVALID_STATE"
    assert "CANCELLED" in r.json()["detail"]


async def test_a_compulsory_firm_may_cancel_only_when_closed_or_stopped(world):
    insurer, product = await product_of(world)
    firm = await world.firm(high_risk_tags=["HAZARDOUS_CHEMICALS_OPERATION"])
    assert firm["compulsory"] is True
    policy = await world.active_policy(firm, product, insurer)
    me = world.as_(Role.ENTERPRISE, firm["id"])
    r = await world.client.post(f"/v1/policies/{policy['id']}/cancel", headers=me,
                                json={"reason": "不想保了", "reason_code": "OTHER"})
    assert r.status_code == 409 and r.json()["code"] == "INVALID_STATE" and "compulsory" in r.json()["detail"]
    r = await world.client.post(f"/v1/policies/{policy['id']}/cancel", headers=me,
                                json={"reason": "企业注销", "reason_code": "CLOSED"})
    assert r.status_code == 200 and r.json()["status"] == "CANCELLED"
    assert (await world.client.get(f"/v1/enterprises/{firm['id']}", headers=me)).json()["operating_status"] == "CLOSED"


async def test_open_insurer_funded_bookings_block_cancellation_until_cancelled(world):
    insurer, product = await product_of(world)
    firm = await world.firm()
    policy = await world.active_policy(firm, product, insurer)
    consumer = world.app.state.runtime.consumer
    booking = {"booking_id": f"bkg_{policy['id']}", "policy_id": policy["id"], "enterprise_id": firm["id"],
               "funding": "INSURER", "insurer_id": insurer}
    await consumer.handle(Event(name="bookings.booking.confirmed", payload=booking))
    await consumer.handle(Event(name="bookings.booking.requested", payload=booking))  # late and out of order
    me = world.as_(Role.ENTERPRISE, firm["id"])
    r = await world.client.post(f"/v1/policies/{policy['id']}/cancel", headers=me, json={"reason": "x"})
    assert r.status_code == 409 and "booking" in r.json()["detail"]
    cancelled = Event(name="bookings.booking.cancelled", payload=booking)
    assert await consumer.handle(cancelled) is True
    assert await consumer.handle(cancelled) is False  # the same event twice changes nothing
    r = await world.client.post(f"/v1/policies/{policy['id']}/cancel", headers=me, json={"reason": "x"})
    assert r.status_code == 200


async def test_cancelling_before_payment_abandons_the_pending_transfer(world):
    insurer, product = await product_of(world)
    firm = await world.firm()
    me = world.as_(Role.ENTERPRISE, firm["id"])
    quote = (await world.quote(firm, product)).json()
    policy = (await world.client.post(f"/v1/quotes/{quote['id']}/bind", headers=me)).json()
    payment = (await world.client.post(f"/v1/policies/{policy['id']}/payments", headers=me,
                                       json={"method": "BANK_TRANSFER"})).json()
    r = await world.client.post(f"/v1/policies/{policy['id']}/cancel", headers=me, json={"reason": "算了"})
    assert r.json()["status"] == "CANCELLED"
    r = await world.client.post(f"/v1/payments/{payment['id']}/confirm-offline",
                                headers=world.as_(Role.INSURER, insurer), json={"reference": "late"})
    assert r.status_code == 409 and r.json()["code"] == "INVALID_STATE"


async def test_raising_the_headcount_charges_the_pro_rata_difference_and_the_budget_waits_for_it(world):
    insurer, product = await product_of(world)
    firm = await world.firm(employees=10)
    policy = await world.active_policy(firm, product, insurer)
    me = world.as_(Role.ENTERPRISE, firm["id"])
    r = await world.client.post(f"/v1/policies/{policy['id']}/endorsements", headers=me,
                                json={"headcount": 15, "effective_date": today().isoformat()})
    assert r.status_code == 200, r.text
    endorsed = r.json()
    delta = policy["premium_fen"] // 2  # 5 more heads for the whole term: half the premium again
    assert endorsed["headcount"] == 15 and endorsed["premium_fen"] == policy["premium_fen"] + delta
    assert endorsed["prevention_budget_fen"] == policy["prevention_budget_fen"]  # the transfer is not in yet
    charges = [p for p in (await world.client.get(f"/v1/policies/{policy['id']}/payments", headers=me)).json()
               if p["purpose"] == "ENDORSEMENT"]
    assert charges[0]["amount_fen"] == delta and charges[0]["status"] == "PENDING"
    event = [e for e in await events_named(world, "policy.policy.endorsed") if e["policy_id"] == policy["id"]]
    assert event[0]["delta_fen"] == delta and event[0]["headcount"] == 15
    assert event[0]["prevention_budget_fen"] == policy["prevention_budget_fen"]
    assert (await world.client.get(f"/v1/enterprises/{firm['id']}", headers=me)).json()["employees"] == 15


async def test_lowering_the_headcount_refunds_the_difference(world):
    insurer, product = await product_of(world)
    firm = await world.firm(employees=10)
    policy = await world.active_policy(firm, product, insurer)
    me = world.as_(Role.ENTERPRISE, firm["id"])
    r = await world.client.post(f"/v1/policies/{policy['id']}/endorsements", headers=me,
                                json={"headcount": 8, "effective_date": today().isoformat()})
    delta = -round(policy["premium_fen"] * 2 / 10)
    assert r.json()["premium_fen"] == policy["premium_fen"] + delta
    refunds = (await world.client.get(f"/v1/policies/{policy['id']}/refunds", headers=me)).json()
    assert [x["amount_fen"] for x in refunds] == [-delta]


async def test_an_endorsement_outside_the_term_or_on_a_pending_policy_is_refused(world):
    insurer, product = await product_of(world)
    firm = await world.firm()
    policy = await world.active_policy(firm, product, insurer)
    me = world.as_(Role.ENTERPRISE, firm["id"])
    late = (date.fromisoformat(policy["end_date"]) + timedelta(days=1)).isoformat()
    r = await world.client.post(f"/v1/policies/{policy['id']}/endorsements", headers=me,
                                json={"headcount": 9, "effective_date": late})
    assert r.status_code == 422 and r.json()["fields"][0]["field"] == "effective_date"


async def test_expiry_is_idempotent_and_publishes_once(world):
    _insurer, product = await product_of(world)
    firm = await world.firm()
    policy_id = await past_policy(world, firm, product, today() - timedelta(days=400))
    database = world.app.state.runtime.database
    assert await lifecycle.expire_due(database) >= 1
    assert await lifecycle.expire_due(database) == 0
    got = (await world.client.get(f"/v1/policies/{policy_id}", headers=world.admin)).json()
    assert got["status"] == "EXPIRED"
    assert len([e for e in await events_named(world, "policy.policy.expired") if e["policy_id"] == policy_id]) == 1


async def test_renewal_prices_from_claims_and_the_hazard_record_and_links_the_predecessor(world):
    insurer, product = await product_of(world)
    firm = await world.firm()
    policy = await world.active_policy(firm, product, insurer)
    consumer = world.app.state.runtime.consumer
    for n, name in enumerate(["bookings.hazard.overdue", "bookings.hazard.overdue", "bookings.hazard.closed"]):
        await consumer.handle(Event(name=name, payload={"hazard_id": f"hz_{policy['id']}_{n}",
                                                        "enterprise_id": firm["id"], "policy_id": policy["id"],
                                                        "grade": "GENERAL"}))
    ins = world.as_(Role.INSURER, insurer)
    claim = (await world.client.post(f"/v1/policies/{policy['id']}/claims", headers=world.as_(
        Role.ENTERPRISE, firm["id"]), json={"accident_date": today().isoformat(), "accident_type": "INJURY",
                                            "injured": 1, "dead": 0, "description": "手指压伤",
                                            "claimed_fen": 2_000_000})).json()
    assert claim["status"] == "NOTIFIED" and claim["number"].startswith("LP")
    too_much = await world.client.post(f"/v1/claims/{claim['id']}/assessment", headers=ins,
                                       json={"assessed_fen": 40_000_001})
    assert too_much.status_code == 422
    await world.client.post(f"/v1/claims/{claim['id']}/assessment", headers=ins, json={"assessed_fen": 1_500_000})
    paid = (await world.client.post(f"/v1/claims/{claim['id']}/decision", headers=ins,
                                    json={"decision": "PAY"})).json()
    assert paid["status"] == "PAID" and paid["paid_fen"] == 1_500_000
    settled = [e for e in await events_named(world, "policy.claim.settled") if e["claim_id"] == claim["id"]]
    assert settled[0]["amount_fen"] == 1_500_000

    r = await world.client.post(f"/v1/policies/{policy['id']}/renew", headers=ins)
    assert r.status_code == 201, r.text
    successor = r.json()
    assert successor["predecessor_id"] == policy["id"] and successor["status"] == "PENDING_PAYMENT"
    assert successor["start_date"] == (date.fromisoformat(policy["end_date"]) + timedelta(days=1)).isoformat()
    factors = {f["name"]: f for f in successor["factors"]}
    assert factors["accident_record"]["value"] == pytest.approx(1.1) and "1起" in factors["accident_record"]["label"]
    assert factors["hazard_record"]["value"] == pytest.approx(1.1)  # two still overdue
    again = await world.client.post(f"/v1/policies/{policy['id']}/renew", headers=ins)
    assert again.status_code == 409 and again.json()["code"] == "INVALID_STATE"


async def test_a_claim_for_a_day_the_policy_did_not_cover_is_refused(world):
    insurer, product = await product_of(world)
    firm = await world.firm()
    policy = await world.active_policy(firm, product, insurer)
    r = await world.client.post(f"/v1/policies/{policy['id']}/claims", headers=world.as_(Role.ENTERPRISE, firm["id"]),
                                json={"accident_date": (today() - timedelta(days=3)).isoformat(),
                                      "accident_type": "INJURY", "injured": 1, "dead": 0, "description": "x"})
    assert r.status_code == 409 and r.json()["code"] == "INVALID_STATE"


async def test_the_renewal_list_shows_policies_ending_within_30_days(world):
    insurer, product = await product_of(world)
    firm = await world.firm()
    ending = await past_policy(world, firm, product, today() - timedelta(days=350))
    other = await world.firm()
    fresh = await world.active_policy(other, product, insurer)
    listed = (await world.client.get("/v1/policies", headers=world.as_(Role.INSURER, insurer),
                                     params={"ending_within_days": 30})).json()
    ids = {p["id"] for p in listed["items"]}
    assert ending in ids and fresh["id"] not in ids


async def test_the_renewal_list_drops_a_policy_once_renewed(world):
    insurer, product = await product_of(world)
    firm = await world.firm()
    ending = await past_policy(world, firm, product, today() - timedelta(days=350))
    ins = world.as_(Role.INSURER, insurer)
    due = (await world.client.get("/v1/renewals", headers=ins)).json()
    assert [p["id"] for p in due["items"]] == [ending]
    assert (await world.client.post(f"/v1/policies/{ending}/renew", headers=ins)).status_code == 201
    assert (await world.client.get("/v1/renewals", headers=ins)).json()["items"] == []


async def test_paying_a_renewal_publishes_activated_and_renewed_with_the_predecessor(world):
    insurer, product = await product_of(world)
    firm = await world.firm()
    old = await past_policy(world, firm, product, today() - timedelta(days=340))
    me = world.as_(Role.ENTERPRISE, firm["id"])
    successor = (await world.client.post(f"/v1/policies/{old}/renew", headers=me)).json()
    payment = (await world.client.post(f"/v1/policies/{successor['id']}/payments", headers=me,
                                       json={"method": "BANK_TRANSFER"})).json()
    r = await world.client.post(f"/v1/payments/{payment['id']}/confirm-offline",
                                headers=world.as_(Role.INSURER, insurer), json={"reference": "RENEW-1"})
    assert r.status_code == 200
    assert (await world.client.get(f"/v1/policies/{successor['id']}", headers=me)).json()["status"] == "ACTIVE"
    for name in ("policy.policy.activated", "policy.policy.renewed"):
        sent = [e for e in await events_named(world, name) if e["policy_id"] == successor["id"]]
        assert len(sent) == 1 and sent[0]["predecessor_id"] == old


async def test_an_enterprise_edits_its_own_firm_only(world):
    mine, other = await world.firm(), await world.firm()
    me = world.as_(Role.ENTERPRISE, mine["id"])
    r = await world.client.patch(f"/v1/enterprises/{mine['id']}", headers=me,
                                 json={"employees": 25, "annual_revenue_fen": 500 * 1_000_000, "tenure": "PARK_IN_PARK"})
    assert r.status_code == 200 and r.json()["size_class"] == "SMALL" and r.json()["tenure"] == "PARK_IN_PARK"
    assert (await world.client.patch(f"/v1/enterprises/{other['id']}", headers=me,
                                     json={"name": "x"})).status_code == 403
    r = await world.client.patch(f"/v1/enterprises/{mine['id']}", headers=me, json={"blacklisted": False})
    assert r.status_code == 403


@pytest.mark.parametrize(("start", "cancel_on", "days", "term"), [
    (date(2028, 1, 1), date(2028, 12, 31), 1, 366),   # the last day of a leap-year term
    (date(2028, 1, 1), date(2028, 1, 1), 366, 366),   # the first day: everything back
    (date(2027, 3, 1), date(2027, 3, 2), 365, 366),   # a term over 29 February 2028 has 366 days
])
async def test_a_cancellation_refunds_exactly_the_days_left(world, start, cancel_on, days, term):
    insurer, product = await product_of(world)
    firm = await world.firm()
    policy_id = await past_policy(world, firm, product, start)
    async with world.app.state.runtime.database.transaction() as s:
        policy = await lifecycle.cancel(s, principal=ADMIN, policy_id=policy_id, reason="test",
                                        reason_code="OTHER", on=cancel_on)
        premium = policy.premium_fen
    refunds = (await world.client.get(f"/v1/policies/{policy_id}/refunds",
                                      headers=world.as_(Role.INSURER, insurer))).json()
    assert (date.fromisoformat((await world.client.get(f"/v1/policies/{policy_id}", headers=world.admin))
                               .json()["end_date"]) - start).days + 1 == term
    assert [r["amount_fen"] for r in refunds] == [lifecycle.pro_rata(premium, days, term)]
