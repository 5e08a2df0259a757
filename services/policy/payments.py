"""Paying the premium: offline bank transfer (对公转账) confirmed by the insurer, or Stripe when configured."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.auth import Principal, Role
from services.kernel.db import after_commit, utcnow
from services.kernel.errors import Forbidden, InvalidState, NotFound, ProblemError
from services.kernel.ids import new_id
from services.policy import events, policies, repository
from services.policy.models import Payment, Policy, Refund
from services.policy.pricing import prevention_budget
from services.policy.schemas import PaymentOut, RefundOut

log = logging.getLogger("anze.policy.payments")
ONLINE_METHODS = {"CARD": "card", "ALIPAY": "alipay", "WECHAT_PAY": "wechat_pay"}


class PaymentMethodUnavailable(ProblemError):
    status, code = 409, "PAYMENT_METHOD_UNAVAILABLE"


def payment_out(p: Payment) -> PaymentOut:
    return PaymentOut(id=p.id, policy_id=p.policy_id, purpose=p.purpose, status=p.status, method=p.method,  # type: ignore[arg-type]
                      amount_fen=p.amount_fen, refunded_fen=p.refunded_fen, client_secret=p.client_secret,
                      reference=p.reference, bank_reference=p.bank_reference,
                      bank_instructions=p.bank_instructions,  # type: ignore[arg-type]
                      failure_message=p.failure_message, created_at=p.created_at, confirmed_at=p.confirmed_at)


def refund_out(refund: Refund, payment: Payment) -> RefundOut:
    return RefundOut(id=refund.id, payment_id=refund.payment_id, amount_fen=refund.amount_fen, status=refund.status,
                     reason=refund.reason, method=payment.method,  # type: ignore[arg-type]
                     created_at=refund.created_at, updated_at=refund.updated_at)


async def new_payment(session: AsyncSession, policy: Policy, *, method: str, amount_fen: int,
                      purpose: str = "PREMIUM") -> Payment:
    serial = len(await repository.payments_of(session, policy.id)) + 1
    now = utcnow()
    payment = Payment(id=new_id("pay"), policy_id=policy.id, insurer_id=policy.insurer_id,
                      enterprise_id=policy.enterprise_id, purpose=purpose, method=method, status="PENDING",
                      amount_fen=amount_fen, refunded_fen=0, reference=f"{policy.number}-{serial}",
                      created_at=now, updated_at=now)
    if method == "BANK_TRANSFER":
        insurer = await repository.get_insurer(session, policy.insurer_id)
        assert insurer is not None
        payment.bank_instructions = {
            "payee": insurer.bank_account_name, "bank": insurer.bank_name, "account": insurer.bank_account_no,
            "amount_fen": amount_fen, "reference": payment.reference, "memo": payment.reference,
            "note": f"请从企业对公账户转账 {amount_fen / 100:,.2f} 元，并在附言中注明付款参考号 {payment.reference}；"
                    "保险公司确认到账后保单生效。",
        }
    session.add(payment)
    await session.flush()
    return payment


async def start_payment(session: AsyncSession, *, principal: Principal, policy_id: str, method: str,
                        stripe: Any = None) -> Payment:
    """One pending premium payment per policy; asking again with the same method returns it."""
    policy, _ = await policies.load_policy(session, principal=principal, policy_id=policy_id, lock=True)
    if principal.role not in (Role.ENTERPRISE, Role.ADMIN):
        raise Forbidden("the firm pays its own premium")
    if policy.status != "PENDING_PAYMENT":
        raise InvalidState(f"a policy that is {policy.status} takes no premium payment; it must be PENDING_PAYMENT")
    if method in ONLINE_METHODS and stripe is None:
        raise PaymentMethodUnavailable(
            f"{method} is unavailable here: online payment is not configured; pay by BANK_TRANSFER",
            field="method")
    pending = await repository.open_payment(session, policy.id)
    if pending is not None:
        if pending.method == method:
            return pending
        pending.status = "FAILED"
        pending.failure_message = f"replaced by a payment by {method}"
        pending.updated_at = utcnow()
        if pending.stripe_payment_intent_id and stripe is not None:
            await stripe.cancel_intent(pending)
    payment = await new_payment(session, policy, method=method, amount_fen=policy.premium_fen)
    if method in ONLINE_METHODS:
        await stripe.create_intent(payment, ONLINE_METHODS[method])
    policies.record_change(session, policy, action="payment_started", actor=policies.actor_of(principal),
                           reason=None, changes={"payment_id": payment.id, "method": method})
    await session.flush()
    return payment


async def get_payment(session: AsyncSession, *, principal: Principal, payment_id: str) -> Payment:
    payment = await repository.get_payment(session, payment_id)
    if payment is None:
        raise NotFound(f"no payment {payment_id}")
    policies.require_firm_or_insurer(principal, enterprise_id=payment.enterprise_id,
                                     insurer_id=payment.insurer_id, what="payment")
    return payment


async def budget_from_collected(session: AsyncSession, policy: Policy, *, premium_fen: int | None = None) -> int:
    """THE prevention budget rule: the product's share (≤ 21%) of the premium actually collected, never of more
    than the premium due (2024 joint notice: at most 21% of premium actually collected)."""
    due = policy.premium_fen if premium_fen is None else premium_fen
    return prevention_budget(min(due, await repository.collected_fen(session, policy.id)), policy.prevention_share_bp)


async def follow_collected(session: AsyncSession, policy: Policy, *, actor: str, reason: str) -> None:
    """Money for an endorsement came in: the budget rises to the share of what is now collected (once), in the
    policy's history and to the bookings ledger."""
    budget = await budget_from_collected(session, policy)
    if budget == policy.prevention_budget_fen:
        return
    policies.record_change(session, policy, action="budget_follows_payment", actor=actor, reason=reason,
                           changes={"prevention_budget_fen": [policy.prevention_budget_fen, budget]})
    policy.prevention_budget_fen, policy.updated_at = budget, utcnow()
    events.publish(session, events.POLICY_BUDGET_CHANGED, {
        "policy_id": policy.id, "enterprise_id": policy.enterprise_id, "insurer_id": policy.insurer_id,
        "prevention_budget_fen": budget, "reason": reason})


async def succeed(session: AsyncSession, payment: Payment, *, actor: str, reason: str,
                  policy: Policy | None = None) -> None:
    """A payment's money is in: mark it and, for a premium, activate the policy (once); for an endorsement,
    the prevention budget follows the money now collected."""
    payment.status = "SUCCEEDED"
    payment.confirmed_at = utcnow()
    payment.updated_at = payment.confirmed_at
    policy = policy or await repository.get_policy(session, payment.policy_id, lock=True)
    assert policy is not None
    if payment.purpose == "PREMIUM" and policy.status == "PENDING_PAYMENT":
        await policies.activate(session, policy, actor=actor, reason=reason)
    elif payment.purpose == "ENDORSEMENT" and policy.status == "ACTIVE":
        await session.flush()
        await follow_collected(session, policy, actor=actor, reason=reason)
    await session.flush()


async def confirm_offline(session: AsyncSession, *, principal: Principal, payment_id: str,
                          bank_reference: str) -> Payment:
    payment = await repository.get_payment(session, payment_id, lock=True)
    if payment is None:
        raise NotFound(f"no payment {payment_id}")
    if principal.role is Role.INSURER and principal.org != payment.insurer_id:
        raise Forbidden("only the receiving insurer confirms a transfer")
    if principal.role not in (Role.INSURER, Role.ADMIN):
        raise Forbidden("the insurer confirms transfers")
    if payment.method != "BANK_TRANSFER":
        raise InvalidState(f"a {payment.method} payment is confirmed by the payment provider, not by hand")
    if payment.status != "PENDING":
        raise InvalidState(f"the payment is {payment.status}; only a PENDING transfer can be confirmed")
    policy = await repository.get_policy(session, payment.policy_id, lock=True)
    assert policy is not None
    if payment.purpose == "PREMIUM" and policy.status != "PENDING_PAYMENT":
        raise InvalidState(f"the policy is {policy.status}; it no longer waits for this payment")
    payment.bank_reference = bank_reference
    payment.confirmed_by = policies.actor_of(principal)
    await succeed(session, payment, actor=policies.actor_of(principal),
                  reason=f"bank transfer {bank_reference} confirmed", policy=policy)
    return payment


# ---------------------------------------------------------------- abandoning and refunding


async def abandon_pending(session: AsyncSession, policy: Policy, *, stripe: Any, why: str) -> None:
    pending = await repository.open_payment(session, policy.id)
    if pending is None:
        return
    pending.status, pending.failure_message, pending.updated_at = "FAILED", why, utcnow()
    if pending.stripe_payment_intent_id and stripe is not None:
        await stripe.cancel_intent(pending)


def apply_refund(payment: Payment, refund: Refund) -> None:
    """A refund's money went back: the payment shows how much and whether all of it."""
    if refund.status == "SUCCEEDED":
        return
    refund.status, refund.updated_at = "SUCCEEDED", utcnow()
    payment.refunded_fen += refund.amount_fen
    payment.status = "REFUNDED" if payment.refunded_fen >= payment.amount_fen else "PARTIALLY_REFUNDED"
    payment.updated_at = utcnow()


async def refund_premium(session: AsyncSession, policy: Policy, amount_fen: int, *, reason: str, stripe: Any,
                         key: str) -> list[Refund]:
    """Give ``amount_fen`` back from the policy's succeeded payments (latest first). Stripe payments are
    refunded through Stripe (deterministic idempotency key); a bank transfer is refunded by the insurer, who
    confirms it like a payment."""
    left, made = amount_fen, []
    for payment in await repository.refundable_payments(session, policy.id):
        if left <= 0:
            break
        available = payment.amount_fen - payment.refunded_fen - await repository.pending_refund_sum(session,
                                                                                                    payment.id)
        part = min(left, available)
        if part <= 0:
            continue
        now = utcnow()
        refund = Refund(id=new_id("rfd"), payment_id=payment.id, amount_fen=part, status="PENDING", reason=reason,
                        idempotency_key=f"{key}:{payment.id}", created_at=now, updated_at=now)
        session.add(refund)
        if payment.stripe_payment_intent_id:
            if stripe is None:
                raise PaymentMethodUnavailable("this payment was made through Stripe, which is not configured here; "
                                               "its refund cannot be sent")
            # Stripe moves the money only once this transaction has committed: a cancellation that then
            # fails must not have refunded anyone (the ``send-refunds`` job retries what could not be sent)
            after_commit(session, partial(send_refund, refund_id=refund.id, stripe=stripe))
        made.append(refund)
        left -= part
    await session.flush()
    return made


async def send_refund(session: AsyncSession, *, refund_id: str, stripe: Any) -> None:
    """Ask Stripe for one recorded refund (its idempotency key makes a repeat harmless)."""
    refund = await repository.get_refund(session, refund_id)
    if refund is None or refund.status != "PENDING" or refund.stripe_refund_id is not None:
        return
    payment = await repository.get_payment(session, refund.payment_id, lock=True)
    assert payment is not None
    if await stripe.refund(payment, refund) == "succeeded":
        apply_refund(payment, refund)
    refund.updated_at = utcnow()
    await session.flush()


async def send_pending_refunds(database: Any, stripe: Any) -> int:
    """Send the Stripe refunds recorded but not yet accepted by Stripe (it was down, or the process stopped
    between the commit and the call); each in its own transaction. Returns how many Stripe accepted."""
    async with database.transaction() as session:
        ids = await repository.unsent_stripe_refunds(session)
    sent = 0
    for refund_id in ids:
        try:
            async with database.transaction() as session:
                await send_refund(session, refund_id=refund_id, stripe=stripe)
            sent += 1
        except ProblemError as exc:
            log.warning("refund %s not sent: %s", refund_id, exc.detail)
            break  # Stripe does not answer: the next turn tries again
    return sent


async def confirm_refund_offline(session: AsyncSession, *, principal: Principal, refund_id: str,
                                 bank_reference: str) -> Refund:
    refund = await repository.get_refund(session, refund_id)
    if refund is None:
        raise NotFound(f"no refund {refund_id}")
    payment = await repository.get_payment(session, refund.payment_id, lock=True)
    assert payment is not None
    if principal.role is not Role.ADMIN and principal.org != payment.insurer_id:
        raise Forbidden("only the insurer that received the payment sends its refund")
    if payment.method != "BANK_TRANSFER":
        raise InvalidState("a refund of a Stripe payment is confirmed by Stripe, not by hand")
    if refund.status != "PENDING":
        raise InvalidState(f"the refund is {refund.status}; only a PENDING refund can be confirmed")
    apply_refund(payment, refund)
    payment.bank_reference = f"{payment.bank_reference or ''} / refund {bank_reference}".strip(" /")
    await session.flush()
    return refund
