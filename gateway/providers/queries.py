"""Queries about agencies and their offerings."""

from __future__ import annotations

import strawberry

from gateway.common import Connection, connection, page_params, unless_missing
from gateway.context import Info
from gateway.providers.types import Agency, AgencyFilter, Offering


@strawberry.type
class ProvidersQuery:
    @strawberry.field(description="Agencies: approved ones for everyone; the bureau and admin may list all.")
    async def agencies(self, info: Info, filter: AgencyFilter | None = None, first: int | None = 50,
                       after: str | None = None) -> Connection[Agency]:
        f = filter or AgencyFilter()
        params = {**page_params(first, after), "service_type": f.service_type.value if f.service_type else None,
                  "town_code": f.town_code, "approved_only": f.approved_only if f.approved_only is not None else True,
                  "min_rating": f.min_rating, "status": f.status.value if f.status else None}
        return connection(await info.context.providers.agencies(params), Agency.from_api)

    @strawberry.field
    async def agency(self, info: Info, id: strawberry.ID) -> Agency | None:
        row = await unless_missing(info.context.providers.agency(str(id)))
        return Agency.from_api(row) if row else None

    @strawberry.field
    async def offering(self, info: Info, id: strawberry.ID) -> Offering | None:
        rows = await info.context.providers.offerings_by_ids([str(id)])
        return Offering.from_api(rows[0]) if rows else None
