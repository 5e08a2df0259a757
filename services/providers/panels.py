"""Insurer panels: the agencies an insurer funds, with audited changes and ``providers.panel.changed``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.auth import Principal, Role
from services.kernel.db import utcnow
from services.kernel.errors import Conflict, Forbidden, InvalidState, NotFound
from services.kernel.events import record_event
from services.kernel.ids import new_id
from services.providers import repository as repo
from services.providers.models import Outbox, PanelChange, PanelEntry
from services.providers.schemas import AgencyStatus, PanelEntryIn, PanelEntryOut


def require_insurer(principal: Principal, insurer_id: str, *, bureau_may_read: bool = False) -> None:
    """An insurer manages its own panel; the bureau may read every panel; the admin may do anything."""
    if principal.role is Role.ADMIN:
        return
    if bureau_may_read and principal.role is Role.BUREAU:
        return
    if principal.role is Role.INSURER and principal.org == insurer_id:
        return
    raise Forbidden("an insurer manages its own panel only")


def _overlaps(a_start: date, a_end: date | None, b_start: date, b_end: date | None) -> bool:
    return (a_end is None or b_start <= a_end) and (b_end is None or a_start <= b_end)


def _change(session: AsyncSession, entry: PanelEntry, action: str, principal: Principal,
            details: dict[str, object]) -> None:
    session.add(PanelChange(id=new_id("pch"), insurer_id=entry.insurer_id, agency_id=entry.agency_id,
                            entry_id=entry.id, action=action, details=details, changed_by=principal.sub,
                            changed_at=utcnow()))
    record_event(session, Outbox, "providers.panel.changed", {
        "insurer_id": entry.insurer_id, "agency_id": entry.agency_id, "action": action,
        "start_date": entry.start_date.isoformat(),
        "end_date": entry.end_date.isoformat() if entry.end_date else None, "entry_id": entry.id,
    })


async def add_to_panel(session: AsyncSession, *, insurer_id: str, data: PanelEntryIn,
                       principal: Principal) -> PanelEntry:
    agency = await repo.get_agency(session, data.agency_id)
    if agency is None:
        raise NotFound(f"no agency {data.agency_id}", field="agency_id")
    if agency.status != AgencyStatus.APPROVED:
        raise InvalidState(f"only an approved agency can join a panel; this one is {agency.status}",
                           field="agency_id")
    for other in await repo.live_entries_for(session, insurer_id, agency.id):
        if _overlaps(other.start_date, other.end_date, data.start_date, data.end_date):
            raise Conflict("the agency is already on this panel for part of that period", field="start_date")
    entry = PanelEntry(id=new_id("pan"), insurer_id=insurer_id, agency_id=agency.id, criteria=data.criteria,
                       start_date=data.start_date, end_date=data.end_date, removed_at=None,
                       created_by=principal.sub, created_at=utcnow())
    session.add(entry)
    await session.flush()
    _change(session, entry, "added", principal, {"criteria": data.criteria})
    await session.flush()
    return entry


async def remove_from_panel(session: AsyncSession, *, insurer_id: str, agency_id: str, reason: str,
                            principal: Principal) -> list[PanelEntry]:
    """Take the agency off the panel: every live entry ends (removed), with the reason audited."""
    entries = await repo.live_entries_for(session, insurer_id, agency_id)
    if not entries:
        raise NotFound("the agency is not on this panel")
    now = utcnow()
    for entry in entries:
        entry.removed_at = now
        _change(session, entry, "removed", principal, {"reason": reason})
    await session.flush()
    return entries


async def entry_views(session: AsyncSession, entries: Sequence[PanelEntry]) -> list[PanelEntryOut]:
    agencies = {a.id: a for a in await repo.agencies_by_ids(session, {e.agency_id for e in entries})}
    return [
        PanelEntryOut(id=e.id, insurer_id=e.insurer_id, agency_id=e.agency_id,
                      agency_name=agencies[e.agency_id].name, agency_status=agencies[e.agency_id].status,
                      criteria=e.criteria, start_date=e.start_date, end_date=e.end_date,
                      removed_at=e.removed_at, created_by=e.created_by, created_at=e.created_at)
        for e in entries
    ]
