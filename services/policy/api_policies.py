"""HTTP routes of policies and payments: binding, reading, history, paying, confirming transfers."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from services.kernel.auth import Principal, Role, allow
from services.kernel.db import utcnow
from services.kernel.idempotency import IdempotencyKey
from services.kernel.paging import Page, PageParams, page_params, paginate
from services.kernel.runtime import Runtime, Session
from services.policy import certificate, lapses, payments, policies, repository
from services.policy.api import IdsQuery, id_list
from services.policy.dates import today
from services.policy.models import IdempotencyRecord, Payment, Policy
from services.policy.schemas import (
    ConfirmOfflineIn,
    CoverLapseOut,
    PaymentIn,
    PaymentOut,
    PolicyChangeOut,
    PolicyOut,
    PolicyStatus,
)

router = APIRouter(prefix="/v1")
Paging = Annotated[PageParams, Depends(page_params)]
READERS = (Role.ENTERPRISE, Role.INSURER, Role.BUREAU)


def policy_dict(p: Policy) -> dict[str, Any]:
    return PolicyOut.model_validate(p).model_dump(mode="json")


@router.post("/quotes/{quote_id}/bind", status_code=201, response_model=PolicyOut, tags=["policies"])
async def bind_quote(quote_id: str, session: Session, idem: IdempotencyKey,
                     principal: Principal = allow(Role.ENTERPRISE, Role.INSURER)) -> Any:
    """The quote becomes a policy PENDING_PAYMENT; an expired quote is INVALID_STATE."""
    if (replayed := await idem.replay(session, IdempotencyRecord)) is not None:
        return replayed
    policy = await policies.bind_quote(session, principal=principal, quote_id=quote_id)
    return await idem.remember(session, IdempotencyRecord, policy_dict(policy), 201)


@router.get("/policies", response_model=Page[PolicyOut], tags=["policies"])
async def list_policies(
    session: Session, paging: Paging, ids: IdsQuery = None, status: PolicyStatus | None = None,
    enterprise_id: str | None = None, insurer_id: str | None = None,
    enterprise_ids: Annotated[str | None, Query(description="comma-separated firm ids (batch read)")] = None,
    ending_within_days: Annotated[int | None, Query(ge=0, le=366)] = None,
    principal: Principal = allow(*READERS),
) -> Any:
    """``ending_within_days`` lists ACTIVE policies whose term ends within that many days (renewal list)."""
    ending = None
    if ending_within_days is not None:
        ending = (today(), today() + timedelta(days=ending_within_days))
        status = status or "ACTIVE"
    stmt = repository.policy_query(principal, ids=id_list(ids), status=status, enterprise_id=enterprise_id,
                                   insurer_id=insurer_id, ending_between=ending,
                                   enterprise_ids=id_list(enterprise_ids))
    rows, cursor, total = await paginate(session, stmt, Policy.id, paging)
    return {"items": [policy_dict(p) for p in rows], "next_cursor": cursor, "total": total}


@router.get("/lapses", response_model=list[CoverLapseOut], tags=["policies"])
async def cover_lapses(session: Session, region_code: str | None = None,
                       principal: Principal = allow(Role.BUREAU)) -> Any:
    """Operating compulsory firms whose cover ended without renewal, from the day after it ended, with the days
    uncovered (longest first): the bureau's region, or a part of it."""
    return [asdict(lapse) for lapse in await lapses.cover_lapses(session, principal=principal, on=today(),
                                                                  region_code=region_code)]


@router.get("/renewals", response_model=Page[PolicyOut], tags=["policies"])
async def renewals_due(session: Session, paging: Paging, runtime: Runtime,
                       principal: Principal = allow(Role.ENTERPRISE, Role.INSURER)) -> Any:
    """ACTIVE policies ending within the renewal window (``ANZE_POLICY_RENEWAL_WINDOW_DAYS``, 30) without a
    live successor yet: the insurer's book, or the firm's own."""
    window = (today(), today() + timedelta(days=runtime.settings.renewal_window_days))
    stmt = repository.policy_query(principal, status="ACTIVE", ending_between=window, without_successor=True)
    rows, cursor, total = await paginate(session, stmt, Policy.id, paging)
    return {"items": [policy_dict(p) for p in rows], "next_cursor": cursor, "total": total}


@router.get("/policies/{policy_id}", response_model=PolicyOut, tags=["policies"])
async def get_policy(policy_id: str, session: Session, principal: Principal = allow(*READERS)) -> Any:
    policy, _ = await policies.load_policy(session, principal=principal, policy_id=policy_id)
    return policy_dict(policy)


@router.get("/policies/{policy_id}/history", response_model=list[PolicyChangeOut], tags=["policies"])
async def policy_history(policy_id: str, session: Session, principal: Principal = allow(*READERS)) -> Any:
    """Every change: who, when, what and why."""
    await policies.load_policy(session, principal=principal, policy_id=policy_id)
    return await repository.policy_history(session, policy_id)


@router.get("/policies/{policy_id}/certificate.pdf", tags=["policies"], response_class=Response,
            responses={200: {"content": {"application/pdf": {}}},
                       409: {"description": "INVALID_STATE: the policy is awaiting payment or never took effect"}})
async def policy_certificate(policy_id: str, session: Session, runtime: Runtime,
                             principal: Principal = allow(*READERS)) -> Response:
    """The policy certificate (安全生产责任保险保险凭证) as a PDF, for a policy that took effect (ACTIVE, EXPIRED,
    or CANCELLED after it was paid; a cancelled one says so with its date)."""
    policy, firm = await policies.load_policy(session, principal=principal, policy_id=policy_id)
    pdf = await certificate.render(session, policy, firm, configured_font=runtime.settings.cjk_font)
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="policy-{policy.number}.pdf"',
        "Cache-Control": "private, no-store"})


# ---------------------------------------------------------------- payments


@router.post("/policies/{policy_id}/payments", status_code=201, response_model=PaymentOut, tags=["payments"])
async def start_payment(policy_id: str, body: PaymentIn, session: Session, idem: IdempotencyKey,
                        runtime: Runtime, principal: Principal = allow(Role.ENTERPRISE)) -> Any:
    """BANK_TRANSFER gives instructions and a reference; CARD, ALIPAY and WECHAT_PAY need Stripe configured
    (otherwise ``PAYMENT_METHOD_UNAVAILABLE``) and give a client secret."""
    if (replayed := await idem.replay(session, IdempotencyRecord)) is not None:
        return replayed
    payment = await payments.start_payment(session, principal=principal, policy_id=policy_id, method=body.method,
                                           stripe=runtime.state.get("stripe"))
    return await idem.remember(session, IdempotencyRecord, payments.payment_out(payment), 201)


@router.get("/policies/{policy_id}/payments", response_model=list[PaymentOut], tags=["payments"])
async def policy_payments(policy_id: str, session: Session,
                          principal: Principal = allow(Role.ENTERPRISE, Role.INSURER)) -> Any:
    await policies.load_policy(session, principal=principal, policy_id=policy_id)
    return [payments.payment_out(p) for p in await repository.payments_of(session, policy_id)]


@router.get("/payments", response_model=Page[PaymentOut], tags=["payments"])
async def list_payments(
    session: Session, paging: Paging, status: str | None = None, method: str | None = None,
    pending_for_days: Annotated[int | None, Query(ge=0, le=3650, description="PENDING for longer than N days")] = None,
    policy_ids: Annotated[str | None, Query(description="the payments of these policies (comma-separated, at most "
                                                        "500): the gateway's batch of Policy.payments")] = None,
    principal: Principal = allow(Role.ENTERPRISE, Role.INSURER),
) -> Any:
    """The caller's payments; an insurer's ``?pending_for_days=N`` lists transfers still awaited after N days."""
    before = None
    if pending_for_days is not None:
        status, before = "PENDING", utcnow() - timedelta(days=pending_for_days)
    stmt = repository.payment_query(principal, status=status, method=method, created_before=before,
                                    policy_ids=id_list(policy_ids))
    rows, cursor, total = await paginate(session, stmt, Payment.id, paging)
    return {"items": [payments.payment_out(p) for p in rows], "next_cursor": cursor, "total": total}


@router.get("/payments/awaited", response_model=Page[PaymentOut], tags=["payments"])
async def awaited_transfers(session: Session, paging: Paging, runtime: Runtime,
                            principal: Principal = allow(Role.INSURER)) -> Any:
    """Bank transfers still PENDING after ``ANZE_POLICY_PENDING_PAYMENT_ALERT_DAYS`` (7) days."""
    before = utcnow() - timedelta(days=runtime.settings.pending_payment_alert_days)
    stmt = repository.payment_query(principal, status="PENDING", method="BANK_TRANSFER", created_before=before)
    rows, cursor, total = await paginate(session, stmt, Payment.id, paging)
    return {"items": [payments.payment_out(p) for p in rows], "next_cursor": cursor, "total": total}


@router.get("/payments/{payment_id}", response_model=PaymentOut, tags=["payments"])
async def get_payment(payment_id: str, session: Session,
                      principal: Principal = allow(Role.ENTERPRISE, Role.INSURER)) -> Any:
    return payments.payment_out(await payments.get_payment(session, principal=principal, payment_id=payment_id))


@router.post("/payments/{payment_id}/confirm-offline", response_model=PaymentOut, tags=["payments"])
async def confirm_offline(payment_id: str, body: ConfirmOfflineIn, session: Session, idem: IdempotencyKey,
                          principal: Principal = allow(Role.INSURER)) -> Any:
    """The insurer saw the transfer arrive: the payment SUCCEEDS and the policy becomes ACTIVE."""
    if (replayed := await idem.replay(session, IdempotencyRecord)) is not None:
        return replayed
    payment = await payments.confirm_offline(session, principal=principal, payment_id=payment_id,
                                             bank_reference=body.reference)
    return await idem.remember(session, IdempotencyRecord, payments.payment_out(payment))
