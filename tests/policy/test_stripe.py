"""Card, Alipay and WeChat Pay through Stripe: localstripe (run here on 127.0.0.1) for the API, and
webhook payloads signed with the SDK's own helper for what localstripe does not send."""

from __future__ import annotations

import json
from typing import Any

import pytest
import pytest_asyncio
import stripe
from aiohttp import web
from sqlalchemy import func, select

from services.kernel import clock
from services.kernel.auth import Role
from services.policy.models import Outbox
from tests.policy.conftest import running_world

pytestmark = [pytest.mark.asyncio(loop_scope="module"), pytest.mark.stripe]
SECRET = "whsec_test_policy"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def localstripe_url():
    """localstripe's aiohttp app served on loopback only (its CLI would listen on every interface)."""
    from localstripe.server import app

    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shop(module_backend, keys, tmp_path_factory, localstripe_url):
    async with running_world(module_backend, keys, tmp_path_factory.mktemp("stripe"),
                             stripe_secret_key="sk_test_policy", stripe_api_base=localstripe_url,
                             stripe_webhook_secret=SECRET) as w:
        w.stripe = stripe.StripeClient("sk_test_policy", base_addresses={"api": localstripe_url},  # type: ignore[attr-defined]
                                       http_client=stripe.HTTPXClient())
        yield w


def signed(event: dict[str, Any], secret: str = SECRET, timestamp: int | None = None) -> tuple[bytes, dict]:
    body = json.dumps(event)
    header = stripe.WebhookSignature.generate_signature_header(body, secret, timestamp=timestamp or int(clock.timestamp()))
    return body.encode(), {"Stripe-Signature": header, "Content-Type": "application/json"}


def event(kind: str, obj: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
    return {"id": event_id or f"evt_{kind}_{obj['id']}", "object": "event", "type": kind,
            "created": int(clock.timestamp()), "data": {"object": obj}}


async def deliver(shop, evt: dict[str, Any]):
    body, headers = signed(evt)
    return await shop.client.post("/v1/stripe/webhook", content=body, headers=headers)


async def pending_policy(shop) -> tuple[dict, dict, dict]:
    insurer = await shop.insurer()
    product = await shop.product(insurer)
    firm = await shop.firm()
    me = shop.as_(Role.ENTERPRISE, firm["id"])
    quote = (await shop.quote(firm, product)).json()
    policy = (await shop.client.post(f"/v1/quotes/{quote['id']}/bind", headers=me)).json()
    return firm, policy, me


async def policy_status(shop, policy, me) -> str:
    return (await shop.client.get(f"/v1/policies/{policy['id']}", headers=me)).json()["status"]


async def activations(shop, policy_id: str) -> int:
    async with shop.app.state.runtime.database.transaction() as s:
        rows = (await s.scalars(select(Outbox.payload).where(Outbox.name == "policy.policy.activated"))).all()
    return sum(1 for p in rows if p["policy_id"] == policy_id)


async def intent_of(shop, payment_id: str) -> str:
    from services.policy.models import Payment

    async with shop.app.state.runtime.database.transaction() as s:
        return (await s.get(Payment, payment_id)).stripe_payment_intent_id


async def test_a_card_payment_confirmed_at_stripe_activates_the_policy_once(shop):
    policy, payment, me, intent_id, confirmed = await card_paid_at_stripe(shop)
    assert payment["client_secret"] and payment["status"] == "PENDING" and payment["method"] == "CARD"
    intent = await shop.stripe.v1.payment_intents.retrieve_async(intent_id)
    assert intent.amount == policy["premium_fen"] and intent.currency == "cny"
    assert confirmed.status == "succeeded"

    succeeded = event("payment_intent.succeeded", confirmed.to_dict())
    first = await deliver(shop, succeeded)
    assert first.status_code == 202 and first.json()["applied"] is True
    assert await policy_status(shop, policy, me) == "ACTIVE"
    again = await deliver(shop, succeeded)  # Stripe delivers again
    assert again.status_code == 202 and again.json()["applied"] is False
    assert await activations(shop, policy["id"]) == 1

    # a failure reported late for the same intent changes nothing
    late = event("payment_intent.payment_failed", {**confirmed.to_dict(), "status": "requires_payment_method",
                                                   "last_payment_error": {"message": "declined"}})
    assert (await deliver(shop, late)).status_code == 202
    paid = (await shop.client.get(f"/v1/payments/{payment['id']}", headers=me)).json()
    assert paid["status"] == "SUCCEEDED" and await policy_status(shop, policy, me) == "ACTIVE"

    # cancelling refunds the unused days through Stripe at once
    r = await shop.client.post(f"/v1/policies/{policy['id']}/cancel", headers=me, json={"reason": "换保险公司"})
    assert r.status_code == 200, r.text
    paid = (await shop.client.get(f"/v1/payments/{payment['id']}", headers=me)).json()
    assert paid["status"] == "REFUNDED" and paid["refunded_fen"] == policy["premium_fen"]
    refunds = (await shop.client.get(f"/v1/policies/{policy['id']}/refunds", headers=me)).json()
    assert [x["status"] for x in refunds] == ["SUCCEEDED"]


@pytest.mark.parametrize("method", ["ALIPAY", "WECHAT_PAY"])
async def test_alipay_and_wechat_pay_activate_the_policy_on_the_signed_success_event(shop, method):
    _, policy, me = await pending_policy(shop)
    payment = (await shop.client.post(f"/v1/policies/{policy['id']}/payments", headers=me,
                                      json={"method": method})).json()
    intent_id = await intent_of(shop, payment["id"])
    intent = (await shop.stripe.v1.payment_intents.retrieve_async(intent_id)).to_dict()
    assert intent["amount"] == payment["amount_fen"]
    r = await deliver(shop, event("payment_intent.succeeded", {**intent, "status": "succeeded"}))
    assert r.status_code == 202 and await policy_status(shop, policy, me) == "ACTIVE"


async def test_a_failure_then_a_success_delivered_in_that_order_ends_active(shop):
    _, policy, me = await pending_policy(shop)
    payment = (await shop.client.post(f"/v1/policies/{policy['id']}/payments", headers=me,
                                      json={"method": "ALIPAY"})).json()
    intent = {"id": await intent_of(shop, payment["id"]), "object": "payment_intent", "amount": payment["amount_fen"]}
    await deliver(shop, event("payment_intent.payment_failed", {**intent, "last_payment_error": {
        "message": "用户取消支付"}}))
    failed = (await shop.client.get(f"/v1/payments/{payment['id']}", headers=me)).json()
    assert failed["status"] == "FAILED" and failed["failure_message"] == "用户取消支付"
    await deliver(shop, event("payment_intent.succeeded", {**intent, "status": "succeeded"}))
    assert await policy_status(shop, policy, me) == "ACTIVE"
    assert await activations(shop, policy["id"]) == 1


async def test_a_refund_event_updates_the_payment_once_in_any_order(shop):
    _, policy, me = await pending_policy(shop)
    payment = (await shop.client.post(f"/v1/policies/{policy['id']}/payments", headers=me,
                                      json={"method": "WECHAT_PAY"})).json()
    intent_id = await intent_of(shop, payment["id"])
    await deliver(shop, event("payment_intent.succeeded", {"id": intent_id, "object": "payment_intent"}))
    refund = {"id": f"re_{intent_id}", "object": "refund", "amount": 1000, "payment_intent": intent_id}
    updated = event("refund.updated", {**refund, "status": "succeeded"}, event_id=f"evt_done_{intent_id}")
    created = event("refund.created", {**refund, "status": "pending"}, event_id=f"evt_new_{intent_id}")
    for evt in (updated, created, updated):  # the final state first, the creation late, then a repeat
        assert (await deliver(shop, evt)).status_code == 202
    paid = (await shop.client.get(f"/v1/payments/{payment['id']}", headers=me)).json()
    assert paid["status"] == "PARTIALLY_REFUNDED" and paid["refunded_fen"] == 1000


async def test_a_webhook_with_a_bad_signature_is_refused_and_stored_nowhere(shop):
    evt = event("payment_intent.succeeded", {"id": "pi_forged", "object": "payment_intent"}, event_id="evt_forged")
    body, headers = signed(evt, secret="whsec_wrong")
    r = await shop.client.post("/v1/stripe/webhook", content=body, headers=headers)
    assert r.status_code == 400 and r.json()["code"] == "INVALID_SIGNATURE"
    body, headers = signed(evt)
    r = await shop.client.post("/v1/stripe/webhook", content=body.replace(b"pi_forged", b"pi_other"),
                               headers=headers)
    assert r.status_code == 400
    body, headers = signed(evt, timestamp=int(clock.timestamp()) - 600)
    assert (await shop.client.post("/v1/stripe/webhook", content=body, headers=headers)).status_code == 400
    r = await shop.client.post("/v1/stripe/webhook", content=body)
    assert r.status_code == 400
    from services.policy.models import StripeEvent

    async with shop.app.state.runtime.database.transaction() as s:
        assert await s.scalar(select(func.count()).select_from(StripeEvent).where(StripeEvent.id == "evt_forged")) == 0


async def test_asking_twice_for_a_card_payment_reuses_the_same_intent(shop):
    _, policy, me = await pending_policy(shop)
    first = (await shop.client.post(f"/v1/policies/{policy['id']}/payments", headers=me, json={"method": "CARD"}))
    second = (await shop.client.post(f"/v1/policies/{policy['id']}/payments", headers=me, json={"method": "CARD"}))
    assert first.json()["id"] == second.json()["id"]
    assert first.json()["client_secret"] == second.json()["client_secret"]


async def test_localstripes_own_signed_webhook_activates_the_policy(shop, localstripe_url, module_backend):
    """localstripe posts a real, signed payment_intent.succeeded to the service served on loopback."""
    import asyncio
    import contextlib
    import socket

    import httpx
    import uvicorn

    with contextlib.closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(shop.app, host="127.0.0.1", port=port, lifespan="off", log_level="warning"))
    serving = asyncio.create_task(server.serve())
    try:
        for _ in range(200):
            if server.started:
                break
            await asyncio.sleep(0.05)
        async with httpx.AsyncClient() as http:
            r = await http.post(f"{localstripe_url}/_config/webhooks/policy-{module_backend}",
                                data={"url": f"http://127.0.0.1:{port}/v1/stripe/webhook", "secret": SECRET,
                                      "events[]": "payment_intent.succeeded"},
                                headers={"Authorization": "Bearer sk_test_policy"})
            assert r.status_code == 200, r.text
        policy, _, me, _, _ = await card_paid_at_stripe(shop)
        for _ in range(300):  # localstripe sends about a second later
            if await policy_status(shop, policy, me) == "ACTIVE":
                break
            await asyncio.sleep(0.1)
        assert await policy_status(shop, policy, me) == "ACTIVE"
        assert await activations(shop, policy["id"]) == 1
    finally:
        server.should_exit = True
        await serving


async def card_paid_at_stripe(shop) -> tuple[dict, dict, dict, str, Any]:
    """A pending policy paid by card at Stripe (what the browser does with the client secret); the
    confirmed PaymentIntent is returned, the webhook not yet delivered."""
    _, policy, me = await pending_policy(shop)
    payment = (await shop.client.post(f"/v1/policies/{policy['id']}/payments", headers=me,
                                      json={"method": "CARD"})).json()
    intent_id = await intent_of(shop, payment["id"])
    card = await shop.stripe.v1.payment_methods.create_async(params={"type": "card", "card": {
        "number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"}})
    await shop.stripe.v1.payment_intents.update_async(intent_id, params={"payment_method": card.id})
    confirmed = await shop.stripe.v1.payment_intents.confirm_async(intent_id)
    return policy, payment, me, intent_id, confirmed


async def card_paid_policy(shop) -> tuple[dict, dict, dict, str]:
    """A policy paid by card at Stripe and activated by the signed success event."""
    policy, payment, me, intent_id, confirmed = await card_paid_at_stripe(shop)
    assert (await deliver(shop, event("payment_intent.succeeded", confirmed.to_dict()))).status_code == 202
    return policy, payment, me, intent_id


async def stripe_refunds_of(shop, intent_id: str) -> list[Any]:
    return list((await shop.stripe.v1.refunds.list_async(params={"payment_intent": intent_id})).data)


async def test_a_refund_recorded_in_a_transaction_that_fails_sends_nothing_to_stripe(shop):
    from services.policy import payments
    from services.policy.models import Policy

    policy, payment, me, intent_id = await card_paid_policy(shop)
    runtime = shop.app.state.runtime
    with pytest.raises(RuntimeError):
        async with runtime.database.transaction() as session:
            row = await session.get(Policy, policy["id"])
            made = await payments.refund_premium(session, row, 5000, reason="CANCELLATION",
                                                 stripe=runtime.state["stripe"], key="test:rolled-back")
            assert [r.amount_fen for r in made] == [5000]
            raise RuntimeError("the cancellation failed after the refund was computed")
    assert await stripe_refunds_of(shop, intent_id) == []
    paid = (await shop.client.get(f"/v1/payments/{payment['id']}", headers=me)).json()
    assert paid["status"] == "SUCCEEDED" and paid["refunded_fen"] == 0


async def test_a_cancellation_while_stripe_is_down_succeeds_and_its_refund_is_sent_when_stripe_is_back(shop):
    from services.policy import payments
    from services.policy.settings import PolicySettings
    from services.policy.stripe_payments import StripeGateway

    policy, payment, me, intent_id = await card_paid_policy(shop)
    runtime = shop.app.state.runtime
    working = runtime.state["stripe"]
    runtime.state["stripe"] = StripeGateway(PolicySettings(stripe_secret_key="sk_test_policy",
                                                           stripe_api_base="http://127.0.0.1:9"))
    try:
        r = await shop.client.post(f"/v1/policies/{policy['id']}/cancel", headers=me, json={"reason": "停产"})
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "CANCELLED"
        refunds = (await shop.client.get(f"/v1/policies/{policy['id']}/refunds", headers=me)).json()
        assert [x["status"] for x in refunds] == ["PENDING"]
        assert await payments.send_pending_refunds(runtime.database, runtime.state["stripe"]) == 0
    finally:
        runtime.state["stripe"] = working
    assert await payments.send_pending_refunds(runtime.database, working) == 1
    paid = (await shop.client.get(f"/v1/payments/{payment['id']}", headers=me)).json()
    assert paid["status"] == "REFUNDED" and paid["refunded_fen"] == policy["premium_fen"]
    assert [x.amount for x in await stripe_refunds_of(shop, intent_id)] == [policy["premium_fen"]]
    assert await payments.send_pending_refunds(runtime.database, working) == 0  # nothing is sent twice
