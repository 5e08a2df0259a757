"""An approved agency's scope (service types, towns served) changes only with the bureau's approval.

Before approval (PENDING) an agency edits its application freely. Once APPROVED (or SUSPENDED), a new list of
service types or towns through ``PATCH /v1/agencies/{id}`` becomes a PENDING ``AgencyScopeChange``: the
agency keeps its approved scope, which search, booking and availability read, until the bureau of the
agency's home region (the town it registered in, never a town it adds) or the admin approves it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.auth import Principal, Role
from services.kernel.db import utcnow
from services.kernel.errors import Forbidden, InvalidState, NotFound, ValidationProblem
from services.kernel.events import record_event
from services.kernel.ids import new_id
from services.providers import repository as repo
from services.providers.models import Agency, AgencyScopeChange, Outbox
from services.providers.schemas import AgencyStatus, ScopeDecision

VETTED = (AgencyStatus.APPROVED, AgencyStatus.SUSPENDED)
SCOPE_CHANGED = "providers.agency.scope_changed"


def home_town(agency: Agency) -> str | None:
    """The town whose bureau vets the agency: the one it registered in (older rows: its lowest town)."""
    return agency.home_town_code or (sorted(agency.town_codes)[0] if agency.town_codes else None)


def may_vet(principal: Principal, agency: Agency) -> bool:
    """The bureau of the agency's home region, or the admin (a bureau without a region decides nothing)."""
    if principal.role is Role.ADMIN:
        return True
    return principal.role is Role.BUREAU and principal.in_region(home_town(agency))


def is_vetted(agency: Agency) -> bool:
    return agency.status in VETTED


async def request(session: AsyncSession, *, agency: Agency, principal: Principal, service_types: list[str] | None,
                  town_codes: list[str] | None) -> AgencyScopeChange | None:
    """A vetted agency asks for a new scope: one PENDING request at a time (a new one withdraws the previous);
    asking for the approved scope again withdraws the pending request. Returns the pending request, if any."""
    types = sorted(set(service_types)) if service_types is not None else list(agency.service_types)
    towns = sorted(set(town_codes)) if town_codes is not None else list(agency.town_codes)
    pending = await repo.pending_scope_change(session, agency.id)
    if pending is not None:
        if pending.service_types == types and pending.town_codes == towns:
            return pending
        pending.status, pending.decided_by, pending.decided_role = "WITHDRAWN", principal.sub, principal.role.value
        pending.decided_at, pending.note = utcnow(), "replaced by a newer request"
    if types == sorted(agency.service_types) and towns == sorted(agency.town_codes):
        await session.flush()
        return None
    change = AgencyScopeChange(id=new_id("scp"), agency_id=agency.id, status="PENDING",
                               from_service_types=list(agency.service_types), from_town_codes=list(agency.town_codes),
                               service_types=types, town_codes=towns, requested_by=principal.sub,
                               requested_at=utcnow())
    session.add(change)
    await session.flush()
    return change


async def decide(session: AsyncSession, *, agency: Agency, change_id: str, decision: ScopeDecision,
                 note: str | None, principal: Principal) -> AgencyScopeChange:
    """The home region's bureau approves (the agency's scope becomes the requested one) or rejects (with a
    reason); recorded with who and when, and published."""
    change = await repo.get_scope_change(session, change_id)
    if change is None or change.agency_id != agency.id:
        raise NotFound(f"no scope change {change_id} for agency {agency.id}")
    if not may_vet(principal, agency):
        raise Forbidden("only the bureau of the agency's home region decides on its scope")
    if change.status != "PENDING":
        raise InvalidState(f"this scope change is {change.status}, not PENDING")
    if not is_vetted(agency):
        raise InvalidState(f"a {agency.status} agency's scope is not changed")
    note = (note or "").strip() or None
    if decision is ScopeDecision.REJECT and note is None:
        raise ValidationProblem("REJECT needs a reason in note", field="note")
    now = utcnow()
    change.status = "APPROVED" if decision is ScopeDecision.APPROVE else "REJECTED"
    change.decided_by, change.decided_role, change.decided_at, change.note = (
        principal.sub, principal.role.value, now, note)
    if decision is ScopeDecision.APPROVE:
        agency.service_types, agency.town_codes = list(change.service_types), list(change.town_codes)
        agency.updated_at = now
        # towns dropped from the scope leave the offerings too (an offering left with none is withdrawn);
        # a dropped service type already makes its offerings unbookable (``offering_bookable``)
        approved = set(change.town_codes)
        for offering in await repo.offerings_of(session, [agency.id]):
            kept = sorted(set(offering.town_codes) & approved)
            if kept != sorted(offering.town_codes):
                offering.town_codes = kept or list(offering.town_codes)
                offering.active = offering.active and bool(kept)
    await session.flush()
    record_event(session, Outbox, SCOPE_CHANGED, {
        "agency_id": agency.id, "change_id": change.id, "status": change.status,
        "service_types": list(agency.service_types), "town_codes": list(agency.town_codes),
        "decided_by": principal.sub, "decided_at": now.isoformat()})
    return change


def may_read(principal: Principal, agency: Agency, *, own: bool) -> bool:
    """The agency itself, the admin, the bureau of its home region or of a town it serves."""
    if own or principal.role is Role.ADMIN:
        return True
    return principal.role is Role.BUREAU and (may_vet(principal, agency)
                                              or any(principal.in_region(t) for t in agency.town_codes))
