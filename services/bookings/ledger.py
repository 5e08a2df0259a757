"""The prevention-fee ledger of each policy: budget from policy events, then reservations, spend,
releases and adjustments, line by line. Totals move only through guarded UPDATEs (repository)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.bookings import repository
from services.bookings.errors import InsufficientBudget
from services.bookings.models import LedgerEntry, PolicyLedger
from services.kernel.errors import InvalidState
from services.kernel.ids import new_id


def _entry(session: AsyncSession, *, policy_id: str, kind: str, amount_fen: int, now: datetime,
           booking_id: str | None = None, note: str | None = None) -> None:
    session.add(LedgerEntry(id=new_id("lde"), policy_id=policy_id, kind=kind, amount_fen=amount_fen,
                            booking_id=booking_id, note=note, created_at=now))


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else None


async def open_budget(session: AsyncSession, *, payload: dict[str, Any], now: datetime) -> PolicyLedger | None:
    """A policy became active (or was renewed): its ledger opens with the prevention budget."""
    policy_id = payload["policy_id"]
    if await repository.get_ledger(session, policy_id) is not None:
        return None
    budget = int(payload.get("prevention_budget_fen") or 0)
    ledger = PolicyLedger(
        policy_id=policy_id, number=payload.get("number"), enterprise_id=payload["enterprise_id"],
        insurer_id=payload["insurer_id"], product_id=payload.get("product_id"), town_code=payload.get("town_code"),
        status="ACTIVE", risk_color=payload.get("risk_color"), headcount=payload.get("headcount"),
        premium_fen=int(payload.get("premium_fen") or 0), start_date=_date(payload.get("start_date")),
        end_date=_date(payload.get("end_date")), budget_fen=budget, reserved_fen=0, spent_fen=0,
        created_at=now, updated_at=now)
    session.add(ledger)
    _entry(session, policy_id=policy_id, kind="BUDGET", amount_fen=budget, now=now,
           note=f"prevention budget of policy {payload.get('number') or policy_id}")
    await session.flush()
    return ledger


async def set_budget(session: AsyncSession, *, policy_id: str, budget_fen: int, now: datetime, reason: str) -> None:
    """Endorsement or cancellation: the budget becomes ``budget_fen``, never below what is already
    committed (reserved + spent); the difference is one ADJUSTMENT line."""
    ledger = await repository.get_ledger(session, policy_id, for_update=True)
    if ledger is None:
        return
    committed = ledger.reserved_fen + ledger.spent_fen
    new_budget = max(int(budget_fen), committed)
    delta = new_budget - ledger.budget_fen
    note = reason if new_budget == budget_fen else f"{reason}; kept at the {committed} fen already committed"
    ledger.budget_fen = new_budget
    ledger.updated_at = now
    if delta:
        _entry(session, policy_id=policy_id, kind="ADJUSTMENT", amount_fen=delta, now=now, note=note)
    await session.flush()


async def reserve(session: AsyncSession, *, policy_id: str, booking_id: str, amount_fen: int, now: datetime) -> None:
    if not await repository.try_reserve(session, policy_id, amount_fen, now):
        ledger = await repository.get_ledger(session, policy_id)
        if ledger is not None:
            await session.refresh(ledger)
        if ledger is None or ledger.status != "ACTIVE":
            raise InvalidState("the policy is not active", field="policy_id")
        available = ledger.budget_fen - ledger.reserved_fen - ledger.spent_fen
        raise InsufficientBudget(f"the prevention budget has {available} fen left and the visit costs {amount_fen} fen",
                                 field="policy_id")
    _entry(session, policy_id=policy_id, kind="RESERVATION", amount_fen=amount_fen, now=now, booking_id=booking_id)


async def spend(session: AsyncSession, *, policy_id: str, booking_id: str, amount_fen: int, now: datetime) -> None:
    if not await repository.move_reservation(session, policy_id, amount_fen, to_spent=True, now=now):
        raise InvalidState("the visit's reservation is no longer on the ledger")
    _entry(session, policy_id=policy_id, kind="SPEND", amount_fen=amount_fen, now=now, booking_id=booking_id,
           note="service record filed")


async def release(session: AsyncSession, *, policy_id: str, booking_id: str, amount_fen: int, now: datetime,
                  note: str) -> None:
    if await repository.move_reservation(session, policy_id, amount_fen, to_spent=False, now=now):
        _entry(session, policy_id=policy_id, kind="RELEASE", amount_fen=amount_fen, now=now, booking_id=booking_id,
               note=note)


def available(ledger: PolicyLedger) -> int:
    return ledger.budget_fen - ledger.reserved_fen - ledger.spent_fen
