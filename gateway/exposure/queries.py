"""Queries of the exposure board: public, live cases only (the bureau may ask for its withdrawn ones)."""

from __future__ import annotations

import strawberry

from gateway.common import Connection, connection, page_params, unless_missing
from gateway.context import Info
from gateway.exposure.types import ExposureCase


@strawberry.type
class ExposureQuery:
    @strawberry.field(description="Published cases, newest first, for anyone; `townCode` a town (or the city). "
                      "`withdrawn: true` lists withdrawn cases instead (the bureau, its region).")
    async def exposure_cases(self, info: Info, town_code: str | None = None, first: int | None = 20,
                             after: str | None = None, withdrawn: bool = False) -> Connection[ExposureCase]:
        params = {**page_params(first, after), "town_code": town_code or None, "withdrawn": withdrawn or None}
        return connection(await info.context.bookings.exposure_cases(params), ExposureCase.from_api)

    @strawberry.field(description="A published case (null once withdrawn, except for the bureau).")
    async def exposure_case(self, info: Info, id: strawberry.ID) -> ExposureCase | None:
        row = await unless_missing(info.context.bookings.exposure_case(str(id)))
        return ExposureCase.from_api(row) if row else None
