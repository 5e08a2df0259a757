"""Stripe for card, Alipay and WeChat Pay: PaymentIntents in CNY, refunds, and the webhook that applies
each Stripe event once. Built from settings (never a global key); absent when no key is configured."""

from __future__ import annotations

import json
import logging
from typing import Any

import stripe
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.db import utcnow
from services.kernel.errors import ProblemError, ServiceUnavailable
from services.kernel.ids import new_id
from services.policy import payments, repository
from services.policy.models import Payment, Refund
from services.policy.settings import PolicySettings

log = logging.getLogger("anze.policy.stripe")
SIGNATURE_TOLERANCE_SECONDS = 300


class InvalidSignature(ProblemError):
    status, code = 400, "INVALID_SIGNATURE"


class StripeGateway:
    """Every call that creates or moves money carries a deterministic idempotency key."""

    def __init__(self, settings: PolicySettings) -> None:
        assert settings.stripe_secret_key is not None
        kwargs: dict[str, Any] = {"http_client": stripe.HTTPXClient(), "max_network_retries": 2}
        if settings.stripe_api_base:
            kwargs["base_addresses"] = {"api": settings.stripe_api_base}
        self.client = stripe.StripeClient(settings.stripe_secret_key.get_secret_value(), **kwargs)

    async def _call(self, what: str, coro: Any) -> Any:
        try:
            return await coro
        except stripe.StripeError as exc:
            log.warning("stripe %s failed: %s", what, exc)
            raise ServiceUnavailable(f"the payment provider refused or did not answer ({what}); try again",
                                     code="PAYMENT_PROVIDER_ERROR") from exc

    async def create_intent(self, payment: Payment, method_type: str) -> None:
        intent = await self._call("create payment", self.client.v1.payment_intents.create_async(
            params={"amount": payment.amount_fen, "currency": "cny", "payment_method_types": [method_type],
                    "metadata": {"payment_id": payment.id, "policy_id": payment.policy_id,
                                 "reference": payment.reference}},
            options={"idempotency_key": f"policy:payment:{payment.id}"}))
        payment.stripe_payment_intent_id = intent.id
        payment.client_secret = intent.client_secret

    async def cancel_intent(self, payment: Payment) -> None:
        try:
            await self.client.v1.payment_intents.cancel_async(
                payment.stripe_payment_intent_id or "", options={"idempotency_key": f"policy:cancel:{payment.id}"})
        except stripe.StripeError as exc:  # already succeeded or cancelled: the webhook tells what happened
            log.info("cancelling %s: %s", payment.stripe_payment_intent_id, exc)

    async def refund(self, payment: Payment, refund: Refund) -> str:
        result = await self._call("refund", self.client.v1.refunds.create_async(
            params={"payment_intent": payment.stripe_payment_intent_id or "", "amount": refund.amount_fen,
                    "metadata": {"refund_id": refund.id, "payment_id": payment.id}},
            options={"idempotency_key": refund.idempotency_key}))
        refund.stripe_refund_id = result.id
        return str(result.status)


def verify(payload: bytes, signature: str | None, secret: str | None) -> dict[str, Any]:
    """The event, if Stripe signed it with our secret in the last 5 minutes."""
    if not secret:
        raise ServiceUnavailable("Stripe webhooks are not configured here")
    if not signature:
        raise InvalidSignature("the Stripe-Signature header is missing")
    try:
        stripe.WebhookSignature.verify_header(payload.decode("utf-8"), signature, secret,
                                              SIGNATURE_TOLERANCE_SECONDS)
        event = json.loads(payload)
    except (stripe.SignatureVerificationError, ValueError, UnicodeDecodeError) as exc:
        raise InvalidSignature("the Stripe signature does not match this body") from exc
    if not isinstance(event, dict) or not {"id", "type", "data"} <= event.keys():
        raise InvalidSignature("this is not a Stripe event")
    return event


async def receive(session: AsyncSession, event: dict[str, Any]) -> bool:
    """Store the event once (its id is unique) and apply it; False for a repeat, which changes nothing."""
    if not await repository.store_stripe_event(session, event_id=event["id"], type_=event["type"],
                                               created=int(event.get("created") or 0), payload=event):
        return False
    await apply(session, event)
    await repository.mark_stripe_event_applied(session, event["id"])
    return True


async def apply(session: AsyncSession, event: dict[str, Any]) -> None:
    """Deliveries may come in any order: a succeeded payment never goes back to failed, a refund only
    ever moves to its final state."""
    kind, obj = event["type"], event["data"]["object"]
    if kind == "payment_intent.succeeded":
        payment = await repository.get_payment_by_intent(session, obj["id"])
        if payment is not None and payment.status in ("PENDING", "FAILED"):
            await payments.succeed(session, payment, actor="stripe", reason=f"Stripe {obj['id']} succeeded")
    elif kind == "payment_intent.payment_failed":
        payment = await repository.get_payment_by_intent(session, obj["id"])
        if payment is not None and payment.status == "PENDING":
            error = obj.get("last_payment_error") or {}
            payment.status, payment.updated_at = "FAILED", utcnow()
            payment.failure_message = error.get("message") or "the payment failed"
    elif kind in ("charge.refunded", "charge.refund.updated", "refund.created", "refund.updated"):
        refunds = obj.get("refunds", {}).get("data", []) if obj.get("object") == "charge" else [obj]
        for data in refunds:
            await _apply_refund(session, data)
    else:
        log.info("stripe event %s ignored", kind)


async def _apply_refund(session: AsyncSession, data: dict[str, Any]) -> None:
    refund = await repository.get_refund_by_stripe_id(session, data["id"])
    payment = await repository.get_payment_by_intent(session, data.get("payment_intent") or "")
    if payment is None:
        return
    if refund is None:  # made outside the platform (the Stripe dashboard): recorded all the same
        now = utcnow()
        refund = Refund(id=new_id("rfd"), payment_id=payment.id, amount_fen=int(data.get("amount") or 0),
                        status="PENDING", reason="STRIPE", idempotency_key=f"stripe:{data['id']}",
                        stripe_refund_id=data["id"], created_at=now, updated_at=now)
        session.add(refund)
    status = data.get("status")
    if status == "succeeded":
        payments.apply_refund(payment, refund)
    elif status in ("failed", "canceled") and refund.status == "PENDING":
        refund.status, refund.updated_at = "FAILED", utcnow()
    await session.flush()
