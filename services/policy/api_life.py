"""HTTP routes of the policy after activation: cancel, renew, endorse, refunds, claims."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from services.kernel.auth import Principal, Role, allow
from services.kernel.idempotency import IdempotencyKey
from services.kernel.paging import Page, PageParams, page_params, paginate
from services.kernel.runtime import Runtime, Session
from services.policy import claims, lifecycle, payments, repository
from services.policy.api_policies import policy_dict
from services.policy.models import Claim, IdempotencyRecord
from services.policy.schemas import (
    AssessIn,
    CancelIn,
    CancellationQuoteOut,
    ClaimIn,
    ClaimOut,
    ConfirmOfflineIn,
    DecisionIn,
    EndorseIn,
    EndorsementQuoteOut,
    PolicyOut,
    RefundOut,
)

router = APIRouter(prefix="/v1")
Paging = Annotated[PageParams, Depends(page_params)]
PARTIES = (Role.ENTERPRISE, Role.INSURER)


@router.post("/policies/{policy_id}/cancel", response_model=PolicyOut, tags=["policies"])
async def cancel_policy(policy_id: str, body: CancelIn, session: Session, idem: IdempotencyKey, runtime: Runtime,
                        principal: Principal = allow(*PARTIES)) -> Any:
    """Pro-rata refund of the unused days; compulsory industries only when closed or stopped; refused while
    insurer-funded bookings are open."""
    if (replayed := await idem.replay(session, IdempotencyRecord)) is not None:
        return replayed
    policy = await lifecycle.cancel(session, principal=principal, policy_id=policy_id, reason=body.reason,
                                    reason_code=body.reason_code, stripe=runtime.state.get("stripe"))
    return await idem.remember(session, IdempotencyRecord, policy_dict(policy))


@router.get("/policies/{policy_id}/cancellation-quote", response_model=CancellationQuoteOut, tags=["policies"])
async def cancellation_quote(policy_id: str, session: Session, principal: Principal = allow(*PARTIES)) -> Any:
    """What cancelling today would do (refund, budget kept, allowed reason codes, what blocks it), computed by
    the same code as the cancellation; changes nothing."""
    return asdict(await lifecycle.cancellation_quote(session, principal=principal, policy_id=policy_id))


@router.post("/policies/{policy_id}/renew", status_code=201, response_model=PolicyOut, tags=["policies"])
async def renew_policy(policy_id: str, session: Session, idem: IdempotencyKey, runtime: Runtime,
                       principal: Principal = allow(*PARTIES)) -> Any:
    """The successor (PENDING_PAYMENT) priced from claims and the hazard record; its factors say how."""
    if (replayed := await idem.replay(session, IdempotencyRecord)) is not None:
        return replayed
    policy = await lifecycle.renew(session, principal=principal, policy_id=policy_id,
                                   quote_valid_days=runtime.settings.quote_valid_days,
                                   regional_floors=runtime.settings.regional_limit_floors_fen)
    return await idem.remember(session, IdempotencyRecord, policy_dict(policy), 201)


@router.post("/policies/{policy_id}/endorsements", response_model=PolicyOut, tags=["policies"])
async def endorse(policy_id: str, body: EndorseIn, session: Session, idem: IdempotencyKey, runtime: Runtime,
                  principal: Principal = allow(*PARTIES)) -> Any:
    """New headcount from a date: the pro-rata difference is charged (a transfer to confirm) or refunded."""
    if (replayed := await idem.replay(session, IdempotencyRecord)) is not None:
        return replayed
    policy = await lifecycle.endorse_headcount(session, principal=principal, policy_id=policy_id,
                                               headcount=body.headcount, effective_date=body.effective_date,
                                               stripe=runtime.state.get("stripe"))
    return await idem.remember(session, IdempotencyRecord, policy_dict(policy))


@router.get("/policies/{policy_id}/endorsement-quote", response_model=EndorsementQuoteOut, tags=["policies"])
async def endorsement_quote(policy_id: str, session: Session, headcount: Annotated[int, Query(le=1_000_000)],
                            effective_date: date, principal: Principal = allow(*PARTIES)) -> Any:
    """What this headcount from this date would do (old and new premium and budget, the difference, a transfer or
    a refund), computed by the same code as the endorsement and refused for the same reasons; changes nothing."""
    quote = await lifecycle.endorsement_quote(session, principal=principal, policy_id=policy_id,
                                              headcount=headcount, effective_date=effective_date)
    return {**asdict(quote), "settlement": quote.settlement}


@router.get("/policies/{policy_id}/refunds", response_model=list[RefundOut], tags=["payments"])
async def policy_refunds(policy_id: str, session: Session, principal: Principal = allow(*PARTIES)) -> Any:
    from services.policy import policies

    await policies.load_policy(session, principal=principal, policy_id=policy_id)
    paid = {p.id: p for p in await repository.payments_of(session, policy_id)}
    return [payments.refund_out(r, paid[r.payment_id]) for r in await repository.refunds_of(session, list(paid))]


@router.post("/refunds/{refund_id}/confirm-offline", response_model=RefundOut, tags=["payments"])
async def confirm_refund(refund_id: str, body: ConfirmOfflineIn, session: Session,
                         principal: Principal = allow(Role.INSURER)) -> Any:
    """The insurer sent a refund by bank transfer."""
    refund = await payments.confirm_refund_offline(session, principal=principal, refund_id=refund_id,
                                                   bank_reference=body.reference)
    payment = await repository.get_payment(session, refund.payment_id)
    assert payment is not None
    return payments.refund_out(refund, payment)


# ---------------------------------------------------------------- claims


@router.post("/policies/{policy_id}/claims", status_code=201, response_model=ClaimOut, tags=["claims"])
async def notify_claim(policy_id: str, body: ClaimIn, session: Session, idem: IdempotencyKey,
                       principal: Principal = allow(*PARTIES)) -> Any:
    """An accident notified on a policy that covered its day."""
    if (replayed := await idem.replay(session, IdempotencyRecord)) is not None:
        return replayed
    claim = await claims.notify(session, principal=principal, policy_id=policy_id, **body.model_dump())
    return await idem.remember(session, IdempotencyRecord, ClaimOut.model_validate(claim), 201)


@router.get("/claims", response_model=Page[ClaimOut], tags=["claims"])
async def list_claims(session: Session, paging: Paging, policy_id: str | None = None, status: str | None = None,
                      principal: Principal = allow(Role.ENTERPRISE, Role.INSURER, Role.BUREAU)) -> Any:
    stmt = repository.claim_query(principal, policy_id=policy_id, status=status)
    rows, cursor, total = await paginate(session, stmt, Claim.id, paging)
    return {"items": rows, "next_cursor": cursor, "total": total}


@router.get("/claims/{claim_id}", response_model=ClaimOut, tags=["claims"])
async def get_claim(claim_id: str, session: Session,
                    principal: Principal = allow(Role.ENTERPRISE, Role.INSURER, Role.BUREAU)) -> Any:
    return await claims.load(session, principal=principal, claim_id=claim_id)


@router.post("/claims/{claim_id}/assessment", response_model=ClaimOut, tags=["claims"])
async def assess_claim(claim_id: str, body: AssessIn, session: Session,
                       principal: Principal = allow(Role.INSURER)) -> Any:
    return await claims.assess(session, principal=principal, claim_id=claim_id, assessed_fen=body.assessed_fen,
                               note=body.note)


@router.post("/claims/{claim_id}/decision", response_model=ClaimOut, tags=["claims"])
async def decide_claim(claim_id: str, body: DecisionIn, session: Session,
                       principal: Principal = allow(Role.INSURER)) -> Any:
    """PAY settles the assessed amount and publishes ``policy.claim.settled``; DENY closes the claim."""
    return await claims.decide(session, principal=principal, claim_id=claim_id, pay=body.decision == "PAY",
                               note=body.note)
