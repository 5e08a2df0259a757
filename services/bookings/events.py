"""Events the bookings service publishes (names and payloads, version 1)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.bookings.models import Booking, ExposureCase, Hazard, Outbox
from services.kernel.events import Event, record_event

BOOKING_REQUESTED = "bookings.booking.requested"
BOOKING_CONFIRMED = "bookings.booking.confirmed"
BOOKING_CANCELLED = "bookings.booking.cancelled"
BOOKING_RESCHEDULED = "bookings.booking.rescheduled"
BOOKING_NO_SHOW = "bookings.booking.no_show"
BOOKING_FLAGGED = "bookings.booking.flagged"
VISIT_REPORTED = "bookings.visit.reported"
VISIT_ACKNOWLEDGED = "bookings.visit.acknowledged"
HAZARD_FOUND = "bookings.hazard.found"
HAZARD_RECTIFIED = "bookings.hazard.rectification_submitted"
HAZARD_REJECTED = "bookings.hazard.rejected"
HAZARD_CLOSED = "bookings.hazard.closed"
HAZARD_OVERDUE = "bookings.hazard.overdue"
PRINCIPAL_NOTIFIED = "bookings.hazard.principal_notified"
EXPOSURE_PUBLISHED = "bookings.exposure_case.published"
EXPOSURE_WITHDRAWN = "bookings.exposure_case.withdrawn"


def booking_payload(booking: Booking) -> dict[str, Any]:
    return {
        "booking_id": booking.id, "number": booking.number, "enterprise_id": booking.enterprise_id,
        "agency_id": booking.agency_id, "policy_id": booking.policy_id, "insurer_id": booking.insurer_id,
        "expert_id": booking.expert_id, "offering_id": booking.offering_id, "service_type": booking.service_type,
        "town_code": booking.town_code, "start": booking.start.isoformat(), "end": booking.end.isoformat(),
        "funding": booking.funding, "price_fen": booking.price_fen, "status": booking.status,
    }


def hazard_payload(hazard: Hazard) -> dict[str, Any]:
    return {
        "hazard_id": hazard.id, "booking_id": hazard.booking_id, "enterprise_id": hazard.enterprise_id,
        "agency_id": hazard.agency_id, "policy_id": hazard.policy_id, "insurer_id": hazard.insurer_id,
        "grade": hazard.grade, "town_code": hazard.town_code, "deadline": hazard.deadline.isoformat(),
        "status": hazard.status,
    }


def exposure_event(session: AsyncSession, name: str, case: ExposureCase, **extra: Any) -> None:
    record_event(session, Outbox, name, {
        "case_id": case.id, "number": case.number, "hazard_id": case.hazard_id, "enterprise_id": case.enterprise_id,
        "town_code": case.town_code, "title": case.title, "hazard_grade": case.hazard_grade,
        "hazard_status": case.hazard_status, "published_at": case.published_at.isoformat(), **extra})


def booking_event(session: AsyncSession, name: str, booking: Booking, **extra: Any) -> None:
    record_event(session, Outbox, name, {**booking_payload(booking), **extra})


def hazard_event(session: AsyncSession, name: str, hazard: Hazard, **extra: Any) -> None:
    record_event(session, Outbox, name, {**hazard_payload(hazard), **extra})


_FACTS = {BOOKING_REQUESTED: "booking_requested", BOOKING_CANCELLED: "booking_cancelled",
          BOOKING_NO_SHOW: "booking_no_show", VISIT_REPORTED: "visit_reported",
          HAZARD_FOUND: "hazard_found", HAZARD_CLOSED: "hazard_closed", HAZARD_OVERDUE: "hazard_overdue",
          EXPOSURE_PUBLISHED: "exposure_case_published", EXPOSURE_WITHDRAWN: "exposure_case_withdrawn"}


def business_facts(event: Event) -> list[str]:
    """The business facts an event stands for, counted in ``anze_business_events_total``; an overdue
    MAJOR hazard also counts as ``hazard_overdue_major``, which the bureau's alert watches."""
    fact = _FACTS.get(event.name)
    if fact is None:
        return []
    if event.name == HAZARD_OVERDUE and event.payload.get("grade") == "MAJOR":
        return [fact, "hazard_overdue_major"]
    return [fact]
