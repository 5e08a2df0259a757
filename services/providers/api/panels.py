"""Routes for insurer panels: entries, the on-panel check the bookings service makes, the audit trail."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from services.kernel.auth import Principal, Role, allow
from services.kernel.idempotency import IdempotencyKey
from services.kernel.paging import Page
from services.kernel.runtime import Session
from services.providers import panels
from services.providers import repository as repo
from services.providers.api.common import ALL_ROLES
from services.providers.clock import local_today
from services.providers.models import IdempotencyRecord
from services.providers.schemas import (
    PanelChangeOut,
    PanelCheckOut,
    PanelEntryIn,
    PanelEntryOut,
    PanelRemovalIn,
)

router = APIRouter(prefix="/v1", tags=["insurer panels"])


@router.get("/panels/{insurer_id}", response_model=Page[PanelEntryOut],
            summary="The insurer's panel: the agencies it funds")
async def get_panel(insurer_id: str, session: Session, include_removed: bool = False,
                    principal: Principal = allow(Role.INSURER, Role.BUREAU)) -> Page[PanelEntryOut]:
    panels.require_insurer(principal, insurer_id, bureau_may_read=True)
    entries = await repo.panel_entries(session, insurer_id, include_removed=include_removed)
    items = await panels.entry_views(session, entries)
    return Page(items=items, next_cursor=None, total=len(items))


@router.post("/panels/{insurer_id}/agencies", response_model=PanelEntryOut, status_code=201,
             summary="Put an approved agency on the panel (criteria, start and end)")
async def add_agency(insurer_id: str, data: PanelEntryIn, session: Session, idempotency: IdempotencyKey,
                     principal: Principal = allow(Role.INSURER)) -> object:
    panels.require_insurer(principal, insurer_id)
    if (replay := await idempotency.replay(session, IdempotencyRecord)) is not None:
        return replay
    entry = await panels.add_to_panel(session, insurer_id=insurer_id, data=data, principal=principal)
    [view] = await panels.entry_views(session, [entry])
    return await idempotency.remember(session, IdempotencyRecord, view, 201)


@router.post("/panels/{insurer_id}/agencies/{agency_id}/removal", response_model=list[PanelEntryOut],
             summary="Take an agency off the panel, with the reason")
async def remove_agency(insurer_id: str, agency_id: str, data: PanelRemovalIn, session: Session,
                        principal: Principal = allow(Role.INSURER)) -> list[PanelEntryOut]:
    panels.require_insurer(principal, insurer_id)
    entries = await panels.remove_from_panel(session, insurer_id=insurer_id, agency_id=agency_id,
                                             reason=data.reason, principal=principal)
    return await panels.entry_views(session, entries)


@router.get("/panels/{insurer_id}/agencies/{agency_id}", response_model=PanelCheckOut,
            dependencies=[allow(*ALL_ROLES)],
            summary="Is the agency on the insurer's panel on that date?")
async def on_panel(insurer_id: str, agency_id: str, session: Session,
                   on: Annotated[date | None, Query(description="default today (Asia/Shanghai)")] = None,
                   ) -> PanelCheckOut:
    day = on or local_today()
    entry = await repo.entry_on(session, insurer_id, agency_id, day)
    return PanelCheckOut(insurer_id=insurer_id, agency_id=agency_id, on=day, on_panel=entry is not None,
                         entry_id=entry.id if entry else None)


@router.get("/panels/{insurer_id}/changes", response_model=list[PanelChangeOut],
            summary="The panel's audit trail")
async def changes(insurer_id: str, session: Session,
                  principal: Principal = allow(Role.INSURER, Role.BUREAU)) -> list[PanelChangeOut]:
    panels.require_insurer(principal, insurer_id, bureau_may_read=True)
    rows = await repo.panel_changes(session, insurer_id)
    return [PanelChangeOut.model_validate(r, from_attributes=True) for r in rows]
