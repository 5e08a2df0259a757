"""Agencies, their qualifications, experts and offerings: the rules, and the views other parts read."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel import scope
from services.kernel.auth import Principal, Role
from services.kernel.db import utcnow
from services.kernel.errors import Conflict, Forbidden, InvalidState, NotFound, ValidationProblem
from services.kernel.ids import new_id
from services.providers import repository as repo
from services.providers import scope_changes
from services.providers.clock import local_today
from services.providers.models import Agency, Expert, ExpertCertificate, Offering, Qualification
from services.providers.schemas import (
    AgencyApplicationIn,
    AgencyDetailOut,
    AgencyOut,
    AgencyStatus,
    AgencyUpdateIn,
    CertificateIn,
    CertificateOut,
    ExpertIn,
    ExpertOut,
    ExpertUpdateIn,
    OfferingIn,
    OfferingOut,
    OfferingUpdateIn,
    QualificationIn,
    QualificationOut,
)
from services.providers.uscc import normalise_uscc

# Agencies anyone logged in may look up by id: those that have been on the market (a booking made before
# a suspension still shows its agency). PENDING and REJECTED applications stay private.
ONCE_PUBLIC = (AgencyStatus.APPROVED.value, AgencyStatus.SUSPENDED.value, AgencyStatus.REVOKED.value)


# ---------------------------------------------------------------- who may do what


def is_own_agency(principal: Principal | None, agency: Agency) -> bool:
    """The agency's own account: bound to it (``org``) or the account that applied, before binding."""
    if principal is None or principal.role is not Role.AGENCY:
        return False
    return principal.org == agency.id or (principal.org is None and principal.sub == agency.applicant_sub)


def in_bureau_region(principal: Principal | None, agency: Agency) -> bool:
    """The agency lies in the bureau's region when one of its service towns does (the rule that also decides
    which bureau may vet it); False for every other role and for a bureau without a region."""
    return principal is not None and principal.role is Role.BUREAU and scope.sees_any_region(principal,
                                                                                               agency.town_codes)


def may_read_private(principal: Principal | None, agency: Agency) -> bool:
    """Scans, notices and the decision history: the agency itself, the bureau of its region and admin."""
    if principal is None:
        return False
    return principal.role is Role.ADMIN or is_own_agency(principal, agency) or in_bureau_region(principal, agency)


def require_own_agency(principal: Principal, agency: Agency) -> None:
    if principal.role is Role.ADMIN or is_own_agency(principal, agency):
        return
    raise Forbidden("an agency may act on its own data only")


def may_see_agency(principal: Principal | None, agency: Agency) -> bool:
    if agency.status == AgencyStatus.APPROVED:
        return True
    if principal is None:
        return False
    if principal.role is Role.ADMIN or is_own_agency(principal, agency):
        return True
    if in_bureau_region(principal, agency):
        return True
    return agency.status in ONCE_PUBLIC


async def load_agency(session: AsyncSession, agency_id: str) -> Agency:
    agency = await repo.get_agency(session, agency_id)
    if agency is None:
        raise NotFound(f"no agency {agency_id}")
    return agency


# ---------------------------------------------------------------- agencies


def _qualification(agency_id: str, data: QualificationIn) -> Qualification:
    return Qualification(id=new_id("qua"), agency_id=agency_id, kind=data.kind, number=data.number,
                         issuer=data.issuer, service_types=[s.value for s in data.service_types],
                         valid_from=data.valid_from, valid_until=data.valid_until, created_at=utcnow())


async def apply_agency(session: AsyncSession, *, data: AgencyApplicationIn, principal: Principal,
                       demo: bool = False) -> Agency:
    """A new application, PENDING until the bureau decides."""
    if principal.role is Role.AGENCY and principal.org:
        raise Conflict("this account already belongs to an agency; it cannot apply for another")
    uscc = normalise_uscc(data.uscc)
    if await repo.get_agency_by_uscc(session, uscc) is not None:
        raise Conflict("an agency with this credit code has already applied", field="uscc")
    now = utcnow()
    agency = Agency(id=new_id("agy"), name=data.name, uscc=uscc, status=AgencyStatus.PENDING.value,
                    info_requested=False, service_types=sorted({s.value for s in data.service_types}),
                    town_codes=sorted(set(data.town_codes)), home_town_code=data.town_codes[0],
                    address=data.address, contact_name=data.contact_name, contact_phone=data.contact_phone,
                    applicant_sub=principal.sub if principal.role is Role.AGENCY else None,
                    rating_sum=0, rating_count=0, visits_done=0, demo=demo, created_at=now, updated_at=now)
    session.add(agency)
    await session.flush()
    for q in data.qualifications:
        session.add(_qualification(agency.id, q))
    await session.flush()
    return agency


async def update_agency(session: AsyncSession, *, agency: Agency, data: AgencyUpdateIn,
                        principal: Principal) -> Agency:
    """The agency corrects its details; an answer to REQUEST_INFO clears the flag for the bureau. Once vetted
    (APPROVED, SUSPENDED) a new scope (service types, towns) waits for the bureau (``scope_changes.request``)."""
    if agency.status in (AgencyStatus.REJECTED, AgencyStatus.REVOKED):
        raise InvalidState(f"a {agency.status} agency cannot change its details")
    changes = data.model_dump(exclude_unset=True)
    for key in ("service_types", "town_codes"):
        if changes.get(key) is not None:
            changes[key] = sorted({str(v) for v in changes[key]})
    if scope_changes.is_vetted(agency):
        types, towns = changes.pop("service_types", None), changes.pop("town_codes", None)
        if types is not None or towns is not None:
            await scope_changes.request(session, agency=agency, principal=principal, service_types=types,
                                town_codes=towns)
    for key, value in changes.items():
        if value is not None:
            setattr(agency, key, value)
    agency.info_requested = False
    agency.updated_at = utcnow()
    await session.flush()
    return agency


async def add_qualification(session: AsyncSession, *, agency: Agency, data: QualificationIn) -> Qualification:
    if agency.status in (AgencyStatus.REJECTED, AgencyStatus.REVOKED):
        raise InvalidState(f"a {agency.status} agency cannot add qualifications")
    qualification = _qualification(agency.id, data)
    session.add(qualification)
    await session.flush()
    return qualification


def _valid(q: Qualification | ExpertCertificate, on: date) -> bool:
    return q.valid_from <= on <= q.valid_until


def covered_types(qualifications: Sequence[Qualification], on: date) -> set[str]:
    """Service types some qualification valid on ``on`` covers."""
    return {t for q in qualifications if _valid(q, on) for t in q.service_types}


def agency_bookable(agency: Agency, qualifications: Sequence[Qualification], on: date) -> bool:
    return agency.status == AgencyStatus.APPROVED and any(_valid(q, on) for q in qualifications)


def offering_bookable(offering: Offering, agency: Agency, qualifications: Sequence[Qualification], on: date) -> bool:
    return (offering.active and agency.status == AgencyStatus.APPROVED
            and offering.service_type in agency.service_types
            and offering.service_type in covered_types(qualifications, on))


def qualification_view(q: Qualification, today: date) -> QualificationOut:
    return QualificationOut(id=q.id, agency_id=q.agency_id, kind=q.kind, number=q.number, issuer=q.issuer,
                            service_types=list(q.service_types), valid_from=q.valid_from,
                            valid_until=q.valid_until, valid_today=_valid(q, today), scan_id=q.scan_id)


async def agency_views(session: AsyncSession, agencies: Sequence[Agency], *, detail: bool = False,
                       today: date | None = None) -> list[AgencyOut]:
    today = today or local_today()
    by_agency: dict[str, list[Qualification]] = defaultdict(list)
    for q in await repo.qualifications_of(session, [a.id for a in agencies]):
        by_agency[q.agency_id].append(q)
    views: list[AgencyOut] = []
    for a in agencies:
        quals = by_agency[a.id]
        base = dict(id=a.id, name=a.name, uscc=a.uscc, status=AgencyStatus(a.status),
                    info_requested=a.info_requested, status_note=a.status_note,
                    service_types=list(a.service_types), town_codes=list(a.town_codes),
                    home_town_code=a.home_town_code, address=a.address,
                    rating=a.rating, rating_count=a.rating_count, visits_done=a.visits_done,
                    contact_name=a.contact_name, contact_phone=a.contact_phone,
                    bookable=agency_bookable(a, quals, today), created_at=a.created_at)
        if detail:
            views.append(AgencyDetailOut(**base, qualifications=[qualification_view(q, today) for q in quals]))
        else:
            views.append(AgencyOut(**base))
    return views


# ---------------------------------------------------------------- experts


def _certificate(expert_id: str, data: CertificateIn) -> ExpertCertificate:
    return ExpertCertificate(id=new_id("cer"), expert_id=expert_id, name=data.name, number=data.number,
                             scope=[s.value for s in data.scope], valid_from=data.valid_from,
                             valid_until=data.valid_until)


async def create_expert(session: AsyncSession, *, agency: Agency, data: ExpertIn) -> Expert:
    if agency.status in (AgencyStatus.REJECTED, AgencyStatus.REVOKED):
        raise InvalidState(f"a {agency.status} agency cannot add experts")
    expert = Expert(id=new_id("exp"), agency_id=agency.id, name=data.name, phone=data.phone,
                    specialties=list(data.specialties), town_codes=sorted(set(data.town_codes)),
                    active=True, created_at=utcnow())
    session.add(expert)
    await session.flush()
    for c in data.certificates:
        session.add(_certificate(expert.id, c))
    await session.flush()
    return expert


async def add_certificate(session: AsyncSession, *, expert: Expert, data: CertificateIn) -> ExpertCertificate:
    certificate = _certificate(expert.id, data)
    session.add(certificate)
    await session.flush()
    return certificate


def _apply_changes(row: Expert | Offering, data: ExpertUpdateIn | OfferingUpdateIn) -> None:
    """Set the fields a PATCH names (a null leaves a field as it is); town lists are kept sorted, once each."""
    for key, value in data.model_dump(exclude_unset=True).items():
        if value is not None:
            setattr(row, key, sorted(set(value)) if key == "town_codes" else value)


async def update_expert(session: AsyncSession, *, expert: Expert, data: ExpertUpdateIn) -> Expert:
    _apply_changes(expert, data)
    await session.flush()
    return expert


async def load_expert(session: AsyncSession, expert_id: str) -> Expert:
    expert = await repo.get_expert(session, expert_id)
    if expert is None:
        raise NotFound(f"no expert {expert_id}")
    return expert


def may_see_expert_phone(viewer: Principal | None, expert: Expert) -> bool:
    """An expert's phone is for their own agency, the expert themself, the bureau and the admin."""
    if viewer is None:
        return False
    if viewer.role in (Role.ADMIN, Role.BUREAU):
        return True
    if viewer.role is Role.AGENCY:
        return viewer.org == expert.agency_id
    return viewer.role is Role.EXPERT and viewer.expert == expert.id


async def expert_views(session: AsyncSession, experts: Sequence[Expert], *, viewer: Principal | None,
                       on: date | None = None, own_agency: bool = False) -> list[ExpertOut]:
    """The experts as the ``viewer`` may see them: the phone is null unless ``may_see_expert_phone`` (or
    ``own_agency``: the caller was checked to be the experts' agency)."""
    on = on or local_today()
    by_expert: dict[str, list[ExpertCertificate]] = defaultdict(list)
    for c in await repo.certificates_of(session, [e.id for e in experts]):
        by_expert[c.expert_id].append(c)
    return [
        ExpertOut(id=e.id, agency_id=e.agency_id, name=e.name,
                  phone=e.phone if own_agency or may_see_expert_phone(viewer, e) else None, active=e.active,
                  specialties=list(e.specialties),
                  town_codes=list(e.town_codes),
                  service_types=sorted({t for c in by_expert[e.id] if _valid(c, on) for t in c.scope}),
                  certificates=[CertificateOut(id=c.id, name=c.name, number=c.number, scope=list(c.scope),
                                               valid_from=c.valid_from, valid_until=c.valid_until)
                                for c in by_expert[e.id]])
        for e in experts
    ]


# ---------------------------------------------------------------- offerings


async def create_offering(session: AsyncSession, *, agency: Agency, data: OfferingIn) -> Offering:
    if agency.status in (AgencyStatus.REJECTED, AgencyStatus.REVOKED):
        raise InvalidState(f"a {agency.status} agency cannot publish offerings")
    if data.service_type.value not in agency.service_types:
        raise InvalidState(f"the agency does not provide {data.service_type.value}; add it to its service types "
                           "(with a qualification covering it) first", field="service_type")
    check_offering_towns(agency, data.town_codes)
    offering = Offering(id=new_id("off"), agency_id=agency.id, service_type=data.service_type.value,
                        title=data.title, description=data.description, price_fen=data.price_fen,
                        duration_minutes=data.duration_minutes, town_codes=sorted(set(data.town_codes)),
                        travel_buffer_minutes=data.travel_buffer_minutes, active=True, created_at=utcnow())
    session.add(offering)
    await session.flush()
    return offering


def check_offering_towns(agency: Agency, towns: Sequence[str]) -> None:
    """An offering serves towns of the agency's approved scope only (a town still awaiting the bureau is not)."""
    outside = sorted(set(towns) - set(agency.town_codes))
    if outside:
        raise ValidationProblem(f"the agency is approved for the towns {', '.join(agency.town_codes)}, not "
                                f"{', '.join(outside)}; a new town waits for the bureau's approval of its scope",
                                field="town_codes")


async def update_offering(session: AsyncSession, *, offering: Offering, data: OfferingUpdateIn,
                          agency: Agency | None = None) -> Offering:
    if agency is not None and data.town_codes is not None:
        check_offering_towns(agency, data.town_codes)
    _apply_changes(offering, data)
    await session.flush()
    return offering


async def load_offering(session: AsyncSession, offering_id: str) -> Offering:
    offering = await repo.get_offering(session, offering_id)
    if offering is None:
        raise NotFound(f"no offering {offering_id}")
    return offering


async def offering_views(session: AsyncSession, offerings: Sequence[Offering], *,
                         today: date | None = None) -> list[OfferingOut]:
    today = today or local_today()
    agency_ids = {o.agency_id for o in offerings}
    agencies = {a.id: a for a in await repo.agencies_by_ids(session, agency_ids)}
    by_agency: dict[str, list[Qualification]] = defaultdict(list)
    for q in await repo.qualifications_of(session, agency_ids):
        by_agency[q.agency_id].append(q)
    return [
        OfferingOut(id=o.id, agency_id=o.agency_id, agency_name=agencies[o.agency_id].name,
                    service_type=o.service_type, title=o.title, description=o.description,
                    price_fen=o.price_fen, duration_minutes=o.duration_minutes, town_codes=list(o.town_codes),
                    travel_buffer_minutes=o.travel_buffer_minutes, active=o.active,
                    bookable=offering_bookable(o, agencies[o.agency_id], by_agency[o.agency_id], today))
        for o in offerings
    ]
