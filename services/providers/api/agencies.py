"""Routes for agencies: applications, the public directory and search, the bureau's decisions, qualifications."""

from __future__ import annotations

import enum
from typing import Annotated

from fastapi import APIRouter, Query

from services.kernel import scope
from services.kernel.auth import PUBLIC, MaybePrincipal, Principal, Role, allow
from services.kernel.errors import Forbidden, NotFound
from services.kernel.idempotency import IdempotencyKey
from services.kernel.paging import Page, PageParams
from services.kernel.runtime import Session
from services.providers import repository as repo
from services.providers import scope_changes, service, vetting
from services.providers.api.common import IdsQuery, offset_cursor, offset_from, parse_ids
from services.providers.clock import local_today
from services.providers.models import IdempotencyRecord
from services.providers.schemas import (
    AgencyApplicationIn,
    AgencyDetailOut,
    AgencyOut,
    AgencyStatus,
    AgencyUpdateIn,
    DecisionIn,
    DecisionOut,
    QualificationIn,
    QualificationOut,
    ScopeChangeOut,
    ScopeDecisionIn,
    ServiceType,
)

router = APIRouter(prefix="/v1", tags=["agencies"])


class AgencySort(enum.StrEnum):
    rating = "rating"
    price = "price"
    visits = "visits"


def _visible_statuses(principal: Principal | None, *, approved_only: bool, batch: bool,
                      status: AgencyStatus | None) -> list[str] | None:
    """Which statuses the caller may list (None: all). Anonymous callers see approved agencies only."""
    privileged = principal is not None and principal.role in (Role.BUREAU, Role.ADMIN)
    if status is not None:
        if status is not AgencyStatus.APPROVED and not privileged:
            raise Forbidden("only the bureau lists agencies that are not approved")
        return [status.value]
    if privileged and (batch or not approved_only):
        return None
    if principal is not None and batch:
        return list(service.ONCE_PUBLIC)
    return [AgencyStatus.APPROVED.value]


@router.get("/agencies", response_model=Page[AgencyOut], dependencies=[PUBLIC],
            summary="Search the directory (approved agencies; the bureau may list all)")
async def list_agencies(
    session: Session, principal: MaybePrincipal,
    ids: IdsQuery = None,
    service_type: ServiceType | None = None,
    town_code: Annotated[str | None, Query(pattern=r"^\d{6,12}$")] = None,
    approved_only: bool = True,
    status: AgencyStatus | None = None,
    min_rating: Annotated[float | None, Query(ge=0, le=5)] = None,
    price_min_fen: Annotated[int | None, Query(ge=0)] = None,
    price_max_fen: Annotated[int | None, Query(ge=0)] = None,
    sort: AgencySort | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> Page[AgencyOut]:
    batch = parse_ids(ids)
    statuses = _visible_statuses(principal, approved_only=approved_only, batch=batch is not None, status=status)
    own = principal.org if principal is not None and principal.role is Role.AGENCY else None
    stmt = repo.agency_search(
        statuses=statuses, own_agency_id=own if (batch is not None or not approved_only) else None,
        service_type=service_type.value if service_type else None, town_code=town_code,
        min_rating=min_rating, price_min_fen=price_min_fen, price_max_fen=price_max_fen, ids=batch,
        region=(scope.region_of(principal) or "-") if principal is not None and principal.role is Role.BUREAU
        else None)
    params = PageParams(limit=limit, cursor=None)
    rows, next_offset, total = await repo.page_agencies(
        session, stmt, params, sort=sort.value if sort else None,
        service_type=service_type.value if service_type else None, offset=offset_from(cursor))
    items = await service.agency_views(session, rows)
    return Page(items=items, next_cursor=offset_cursor(next_offset), total=total)


def _hide_scans(view: AgencyDetailOut) -> AgencyDetailOut:
    for q in view.qualifications:
        q.scan_id = None
    return view


@router.get("/agencies/{agency_id}", response_model=AgencyDetailOut, dependencies=[PUBLIC],
            summary="One agency with its qualifications (public when approved)")
async def get_agency(agency_id: str, session: Session, principal: MaybePrincipal) -> AgencyDetailOut:
    agency = await service.load_agency(session, agency_id)
    if not service.may_see_agency(principal, agency):
        raise NotFound(f"no agency {agency_id}")
    [view] = await service.agency_views(session, [agency], detail=True)
    assert isinstance(view, AgencyDetailOut)
    if not service.may_read_private(principal, agency):
        return _hide_scans(view)
    return await _with_pending(session, view, agency)


async def _with_pending(session: Session, view: AgencyOut, agency) -> AgencyDetailOut:
    """The detail view with the scope change awaiting the bureau (for the agency itself, bureau and admin)."""
    assert isinstance(view, AgencyDetailOut)
    pending = await repo.pending_scope_change(session, agency.id)
    view.pending_scope_change = ScopeChangeOut.model_validate(pending) if pending else None
    return view


@router.post("/agencies", response_model=AgencyDetailOut, status_code=201,
             summary="Apply as an agency (PENDING until the bureau decides)")
async def apply_agency(data: AgencyApplicationIn, session: Session, idempotency: IdempotencyKey,
                       principal: Principal = allow(Role.AGENCY)) -> object:
    if (replay := await idempotency.replay(session, IdempotencyRecord)) is not None:
        return replay
    agency = await service.apply_agency(session, data=data, principal=principal)
    [view] = await service.agency_views(session, [agency], detail=True)
    return await idempotency.remember(session, IdempotencyRecord, view, 201)


@router.patch("/agencies/{agency_id}", response_model=AgencyDetailOut,
              summary="The agency corrects its details (e.g. after REQUEST_INFO); once approved, new service "
                      "types or towns wait for the bureau (pending_scope_change)")
async def update_agency(agency_id: str, data: AgencyUpdateIn, session: Session,
                        principal: Principal = allow(Role.AGENCY)) -> AgencyOut:
    agency = await service.load_agency(session, agency_id)
    service.require_own_agency(principal, agency)
    await service.update_agency(session, agency=agency, data=data, principal=principal)
    [view] = await service.agency_views(session, [agency], detail=True)
    return await _with_pending(session, view, agency)


@router.get("/agencies/{agency_id}/scope-changes", response_model=list[ScopeChangeOut],
            summary="The agency's requests to change its service types or towns, and the bureau's answers")
async def list_scope_changes(agency_id: str, session: Session,
                        principal: Principal = allow(Role.AGENCY, Role.BUREAU)) -> list[ScopeChangeOut]:
    agency = await service.load_agency(session, agency_id)
    if not scope_changes.may_read(principal, agency, own=service.is_own_agency(principal, agency)):
        raise Forbidden("an agency's scope changes are for the agency and its bureau")
    return [ScopeChangeOut.model_validate(r) for r in await repo.scope_changes_of(session, agency.id)]


@router.post("/agencies/{agency_id}/scope-changes/{change_id}/decision", response_model=ScopeChangeOut,
             summary="The bureau of the agency's home region approves or rejects a scope change")
async def decide_scope_change(agency_id: str, change_id: str, data: ScopeDecisionIn, session: Session,
                              principal: Principal = allow(Role.BUREAU)) -> ScopeChangeOut:
    agency = await service.load_agency(session, agency_id)
    change = await scope_changes.decide(session, agency=agency, change_id=change_id, decision=data.decision,
                                note=data.note, principal=principal)
    return ScopeChangeOut.model_validate(change)


@router.post("/agencies/{agency_id}/decisions", response_model=AgencyDetailOut,
             summary="The bureau's decision: APPROVE, REJECT, REQUEST_INFO, SUSPEND or REVOKE")
async def decide(agency_id: str, data: DecisionIn, session: Session,
                 principal: Principal = allow(Role.BUREAU)) -> AgencyOut:
    agency = await service.load_agency(session, agency_id)
    await vetting.decide(session, agency=agency, decision=data.decision, note=data.note, principal=principal)
    [view] = await service.agency_views(session, [agency], detail=True)
    return view


@router.get("/agencies/{agency_id}/decisions", response_model=list[DecisionOut],
            summary="Every vetting decision on the agency: who, when, why")
async def decisions(agency_id: str, session: Session,
                    principal: Principal = allow(Role.AGENCY, Role.BUREAU)) -> list[DecisionOut]:
    agency = await service.load_agency(session, agency_id)
    if not service.may_read_private(principal, agency):
        raise Forbidden("the decisions on an agency are for the agency itself and the bureau of its region")
    rows = await repo.decisions_of(session, agency.id)
    return [DecisionOut.model_validate(r, from_attributes=True) for r in rows]


@router.post("/agencies/{agency_id}/qualifications", response_model=QualificationOut, status_code=201,
             summary="Add a qualification (certificate with its validity and covered service types)")
async def add_qualification(agency_id: str, data: QualificationIn, session: Session,
                            idempotency: IdempotencyKey, principal: Principal = allow(Role.AGENCY)) -> object:
    agency = await service.load_agency(session, agency_id)
    service.require_own_agency(principal, agency)
    if (replay := await idempotency.replay(session, IdempotencyRecord)) is not None:
        return replay
    qualification = await service.add_qualification(session, agency=agency, data=data)
    view = service.qualification_view(qualification, local_today())
    return await idempotency.remember(session, IdempotencyRecord, view, 201)
