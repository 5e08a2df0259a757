"""The policy after activation: cancellation, headcount endorsement, renewal and expiry."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.auth import Principal, Role
from services.kernel.db import Database, utcnow
from services.kernel.errors import Forbidden, InvalidState, ValidationProblem
from services.policy import events, payments, policies, repository
from services.policy.dates import term_days, today
from services.policy.models import Policy
from services.policy.pricing import prevention_budget, round_fen

log = logging.getLogger("anze.policy.lifecycle")

# A firm in a compulsory industry may cancel only when it has closed or stopped operating.
CLOSING_REASONS = {"CLOSED": "企业已关闭", "STOPPED_OPERATING": "企业已停产停业"}
REASON_CODES = {**CLOSING_REASONS, "SWITCHED_INSURER": "转投其他保险公司", "DUPLICATE": "重复投保",
                "OTHER": "其他"}


def pro_rata(amount_fen: int, days: int, total_days: int) -> int:
    """THE pro-rata rule: amount × days / term days, exact, rounded once to the fen half up."""
    if total_days <= 0:
        return 0
    return round_fen(Decimal(amount_fen) * days / total_days)


def unused_days(policy: Policy, on: date) -> int:
    """Days of the term from ``on`` (not covered any more) to the last day, both included."""
    if on > policy.end_date:
        return 0
    return term_days(max(on, policy.start_date), policy.end_date)


def _require_party(principal: Principal, policy: Policy) -> None:
    if principal.role not in (Role.ENTERPRISE, Role.INSURER, Role.ADMIN):
        raise Forbidden("the firm or its insurer changes a policy")


# ---------------------------------------------------------------- cancellation


@dataclass(frozen=True)
class CancellationQuote:
    """What cancelling today would do, figured exactly as ``cancel`` does it."""

    policy_id: str
    status: str
    cancel_on: date
    unused_days: int
    term_days: int
    premium_fen: int
    unpaid_fen: int
    refund_fen: int
    prevention_budget_fen: int
    prevention_budget_kept_fen: int
    compulsory: bool
    reason_codes: list[str]
    open_insurer_funded_bookings: int
    blocked_reason: str | None


def _refund_figures(policy: Policy, on: date, unpaid_fen: int = 0) -> tuple[int, int, int, int]:
    """(unused days, term days, refund, budget kept): THE cancellation arithmetic, for the quote and the act.
    ``unpaid_fen`` is the part of the premium never paid (endorsement transfers still awaited): the firm owes the
    used part of the premium, so what was not paid comes off the refund."""
    if policy.status == "PENDING_PAYMENT":
        return 0, term_days(policy.start_date, policy.end_date), 0, policy.prevention_budget_fen
    unused = unused_days(policy, on)
    total = term_days(policy.start_date, policy.end_date)
    refund = max(0, pro_rata(policy.premium_fen, unused, total) - unpaid_fen)
    kept = policy.prevention_budget_fen - pro_rata(policy.prevention_budget_fen, unused, total)
    return unused, total, refund, kept


async def _why_not(session: AsyncSession, policy: Policy, compulsory: bool, reason_code: str | None) -> str | None:
    """Why the policy cannot be cancelled (with this reason), or None."""
    if policy.status not in ("PENDING_PAYMENT", "ACTIVE"):
        return f"a policy that is {policy.status} cannot be cancelled; it must be PENDING_PAYMENT or ACTIVE"
    if policy.status != "ACTIVE":
        return None
    if compulsory and reason_code is not None and reason_code not in CLOSING_REASONS:
        return ("insurance is compulsory for this firm's industry: it may cancel only when it has closed or "
                "stopped operating (reason_code CLOSED or STOPPED_OPERATING)")
    open_bookings = await repository.open_insurer_funded_bookings(session, policy.id)
    if open_bookings:
        return (f"{open_bookings} insurer-funded booking(s) on this policy are still open; "
                "cancel them before cancelling the policy")
    return None


async def cancellation_quote(session: AsyncSession, *, principal: Principal, policy_id: str,
                             on: date | None = None) -> CancellationQuote:
    """The refund, the budget kept and what would stop a cancellation today; nothing is changed."""
    on = on or today()
    policy, firm = await policies.load_policy(session, principal=principal, policy_id=policy_id)
    _require_party(principal, policy)
    unpaid = sum(p.amount_fen for p in await repository.pending_payments(session, policy.id, "ENDORSEMENT"))
    unused, total, refund, kept = _refund_figures(policy, on, unpaid)
    compulsory = bool(firm.compulsory) and policy.status == "ACTIVE"
    return CancellationQuote(
        policy_id=policy.id, status=policy.status, cancel_on=on, unused_days=unused, term_days=total,
        premium_fen=policy.premium_fen, unpaid_fen=unpaid, refund_fen=refund,
        prevention_budget_fen=policy.prevention_budget_fen, prevention_budget_kept_fen=kept, compulsory=compulsory,
        reason_codes=list(CLOSING_REASONS) if compulsory else list(REASON_CODES),
        open_insurer_funded_bookings=await repository.open_insurer_funded_bookings(session, policy.id),
        blocked_reason=await _why_not(session, policy, False, None))


async def cancel(session: AsyncSession, *, principal: Principal, policy_id: str, reason: str, reason_code: str,
                 stripe: Any = None, on: date | None = None) -> Policy:
    """Cancel from today; a paid policy refunds the unused days pro rata and keeps the used budget."""
    on = on or today()
    policy, firm = await policies.load_policy(session, principal=principal, policy_id=policy_id, lock=True)
    _require_party(principal, policy)
    if reason_code not in REASON_CODES:
        raise ValidationProblem(f"reason_code must be one of {', '.join(REASON_CODES)}", field="reason_code")
    actor = policies.actor_of(principal)
    if policy.status == "PENDING_PAYMENT":
        policies.transition(session, policy, "CANCELLED", actor=actor, reason=reason,
                            changes={"reason_code": reason_code})
        policy.cancelled_on, policy.cancel_reason = on, reason
        await payments.abandon_pending(session, policy, stripe=stripe, why="the policy was cancelled")
        await session.flush()
        return policy
    if policy.status == "ACTIVE" and (why := await _why_not(session, policy, firm.compulsory, reason_code)):
        raise InvalidState(why)
    awaited = await repository.pending_payments(session, policy.id, "ENDORSEMENT")
    unused, total, refund, budget_left = _refund_figures(policy, on, sum(p.amount_fen for p in awaited))
    for payment in awaited:  # never to be paid: the refund has taken it into account
        payment.status, payment.failure_message = "FAILED", "the policy was cancelled before this transfer arrived"
        payment.updated_at = utcnow()
    policies.transition(session, policy, "CANCELLED", actor=actor, reason=reason, changes={
        "reason_code": reason_code, "refund_fen": refund, "unused_days": unused, "term_days": total,
        "unpaid_fen": sum(p.amount_fen for p in awaited),
        "prevention_budget_fen": [policy.prevention_budget_fen, budget_left]})
    policy.cancelled_on, policy.cancel_reason = on, reason
    policy.prevention_budget_fen = budget_left
    if reason_code in CLOSING_REASONS:
        firm.operating_status = "CLOSED" if reason_code == "CLOSED" else "STOPPED"
        firm.updated_at = utcnow()
        events.publish(session, events.ENTERPRISE_UPDATED, events.enterprise_payload(firm))
    if refund:
        await payments.refund_premium(session, policy, refund, reason="CANCELLATION", stripe=stripe,
                                      key=f"policy:refund:{policy.id}:cancel")
    await session.flush()
    events.publish(session, events.POLICY_CANCELLED, {
        "policy_id": policy.id, "number": policy.number, "enterprise_id": policy.enterprise_id,
        "insurer_id": policy.insurer_id, "cancelled_on": on.isoformat(), "prevention_budget_fen": budget_left,
        "refund_fen": refund, "reason_code": reason_code})
    return policy


# ---------------------------------------------------------------- endorsement


@dataclass(frozen=True)
class EndorsementQuote:
    """What a new headcount from a date would do, figured exactly as ``endorse_headcount`` does it."""

    policy_id: str
    effective_date: date
    remaining_days: int
    term_days: int
    headcount_before: int
    headcount: int
    premium_before_fen: int
    premium_fen: int
    delta_fen: int
    prevention_budget_before_fen: int
    prevention_budget_fen: int

    @property
    def settlement(self) -> str:
        """TRANSFER: the firm pays the difference by bank transfer; REFUND: it is refunded; NONE: nothing moves."""
        return "TRANSFER" if self.delta_fen > 0 else "REFUND" if self.delta_fen < 0 else "NONE"


def _endorsement(policy: Policy, headcount: int, effective_date: date) -> EndorsementQuote:
    """THE endorsement rule, for the quote and the act: the checks, then the premium of the changed heads for the
    days left and the budget that follows the new premium."""
    if policy.status != "ACTIVE":
        raise InvalidState(f"a policy that is {policy.status} cannot be endorsed; it must be ACTIVE")
    if headcount <= 0:
        raise ValidationProblem("the headcount must be at least 1", field="headcount")
    if headcount == policy.headcount:
        raise ValidationProblem(f"the policy already covers {headcount} people", field="headcount")
    if not (max(policy.start_date, today()) <= effective_date <= policy.end_date):
        raise ValidationProblem("the endorsement takes effect between today (or the start) and the policy's end",
                                field="effective_date")
    remaining = term_days(effective_date, policy.end_date)
    total = term_days(policy.start_date, policy.end_date)
    # the premium of the changed heads for the days left: premium × Δheads / heads × remaining / term
    delta = round_fen(Decimal(policy.premium_fen) * (headcount - policy.headcount) * remaining
                      / (policy.headcount * total))
    new_premium = policy.premium_fen + delta
    return EndorsementQuote(
        policy_id=policy.id, effective_date=effective_date, remaining_days=remaining, term_days=total,
        headcount_before=policy.headcount, headcount=headcount, premium_before_fen=policy.premium_fen,
        premium_fen=new_premium, delta_fen=delta, prevention_budget_before_fen=policy.prevention_budget_fen,
        prevention_budget_fen=prevention_budget(new_premium, policy.prevention_share_bp))


async def endorsement_quote(session: AsyncSession, *, principal: Principal, policy_id: str, headcount: int,
                            effective_date: date) -> EndorsementQuote:
    """The new premium, budget and difference a headcount endorsement would make; nothing is changed."""
    policy, _firm = await policies.load_policy(session, principal=principal, policy_id=policy_id)
    _require_party(principal, policy)
    return _endorsement(policy, headcount, effective_date)


async def endorse_headcount(session: AsyncSession, *, principal: Principal, policy_id: str, headcount: int,
                            effective_date: date, stripe: Any = None) -> Policy:
    """A new headcount from ``effective_date``: the premium moves pro rata for the days left, the prevention
    budget follows the new premium, the firm's staff is updated (all staff stay covered)."""
    policy, firm = await policies.load_policy(session, principal=principal, policy_id=policy_id, lock=True)
    _require_party(principal, policy)
    change = _endorsement(policy, headcount, effective_date)
    delta, new_premium = change.delta_fen, change.premium_fen
    # the budget follows money received: a higher premium raises it only once its transfer arrives
    # (payments.follow_collected); a lower one lowers it at once
    new_budget = await payments.budget_from_collected(session, policy, premium_fen=new_premium)
    change_id = policies.record_change(
        session, policy, action="endorse", actor=policies.actor_of(principal), reason=None,
        changes={"headcount": [policy.headcount, headcount], "premium_fen": [policy.premium_fen, new_premium],
                 "prevention_budget_fen": [policy.prevention_budget_fen, new_budget], "delta_fen": delta,
                 "effective_date": effective_date.isoformat()})
    policy.headcount, policy.premium_fen, policy.prevention_budget_fen = headcount, new_premium, new_budget
    policy.updated_at = utcnow()
    firm.employees = headcount
    firm.updated_at = utcnow()
    events.publish(session, events.ENTERPRISE_UPDATED, events.enterprise_payload(firm))
    if delta > 0:
        await payments.new_payment(session, policy, method="BANK_TRANSFER", amount_fen=delta, purpose="ENDORSEMENT")
    elif delta < 0:
        # one key per endorsement: two lower headcounts within a second are two refunds, not a repeat
        await payments.refund_premium(session, policy, -delta, reason="ENDORSEMENT", stripe=stripe,
                                      key=f"policy:refund:{policy.id}:endorse:{change_id}")
    await session.flush()
    events.publish(session, events.POLICY_ENDORSED, {
        "policy_id": policy.id, "enterprise_id": policy.enterprise_id, "insurer_id": policy.insurer_id,
        "headcount": headcount, "premium_fen": new_premium, "prevention_budget_fen": new_budget, "delta_fen": delta,
        "effective_date": effective_date.isoformat()})
    return policy


# ---------------------------------------------------------------- renewal


async def renew(session: AsyncSession, *, principal: Principal, policy_id: str,
                quote_valid_days: int = 30, regional_floors: Mapping[str, int] | None = None) -> Policy:
    """The successor, priced from the latest record (claims, hazards closed and overdue), PENDING_PAYMENT."""
    policy, firm = await policies.load_policy(session, principal=principal, policy_id=policy_id, lock=True)
    _require_party(principal, policy)
    if policy.status not in ("ACTIVE", "EXPIRED"):
        raise InvalidState(f"a policy that is {policy.status} cannot be renewed; only ACTIVE or EXPIRED ones")
    successor = await repository.successor_of(session, policy.id)
    if successor is not None:
        raise InvalidState(f"this policy was already renewed by {successor.number} ({successor.status})")
    start = max(policy.end_date + timedelta(days=1), today())
    quote = await policies.request_quote(
        session, principal=principal, enterprise_id=policy.enterprise_id,
        product_id=policy.product_id, headcount=firm.employees, limit_per_person_fen=policy.limit_per_person_fen,
        start_date=start, predecessor_id=policy.id, quote_valid_days=quote_valid_days, renewal=True,
        regional_floors=regional_floors)
    successor = await policies.bind_quote(session, principal=principal, quote_id=quote.id)
    policies.record_change(session, policy, action="renewal_offered", actor=policies.actor_of(principal),
                           reason=None, changes={"successor_id": successor.id, "successor_number": successor.number})
    await session.flush()
    return successor


# ---------------------------------------------------------------- expiry (scheduled)


async def expire_due(database: Database, *, on: date | None = None, batch: int = 200) -> int:
    """ACTIVE policies whose last day has passed become EXPIRED; running again changes nothing."""
    on = on or today()
    done = 0
    while True:
        async with database.transaction() as session:
            due = await repository.policies_ended_before(session, on, batch)
            for policy in due:
                policies.transition(session, policy, "EXPIRED", actor="system:expiry", reason="the term ended")
                events.publish(session, events.POLICY_EXPIRED, {
                    "policy_id": policy.id, "enterprise_id": policy.enterprise_id, "insurer_id": policy.insurer_id,
                    "end_date": policy.end_date.isoformat(), "prevention_budget_fen": policy.prevention_budget_fen})
            await session.flush()
        done += len(due)
        if len(due) < batch:
            break
    if done:
        log.info("expired %d policies", done)
    return done
