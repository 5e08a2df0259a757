"""Claims: accident notification → assessment → paid or denied; a paid claim feeds the next renewal."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.auth import Principal, Role
from services.kernel.db import utcnow
from services.kernel.errors import Forbidden, InvalidState, NotFound, ValidationProblem
from services.kernel.ids import new_id
from services.policy import events, policies, repository
from services.policy.dates import today
from services.policy.models import Claim

TRANSITIONS = {("NOTIFIED", "ASSESSED"), ("ASSESSED", "PAID"), ("ASSESSED", "DENIED"), ("NOTIFIED", "DENIED")}
ACCIDENT_TYPES = {"INJURY": "人身伤害", "DEATH": "死亡", "THIRD_PARTY": "第三者损害", "RESCUE": "抢险救援费用",
                  "OTHER": "其他"}


def _move(claim: Claim, to: str) -> None:
    if (claim.status, to) not in TRANSITIONS:
        raise InvalidState(f"a claim that is {claim.status} cannot become {to}")
    claim.status, claim.updated_at = to, utcnow()


def claim_limit(limit_per_person_fen: int, injured: int, dead: int) -> int:
    """What a claim may reach: the per-person limit for each person hurt or killed (at least one)."""
    return limit_per_person_fen * max(1, injured + dead)


async def notify(session: AsyncSession, *, principal: Principal, policy_id: str, accident_date: date,
                 accident_type: str, injured: int, dead: int, description: str, claimed_fen: int) -> Claim:
    policy, _ = await policies.load_policy(session, principal=principal, policy_id=policy_id)
    if principal.role not in (Role.ENTERPRISE, Role.INSURER, Role.ADMIN):
        raise Forbidden("the firm or its insurer notifies an accident")
    if accident_type not in ACCIDENT_TYPES:
        raise ValidationProblem(f"accident_type must be one of {', '.join(ACCIDENT_TYPES)}", field="accident_type")
    if accident_date > today():
        raise ValidationProblem("the accident cannot be in the future", field="accident_date")
    covered = (policy.activated_at is not None and policy.start_date <= accident_date <= policy.end_date
               and (policy.cancelled_on is None or accident_date < policy.cancelled_on))
    if not covered:
        raise InvalidState("the policy did not cover that day: it was not active then")
    if claimed_fen > claim_limit(policy.limit_per_person_fen, injured, dead):
        raise ValidationProblem("the amount claimed is above the policy's limit for the people involved",
                                field="claimed_fen")
    serial = await repository.next_number(session, f"claim:{accident_date.year}")
    now = utcnow()
    claim = Claim(id=new_id("clm"), number=f"LP{accident_date.year}-{serial:06d}", policy_id=policy.id,
                  enterprise_id=policy.enterprise_id, insurer_id=policy.insurer_id, status="NOTIFIED",
                  accident_date=accident_date, accident_type=accident_type, injured=injured, dead=dead,
                  description=description, claimed_fen=claimed_fen, created_at=now, updated_at=now)
    session.add(claim)
    policies.record_change(session, policy, action="claim_notified", actor=policies.actor_of(principal),
                           reason=description[:200], changes={"claim_id": claim.id, "claimed_fen": claimed_fen})
    await session.flush()
    return claim


async def load(session: AsyncSession, *, principal: Principal, claim_id: str) -> Claim:
    claim = await repository.get_claim(session, claim_id)
    if claim is None:
        raise NotFound(f"no claim {claim_id}")
    await policies.load_policy(session, principal=principal, policy_id=claim.policy_id)
    return claim


async def _insurer_claim(session: AsyncSession, principal: Principal, claim_id: str) -> Claim:
    claim = await load(session, principal=principal, claim_id=claim_id)
    if principal.role is not Role.ADMIN and not (principal.role is Role.INSURER and principal.org == claim.insurer_id):
        raise Forbidden("the insurer assesses and settles its claims")
    return claim


async def assess(session: AsyncSession, *, principal: Principal, claim_id: str, assessed_fen: int,
                 note: str | None) -> Claim:
    claim = await _insurer_claim(session, principal, claim_id)
    policy = await repository.get_policy(session, claim.policy_id)
    assert policy is not None
    if assessed_fen < 0 or assessed_fen > claim_limit(policy.limit_per_person_fen, claim.injured, claim.dead):
        raise ValidationProblem("the assessed amount must be within the policy's limits", field="assessed_fen")
    _move(claim, "ASSESSED")
    claim.assessed_fen, claim.decision_note = assessed_fen, note
    await session.flush()
    return claim


async def decide(session: AsyncSession, *, principal: Principal, claim_id: str, pay: bool,
                 note: str | None) -> Claim:
    claim = await _insurer_claim(session, principal, claim_id)
    if pay:
        _move(claim, "PAID")
        claim.paid_fen = claim.assessed_fen
    else:
        _move(claim, "DENIED")
    claim.decision_note = note or claim.decision_note
    policy = await repository.get_policy(session, claim.policy_id)
    assert policy is not None
    policies.record_change(session, policy, action="claim_paid" if pay else "claim_denied",
                           actor=policies.actor_of(principal), reason=note,
                           changes={"claim_id": claim.id, "paid_fen": claim.paid_fen})
    await session.flush()
    if pay:
        events.publish(session, events.CLAIM_SETTLED, {
            "claim_id": claim.id, "number": claim.number, "policy_id": claim.policy_id,
            "enterprise_id": claim.enterprise_id, "insurer_id": claim.insurer_id, "amount_fen": claim.paid_fen,
            "accident_date": claim.accident_date.isoformat(), "injured": claim.injured, "dead": claim.dead})
    return claim
