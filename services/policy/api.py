"""HTTP routes of the policy service (``/v1/...``): firms, regions, insurers, products, quotes, coverage."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query

from services.kernel.auth import PUBLIC, Principal, Role, allow
from services.kernel.errors import NotFound, ValidationProblem
from services.kernel.idempotency import IdempotencyKey
from services.kernel.paging import MAX_LIMIT, Page, PageParams, page_params, paginate
from services.kernel.runtime import Runtime, Session
from services.policy import coverage as coverage_mod
from services.policy import industries, policies, repository, service
from services.policy.models import Enterprise, IdempotencyRecord, Insurer
from services.policy.schemas import (
    CoveragePoint,
    CoverageReport,
    Dimension,
    EnterpriseIn,
    EnterpriseOut,
    EnterprisePatch,
    FactChangeOut,
    IndustryOut,
    InsurerIn,
    InsurerOut,
    ProductIn,
    ProductOut,
    QuoteIn,
    QuoteOut,
    RegionOut,
    RegulatedFactsIn,
)
from services.policy.sizeclass import SizeClass

router = APIRouter(prefix="/v1")
Paging = Annotated[PageParams, Depends(page_params)]


def id_list(ids: str | None) -> list[str] | None:
    """``?ids=a,b,c`` for the gateway's DataLoaders (at most 500)."""
    if not ids:
        return None
    out = [i.strip() for i in ids.split(",") if i.strip()]
    if len(out) > MAX_LIMIT:
        raise ValidationProblem(f"at most {MAX_LIMIT} ids at once", field="ids")
    return out


IdsQuery = Annotated[str | None, Query(description="comma-separated ids (batch read, at most 500)")]


# ---------------------------------------------------------------- regions


@router.get("/regions", response_model=list[RegionOut], dependencies=[PUBLIC], tags=["regions"])
async def list_regions(session: Session, parent_code: str | None = None) -> Any:
    """The city without ``parent_code``; the children of a region with it."""
    return await repository.list_regions(session, parent_code)


@router.get("/industries", response_model=list[IndustryOut], dependencies=[PUBLIC], tags=["enterprises"])
async def list_industries() -> Any:
    """The industry codes a firm registers under: the 97 divisions of GB/T 4754-2017 with their Chinese names."""
    return industries.catalogue()


# ---------------------------------------------------------------- enterprises


@router.post("/enterprises", status_code=201, response_model=EnterpriseOut, tags=["enterprises"])
async def register_enterprise(body: EnterpriseIn, session: Session, idem: IdempotencyKey,
                              principal: Principal = allow(Role.ENTERPRISE, Role.BUREAU)) -> Any:
    if (replayed := await idem.replay(session, IdempotencyRecord)) is not None:
        return replayed
    firm = await service.register_enterprise(session, principal=principal, data=body)
    out = (await service.mark_insured(session, [firm]))[0]
    return await idem.remember(session, IdempotencyRecord, out, 201)


@router.get("/enterprises", response_model=Page[EnterpriseOut], tags=["enterprises"])
async def list_enterprises(
    session: Session, paging: Paging, ids: IdsQuery = None, town_code: str | None = None,
    village_code: str | None = None, park: str | None = None,
    in_park: Annotated[bool | None, Query(description="false: the firms outside any park")] = None,
    size_class: SizeClass | None = None, insured: bool | None = None, high_risk_tag: str | None = None,
    search: str | None = None,
    principal: Principal = allow(Role.ENTERPRISE, Role.INSURER, Role.BUREAU, Role.AGENCY, Role.EXPERT),
) -> Any:
    """A firm its own, an insurer the firms of its book (a policy or a quote with it), the bureau its region, an
    agency (expert) the firms of its (assigned) bookings that are not cancelled."""
    stmt = await service.list_enterprises(session, principal=principal, ids=id_list(ids), town_code=town_code,
                                          village_code=village_code, park=park, in_park=in_park,
                                          size_class=size_class.value if size_class else None, insured=insured,
                                          high_risk_tag=high_risk_tag, search=search)
    rows, cursor, total = await paginate(session, stmt, Enterprise.id, paging)
    return {"items": await service.mark_insured(session, rows), "next_cursor": cursor, "total": total}


@router.get("/enterprises/{enterprise_id}", response_model=EnterpriseOut, tags=["enterprises"])
async def get_enterprise(enterprise_id: str, session: Session,
                         principal: Principal = allow(Role.ENTERPRISE, Role.INSURER, Role.BUREAU, Role.AGENCY,
                                                      Role.EXPERT)) -> Any:
    firm = await service.get_enterprise(session, principal=principal, enterprise_id=enterprise_id)
    return (await service.mark_insured(session, [firm]))[0]


@router.patch("/enterprises/{enterprise_id}", response_model=EnterpriseOut, tags=["enterprises"])
async def update_enterprise(enterprise_id: str, body: EnterprisePatch, session: Session,
                            principal: Principal = allow(Role.ENTERPRISE, Role.BUREAU)) -> Any:
    firm = await service.update_enterprise(session, principal=principal, enterprise_id=enterprise_id, patch=body)
    return (await service.mark_insured(session, [firm]))[0]


@router.post("/enterprises/{enterprise_id}/regulated-facts", response_model=EnterpriseOut, tags=["enterprises"])
async def set_regulated_facts(enterprise_id: str, body: RegulatedFactsIn, session: Session,
                              principal: Principal = allow(Role.BUREAU)) -> Any:
    """The bureau of the firm's region (or the admin) sets the facts its premium and duty to insure come from:
    sector, high-risk tags, standardisation grade, risk colour, blacklist. Only the fields given change; each
    change is kept in the history with ``reason``. Refused with REGULATED_FACT to anyone else."""
    firm = await service.set_regulated_facts(session, principal=principal, enterprise_id=enterprise_id, data=body)
    return (await service.mark_insured(session, [firm]))[0]


@router.get("/enterprises/{enterprise_id}/regulated-fact-changes", response_model=list[FactChangeOut],
            tags=["enterprises"])
async def regulated_fact_changes(enterprise_id: str, session: Session,
                                 principal: Principal = allow(Role.ENTERPRISE, Role.INSURER, Role.BUREAU)) -> Any:
    """Who changed which regulated fact, when, from what to what and why, the newest first: the firm itself,
    the bureau of its region, an insurer with a policy or quote for it, the admin."""
    return await service.fact_history(session, principal=principal, enterprise_id=enterprise_id)


# ---------------------------------------------------------------- insurers and products


@router.get("/insurers", response_model=Page[InsurerOut], dependencies=[PUBLIC], tags=["products"])
async def list_insurers(session: Session, paging: Paging, ids: IdsQuery = None) -> Any:
    rows, cursor, total = await paginate(session, repository.insurer_query(id_list(ids)), Insurer.id, paging)
    return {"items": rows, "next_cursor": cursor, "total": total}


@router.post("/insurers", status_code=201, response_model=InsurerOut, tags=["products"])
async def create_insurer(body: InsurerIn, session: Session, idem: IdempotencyKey,
                         principal: Principal = allow(Role.ADMIN)) -> Any:
    if (replayed := await idem.replay(session, IdempotencyRecord)) is not None:
        return replayed
    insurer = await service.create_insurer(session, data=body)
    return await idem.remember(session, IdempotencyRecord, InsurerOut.model_validate(insurer), 201)


@router.get("/products", response_model=Page[ProductOut], dependencies=[PUBLIC], tags=["products"])
async def list_products(session: Session, insurer_id: str | None = None, ids: IdsQuery = None) -> Any:
    rows = await repository.list_products(session, insurer_id=insurer_id, ids=id_list(ids))
    return {"items": [service.product_out(p) for p in rows], "next_cursor": None, "total": len(rows)}


@router.get("/products/{product_id}", response_model=ProductOut, dependencies=[PUBLIC], tags=["products"])
async def get_product(product_id: str, session: Session) -> Any:
    product = await repository.get_product(session, product_id)
    if product is None:
        raise NotFound(f"no product {product_id}")
    return service.product_out(product)


@router.post("/products", status_code=201, response_model=ProductOut, tags=["products"])
async def create_product(body: ProductIn, session: Session, idem: IdempotencyKey,
                         principal: Principal = allow(Role.INSURER)) -> Any:
    if (replayed := await idem.replay(session, IdempotencyRecord)) is not None:
        return replayed
    product = await service.create_product(session, principal=principal, data=body)
    return await idem.remember(session, IdempotencyRecord, service.product_out(product), 201)


# ---------------------------------------------------------------- quotes


@router.post("/quotes", status_code=201, response_model=QuoteOut, tags=["quotes"])
async def request_quote(body: QuoteIn, session: Session, idem: IdempotencyKey, runtime: Runtime,
                        principal: Principal = allow(Role.ENTERPRISE, Role.INSURER)) -> Any:
    if (replayed := await idem.replay(session, IdempotencyRecord)) is not None:
        return replayed
    quote = await policies.request_quote(session, principal=principal, **body.model_dump(),
                                         quote_valid_days=runtime.settings.quote_valid_days,
                                         regional_floors=runtime.settings.regional_limit_floors_fen)
    return await idem.remember(session, IdempotencyRecord, QuoteOut.model_validate(quote), 201)


@router.get("/quotes/{quote_id}", response_model=QuoteOut, tags=["quotes"])
async def get_quote(quote_id: str, session: Session,
                    principal: Principal = allow(Role.ENTERPRISE, Role.INSURER)) -> Any:
    return await policies.get_quote(session, principal=principal, quote_id=quote_id)


# ---------------------------------------------------------------- coverage


@router.get("/coverage", response_model=CoverageReport, tags=["coverage"])
async def get_coverage(session: Session, region_code: str, as_of: date | None = None,
                       group_by: Dimension = "TOWN", insurer_id: str | None = None,
                       source: Literal["live", "snapshot"] = "live",
                       principal: Principal = allow(Role.BUREAU, Role.INSURER)) -> Any:
    """Counts at ``as_of`` (today in China by default); an insurer sees its own book only. ``source=snapshot``
    reads the daily snapshot table (by town, whole region) instead of counting the raw rows."""
    return await coverage_mod.coverage(session, principal=principal, region_code=region_code, as_of=as_of,
                                       group_by=group_by, insurer_id=insurer_id, source=source)


@router.get("/coverage/trend", response_model=list[CoveragePoint], tags=["coverage"])
async def get_coverage_trend(session: Session, region_code: str,
                             start: Annotated[date, Query(alias="from")], end: Annotated[date, Query(alias="to")],
                             principal: Principal = allow(Role.BUREAU, Role.INSURER)) -> Any:
    """Monthly points (each month's last day, and ``to``)."""
    return await coverage_mod.trend(session, principal=principal, region_code=region_code, start=start, end=end)
