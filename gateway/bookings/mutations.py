"""Mutations on bookings, visits and hazards."""

from __future__ import annotations

from typing import Any

import strawberry

from gateway.bookings.types import (
    Booking,
    BookingResult,
    BookVisitInput,
    Hazard,
    HazardInput,
    HazardResult,
    RectificationInput,
    VisitReportInput,
)
from gateway.common import returns_operation_error
from gateway.context import Info
from services.kernel.auth import Role


def _hazard(h: HazardInput) -> dict[str, Any]:
    six = h.six_in_place
    return {"grade": h.grade.value, "description": h.description, "deadline": h.deadline.isoformat(),
            "location": h.location, "photo_ids": [str(p) for p in h.photo_ids or []],
            "six_in_place": None if six is None else {
                "personnel": six.personnel, "responsibility": six.responsibility, "measures": six.measures,
                "funds": six.funds, "deadline": six.deadline, "contingency_plan": six.contingency_plan}}


@strawberry.type
class BookingsMutation:
    @strawberry.mutation
    @returns_operation_error
    async def book_visit(self, info: Info, input: BookVisitInput, idempotency_key: str | None = None) -> BookingResult:
        info.context.require(Role.ENTERPRISE)
        row = await info.context.bookings.book_visit({
            "offering_id": input.offering_id, "enterprise_id": input.enterprise_id,
            "start": input.start.isoformat(), "expert_id": input.expert_id, "policy_id": input.policy_id,
            "funding": input.funding.value}, idempotency_key)
        return Booking.from_api(row)

    @strawberry.mutation
    @returns_operation_error
    async def confirm_booking(self, info: Info, booking_id: strawberry.ID,
                              expert_id: strawberry.ID | None = None) -> BookingResult:
        info.context.require(Role.AGENCY)
        return Booking.from_api(await info.context.bookings.confirm(str(booking_id),
                                                                    str(expert_id) if expert_id else None))

    @strawberry.mutation
    @returns_operation_error
    async def cancel_booking(self, info: Info, booking_id: strawberry.ID, reason: str) -> BookingResult:
        info.context.require(Role.ENTERPRISE, Role.AGENCY)
        return Booking.from_api(await info.context.bookings.cancel(str(booking_id), reason))

    @strawberry.mutation(description="The assigned expert checks in on site, with the phone's location when it is "
                         "given (both or neither). Check-in opens a set time before the visit's start (bookings "
                         "setting, 2 hours by default): earlier is CHECK_IN_NOT_OPEN with `retryAt`, when it opens.")
    @returns_operation_error
    async def check_in(self, info: Info, booking_id: strawberry.ID, latitude: float | None = None,
                       longitude: float | None = None) -> BookingResult:
        info.context.require(Role.EXPERT)
        body = {"latitude": latitude, "longitude": longitude} if latitude is not None or longitude is not None else {}
        return Booking.from_api(await info.context.bookings.check_in(str(booking_id), body))

    @strawberry.mutation
    @returns_operation_error
    async def submit_visit_report(self, info: Info, booking_id: strawberry.ID,
                                  input: VisitReportInput) -> BookingResult:
        info.context.require(Role.EXPERT)
        body = {"summary": input.summary, "items": input.items, "findings": input.findings,
                "measures": input.measures, "hazards": [_hazard(h) for h in input.hazards]}
        return Booking.from_api(await info.context.bookings.report(str(booking_id), body))

    @strawberry.mutation
    @returns_operation_error
    async def acknowledge_visit_report(self, info: Info, booking_id: strawberry.ID) -> BookingResult:
        info.context.require(Role.ENTERPRISE)
        return Booking.from_api(await info.context.bookings.acknowledge(str(booking_id)))

    @strawberry.mutation
    @returns_operation_error
    async def submit_rectification(self, info: Info, hazard_id: strawberry.ID,
                                   input: RectificationInput) -> HazardResult:
        info.context.require(Role.ENTERPRISE)
        return Hazard.from_api(await info.context.bookings.rectify(
            str(hazard_id), input.description, [str(p) for p in input.photo_ids or []]))

    @strawberry.mutation
    @returns_operation_error
    async def verify_rectification(self, info: Info, hazard_id: strawberry.ID, accepted: bool,
                                   note: str | None = None) -> HazardResult:
        info.context.require(Role.EXPERT)
        return Hazard.from_api(await info.context.bookings.verify(str(hazard_id), accepted, note))
