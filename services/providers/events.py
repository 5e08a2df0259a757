"""What the providers service learns from the bookings service's events: visits done and acknowledged
(reviews are allowed only after acknowledgement) and hazards found, closed or overdue (performance)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.events import Event, EventHandler
from services.providers import repository as repo
from services.providers import repository_feedback as facts
from services.providers.models import Agency, CoverFact, FirmTown, HazardFact, VisitFact

log = logging.getLogger("anze.providers.events")


async def _visit(session: AsyncSession, payload: Mapping[str, Any]) -> VisitFact:
    visit = await facts.get_visit(session, str(payload["booking_id"]))
    if visit is None:
        visit = VisitFact(booking_id=str(payload["booking_id"]), agency_id=str(payload["agency_id"]),
                          enterprise_id=str(payload["enterprise_id"]), expert_id=payload.get("expert_id"))
        session.add(visit)
    return visit


async def on_visit_reported(session: AsyncSession, event: Event) -> None:
    visit = await _visit(session, event.payload)
    if visit.reported_at is None:
        visit.reported_at = event.occurred_at
        agency = await repo.get_agency(session, visit.agency_id)
        if agency is not None:
            agency.visits_done = Agency.visits_done + 1  # type: ignore[assignment]
    await session.flush()


async def on_visit_acknowledged(session: AsyncSession, event: Event) -> None:
    visit = await _visit(session, event.payload)
    if visit.acknowledged_at is None:
        visit.acknowledged_at = event.occurred_at
    if visit.reported_at is None:  # an acknowledged visit was reported, even if that event came later
        visit.reported_at = event.occurred_at
        agency = await repo.get_agency(session, visit.agency_id)
        if agency is not None:
            agency.visits_done = Agency.visits_done + 1  # type: ignore[assignment]
    await session.flush()


async def _hazard(session: AsyncSession, payload: Mapping[str, Any]) -> HazardFact:
    hazard = await facts.get_hazard(session, str(payload["hazard_id"]))
    if hazard is None:
        hazard = HazardFact(hazard_id=str(payload["hazard_id"]), agency_id=str(payload["agency_id"]),
                            booking_id=payload.get("booking_id"), grade=payload.get("grade"))
        session.add(hazard)
    return hazard


async def on_hazard_found(session: AsyncSession, event: Event) -> None:
    hazard = await _hazard(session, event.payload)
    hazard.found_at = hazard.found_at or event.occurred_at
    await session.flush()


async def on_hazard_closed(session: AsyncSession, event: Event) -> None:
    hazard = await _hazard(session, event.payload)
    hazard.closed_at = hazard.closed_at or event.occurred_at
    await session.flush()


async def on_hazard_overdue(session: AsyncSession, event: Event) -> None:
    hazard = await _hazard(session, event.payload)
    hazard.overdue_at = hazard.overdue_at or event.occurred_at
    await session.flush()


async def on_enterprise(session: AsyncSession, event: Event) -> None:
    """policy.enterprise.registered / updated: remember the firm's registered town."""
    town = event.payload.get("town_code")
    if not town:
        return
    enterprise_id = str(event.payload["enterprise_id"])
    firm = await facts.get_firm_town(session, enterprise_id)
    if firm is None:
        session.add(FirmTown(enterprise_id=enterprise_id, town_code=str(town), updated_at=event.occurred_at))
    else:
        firm.town_code, firm.updated_at = str(town), event.occurred_at
async def on_policy_activated(session: AsyncSession, event: Event) -> None:
    """A firm is on the insurer's book for the policy's term (for the complaints its insurer may read)."""
    p = event.payload
    if await session.get(CoverFact, str(p["policy_id"])) is None:
        session.add(CoverFact(policy_id=str(p["policy_id"]), enterprise_id=str(p["enterprise_id"]),
                              insurer_id=str(p["insurer_id"]), start_date=date.fromisoformat(str(p["start_date"])),
                              end_date=date.fromisoformat(str(p["end_date"]))))
    await session.flush()


async def on_policy_cancelled(session: AsyncSession, event: Event) -> None:
    fact = await session.get(CoverFact, str(event.payload["policy_id"]))
    if fact is not None and event.payload.get("cancelled_on"):
        fact.cancelled_on = date.fromisoformat(str(event.payload["cancelled_on"]))
    await session.flush()


def _requiring(keys: tuple[str, ...], handler: EventHandler) -> EventHandler:
    """A payload without the ids the handler needs is logged and skipped: redelivering it forever would
    hold up every event behind it."""

    async def guarded(session: AsyncSession, event: Event) -> None:
        missing = [k for k in keys if not event.payload.get(k)]
        if missing:
            log.error("skipping %s %s: payload lacks %s", event.name, event.id, ", ".join(missing))
            return
        await handler(session, event)

    return guarded


VISIT_KEYS, HAZARD_KEYS = ("booking_id", "agency_id", "enterprise_id"), ("hazard_id", "agency_id")
COVER_KEYS = ("policy_id", "enterprise_id", "insurer_id", "start_date", "end_date")
HANDLERS: dict[str, EventHandler] = {
    "bookings.visit.reported": _requiring(VISIT_KEYS, on_visit_reported),
    "bookings.visit.acknowledged": _requiring(VISIT_KEYS, on_visit_acknowledged),
    "bookings.hazard.found": _requiring(HAZARD_KEYS, on_hazard_found),
    "bookings.hazard.closed": _requiring(HAZARD_KEYS, on_hazard_closed),
    "bookings.hazard.overdue": _requiring(HAZARD_KEYS, on_hazard_overdue),
    "policy.enterprise.registered": _requiring(("enterprise_id",), on_enterprise),
    "policy.enterprise.updated": _requiring(("enterprise_id",), on_enterprise),
    "policy.policy.activated": _requiring(COVER_KEYS, on_policy_activated),
    "policy.policy.cancelled": _requiring(("policy_id",), on_policy_cancelled),
}
