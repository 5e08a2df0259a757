"""What the policy service learns from bookings events: open insurer-funded bookings (they block a
cancellation), who delivers each booking (its agency and expert may read the firm) and the hazard record
(it prices the renewal). Safe against repeats and disorder."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.db import utcnow
from services.kernel.events import Event
from services.policy import repository
from services.policy.models import BookingRecord, HazardRecord

# A booking never moves back: a late "requested" after "cancelled" changes nothing.
BOOKING_RANK = {"REQUESTED": 0, "CONFIRMED": 1, "CHECKED_IN": 2, "REPORTED": 3, "ACKNOWLEDGED": 4,
                "CANCELLED": 9, "NO_SHOW": 9}
BOOKING_EVENTS = {"bookings.booking.requested": "REQUESTED", "bookings.booking.confirmed": "CONFIRMED",
                  "bookings.booking.checked_in": "CHECKED_IN", "bookings.visit.reported": "REPORTED",
                  "bookings.visit.acknowledged": "ACKNOWLEDGED", "bookings.booking.cancelled": "CANCELLED",
                  "bookings.booking.no_show": "NO_SHOW"}
HAZARD_EVENTS = {"bookings.hazard.closed": "CLOSED", "bookings.hazard.overdue": "OVERDUE"}


async def on_booking(session: AsyncSession, event: Event) -> None:
    status = BOOKING_EVENTS[event.name]
    p = event.payload
    record = await repository.get_booking_record(session, p["booking_id"])
    if record is None:
        session.add(BookingRecord(booking_id=p["booking_id"], policy_id=p.get("policy_id"),
                                  enterprise_id=p.get("enterprise_id") or "", funding=p.get("funding") or "SELF",
                                  agency_id=p.get("agency_id"), expert_id=p.get("expert_id"),
                                  status=status, updated_at=utcnow()))
        return
    newer = BOOKING_RANK[status] > BOOKING_RANK.get(record.status, 0)
    if newer:
        record.status, record.updated_at = status, utcnow()
    record.policy_id = record.policy_id or p.get("policy_id")
    record.agency_id = record.agency_id or p.get("agency_id")
    if p.get("expert_id") and (newer or not record.expert_id):  # an expert may be reassigned on the way
        record.expert_id = p["expert_id"]


async def on_hazard(session: AsyncSession, event: Event) -> None:
    status = HAZARD_EVENTS[event.name]
    p = event.payload
    record = await repository.get_hazard_record(session, p["hazard_id"])
    if record is None:
        session.add(HazardRecord(hazard_id=p["hazard_id"], enterprise_id=p.get("enterprise_id") or "",
                                 policy_id=p.get("policy_id"), grade=p.get("grade") or "GENERAL", status=status,
                                 updated_at=utcnow()))
    elif record.status != "CLOSED":  # closed is final: an overdue hazard may still be closed, not the reverse
        record.status, record.updated_at = status, utcnow()


HANDLERS = {**{name: on_booking for name in BOOKING_EVENTS}, **{name: on_hazard for name in HAZARD_EVENTS}}
