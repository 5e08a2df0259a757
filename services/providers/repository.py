"""Every query of the providers service: agencies, qualifications, experts, offerings and panels."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Select, Text, and_, cast, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.paging import PageParams, paginate
from services.providers.models import (
    Agency,
    AgencyDecision,
    AgencyNotice,
    AgencyScopeChange,
    Expert,
    ExpertCertificate,
    Offering,
    PanelChange,
    PanelEntry,
    Qualification,
    StoredFile,
)


def _json_contains(column: Any, value: str) -> Any:
    """``value`` is an element of a JSON list column, on SQLite and PostgreSQL alike."""
    # The lists hold codes and enum names only (digits, capitals and underscores), so a match on the
    # quoted element in the serialised list is exact.
    return cast(column, Text).like(f'%"{value}"%')


# ---------------------------------------------------------------- agencies


async def get_agency(session: AsyncSession, agency_id: str) -> Agency | None:
    return await session.get(Agency, agency_id)


async def get_agency_by_uscc(session: AsyncSession, uscc: str) -> Agency | None:
    return await session.scalar(select(Agency).where(Agency.uscc == uscc))


async def agencies_by_ids(session: AsyncSession, ids: Iterable[str]) -> list[Agency]:
    ids = list(ids)
    if not ids:
        return []
    return list((await session.scalars(select(Agency).where(Agency.id.in_(ids)).order_by(Agency.id))).all())


def qualified_clause(*, on: date, service_type: str | None = None) -> Any:
    """The agency holds a qualification valid ``on`` (covering ``service_type`` when given)."""
    conditions = [Qualification.agency_id == Agency.id, Qualification.valid_from <= on,
                  Qualification.valid_until >= on]
    if service_type is not None:
        conditions.append(_json_contains(Qualification.service_types, service_type))
    return exists().where(and_(*conditions))


def agency_in_region(region: str) -> Any:
    """SQL: the agency serves a town in ``region`` (a code of its JSON ``town_codes`` starts with it). The caller
    passes a valid region (``services.kernel.scope.region_of``) or a value that matches nothing."""
    return cast(Agency.town_codes, Text).like(f'%"{region}%')


def agency_search(*, statuses: Sequence[str] | None, own_agency_id: str | None, service_type: str | None,
                  town_code: str | None, min_rating: float | None, price_min_fen: int | None,
                  price_max_fen: int | None, ids: Sequence[str] | None = None,
                  region: str | None = None) -> Select[Any]:
    stmt = select(Agency)
    if region is not None:
        # A bureau sees applications and suspended agencies of its own region; approved ones everywhere.
        stmt = stmt.where(or_(Agency.status == "APPROVED", agency_in_region(region)))
    if statuses is not None:
        visible = Agency.status.in_(list(statuses))
        stmt = stmt.where(or_(visible, Agency.id == own_agency_id) if own_agency_id else visible)
    if ids is not None:
        stmt = stmt.where(Agency.id.in_(list(ids)))
    if service_type:
        stmt = stmt.where(_json_contains(Agency.service_types, service_type))
    if town_code:
        stmt = stmt.where(_json_contains(Agency.town_codes, town_code))
    if min_rating is not None:
        stmt = stmt.where(Agency.rating_count > 0, Agency.rating_sum >= min_rating * Agency.rating_count)
    if price_min_fen is not None or price_max_fen is not None:
        offer = [Offering.agency_id == Agency.id, Offering.active.is_(True)]
        if service_type:
            offer.append(Offering.service_type == service_type)
        if price_min_fen is not None:
            offer.append(Offering.price_fen >= price_min_fen)
        if price_max_fen is not None:
            offer.append(Offering.price_fen <= price_max_fen)
        stmt = stmt.where(exists().where(and_(*offer)))
    return stmt


def min_price_column(service_type: str | None) -> Any:
    """The agency's lowest active offering price (for the service type when given), for sorting."""
    conditions = [Offering.agency_id == Agency.id, Offering.active.is_(True)]
    if service_type:
        conditions.append(Offering.service_type == service_type)
    return select(func.min(Offering.price_fen)).where(*conditions).correlate(Agency).scalar_subquery()


async def page_agencies(session: AsyncSession, stmt: Select[Any], params: PageParams, *, sort: str | None,
                        service_type: str | None, offset: int) -> tuple[list[Agency], int | None, int]:
    """A page ordered by id (keyset) or by a sort key (offset cursor); returns rows, next offset, total."""
    total = await session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    if sort == "rating":
        rating = func.coalesce(Agency.rating_sum * 1.0 / func.nullif(Agency.rating_count, 0), -1)
        stmt = stmt.order_by(rating.desc(), Agency.rating_count.desc(), Agency.id)
    elif sort == "price":
        price = min_price_column(service_type)
        stmt = stmt.order_by(price.is_(None), price, Agency.id)
    elif sort == "visits":
        stmt = stmt.order_by(Agency.visits_done.desc(), Agency.id)
    else:
        stmt = stmt.order_by(Agency.id)
    rows = list((await session.scalars(stmt.offset(offset).limit(params.limit + 1))).all())
    more = len(rows) > params.limit
    return rows[: params.limit], (offset + params.limit if more else None), int(total)


async def qualifications_of(session: AsyncSession, agency_ids: Iterable[str]) -> list[Qualification]:
    ids = list(agency_ids)
    if not ids:
        return []
    stmt = select(Qualification).where(Qualification.agency_id.in_(ids)).order_by(Qualification.valid_from)
    return list((await session.scalars(stmt)).all())


async def get_qualification(session: AsyncSession, qualification_id: str) -> Qualification | None:
    return await session.get(Qualification, qualification_id)


async def decisions_of(session: AsyncSession, agency_id: str) -> list[AgencyDecision]:
    stmt = (select(AgencyDecision).where(AgencyDecision.agency_id == agency_id)
            .order_by(AgencyDecision.decided_at, AgencyDecision.id))
    return list((await session.scalars(stmt)).all())


async def pending_scope_change(session: AsyncSession, agency_id: str) -> AgencyScopeChange | None:
    return await session.scalar(select(AgencyScopeChange).where(
        AgencyScopeChange.agency_id == agency_id, AgencyScopeChange.status == "PENDING")
        .order_by(AgencyScopeChange.requested_at.desc()).limit(1))


async def scope_changes_of(session: AsyncSession, agency_id: str) -> list[AgencyScopeChange]:
    stmt = (select(AgencyScopeChange).where(AgencyScopeChange.agency_id == agency_id)
            .order_by(AgencyScopeChange.requested_at, AgencyScopeChange.id))
    return list((await session.scalars(stmt)).all())


async def get_scope_change(session: AsyncSession, change_id: str) -> AgencyScopeChange | None:
    return await session.get(AgencyScopeChange, change_id)


# ---------------------------------------------------------------- experts


async def get_expert(session: AsyncSession, expert_id: str) -> Expert | None:
    return await session.get(Expert, expert_id)


def expert_list(*, ids: Sequence[str] | None, agency_id: str | None,
                agency_ids: Sequence[str] | None = None, include_inactive: bool = False) -> Select[Any]:
    stmt = select(Expert)
    if ids is not None:  # a batch read also finds experts who left (they appear on past visits)
        stmt = stmt.where(Expert.id.in_(list(ids)))
    elif not include_inactive:
        stmt = stmt.where(Expert.active.is_(True))
    if agency_ids is not None:
        stmt = stmt.where(Expert.agency_id.in_(list(agency_ids)))
    if agency_id:
        stmt = stmt.where(Expert.agency_id == agency_id)
    return stmt


async def page_experts(session: AsyncSession, stmt: Select[Any],
                       params: PageParams) -> tuple[list[Expert], str | None, int]:
    return await paginate(session, stmt, Expert.id, params)


async def certificates_of(session: AsyncSession, expert_ids: Iterable[str]) -> list[ExpertCertificate]:
    ids = list(expert_ids)
    if not ids:
        return []
    stmt = (select(ExpertCertificate).where(ExpertCertificate.expert_id.in_(ids))
            .order_by(ExpertCertificate.valid_from, ExpertCertificate.id))
    return list((await session.scalars(stmt)).all())


async def experts_qualified(session: AsyncSession, *, agency_id: str, service_type: str, on: date) -> list[Expert]:
    """Active experts of the agency holding a certificate for ``service_type`` valid on ``on``."""
    certified = exists().where(
        ExpertCertificate.expert_id == Expert.id, ExpertCertificate.valid_from <= on,
        ExpertCertificate.valid_until >= on, _json_contains(ExpertCertificate.scope, service_type))
    stmt = (select(Expert).where(Expert.agency_id == agency_id, Expert.active.is_(True), certified)
            .order_by(Expert.id))
    return list((await session.scalars(stmt)).all())


# ---------------------------------------------------------------- offerings


async def get_offering(session: AsyncSession, offering_id: str) -> Offering | None:
    return await session.get(Offering, offering_id)


def offering_list(*, ids: Sequence[str] | None, agency_id: str | None, service_type: str | None,
                  town_code: str | None, agency_statuses: Sequence[str] | None,
                  own_agency_id: str | None, agency_ids: Sequence[str] | None = None) -> Select[Any]:
    stmt = select(Offering)
    if agency_statuses is not None:
        visible = Offering.agency_id.in_(select(Agency.id).where(Agency.status.in_(list(agency_statuses))))
        stmt = stmt.where(Offering.active.is_(True))
        stmt = stmt.where(or_(visible, Offering.agency_id == own_agency_id) if own_agency_id else visible)
    if ids is not None:
        stmt = stmt.where(Offering.id.in_(list(ids)))
    if agency_id:
        stmt = stmt.where(Offering.agency_id == agency_id)
    if agency_ids is not None:
        stmt = stmt.where(Offering.agency_id.in_(list(agency_ids)))
    if service_type:
        stmt = stmt.where(Offering.service_type == service_type)
    if town_code:
        stmt = stmt.where(_json_contains(Offering.town_codes, town_code))
    return stmt


async def page_offerings(session: AsyncSession, stmt: Select[Any],
                         params: PageParams) -> tuple[list[Offering], str | None, int]:
    return await paginate(session, stmt, Offering.id, params)


async def offerings_of(session: AsyncSession, agency_ids: Iterable[str]) -> list[Offering]:
    ids = list(agency_ids)
    if not ids:
        return []
    stmt = select(Offering).where(Offering.agency_id.in_(ids)).order_by(Offering.id)
    return list((await session.scalars(stmt)).all())


# ---------------------------------------------------------------- panels


async def panel_entries(session: AsyncSession, insurer_id: str, *, include_removed: bool = False) -> list[PanelEntry]:
    stmt = select(PanelEntry).where(PanelEntry.insurer_id == insurer_id)
    if not include_removed:
        stmt = stmt.where(PanelEntry.removed_at.is_(None))
    return list((await session.scalars(stmt.order_by(PanelEntry.start_date, PanelEntry.id))).all())


async def live_entries_for(session: AsyncSession, insurer_id: str, agency_id: str) -> list[PanelEntry]:
    stmt = select(PanelEntry).where(PanelEntry.insurer_id == insurer_id, PanelEntry.agency_id == agency_id,
                                    PanelEntry.removed_at.is_(None)).order_by(PanelEntry.start_date)
    return list((await session.scalars(stmt)).all())


async def entry_on(session: AsyncSession, insurer_id: str, agency_id: str, on: date) -> PanelEntry | None:
    stmt = select(PanelEntry).where(
        PanelEntry.insurer_id == insurer_id, PanelEntry.agency_id == agency_id,
        PanelEntry.removed_at.is_(None), PanelEntry.start_date <= on,
        or_(PanelEntry.end_date.is_(None), PanelEntry.end_date >= on)).limit(1)
    return await session.scalar(stmt)


async def panel_changes(session: AsyncSession, insurer_id: str) -> list[PanelChange]:
    stmt = (select(PanelChange).where(PanelChange.insurer_id == insurer_id)
            .order_by(PanelChange.changed_at, PanelChange.id))
    return list((await session.scalars(stmt)).all())


# ---------------------------------------------------------------- expiry and notices


async def notice_exists(session: AsyncSession, *, agency_id: str, kind: str, ref: str) -> bool:
    stmt = select(AgencyNotice.id).where(AgencyNotice.agency_id == agency_id, AgencyNotice.kind == kind,
                                         AgencyNotice.ref == ref)
    return await session.scalar(stmt) is not None


async def notices_of(session: AsyncSession, agency_id: str) -> list[AgencyNotice]:
    stmt = (select(AgencyNotice).where(AgencyNotice.agency_id == agency_id)
            .order_by(AgencyNotice.created_at.desc(), AgencyNotice.id.desc()))
    return list((await session.scalars(stmt)).all())


async def qualifications_expiring(session: AsyncSession, *, today: date, until: date) -> list[Qualification]:
    """Valid qualifications ending between today and ``until`` that have not been warned about."""
    stmt = select(Qualification).where(Qualification.valid_until >= today, Qualification.valid_until <= until,
                                       Qualification.valid_from <= today,
                                       Qualification.expiry_warned_on.is_(None)).order_by(Qualification.id)
    return list((await session.scalars(stmt)).all())


async def agencies_with_lapsed_qualifications(session: AsyncSession, *, today: date,
                                              statuses: Sequence[str]) -> list[Agency]:
    lapsed = exists().where(Qualification.agency_id == Agency.id, Qualification.valid_until < today)
    stmt = select(Agency).where(Agency.status.in_(list(statuses)), lapsed).order_by(Agency.id)
    return list((await session.scalars(stmt)).all())


async def get_file(session: AsyncSession, file_id: str) -> StoredFile | None:
    return await session.get(StoredFile, file_id)
