"""The bureau's vetting of agencies: the table of allowed decisions and the one function that applies them."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.auth import Principal
from services.kernel.db import utcnow
from services.kernel.errors import Forbidden, InvalidState, ValidationProblem
from services.kernel.events import record_event
from services.kernel.ids import new_id
from services.providers.models import Agency, AgencyDecision, Outbox
from services.providers.schemas import AgencyStatus, Decision
from services.providers.scope_changes import may_vet

S, D = AgencyStatus, Decision

# (status now, decision) -> status after. REQUEST_INFO keeps the application PENDING and flags it.
TRANSITIONS: dict[tuple[AgencyStatus, Decision], AgencyStatus] = {
    (S.PENDING, D.APPROVE): S.APPROVED,
    (S.PENDING, D.REJECT): S.REJECTED,
    (S.PENDING, D.REQUEST_INFO): S.PENDING,
    (S.APPROVED, D.SUSPEND): S.SUSPENDED,
    (S.APPROVED, D.REVOKE): S.REVOKED,
    (S.SUSPENDED, D.APPROVE): S.APPROVED,  # reinstated after the suspension's cause is fixed
    (S.SUSPENDED, D.REVOKE): S.REVOKED,
}

NEEDS_REASON = {D.REJECT, D.REQUEST_INFO, D.SUSPEND, D.REVOKE}

EVENTS = {
    D.APPROVE: "providers.agency.approved",
    D.REJECT: "providers.agency.rejected",
    D.REQUEST_INFO: "providers.agency.info_requested",
    D.SUSPEND: "providers.agency.suspended",
    D.REVOKE: "providers.agency.revoked",
}


def may_decide(principal: Principal, agency: Agency) -> bool:
    """The bureau of the agency's home region (the town it registered in) decides on it; the admin on any.
    A town the agency lists later does not make that town's bureau its judge (issue 13, finding 5)."""
    return may_vet(principal, agency)


async def decide(session: AsyncSession, *, agency: Agency, decision: Decision, note: str | None,
                 principal: Principal) -> AgencyDecision:
    """Apply one decision: checked against the table, recorded (who, when, why) and published."""
    if not may_decide(principal, agency):
        raise Forbidden("only the bureau of the agency's home region may decide on it")
    current = AgencyStatus(agency.status)
    target = TRANSITIONS.get((current, decision))
    if target is None:
        allowed = ", ".join(d.value for (s, d) in TRANSITIONS if s is current) or "none"
        raise InvalidState(f"an agency that is {current.value} cannot get {decision.value} "
                           f"(allowed now: {allowed})", field="decision")
    note = (note or "").strip() or None
    if decision in NEEDS_REASON and note is None:
        raise ValidationProblem(f"{decision.value} needs a reason in note", field="note")
    now = utcnow()
    record = AgencyDecision(id=new_id("dec"), agency_id=agency.id, decision=decision.value,
                            from_status=current.value, to_status=target.value, note=note,
                            decided_by=principal.sub, decided_role=principal.role.value, decided_at=now)
    session.add(record)
    agency.status = target.value
    agency.info_requested = decision is D.REQUEST_INFO
    agency.status_note = note
    agency.updated_at = now
    await session.flush()
    record_event(session, Outbox, EVENTS[decision], {
        "agency_id": agency.id, "name": agency.name, "status": target.value, "note": note,
        "decision": decision.value, "previous_status": current.value, "decided_by": principal.sub,
        "decided_at": now.isoformat(), "service_types": list(agency.service_types),
        "town_codes": list(agency.town_codes),
    })
    return record
