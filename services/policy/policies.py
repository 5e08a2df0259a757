"""Quotes and the policy life: pricing a quote, binding it, the transition table, activation."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.auth import Principal, Role
from services.kernel.db import utcnow
from services.kernel.errors import Forbidden, InvalidState, NotFound, ProblemError, ValidationProblem
from services.kernel.ids import new_id
from services.policy import events, floors, repository
from services.policy.dates import term_end, today
from services.policy.models import Enterprise, Policy, PolicyChange, Product, Quote
from services.policy.pricing import RiskRecord, prevention_budget, price, risk_class
from services.policy.service import MAX_COMPULSORY_COMMISSION_BP, MIN_LIMIT_PER_PERSON_FEN

# The explicit transition table: (from, to) → the action that makes it.
TRANSITIONS: dict[tuple[str, str], str] = {
    ("PENDING_PAYMENT", "ACTIVE"): "activate",
    ("PENDING_PAYMENT", "CANCELLED"): "cancel",
    ("ACTIVE", "EXPIRED"): "expire",
    ("ACTIVE", "CANCELLED"): "cancel",
}
STATUS_LABELS = {"PENDING_PAYMENT": "待缴费", "ACTIVE": "有效", "EXPIRED": "已到期", "CANCELLED": "已退保"}
MAX_START_AHEAD_DAYS = 90


class CoverOverlaps(ProblemError):
    """The firm already has cover (unpaid or in force) with this insurer for some of the same days."""

    status, code = 409, "COVER_OVERLAPS"


async def overlapping_cover(session: AsyncSession, *, enterprise_id: str, insurer_id: str, start: date,
                            end: date) -> list[Policy]:
    """Refuse a second cover of the same firm by the same insurer for days it already has (COVER_OVERLAPS);
    the overlapping policies with other insurers, which the quote carries as a warning."""
    overlaps = await repository.overlapping_policies(session, enterprise_id, start, end)
    same = [p for p in overlaps if p.insurer_id == insurer_id]
    if same:
        p = same[0]
        raise CoverOverlaps(f"the firm already has policy {p.number} ({p.status}) with this insurer from "
                            f"{p.start_date.isoformat()} to {p.end_date.isoformat()}; cover for the same days "
                            "cannot be bought twice (pay or withdraw the unpaid one, or start after it ends)",
                            field="start_date")
    return [p for p in overlaps if p.insurer_id != insurer_id]


def overlap_rows(overlaps: list[Policy]) -> list[dict[str, Any]]:
    return [{"policy_id": p.id, "number": p.number, "insurer_id": p.insurer_id, "status": p.status,
             "start_date": p.start_date, "end_date": p.end_date} for p in overlaps]


def transition(session: AsyncSession, policy: Policy, to: str, *, actor: str, reason: str | None = None,
               changes: dict[str, Any] | None = None) -> None:
    """Apply one transition of the table, with its history row; anything else is INVALID_STATE."""
    action = TRANSITIONS.get((policy.status, to))
    if action is None:
        raise InvalidState(f"a policy that is {policy.status} cannot become {to} "
                           f"({STATUS_LABELS.get(policy.status)} → {STATUS_LABELS.get(to)} is not allowed)")
    record_change(session, policy, action=action, actor=actor, reason=reason, changes=changes or {},
                  from_status=policy.status, to_status=to)
    policy.status = to
    policy.updated_at = utcnow()


def record_change(session: AsyncSession, policy: Policy, *, action: str, actor: str, reason: str | None,
                  changes: dict[str, Any], from_status: str | None = None, to_status: str | None = None) -> str:
    """The change in the policy's history; its id."""
    change_id = new_id("chg")
    session.add(PolicyChange(id=change_id, policy_id=policy.id, at=utcnow(), actor=actor, action=action,
                             from_status=from_status, to_status=to_status, reason=reason, changes=changes))
    return change_id


def actor_of(principal: Principal) -> str:
    return f"{principal.role.value}:{principal.sub}"


# ---------------------------------------------------------------- scoping


def can_see_policy(principal: Principal, policy: Policy, enterprise: Enterprise) -> bool:
    if principal.role is Role.ADMIN:
        return True
    if principal.role is Role.ENTERPRISE:
        return principal.org == policy.enterprise_id
    if principal.role is Role.INSURER:
        return principal.org == policy.insurer_id
    if principal.role is Role.BUREAU:
        return principal.in_region(enterprise.town_code)
    return False


async def load_policy(session: AsyncSession, *, principal: Principal, policy_id: str,
                      lock: bool = False) -> tuple[Policy, Enterprise]:
    policy = await repository.get_policy(session, policy_id, lock=lock)
    if policy is None:
        raise NotFound(f"no policy {policy_id}")
    enterprise = await repository.get_enterprise(session, policy.enterprise_id)
    assert enterprise is not None
    if not can_see_policy(principal, policy, enterprise):
        raise Forbidden("this policy belongs to another firm or insurer")
    return policy, enterprise


# ---------------------------------------------------------------- pricing inputs


async def risk_record(session: AsyncSession, enterprise: Enterprise) -> RiskRecord:
    """What the floating factors read: the firm's grades plus its claims and hazard record."""
    claims, deaths = await repository.claims_record(session, enterprise.id)
    closed, overdue = await repository.hazard_record(session, enterprise.id)
    return RiskRecord(risk_class=risk_class(list(enterprise.high_risk_tags or [])), risk_color=enterprise.risk_color,
                      standardisation_grade=enterprise.standardisation_grade, blacklisted=enterprise.blacklisted,
                      claims=claims, deaths=deaths, hazards_closed=closed, hazards_overdue=overdue)


def check_cover_terms(enterprise: Enterprise, product: Product, *, headcount: int, limit_per_person_fen: int) -> None:
    if headcount <= 0:
        raise ValidationProblem("the headcount must be at least 1", field="headcount")
    if headcount != enterprise.employees:
        raise ValidationProblem(
            f"all employees must be covered at the same sum insured: the firm has {enterprise.employees} "
            f"employees, so the headcount must be {enterprise.employees}, not {headcount} (update the firm's "
            "staff first if it has changed)", field="headcount")
    if limit_per_person_fen < MIN_LIMIT_PER_PERSON_FEN:
        raise ValidationProblem("the per-person limit must be at least 400,000 yuan (40,000,000 fen)",
                                field="limit_per_person_fen")
    if limit_per_person_fen not in product.limit_options_fen:
        options = ", ".join(f"{v // 100:,}" for v in product.limit_options_fen)
        raise ValidationProblem(f"this product offers per-person limits of {options} yuan",
                                field="limit_per_person_fen")


async def check_regional_floor(session: AsyncSession, enterprise: Enterprise, limit_per_person_fen: int,
                               regional_floors: Mapping[str, int]) -> None:
    """Regions may set a per-person floor above the national 400,000 yuan (2025 Measures); a quote below the
    floor of the firm's region is refused naming the region and its floor."""
    floor = floors.floor_for(enterprise.town_code, regional_floors)
    if floor.region_code is None or limit_per_person_fen >= floor.fen:
        return
    name = (await repository.region_names(session, [floor.region_code])).get(floor.region_code, floor.region_code)
    raise ValidationProblem(
        f"{name} ({floor.region_code}) sets a per-person limit of at least {floor.fen // 100:,} yuan "
        f"({floor.fen} fen) for its firms; {limit_per_person_fen // 100:,} yuan is below it",
        field="limit_per_person_fen", code="LIMIT_BELOW_REGIONAL_FLOOR")


async def request_quote(session: AsyncSession, *, principal: Principal, enterprise_id: str, product_id: str,
                        headcount: int, limit_per_person_fen: int, start_date: date,
                        predecessor_id: str | None = None, on: date | None = None,
                        quote_valid_days: int = 30, renewal: bool = False,
                        regional_floors: Mapping[str, int] | None = None) -> Quote:
    """Price cover for a firm. ``on`` is the day the quote is made (today; the demo seed backdates)."""
    on = on or today()
    enterprise = await repository.get_enterprise(session, enterprise_id)
    if enterprise is None:
        raise ValidationProblem(f"no firm {enterprise_id}", field="enterprise_id")
    if principal.role is Role.ENTERPRISE and principal.org != enterprise.id:
        raise Forbidden("an enterprise asks for quotes for its own firm only")
    product = await repository.get_product(session, product_id)
    if product is None or not product.active:
        raise ValidationProblem(f"no product {product_id}", field="product_id")
    if principal.role is Role.INSURER and principal.org != product.insurer_id:
        raise Forbidden("an insurer quotes its own products only")
    check_cover_terms(enterprise, product, headcount=headcount, limit_per_person_fen=limit_per_person_fen)
    await check_regional_floor(session, enterprise, limit_per_person_fen, regional_floors or {})
    if start_date < on:
        raise ValidationProblem("cover cannot start in the past", field="start_date")
    if start_date > on + timedelta(days=MAX_START_AHEAD_DAYS) and not renewal:
        raise ValidationProblem(f"cover may start at most {MAX_START_AHEAD_DAYS} days ahead", field="start_date")
    if enterprise.operating_status != "OPERATING":
        raise InvalidState(f"the firm is {enterprise.operating_status} and cannot take out cover")
    end_date = term_end(start_date, product.term_months)
    others = await overlapping_cover(session, enterprise_id=enterprise.id, insurer_id=product.insurer_id,
                                     start=start_date, end=end_date)
    record = await risk_record(session, enterprise)
    commission_bp = applied_commission_bp(product.commission_bp, compulsory=enterprise.compulsory)
    priced = price(headcount=headcount, limit_per_person_fen=limit_per_person_fen,
                   base_rates_ppm=product.base_rates_ppm, factor_bounds=product.factor_bounds or {},
                   min_premium_fen=product.min_premium_fen, prevention_share_bp=product.prevention_share_bp,
                   record=record)
    quote = Quote(id=new_id("quo"), enterprise_id=enterprise.id, product_id=product.id,
                  insurer_id=product.insurer_id, headcount=headcount, limit_per_person_fen=limit_per_person_fen,
                  start_date=start_date, end_date=end_date,
                  premium_fen=priced.premium_fen, prevention_budget_fen=priced.prevention_budget_fen,
                  factors=priced.factors, valid_until=on + timedelta(days=quote_valid_days),
                  commission_bp=commission_bp, commission_fen=commission(priced.premium_fen, commission_bp),
                  predecessor_id=predecessor_id, policy_id=None, created_by=actor_of(principal),
                  created_at=utcnow())
    session.add(quote)
    await session.flush()
    quote.overlapping_cover = overlap_rows(others)  # not stored: the warning is worked out when read
    return quote


async def get_quote(session: AsyncSession, *, principal: Principal, quote_id: str) -> Quote:
    quote = await repository.get_quote(session, quote_id)
    if quote is None:
        raise NotFound(f"no quote {quote_id}")
    require_firm_or_insurer(principal, enterprise_id=quote.enterprise_id, insurer_id=quote.insurer_id,
                            what="quote")
    if quote.policy_id is None:
        overlaps = await repository.overlapping_policies(session, quote.enterprise_id, quote.start_date,
                                                         quote.end_date)
        quote.overlapping_cover = overlap_rows([p for p in overlaps if p.insurer_id != quote.insurer_id])
    return quote


def require_firm_or_insurer(principal: Principal, *, enterprise_id: str, insurer_id: str, what: str) -> None:
    """Quotes and payments are seen by the firm they are for and the insurer they are with (and admins)."""
    if principal.role is Role.ENTERPRISE and principal.org != enterprise_id:
        raise Forbidden(f"this {what} is for another firm")
    if principal.role is Role.INSURER and principal.org != insurer_id:
        raise Forbidden(f"this {what} is with another insurer")
    if principal.role not in (Role.ENTERPRISE, Role.INSURER, Role.ADMIN):
        raise Forbidden(f"a {what} is seen by the firm and its insurer")


def applied_commission_bp(commission_bp: int, *, compulsory: bool) -> int:
    """The product's commission rate as applied to a firm: for a compulsory industry at most 5%."""
    return min(commission_bp, MAX_COMPULSORY_COMMISSION_BP) if compulsory else commission_bp


def commission(premium_fen: int, commission_bp: int) -> int:
    """Intermediaries' commission in fen at an applied rate, rounded once like every other share."""
    return prevention_budget(premium_fen, commission_bp)


async def policy_number(session: AsyncSession, start: date) -> str:
    """Readable and unique: AZ + year of the start + a six-digit serial per year, e.g. AZ2026-000123."""
    serial = await repository.next_number(session, f"policy:{start.year}")
    return f"AZ{start.year}-{serial:06d}"


async def bind_quote(session: AsyncSession, *, principal: Principal, quote_id: str, on: date | None = None) -> Policy:
    on = on or today()
    quote = await get_quote(session, principal=principal, quote_id=quote_id)
    if quote.policy_id is not None:
        raise InvalidState(f"this quote was already bound to policy {quote.policy_id}")
    if on > quote.valid_until:
        raise InvalidState(f"the quote expired on {quote.valid_until.isoformat()}; request a new quote")
    if quote.start_date < on:
        raise InvalidState("the quote's start date has passed; request a new quote")
    enterprise = await repository.get_enterprise(session, quote.enterprise_id)
    product = await repository.get_product(session, quote.product_id)
    assert enterprise is not None and product is not None
    if quote.headcount != enterprise.employees:
        raise InvalidState("the firm's staff changed since the quote; request a new quote")
    await overlapping_cover(session, enterprise_id=quote.enterprise_id, insurer_id=quote.insurer_id,
                            start=quote.start_date, end=quote.end_date)
    # the cap as the firm stands at binding (it may have become compulsory since the quote), never above the quote's
    commission_bp = min(quote.commission_bp,
                        applied_commission_bp(product.commission_bp, compulsory=enterprise.compulsory))
    now = utcnow()
    policy = Policy(id=new_id("pol"), number=await policy_number(session, quote.start_date),
                    status="PENDING_PAYMENT", enterprise_id=quote.enterprise_id, insurer_id=quote.insurer_id,
                    product_id=quote.product_id, quote_id=quote.id, headcount=quote.headcount,
                    limit_per_person_fen=quote.limit_per_person_fen, premium_fen=quote.premium_fen,
                    prevention_share_bp=product.prevention_share_bp,
                    prevention_budget_fen=quote.prevention_budget_fen, factors=quote.factors,
                    commission_bp=commission_bp, commission_fen=commission(quote.premium_fen, commission_bp),
                    start_date=quote.start_date, end_date=quote.end_date, predecessor_id=quote.predecessor_id,
                    created_at=now, updated_at=now)
    session.add(policy)
    quote.policy_id = policy.id
    record_change(session, policy, action="bind", actor=actor_of(principal), reason=None,
                  changes={"quote_id": quote.id, "premium_fen": quote.premium_fen}, to_status="PENDING_PAYMENT")
    await session.flush()
    return policy


async def activate(session: AsyncSession, policy: Policy, *, actor: str, reason: str) -> None:
    """PENDING_PAYMENT → ACTIVE once the premium is in; publishes activated (or renewed) with the budget."""
    enterprise = await repository.get_enterprise(session, policy.enterprise_id)
    assert enterprise is not None
    transition(session, policy, "ACTIVE", actor=actor, reason=reason)
    policy.activated_at = utcnow()
    payload = events.policy_payload(policy, enterprise)
    events.publish(session, events.POLICY_ACTIVATED, payload)
    if policy.predecessor_id:
        events.publish(session, events.POLICY_RENEWED, payload)
