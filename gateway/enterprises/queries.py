"""Queries about regions and firms."""

from __future__ import annotations

import strawberry

from gateway.common import Connection, connection, page_params, unless_missing
from gateway.context import Info
from gateway.enterprises.types import Enterprise, EnterpriseFilter, Industry, Region
from services.kernel.auth import Role


@strawberry.type
class EnterpriseQuery:
    @strawberry.field(description="Regions the platform uses; children of `parentCode` when given.")
    async def regions(self, info: Info, parent_code: str | None = None) -> list[Region]:
        return [Region.from_api(row) for row in await info.context.policy.regions(parent_code)]

    @strawberry.field(description="The industry codes a firm registers under (GB/T 4754-2017 divisions, with "
                      "their Chinese names); any other code is refused with UNKNOWN_INDUSTRY_CODE.")
    async def industries(self, info: Info) -> list[Industry]:
        return [Industry.from_api(row) for row in await info.context.policy.industries()]

    @strawberry.field
    async def enterprise(self, info: Info, id: strawberry.ID) -> Enterprise | None:
        info.context.require()
        row = await unless_missing(info.context.policy.enterprise(str(id)))
        return Enterprise.from_api(row) if row else None

    @strawberry.field(description="Firms the caller may see (the bureau its region, an insurer the firms of "
                      "its book: a policy or a quote with it, admin all; an enterprise itself).")
    async def enterprises(self, info: Info, filter: EnterpriseFilter | None = None, first: int | None = 50,
                          after: str | None = None) -> Connection[Enterprise]:
        info.context.require(Role.ENTERPRISE, Role.INSURER, Role.BUREAU)
        f = filter or EnterpriseFilter()
        params = {**page_params(first, after), "town_code": f.town_code, "village_code": f.village_code,
                  "size_class": f.size_class.value if f.size_class else None, "insured": f.insured,
                  "high_risk_tag": f.high_risk_tag, "search": f.search, "park": f.park_name,
                  "in_park": f.in_park}
        return connection(await info.context.policy.enterprises(params), Enterprise.from_api)
