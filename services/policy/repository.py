"""Every query of the policy service (services call these; nothing else touches the session's SQL)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Select, and_, case, delete, exists, false, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement

from services.kernel import scope
from services.kernel.auth import Principal, Role
from services.kernel.db import utcnow
from services.policy.models import (
    BookingRecord,
    Claim,
    Counter,
    Enterprise,
    EnterpriseFactChange,
    EnterpriseTag,
    HazardRecord,
    Insurer,
    Payment,
    Policy,
    PolicyChange,
    Product,
    Quote,
    Refund,
    Region,
    StripeEvent,
)
from services.policy.regions import RegionSeed

# ---------------------------------------------------------------- regions


async def count_regions(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Region)) or 0)


async def upsert_regions(session: AsyncSession, rows: Sequence[RegionSeed]) -> int:
    """Insert the rows whose code is not there yet; returns how many were added."""
    known = set((await session.scalars(select(Region.code))).all())
    new = [r for r in rows if r.code not in known]
    if new:
        await session.execute(insert(Region), [
            {"code": r.code, "name": r.name, "level": r.level, "parent_code": r.parent_code, "kind": r.kind,
             "verified": r.verified} for r in new])
    return len(new)


async def list_regions(session: AsyncSession, parent_code: str | None) -> list[Region]:
    stmt = select(Region).order_by(Region.code)
    stmt = stmt.where(Region.parent_code == parent_code) if parent_code else stmt.where(Region.level == "CITY")
    return list((await session.scalars(stmt)).all())


async def get_region(session: AsyncSession, code: str) -> Region | None:
    return await session.get(Region, code)


async def regions_by_level(session: AsyncSession, level: str, under: str) -> list[Region]:
    return list((await session.scalars(
        select(Region).where(Region.level == level, Region.code.startswith(under)).order_by(Region.code))).all())


async def region_ancestors(session: AsyncSession, code: str) -> list[str]:
    """The codes above ``code`` in the catalogue, outermost first (a town's city, a city's province)."""
    chain: list[str] = []
    region = await session.get(Region, code)
    while region is not None and region.parent_code and region.parent_code not in chain and len(chain) < 10:
        chain.insert(0, region.parent_code)
        region = await session.get(Region, region.parent_code)
    return chain


async def region_names(session: AsyncSession, codes: Sequence[str]) -> dict[str, str]:
    if not codes:
        return {}
    rows = await session.execute(select(Region.code, Region.name).where(Region.code.in_(list(codes))))
    return {code: name for code, name in rows.all()}


# ---------------------------------------------------------------- counters


async def next_number(session: AsyncSession, series: str) -> int:
    """The next value of a numbering series, taken under the row's lock in the business transaction."""
    value = await session.scalar(
        update(Counter).where(Counter.name == series).values(value=Counter.value + 1).returning(Counter.value))
    if value is None:
        session.add(Counter(name=series, value=1))
        await session.flush()
        return 1
    return int(value)


# ---------------------------------------------------------------- enterprises


def cover_condition(as_of: date, insurer_id: str | None = None) -> ColumnElement[bool]:
    """A policy covers its firm on ``as_of``: activated, its term contains the day, not yet cancelled."""
    cond = and_(Policy.activated_at.is_not(None), Policy.start_date <= as_of, Policy.end_date >= as_of,
                or_(Policy.cancelled_on.is_(None), Policy.cancelled_on > as_of))
    if insurer_id:
        cond = and_(cond, Policy.insurer_id == insurer_id)
    return cond


def insured_exists(as_of: date) -> ColumnElement[bool]:
    return exists().where(Policy.enterprise_id == Enterprise.id, cover_condition(as_of))


async def get_enterprise(session: AsyncSession, enterprise_id: str) -> Enterprise | None:
    return await session.get(Enterprise, enterprise_id)


async def get_enterprise_by_uscc(session: AsyncSession, uscc: str) -> Enterprise | None:
    return await session.scalar(select(Enterprise).where(Enterprise.uscc == uscc))


async def usccs_present(session: AsyncSession, usccs: Sequence[str]) -> dict[str, Enterprise]:
    out: dict[str, Enterprise] = {}
    chunk = list(usccs)
    for i in range(0, len(chunk), 1000):
        rows = await session.scalars(select(Enterprise).where(Enterprise.uscc.in_(chunk[i:i + 1000])))
        out.update({e.uscc: e for e in rows})
    return out


async def set_tags(session: AsyncSession, enterprise_id: str, tags: Sequence[str]) -> None:
    await session.execute(delete(EnterpriseTag).where(EnterpriseTag.enterprise_id == enterprise_id))
    if tags:
        await session.execute(insert(EnterpriseTag), [{"enterprise_id": enterprise_id, "tag": t} for t in tags])


def in_book_of(insurer_id: str | None) -> ColumnElement[bool]:
    """The firm is in the insurer's book: it has a policy or a quote with it (any status)."""
    insurer = insurer_id or "\x00"
    return or_(exists().where(Policy.enterprise_id == Enterprise.id, Policy.insurer_id == insurer),
               exists().where(Quote.enterprise_id == Enterprise.id, Quote.insurer_id == insurer))


async def is_in_book(session: AsyncSession, insurer_id: str | None, enterprise_id: str) -> bool:
    return bool(await session.scalar(select(Enterprise.id).where(Enterprise.id == enterprise_id,
                                                                 in_book_of(insurer_id))))


async def has_open_policy(session: AsyncSession, enterprise_id: str) -> bool:
    """The firm is insured or about to be: a policy ACTIVE or PENDING_PAYMENT."""
    return bool(await session.scalar(select(func.count()).select_from(Policy).where(
        Policy.enterprise_id == enterprise_id, Policy.status.in_(("ACTIVE", "PENDING_PAYMENT")))))


async def fact_changes(session: AsyncSession, enterprise_id: str) -> list[EnterpriseFactChange]:
    """The history of a firm's regulated facts, the newest first."""
    return list((await session.scalars(select(EnterpriseFactChange).where(
        EnterpriseFactChange.enterprise_id == enterprise_id).order_by(EnterpriseFactChange.at.desc(),
                                                                      EnterpriseFactChange.id.desc()))).all())


def enterprise_query(principal: Principal, *, ids: Sequence[str] | None = None, town_code: str | None = None,
                     village_code: str | None = None, park: str | None = None, in_park: bool | None = None,
                     size_class: str | None = None, insured: bool | None = None, high_risk_tag: str | None = None,
                     search: str | None = None, as_of: date) -> Select[Any]:
    stmt = select(Enterprise)
    if principal.role is Role.ENTERPRISE:
        stmt = stmt.where(Enterprise.id == (principal.org or ""))
    elif principal.role is Role.BUREAU:
        stmt = stmt.where(scope.region_filter(principal, Enterprise.town_code))
    elif principal.role is Role.INSURER:
        stmt = stmt.where(in_book_of(principal.org))
    elif principal.role in (Role.AGENCY, Role.EXPERT):
        stmt = stmt.where(booked_with(principal))
    elif principal.role is not Role.ADMIN:
        stmt = stmt.where(false())
    if ids:
        stmt = stmt.where(Enterprise.id.in_(list(ids)))
    if town_code:
        stmt = stmt.where(Enterprise.town_code == town_code)
    if village_code:
        stmt = stmt.where(Enterprise.village_code == village_code)
    if park:
        stmt = stmt.where(or_(Enterprise.park_code == park, Enterprise.park_name == park))
    if in_park is not None:
        stmt = stmt.where(Enterprise.park_code.is_not(None) if in_park else Enterprise.park_code.is_(None))
    if size_class:
        stmt = stmt.where(Enterprise.size_class == size_class)
    if insured is not None:
        stmt = stmt.where(insured_exists(as_of) if insured else ~insured_exists(as_of))
    if high_risk_tag:
        stmt = stmt.where(exists().where(EnterpriseTag.enterprise_id == Enterprise.id,
                                         EnterpriseTag.tag == high_risk_tag))
    if search:
        like = f"%{search}%"
        stmt = stmt.where(or_(Enterprise.name.like(like), Enterprise.uscc.like(like)))
    return stmt


async def compulsory_cover_history(session: AsyncSession, region_code: str) -> list[tuple[Enterprise, Policy]]:
    """Every policy that took effect of the operating compulsory firms of a region, with its firm (the cover
    lapse list works out from these which firms are uncovered today and since when)."""
    rows = await session.execute(
        select(Enterprise, Policy).join(Policy, Policy.enterprise_id == Enterprise.id).where(
            Enterprise.compulsory.is_(True), Enterprise.operating_status == "OPERATING",
            Enterprise.town_code.startswith(region_code), Policy.activated_at.is_not(None))
        .order_by(Enterprise.id, Policy.end_date))
    return [(e, p) for e, p in rows.all()]


async def covered_from(session: AsyncSession, enterprise_ids: Sequence[str], as_of: date) -> dict[str, date]:
    """For firms not covered on ``as_of``: the first day of cover already paid for that starts later."""
    if not enterprise_ids:
        return {}
    rows = await session.execute(select(Policy.enterprise_id, func.min(Policy.start_date)).where(
        Policy.enterprise_id.in_(list(enterprise_ids)), Policy.activated_at.is_not(None),
        Policy.status == "ACTIVE", Policy.start_date > as_of).group_by(Policy.enterprise_id))
    return {firm: start for firm, start in rows.all()}


async def overlapping_policies(session: AsyncSession, enterprise_id: str, start: date, end: date) -> list[Policy]:
    """The firm's policies, unpaid or in force, whose term shares a day with [start, end]."""
    return list((await session.scalars(select(Policy).where(
        Policy.enterprise_id == enterprise_id, Policy.status.in_(("PENDING_PAYMENT", "ACTIVE")),
        Policy.start_date <= end, Policy.end_date >= start,
        or_(Policy.cancelled_on.is_(None), Policy.cancelled_on > start)).order_by(Policy.start_date))).all())


async def insured_ids(session: AsyncSession, enterprise_ids: Sequence[str], as_of: date) -> set[str]:
    if not enterprise_ids:
        return set()
    rows = await session.scalars(select(Policy.enterprise_id).distinct().where(
        Policy.enterprise_id.in_(list(enterprise_ids)), cover_condition(as_of)))
    return set(rows.all())


# ---------------------------------------------------------------- insurers and products


async def get_insurer(session: AsyncSession, insurer_id: str) -> Insurer | None:
    return await session.get(Insurer, insurer_id)


async def get_insurer_by_name(session: AsyncSession, name: str) -> Insurer | None:
    return await session.scalar(select(Insurer).where(Insurer.name == name))


def insurer_query(ids: Sequence[str] | None) -> Select[Any]:
    stmt = select(Insurer)
    return stmt.where(Insurer.id.in_(list(ids))) if ids else stmt


async def get_product(session: AsyncSession, product_id: str) -> Product | None:
    return await session.get(Product, product_id)


async def list_products(session: AsyncSession, *, insurer_id: str | None, ids: Sequence[str] | None) -> list[Product]:
    stmt = select(Product).where(Product.active.is_(True)).order_by(Product.id)
    if insurer_id:
        stmt = stmt.where(Product.insurer_id == insurer_id)
    if ids:
        stmt = stmt.where(Product.id.in_(list(ids)))
    return list((await session.scalars(stmt)).all())


# ---------------------------------------------------------------- quotes, policies, payments


async def get_quote(session: AsyncSession, quote_id: str) -> Quote | None:
    return await session.get(Quote, quote_id)


async def get_policy(session: AsyncSession, policy_id: str, *, lock: bool = False) -> Policy | None:
    if lock:
        return await session.scalar(select(Policy).where(Policy.id == policy_id).with_for_update())
    return await session.get(Policy, policy_id)


def policy_query(principal: Principal, *, ids: Sequence[str] | None = None, status: str | None = None,
                 enterprise_id: str | None = None, insurer_id: str | None = None,
                 ending_between: tuple[date, date] | None = None,
                 enterprise_ids: Sequence[str] | None = None, without_successor: bool = False) -> Select[Any]:
    stmt = select(Policy)
    if without_successor:
        successor = aliased(Policy)
        stmt = stmt.where(~exists().where(successor.predecessor_id == Policy.id, successor.status != "CANCELLED"))
    if principal.role is Role.ENTERPRISE:
        stmt = stmt.where(Policy.enterprise_id == (principal.org or ""))
    elif principal.role is Role.INSURER:
        stmt = stmt.where(Policy.insurer_id == (principal.org or ""))
    elif principal.role is Role.BUREAU:
        stmt = stmt.where(Policy.enterprise_id.in_(
            select(Enterprise.id).where(scope.region_filter(principal, Enterprise.town_code))))
    if ids:
        stmt = stmt.where(Policy.id.in_(list(ids)))
    if status:
        stmt = stmt.where(Policy.status == status)
    if enterprise_id:
        stmt = stmt.where(Policy.enterprise_id == enterprise_id)
    if enterprise_ids:
        stmt = stmt.where(Policy.enterprise_id.in_(list(enterprise_ids)))
    if insurer_id:
        stmt = stmt.where(Policy.insurer_id == insurer_id)
    if ending_between:
        stmt = stmt.where(Policy.end_date >= ending_between[0], Policy.end_date <= ending_between[1])
    return stmt


async def policies_of(session: AsyncSession, enterprise_id: str) -> list[Policy]:
    return list((await session.scalars(
        select(Policy).where(Policy.enterprise_id == enterprise_id).order_by(Policy.start_date))).all())


async def policy_history(session: AsyncSession, policy_id: str) -> list[PolicyChange]:
    return list((await session.scalars(
        select(PolicyChange).where(PolicyChange.policy_id == policy_id).order_by(PolicyChange.at,
                                                                                 PolicyChange.id))).all())


async def get_payment(session: AsyncSession, payment_id: str, *, lock: bool = False) -> Payment | None:
    if lock:
        return await session.scalar(select(Payment).where(Payment.id == payment_id).with_for_update())
    return await session.get(Payment, payment_id)


async def get_payment_by_intent(session: AsyncSession, intent_id: str) -> Payment | None:
    return await session.scalar(select(Payment).where(Payment.stripe_payment_intent_id == intent_id))


async def payments_of(session: AsyncSession, policy_id: str) -> list[Payment]:
    return list((await session.scalars(
        select(Payment).where(Payment.policy_id == policy_id).order_by(Payment.created_at))).all())


async def open_payment(session: AsyncSession, policy_id: str, purpose: str = "PREMIUM") -> Payment | None:
    return await session.scalar(select(Payment).where(
        Payment.policy_id == policy_id, Payment.purpose == purpose, Payment.status == "PENDING"))


def payment_query(principal: Principal, *, status: str | None, method: str | None,
                  created_before: Any | None, policy_ids: list[str] | None = None) -> Select[Any]:
    stmt = select(Payment)
    if policy_ids is not None:
        stmt = stmt.where(Payment.policy_id.in_(policy_ids))
    if principal.role is Role.ENTERPRISE:
        stmt = stmt.where(Payment.enterprise_id == (principal.org or ""))
    elif principal.role is Role.INSURER:
        stmt = stmt.where(Payment.insurer_id == (principal.org or ""))
    if status:
        stmt = stmt.where(Payment.status == status)
    if method:
        stmt = stmt.where(Payment.method == method)
    if created_before is not None:
        stmt = stmt.where(Payment.created_at < created_before)
    return stmt


# ---------------------------------------------------------------- the record that renewal prices from


async def claims_record(session: AsyncSession, enterprise_id: str) -> tuple[int, int]:
    """(settled claims, deaths in them) of a firm: paid claims only."""
    row = (await session.execute(select(func.count(), func.coalesce(func.sum(Claim.dead), 0)).where(
        Claim.enterprise_id == enterprise_id, Claim.status == "PAID"))).one()
    return int(row[0]), int(row[1])


async def hazard_record(session: AsyncSession, enterprise_id: str) -> tuple[int, int]:
    """(closed, overdue) hazards of a firm as learnt from bookings events."""
    flag_closed = case((HazardRecord.status == "CLOSED", 1), else_=0)
    flag_overdue = case((HazardRecord.status == "OVERDUE", 1), else_=0)
    row = (await session.execute(select(func.coalesce(func.sum(flag_closed), 0),
                                        func.coalesce(func.sum(flag_overdue), 0))
                                 .where(HazardRecord.enterprise_id == enterprise_id))).one()
    return int(row[0]), int(row[1])


async def open_insurer_funded_bookings(session: AsyncSession, policy_id: str) -> int:
    return int(await session.scalar(select(func.count()).select_from(BookingRecord).where(
        BookingRecord.policy_id == policy_id, BookingRecord.funding == "INSURER",
        BookingRecord.status.in_(OPEN_BOOKING_STATUSES))) or 0)


OPEN_BOOKING_STATUSES = ("REQUESTED", "CONFIRMED", "CHECKED_IN")


def booked_with(principal: Principal) -> ColumnElement[bool]:
    """The firm has a booking (not cancelled) with the agency, or assigned to the expert, asking."""
    conditions = [BookingRecord.enterprise_id == Enterprise.id, BookingRecord.status != "CANCELLED",
                  BookingRecord.agency_id == (principal.org or "\x00")]
    if principal.role is Role.EXPERT:
        conditions.append(BookingRecord.expert_id == (principal.expert or "\x00"))
    return exists().where(*conditions)


async def is_booked_with(session: AsyncSession, principal: Principal, enterprise_id: str) -> bool:
    return bool(await session.scalar(select(Enterprise.id).where(Enterprise.id == enterprise_id,
                                                                 booked_with(principal))))


async def successor_of(session: AsyncSession, policy_id: str) -> Policy | None:
    return await session.scalar(select(Policy).where(Policy.predecessor_id == policy_id,
                                                     Policy.status != "CANCELLED").limit(1))


async def pending_successors(session: AsyncSession, policy_ids: Sequence[str]) -> set[str]:
    """Of these policies, the ones whose renewal is bound but not paid yet (one query for a whole list)."""
    if not policy_ids:
        return set()
    rows = await session.scalars(select(Policy.predecessor_id).where(Policy.predecessor_id.in_(list(policy_ids)),
                                                                     Policy.status == "PENDING_PAYMENT"))
    return {str(pid) for pid in rows}


async def policies_ended_before(session: AsyncSession, on: date, batch: int) -> list[Policy]:
    stmt = (select(Policy).where(Policy.status == "ACTIVE", Policy.end_date < on)
            .order_by(Policy.end_date, Policy.id).limit(batch))
    if session.bind is not None and session.bind.dialect.name != "sqlite":
        stmt = stmt.with_for_update(skip_locked=True)
    return list((await session.scalars(stmt)).all())


async def pending_payments(session: AsyncSession, policy_id: str, purpose: str) -> list[Payment]:
    return list((await session.scalars(select(Payment).where(
        Payment.policy_id == policy_id, Payment.purpose == purpose, Payment.status == "PENDING")
        .order_by(Payment.created_at))).all())


async def collected_fen(session: AsyncSession, policy_id: str) -> int:
    """The premium actually received for a policy: its payments whose money came in, less what went back."""
    total = await session.scalar(select(func.coalesce(func.sum(Payment.amount_fen - Payment.refunded_fen), 0)).where(
        Payment.policy_id == policy_id, Payment.status.in_(("SUCCEEDED", "PARTIALLY_REFUNDED", "REFUNDED"))))
    return int(total or 0)


async def refundable_payments(session: AsyncSession, policy_id: str) -> list[Payment]:
    """Succeeded payments of a policy with money left to refund, the latest first."""
    return list((await session.scalars(select(Payment).where(
        Payment.policy_id == policy_id, Payment.status.in_(("SUCCEEDED", "PARTIALLY_REFUNDED")),
        Payment.amount_fen > Payment.refunded_fen).order_by(Payment.created_at.desc()))).all())


async def refunds_of(session: AsyncSession, payment_ids: Sequence[str]) -> list[Refund]:
    if not payment_ids:
        return []
    return list((await session.scalars(select(Refund).where(Refund.payment_id.in_(list(payment_ids)))
                                       .order_by(Refund.created_at))).all())


async def get_refund(session: AsyncSession, refund_id: str) -> Refund | None:
    return await session.get(Refund, refund_id)


async def get_refund_by_stripe_id(session: AsyncSession, stripe_refund_id: str) -> Refund | None:
    return await session.scalar(select(Refund).where(Refund.stripe_refund_id == stripe_refund_id))


async def unsent_stripe_refunds(session: AsyncSession, limit: int = 100) -> list[str]:
    """PENDING refunds of Stripe payments that Stripe has not been asked for yet, the oldest first."""
    return list((await session.scalars(select(Refund.id).join(Payment, Payment.id == Refund.payment_id).where(
        Refund.status == "PENDING", Refund.stripe_refund_id.is_(None),
        Payment.stripe_payment_intent_id.is_not(None)).order_by(Refund.created_at).limit(limit))).all())


async def pending_refund_sum(session: AsyncSession, payment_id: str) -> int:
    return int(await session.scalar(select(func.coalesce(func.sum(Refund.amount_fen), 0)).where(
        Refund.payment_id == payment_id, Refund.status == "PENDING")) or 0)


async def get_claim(session: AsyncSession, claim_id: str) -> Claim | None:
    return await session.get(Claim, claim_id)


def claim_query(principal: Principal, *, policy_id: str | None, status: str | None) -> Select[Any]:
    stmt = select(Claim)
    if principal.role is Role.ENTERPRISE:
        stmt = stmt.where(Claim.enterprise_id == (principal.org or ""))
    elif principal.role is Role.INSURER:
        stmt = stmt.where(Claim.insurer_id == (principal.org or ""))
    elif principal.role is Role.BUREAU:
        stmt = stmt.where(Claim.enterprise_id.in_(
            select(Enterprise.id).where(scope.region_filter(principal, Enterprise.town_code))))
    if policy_id:
        stmt = stmt.where(Claim.policy_id == policy_id)
    if status:
        stmt = stmt.where(Claim.status == status)
    return stmt


async def get_booking_record(session: AsyncSession, booking_id: str) -> BookingRecord | None:
    return await session.get(BookingRecord, booking_id)


async def get_hazard_record(session: AsyncSession, hazard_id: str) -> HazardRecord | None:
    return await session.get(HazardRecord, hazard_id)


async def store_stripe_event(session: AsyncSession, *, event_id: str, type_: str, created: int,
                             payload: dict[str, Any]) -> bool:
    """INSERT … ON CONFLICT DO NOTHING on the event id: True only for the first delivery."""
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert  # type: ignore[assignment]
    stmt = dialect_insert(StripeEvent).values(id=event_id, type=type_, created=created, payload=payload,
                                              received_at=utcnow()).on_conflict_do_nothing(index_elements=["id"])
    result = await session.execute(stmt)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def mark_stripe_event_applied(session: AsyncSession, event_id: str) -> None:
    await session.execute(update(StripeEvent).where(StripeEvent.id == event_id).values(applied_at=utcnow()))


async def all_regions(session: AsyncSession) -> list[Region]:
    return list((await session.scalars(select(Region))).all())
