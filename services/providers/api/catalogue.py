"""Routes for offerings and experts, and the experts qualified for an offering on a visit date."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from services.kernel.auth import PUBLIC, MaybePrincipal, Principal, Role, allow
from services.kernel.errors import NotFound
from services.kernel.idempotency import IdempotencyKey
from services.kernel.paging import Page, PageParams
from services.kernel.runtime import Session
from services.providers import repository as repo
from services.providers import service
from services.providers.api.common import ALL_ROLES, IdsQuery, parse_ids
from services.providers.clock import local_today
from services.providers.models import IdempotencyRecord
from services.providers.schemas import (
    AgencyStatus,
    CertificateIn,
    CertificateOut,
    ExpertIn,
    ExpertOut,
    ExpertUpdateIn,
    OfferingIn,
    OfferingOut,
    OfferingUpdateIn,
    ServiceType,
)

router = APIRouter(prefix="/v1", tags=["offerings and experts"])


def _offering_statuses(principal: Principal | None, *, batch: bool) -> list[str] | None:
    if principal is not None and principal.role in (Role.BUREAU, Role.ADMIN):
        return None
    if principal is not None and batch:
        return list(service.ONCE_PUBLIC)
    return [AgencyStatus.APPROVED.value]


@router.get("/offerings", response_model=Page[OfferingOut], dependencies=[PUBLIC],
            summary="Offerings of approved agencies (the agency also sees its own)")
async def list_offerings(
    session: Session, principal: MaybePrincipal,
    ids: IdsQuery = None,
    agency_id: str | None = None,
    agency_ids: IdsQuery = None,
    service_type: ServiceType | None = None,
    town_code: Annotated[str | None, Query(pattern=r"^\d{6,12}$")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> Page[OfferingOut]:
    batch = parse_ids(ids)
    own = principal.org if principal is not None and principal.role is Role.AGENCY else None
    agencies = parse_ids(agency_ids, "agency_ids")
    stmt = repo.offering_list(ids=batch, agency_id=agency_id, agency_ids=agencies,
                              service_type=service_type.value if service_type else None, town_code=town_code,
                              agency_statuses=_offering_statuses(
                                  principal, batch=batch is not None or agencies is not None),
                              own_agency_id=own)
    rows, next_cursor, total = await repo.page_offerings(session, stmt, PageParams(limit=limit, cursor=cursor))
    return Page(items=await service.offering_views(session, rows), next_cursor=next_cursor, total=total)


async def _visible_offering(session: Session, principal: Principal | None, offering_id: str):
    offering = await service.load_offering(session, offering_id)
    agency = await service.load_agency(session, offering.agency_id)
    if not service.may_see_agency(principal, agency):
        raise NotFound(f"no offering {offering_id}")
    return offering, agency


@router.get("/offerings/{offering_id}", response_model=OfferingOut, dependencies=[PUBLIC],
            summary="One offering (public when its agency is approved)")
async def get_offering(
    offering_id: str, session: Session, principal: MaybePrincipal,
    on: Annotated[date | None, Query(description="judge `bookable` on this date (default today)")] = None,
) -> OfferingOut:
    offering, _ = await _visible_offering(session, principal, offering_id)
    [view] = await service.offering_views(session, [offering], today=on)
    return view


@router.patch("/offerings/{offering_id}", response_model=OfferingOut,
              summary="Change an offering (price, duration, towns...) or withdraw it (active=false)")
async def update_offering(offering_id: str, data: OfferingUpdateIn, session: Session,
                          principal: Principal = allow(Role.AGENCY)) -> OfferingOut:
    offering = await service.load_offering(session, offering_id)
    agency = await service.load_agency(session, offering.agency_id)
    service.require_own_agency(principal, agency)
    await service.update_offering(session, offering=offering, data=data, agency=agency)
    [view] = await service.offering_views(session, [offering])
    return view


@router.post("/agencies/{agency_id}/offerings", response_model=OfferingOut, status_code=201,
             summary="Publish an offering (service type, price, duration, towns, travel buffer)")
async def create_offering(agency_id: str, data: OfferingIn, session: Session, idempotency: IdempotencyKey,
                          principal: Principal = allow(Role.AGENCY)) -> object:
    agency = await service.load_agency(session, agency_id)
    service.require_own_agency(principal, agency)
    if (replay := await idempotency.replay(session, IdempotencyRecord)) is not None:
        return replay
    offering = await service.create_offering(session, agency=agency, data=data)
    [view] = await service.offering_views(session, [offering])
    return await idempotency.remember(session, IdempotencyRecord, view, 201)


@router.get("/offerings/{offering_id}/experts", response_model=Page[ExpertOut],
            dependencies=[allow(*ALL_ROLES)],
            summary="Experts of the offering's agency whose certificate covers its service type on that date")
async def offering_experts(
    offering_id: str, session: Session, principal: MaybePrincipal,
    on: Annotated[date | None, Query(description="the visit date (default today, Asia/Shanghai)")] = None,
    town_code: Annotated[str | None, Query(pattern=r"^\d{6,12}$", description="only experts serving it")] = None,
) -> Page[ExpertOut]:
    offering = await service.load_offering(session, offering_id)
    day = on or local_today()
    experts = await repo.experts_qualified(session, agency_id=offering.agency_id,
                                           service_type=offering.service_type, on=day)
    if town_code:
        experts = [e for e in experts if not e.town_codes or town_code in e.town_codes]
    items = await service.expert_views(session, experts, viewer=principal, on=day)
    return Page(items=items, next_cursor=None, total=len(items))


@router.get("/experts", response_model=Page[ExpertOut], dependencies=[allow(*ALL_ROLES)],
            summary="Experts (batch read with ids, or an agency's)")
async def list_experts(
    session: Session,
    principal: MaybePrincipal,
    ids: IdsQuery = None,
    agency_id: str | None = None,
    agency_ids: IdsQuery = None,
    include_inactive: Annotated[bool, Query(description="also the experts who left: the agency's own list "
                                                        "(ignored for other callers)")] = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> Page[ExpertOut]:
    own = principal is not None and agency_id is not None and (
        principal.role in (Role.ADMIN, Role.BUREAU) or (principal.role is Role.AGENCY and principal.org == agency_id))
    stmt = repo.expert_list(ids=parse_ids(ids), agency_id=agency_id,
                            agency_ids=parse_ids(agency_ids, "agency_ids"), include_inactive=include_inactive and own)
    rows, next_cursor, total = await repo.page_experts(session, stmt, PageParams(limit=limit, cursor=cursor))
    return Page(items=await service.expert_views(session, rows, viewer=principal), next_cursor=next_cursor, total=total)


@router.get("/experts/{expert_id}", response_model=ExpertOut, dependencies=[allow(*ALL_ROLES)])
async def get_expert(expert_id: str, session: Session, principal: MaybePrincipal) -> ExpertOut:
    expert = await service.load_expert(session, expert_id)
    [view] = await service.expert_views(session, [expert], viewer=principal)
    return view


@router.post("/agencies/{agency_id}/experts", response_model=ExpertOut, status_code=201,
             summary="Add an expert with their certificates (the agency creates its experts)")
async def create_expert(agency_id: str, data: ExpertIn, session: Session, idempotency: IdempotencyKey,
                        principal: Principal = allow(Role.AGENCY)) -> object:
    agency = await service.load_agency(session, agency_id)
    service.require_own_agency(principal, agency)
    if (replay := await idempotency.replay(session, IdempotencyRecord)) is not None:
        return replay
    expert = await service.create_expert(session, agency=agency, data=data)
    [view] = await service.expert_views(session, [expert], viewer=principal, own_agency=True)
    return await idempotency.remember(session, IdempotencyRecord, view, 201)


@router.patch("/experts/{expert_id}", response_model=ExpertOut,
              summary="Change an expert's details, or mark them gone (active=false)")
async def update_expert(expert_id: str, data: ExpertUpdateIn, session: Session,
                        principal: Principal = allow(Role.AGENCY)) -> ExpertOut:
    expert = await service.load_expert(session, expert_id)
    service.require_own_agency(principal, await service.load_agency(session, expert.agency_id))
    await service.update_expert(session, expert=expert, data=data)
    [view] = await service.expert_views(session, [expert], viewer=principal, own_agency=True)
    return view


@router.post("/experts/{expert_id}/certificates", response_model=CertificateOut, status_code=201,
             summary="Add a certificate to an expert of the agency")
async def add_certificate(expert_id: str, data: CertificateIn, session: Session,
                          principal: Principal = allow(Role.AGENCY)) -> CertificateOut:
    expert = await service.load_expert(session, expert_id)
    service.require_own_agency(principal, await service.load_agency(session, expert.agency_id))
    certificate = await service.add_certificate(session, expert=expert, data=data)
    return CertificateOut.model_validate(certificate, from_attributes=True)
