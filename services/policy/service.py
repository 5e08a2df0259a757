"""Firms, regions, insurers and products: registering, editing and reading them, scoped by role."""

from __future__ import annotations

import logging
import re
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.auth import Principal, Role
from services.kernel.db import Database, utcnow
from services.kernel.errors import Conflict, Forbidden, NotFound, ProblemError, ValidationProblem
from services.kernel.ids import new_id
from services.policy import events, industries, repository, uscc
from services.policy.dates import today
from services.policy.floors import NATIONAL_MIN_LIMIT_FEN
from services.policy.models import Enterprise, EnterpriseFactChange, EnterpriseTag, Insurer, Outbox, Product
from services.policy.pricing import COMPULSORY_TAGS, HIGH_RISK_TAGS, LEGACY_TAGS
from services.policy.regions import cixi
from services.policy.schemas import (
    EnterpriseIn,
    EnterprisePatch,
    InsurerIn,
    ProductIn,
    ProductOut,
    RegulatedFactsIn,
)
from services.policy.sizeclass import Sector, classify

log = logging.getLogger("anze.policy")

MAX_PREVENTION_SHARE_BP = 2100
MIN_LIMIT_PER_PERSON_FEN = NATIONAL_MIN_LIMIT_FEN  # 400,000 yuan; regions may set more (floors.py)
MAX_COMPULSORY_COMMISSION_BP = 500  # commission for compulsory industries ≤ 5% (2025 Measures)
COMPULSORY_SECTORS = {Sector.CONSTRUCTION, Sector.TRANSPORT}
# The facts a firm's premium and its duty to insure come from: set by the bureau of its region (or the
# admin), never by the firm itself, every change kept in ``enterprise_fact_changes`` (D-entry in decisions.md).
REGULATED_FACTS = ("sector", "high_risk_tags", "standardisation_grade", "risk_color", "blacklisted")


# ---------------------------------------------------------------- regions


async def seed_regions(database: Database) -> int:
    """Put Cixi's region catalogue in place (reference data); adds only what is missing."""
    async with database.transaction() as session:
        added = await repository.upsert_regions(session, cixi())
    if added:
        log.info("seeded %d regions", added)
    return added


# ---------------------------------------------------------------- enterprises


async def check_location(session: AsyncSession, *, town_code: str, village_code: str | None,
                         park_code: str | None) -> None:
    town = await repository.get_region(session, town_code)
    if town is None or town.level != "TOWN":
        raise ValidationProblem(f"{town_code} is not a known town or sub-district code", field="town_code")
    if village_code:
        village = await repository.get_region(session, village_code)
        if village is None or village.level != "VILLAGE" or village.parent_code != town_code:
            raise ValidationProblem(f"{village_code} is not a village of {town.name}", field="village_code")
    if park_code:
        park = await repository.get_region(session, park_code)
        if park is None or park.level != "PARK" or not park_code.startswith(town_code):
            raise ValidationProblem(f"{park_code} is not a park in {town.name}", field="park_code")


def check_tags(tags: list[str]) -> list[str]:
    tags = [LEGACY_TAGS.get(t, t) for t in tags]
    unknown = [t for t in tags if t not in HIGH_RISK_TAGS]
    if unknown:
        raise ValidationProblem(f"unknown high-risk tags {', '.join(unknown)}; known: {', '.join(HIGH_RISK_TAGS)}",
                                field="high_risk_tags")
    return sorted(set(tags))


def derived(*, sector: str, employees: int, annual_revenue_fen: int, total_assets_fen: int | None,
            tags: list[str]) -> tuple[str, bool]:
    """The computed fields: size class (never typed in) and whether the insurance is compulsory."""
    size = classify(sector=sector, employees=employees, annual_revenue_fen=annual_revenue_fen,
                    total_assets_fen=total_assets_fen).value
    return size, bool(set(tags) & set(COMPULSORY_TAGS)) or sector in COMPULSORY_SECTORS


def _derive(e: Enterprise) -> None:
    e.size_class, e.compulsory = derived(sector=e.sector, employees=e.employees,
                                         annual_revenue_fen=e.annual_revenue_fen,
                                         total_assets_fen=e.total_assets_fen, tags=list(e.high_risk_tags or []))


def can_edit(principal: Principal, e: Enterprise) -> bool:
    if principal.role is Role.ADMIN:
        return True
    if principal.role is Role.ENTERPRISE:
        return principal.org == e.id
    if principal.role is Role.BUREAU:
        return principal.in_region(e.town_code)
    return False


def may_set_facts(principal: Principal, e: Enterprise) -> bool:
    """Regulated facts: the bureau of the firm's region and the admin."""
    return principal.role is Role.ADMIN or (principal.role is Role.BUREAU and principal.in_region(e.town_code))


MAINLAND_MOBILE = re.compile(r"^1[3-9]\d{9}$")


def check_firm_fields(values: dict[str, Any]) -> None:
    """What a firm says of itself, checked where it is registered or corrected: at least one employee (a firm
    without staff has no one to insure), an industry code of GB/T 4754 and a mainland mobile number."""
    if "employees" in values and values["employees"] is not None and values["employees"] < 1:
        raise ValidationProblem("a firm has at least 1 employee (the cover is for every employee)",
                                field="employees", code="NO_EMPLOYEES")
    if values.get("industry_code") is not None:
        values["industry_code"] = industries.normalise(values["industry_code"])
        if not industries.is_known(values["industry_code"]):
            raise ValidationProblem(f"{values['industry_code']} is not a GB/T 4754 industry code (a letter and two "
                                    "digits such as C33, see GET /v1/industries)", field="industry_code",
                                    code="UNKNOWN_INDUSTRY_CODE")
    if values.get("contact_phone") is not None:
        values["contact_phone"] = re.sub(r"[\s-]", "", values["contact_phone"])
        if not MAINLAND_MOBILE.match(values["contact_phone"]):
            raise ValidationProblem("the contact phone must be a mainland mobile number: 11 digits starting with "
                                    "13-19", field="contact_phone", code="INVALID_PHONE")


class RegulatedFact(ProblemError):
    status, code = 403, "REGULATED_FACT"


class EndorsementRequired(ProblemError):
    status, code = 409, "ENDORSEMENT_REQUIRED"


async def register_enterprise(session: AsyncSession, *, principal: Principal, data: EnterpriseIn,
                              demo: bool = False) -> Enterprise:
    code = uscc.normalise(data.uscc)
    if principal.role is Role.ENTERPRISE and principal.org:
        raise Forbidden("this account already belongs to a firm; a firm registers itself once")
    if principal.role is Role.BUREAU and not principal.in_region(data.town_code):
        raise Forbidden("the bureau registers firms in its own region only")
    if principal.role is Role.ENTERPRISE and (data.risk_color or data.standardisation_grade):
        raise RegulatedFact("a firm's risk colour and standardisation grade are set by the bureau of its region, "
                            "not declared by the firm", field="risk_color" if data.risk_color else
                            "standardisation_grade")
    if await repository.get_enterprise_by_uscc(session, code) is not None:
        raise Conflict(f"a firm with the credit code {code} is already registered", field="uscc")
    await check_location(session, town_code=data.town_code, village_code=data.village_code,
                         park_code=data.park_code)
    now = utcnow()
    fields = data.model_dump(exclude={"uscc", "high_risk_tags"})
    check_firm_fields(fields)
    e = Enterprise(id=new_id("ent"), uscc=code, high_risk_tags=check_tags(data.high_risk_tags), demo=demo,
                   blacklisted=False, operating_status="OPERATING", created_at=now, updated_at=now, **fields)
    _derive(e)
    session.add(e)
    session.add_all([EnterpriseTag(enterprise_id=e.id, tag=t) for t in e.high_risk_tags])
    await session.flush()
    events.publish(session, events.ENTERPRISE_REGISTERED, events.enterprise_payload(e))
    return e


async def get_enterprise(session: AsyncSession, *, principal: Principal, enterprise_id: str) -> Enterprise:
    e = await repository.get_enterprise(session, enterprise_id)
    if e is None:
        raise NotFound(f"no firm {enterprise_id}")
    await require_read(session, principal, e)
    return e


async def require_read(session: AsyncSession, principal: Principal, e: Enterprise) -> None:
    """A firm itself, the bureau of its region, the admin; an insurer the firms of its book (a policy or a
    quote with it); an agency or expert the firms of its bookings."""
    if principal.role in (Role.AGENCY, Role.EXPERT):
        if not await repository.is_booked_with(session, principal, e.id):
            raise Forbidden("an agency or expert sees only the firms of its own bookings")
    elif principal.role is Role.INSURER:
        if not await repository.is_in_book(session, principal.org, e.id):
            raise Forbidden("an insurer sees only the firms of its book (a policy or a quote with it)")
    elif not can_edit(principal, e):
        raise Forbidden("this firm's record is not yours to see")


async def update_enterprise(session: AsyncSession, *, principal: Principal, enterprise_id: str,
                            patch: EnterprisePatch) -> Enterprise:
    e = await repository.get_enterprise(session, enterprise_id)
    if e is None:
        raise NotFound(f"no firm {enterprise_id}")
    if not can_edit(principal, e):
        raise Forbidden("only the firm itself or the bureau of its region may edit it")
    changes = patch.model_dump(exclude_unset=True, exclude={"reason"})
    facts = {k: changes.pop(k) for k in REGULATED_FACTS if k in changes}
    if facts and not may_set_facts(principal, e):
        raise RegulatedFact(f"{', '.join(facts)}: the firm's regulated facts are set by the bureau of its region "
                            "(POST /v1/enterprises/{id}/regulated-facts), not by the firm", field=next(iter(facts)))
    for key in ("name", "industry_code", "employees", "annual_revenue_fen", "principal_name",
                "contact_phone", "town_code"):
        if key in changes and changes[key] is None:
            raise ValidationProblem(f"{key} cannot be emptied", field=key)
    check_firm_fields(changes)
    if "employees" in changes and changes["employees"] != e.employees \
            and await repository.has_open_policy(session, e.id):
        raise EndorsementRequired(
            f"the firm is insured for {e.employees} employees: a new headcount goes through a headcount "
            "endorsement of its policy (GET /v1/policies/{id}/endorsement-quote, then POST "
            "/v1/policies/{id}/endorsements), so that the new staff are covered and the premium follows; "
            "a policy still awaiting payment is cancelled and quoted again", field="employees")
    town = changes.get("town_code", e.town_code)
    if principal.role is Role.BUREAU and not principal.in_region(town):
        raise Forbidden("the bureau cannot move a firm out of its region")
    await check_location(session, town_code=town, village_code=changes.get("village_code", e.village_code),
                         park_code=changes.get("park_code", e.park_code))
    for key, value in changes.items():
        setattr(e, key, value)
    if facts:
        _apply_facts(session, principal, e, facts, reason=patch.reason)
    _derive(e)
    e.updated_at = utcnow()
    if "high_risk_tags" in facts:
        await repository.set_tags(session, e.id, e.high_risk_tags)
    await session.flush()
    events.publish(session, events.ENTERPRISE_UPDATED, events.enterprise_payload(e))
    return e


def _apply_facts(session: AsyncSession, principal: Principal, e: Enterprise, facts: dict[str, Any],
                 *, reason: str | None) -> list[EnterpriseFactChange]:
    """Set regulated facts on ``e`` (checked, allowed), one history row per fact that really changes."""
    if "sector" in facts and facts["sector"] is None:
        raise ValidationProblem("sector cannot be emptied", field="sector")
    if "blacklisted" in facts and facts["blacklisted"] is None:
        raise ValidationProblem("blacklisted is true or false", field="blacklisted")
    if "high_risk_tags" in facts:
        facts["high_risk_tags"] = check_tags(facts["high_risk_tags"] or [])
    reason = (reason or "").strip()
    now, rows = utcnow(), []
    for key, value in facts.items():
        old = getattr(e, key)
        old = sorted(old or []) if key == "high_risk_tags" else old
        value = value.value if hasattr(value, "value") else value
        if old == value:
            continue
        if not reason:
            raise ValidationProblem("a change of a firm's regulated facts needs a reason", field="reason")
        rows.append(EnterpriseFactChange(id=new_id("efc"), enterprise_id=e.id, at=now, actor=principal.sub,
                                         actor_role=principal.role.value, field=key, old_value=old,
                                         new_value=value, reason=reason))
        setattr(e, key, value)
    session.add_all(rows)
    return rows


async def set_regulated_facts(session: AsyncSession, *, principal: Principal, enterprise_id: str,
                              data: RegulatedFactsIn) -> Enterprise:
    """The bureau of the firm's region (or the admin) sets its regulated facts; each change is recorded."""
    e = await repository.get_enterprise(session, enterprise_id)
    if e is None:
        raise NotFound(f"no firm {enterprise_id}")
    if principal.role is Role.BUREAU and not principal.in_region(e.town_code):
        raise Forbidden("this firm lies outside your region")  # as for every other row of another region
    if not may_set_facts(principal, e):
        raise RegulatedFact("a firm's regulated facts are set by the bureau of its region only")
    facts = data.model_dump(exclude_unset=True, exclude={"reason"})
    if not facts:
        raise ValidationProblem("give at least one of " + ", ".join(REGULATED_FACTS))
    rows = _apply_facts(session, principal, e, facts, reason=data.reason)
    if rows:
        _derive(e)
        e.updated_at = utcnow()
        if any(r.field == "high_risk_tags" for r in rows):
            await repository.set_tags(session, e.id, e.high_risk_tags)
        await session.flush()
        events.publish(session, events.ENTERPRISE_UPDATED, events.enterprise_payload(e))
    return e


async def fact_history(session: AsyncSession, *, principal: Principal,
                       enterprise_id: str) -> list[EnterpriseFactChange]:
    """The regulated facts' history: the firm, the bureau of its region, its insurers, the admin."""
    e = await repository.get_enterprise(session, enterprise_id)
    if e is None:
        raise NotFound(f"no firm {enterprise_id}")
    if principal.role in (Role.AGENCY, Role.EXPERT):
        raise Forbidden("the history of a firm's regulated facts is for the firm, its bureau and its insurers")
    await require_read(session, principal, e)
    return await repository.fact_changes(session, e.id)


async def list_enterprises(session: AsyncSession, *, principal: Principal, **filters: Any) -> Any:
    return repository.enterprise_query(principal, as_of=today(), **filters)


async def mark_insured(session: AsyncSession, firms: list[Enterprise]) -> list[dict[str, Any]]:
    """The firms as dicts with ``insured`` (today) and ``covered_from`` (the first day of paid cover that starts
    later, for a firm not covered today), found with two queries for the whole page."""
    from services.policy.schemas import EnterpriseOut

    ids = [e.id for e in firms]
    covered = await repository.insured_ids(session, ids, today())
    later = await repository.covered_from(session, [i for i in ids if i not in covered], today())
    return [EnterpriseOut.model_validate(e).model_copy(
        update={"insured": e.id in covered, "covered_from": later.get(e.id)}).model_dump() for e in firms]


# ---------------------------------------------------------------- insurers and products


async def create_insurer(session: AsyncSession, *, data: InsurerIn, demo: bool = False) -> Insurer:
    if await repository.get_insurer_by_name(session, data.name) is not None:
        raise Conflict(f"an insurer named {data.name} exists", field="name")
    insurer = Insurer(id=new_id("ins"), demo=demo, created_at=utcnow(), **data.model_dump())
    session.add(insurer)
    await session.flush()
    return insurer


async def create_product(session: AsyncSession, *, principal: Principal, data: ProductIn) -> Product:
    if principal.role is Role.INSURER and principal.org != data.insurer_id:
        raise Forbidden("an insurer creates products for itself only")
    if await repository.get_insurer(session, data.insurer_id) is None:
        raise ValidationProblem(f"no insurer {data.insurer_id}", field="insurer_id")
    share_bp = round(data.prevention_share * 10_000)
    if share_bp > MAX_PREVENTION_SHARE_BP:
        raise ValidationProblem("the prevention share may be at most 21% of the premium", field="prevention_share")
    low = [v for v in data.limit_options_fen if v < MIN_LIMIT_PER_PERSON_FEN]
    if low:
        raise ValidationProblem("every per-person limit must be at least 400,000 yuan (40,000,000 fen)",
                                field="limit_options_fen")
    commission_bp = round(data.commission_rate * 10_000)
    if data.industry_scope == "COMPULSORY" and commission_bp > MAX_COMPULSORY_COMMISSION_BP:
        raise ValidationProblem(
            f"a product for the compulsory industries may pay intermediaries at most 5% of the premium, not "
            f"{commission_bp / 100:g}% (安全生产责任保险实施办法, 应急〔2025〕27号)", field="commission_rate",
            code="COMMISSION_ABOVE_CAP")
    if any(v <= 0 for v in data.base_rates_ppm.values()) or not data.base_rates_ppm:
        raise ValidationProblem("base rates must be positive", field="base_rates_ppm")
    product = Product(id=new_id("prd"), insurer_id=data.insurer_id, name=data.name, term_months=data.term_months,
                      limit_options_fen=sorted(set(data.limit_options_fen)),
                      base_rates_ppm=dict(data.base_rates_ppm), factor_bounds=data.factor_bounds,
                      min_premium_fen=data.min_premium_fen, prevention_share_bp=share_bp,
                      commission_bp=commission_bp, industry_scope=data.industry_scope, active=True,
                      created_at=utcnow())
    session.add(product)
    await session.flush()
    return product


def product_out(p: Product) -> ProductOut:
    return ProductOut(id=p.id, insurer_id=p.insurer_id, name=p.name, term_months=p.term_months,
                      limit_options_fen=list(p.limit_options_fen), base_rates_ppm=dict(p.base_rates_ppm),
                      min_premium_fen=p.min_premium_fen, prevention_share=p.prevention_share_bp / 10_000,
                      commission_rate=p.commission_bp / 10_000, industry_scope=p.industry_scope, active=p.active)


# ---------------------------------------------------------------- bulk registration (the registry import)


def same_firm(e: Enterprise, data: EnterpriseIn) -> bool:
    """Whether a registered firm already holds exactly what an import row says."""
    fields = data.model_dump(exclude={"uscc", "high_risk_tags"})
    return all(getattr(e, k) == v for k, v in fields.items()) and sorted(e.high_risk_tags or []) == sorted(
        data.high_risk_tags)


async def register_many(session: AsyncSession, rows: list[EnterpriseIn], *, demo: bool = False) -> list[str]:
    """Register already validated firms (new codes, known regions) with multi-row inserts, an event each:
    the registry import's and the demo seed's path, where ORM objects per row would be most of the time.
    Returns the new ids in the order of ``rows``."""
    now = utcnow()
    firms, tags, outbox = [], [], []
    for data in rows:
        values = data.model_dump()
        values["high_risk_tags"] = sorted(set(data.high_risk_tags))
        values["size_class"], values["compulsory"] = derived(
            sector=values["sector"], employees=values["employees"], annual_revenue_fen=values["annual_revenue_fen"],
            total_assets_fen=values["total_assets_fen"], tags=values["high_risk_tags"])
        values.update(id=new_id("ent"), demo=demo, blacklisted=False, operating_status="OPERATING",
                      created_at=now, updated_at=now)
        firms.append(values)
        tags += [{"enterprise_id": values["id"], "tag": t} for t in values["high_risk_tags"]]
        payload = {"enterprise_id": values["id"], **{k: values[k] for k in events.ENTERPRISE_FIELDS}}
        outbox.append({"id": new_id("evt"), "name": events.ENTERPRISE_REGISTERED, "version": 1, "payload": payload,
                       "occurred_at": now, "published_at": None, "attempts": 0, "last_error": None})
    await session.execute(insert(Enterprise), firms)
    if tags:
        await session.execute(insert(EnterpriseTag), tags)
    await session.execute(insert(Outbox), outbox)
    session.info["anze_events"] = True  # the relay is woken after commit, as record_event would
    return [f["id"] for f in firms]
