"""Queries about slots, bookings and hazards."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from gateway.bookings.types import Booking, BookingFilter, Hazard, HazardFilter, Slot
from gateway.common import Connection, connection, page_params, unless_missing
from gateway.context import Info
from services.kernel.errors import ValidationProblem


@strawberry.type
class BookingsQuery:
    @strawberry.field(description="Free start times of an offering's experts between two dates (inclusive).")
    async def available_slots(self, info: Info, offering_id: strawberry.ID,
                              from_: Annotated[date, strawberry.argument(name="from")], to: date,
                              expert_id: strawberry.ID | None = None) -> list[Slot]:
        info.context.require()
        if to < from_:
            raise ValidationProblem("`to` is before `from`", field="to")
        rows = await info.context.bookings.slots(str(offering_id), from_.isoformat(), to.isoformat(),
                                                 str(expert_id) if expert_id else None)
        return [Slot.from_api(row) for row in rows]

    @strawberry.field
    async def booking(self, info: Info, id: strawberry.ID) -> Booking | None:
        info.context.require()
        row = await unless_missing(info.context.bookings.booking(str(id)))
        return Booking.from_api(row) if row else None

    @strawberry.field(description="Bookings the caller may see (a firm its own, an agency its own, an expert "
                      "those assigned, an insurer its book, the bureau its region).")
    async def bookings(self, info: Info, filter: BookingFilter | None = None, first: int | None = 50,
                       after: str | None = None) -> Connection[Booking]:
        info.context.require()
        f = filter or BookingFilter()
        params = {**page_params(first, after), "status": f.status.value if f.status else None,
                  "enterprise_id": f.enterprise_id, "policy_id": f.policy_id, "agency_id": f.agency_id,
                  "expert_id": f.expert_id}
        return connection(await info.context.bookings.bookings(params), Booking.from_api)

    @strawberry.field
    async def hazard(self, info: Info, id: strawberry.ID) -> Hazard | None:
        info.context.require()
        row = await unless_missing(info.context.bookings.hazard(str(id)))
        return Hazard.from_api(row) if row else None

    @strawberry.field
    async def hazards(self, info: Info, filter: HazardFilter | None = None, first: int | None = 50,
                      after: str | None = None) -> Connection[Hazard]:
        info.context.require()
        f = filter or HazardFilter()
        params = {**page_params(first, after), "status": f.status.value if f.status else None,
                  "grade": f.grade.value if f.grade else None, "enterprise_id": f.enterprise_id,
                  "agency_id": f.agency_id, "policy_id": f.policy_id}
        return connection(await info.context.bookings.hazards(params), Hazard.from_api)
