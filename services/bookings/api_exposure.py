"""HTTP routes of the exposure board (``/v1/exposure-cases``): the bureau publishes and withdraws, anyone
reads the live cases."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from services.bookings import exposure, repository
from services.bookings.api import Ctx, Paging, Session
from services.bookings.models import ExposureCase
from services.bookings.schemas import ExposureCaseIn, ExposureCaseOut, WithdrawalIn
from services.kernel.auth import PUBLIC, CurrentPrincipal, MaybePrincipal, Principal, Role, allow
from services.kernel.errors import Forbidden
from services.kernel.paging import Page, paginate

router = APIRouter(prefix="/v1", tags=["exposure"])


def _out(case: ExposureCase, principal: Principal | None) -> ExposureCaseOut:
    out = ExposureCaseOut.model_validate(case)
    if not exposure.is_bureau(principal):  # who at the bureau did it is the bureau's business
        out.published_by = out.withdrawn_by = None
    return out


@router.get("/exposure-cases", dependencies=[PUBLIC], response_model=Page[ExposureCaseOut])
async def list_cases(session: Session, principal: MaybePrincipal, paging: Paging,
                     town_code: Annotated[str | None, Query(max_length=20)] = None,
                     withdrawn: bool = False) -> Page[ExposureCaseOut]:
    """Live cases, newest first, for anyone; ``town_code`` (a town, or a city for all its towns).
    ``withdrawn=true`` lists withdrawn cases instead, for the bureau (its region) only."""
    if withdrawn and not exposure.is_bureau(principal):
        raise Forbidden("withdrawn cases are listed for the bureau only")
    stmt = repository.exposure_cases_query(town_code=town_code, withdrawn=withdrawn, principal=principal)
    rows, cursor, total = await paginate(session, stmt, ExposureCase.id, paging, descending=True)
    return Page(items=[_out(r, principal) for r in rows], next_cursor=cursor, total=total)


@router.get("/exposure-cases/{case_id}", dependencies=[PUBLIC], response_model=ExposureCaseOut)
async def get_case(session: Session, principal: MaybePrincipal, case_id: str) -> ExposureCaseOut:
    return _out(await exposure.get_public(session=session, principal=principal, case_id=case_id), principal)


@router.post("/exposure-cases", status_code=201, dependencies=[allow(Role.BUREAU)], response_model=ExposureCaseOut)
async def publish(ctx: Ctx, session: Session, principal: CurrentPrincipal, body: ExposureCaseIn) -> ExposureCaseOut:
    """Publish a case citing a MAJOR hazard of the bureau's region that is overdue or whose rectification was
    rejected; at most one live case per hazard (``EXPOSURE_CASE_EXISTS``)."""
    return _out(await exposure.publish(ctx=ctx, session=session, principal=principal, data=body), principal)


@router.post("/exposure-cases/{case_id}/withdrawal", dependencies=[allow(Role.BUREAU)],
             response_model=ExposureCaseOut)
async def withdraw(ctx: Ctx, session: Session, principal: CurrentPrincipal, case_id: str,
                   body: WithdrawalIn) -> ExposureCaseOut:
    """Take a case off the board, with the reason; it stays on record for the bureau."""
    return _out(await exposure.withdraw(ctx=ctx, session=session, principal=principal, case_id=case_id,
                                        data=body), principal)
