"""Queries about products and policies."""

from __future__ import annotations

import strawberry

from gateway.common import Connection, connection, page_params, unless_missing
from gateway.context import Info
from gateway.policies.types import Insurer, Policy, PolicyFilter, Product
from services.kernel.auth import Role


@strawberry.type
class PolicyQuery:
    @strawberry.field(description="Products on sale, of one insurer when given.")
    async def products(self, info: Info, insurer_id: strawberry.ID | None = None) -> list[Product]:
        return [Product.from_api(row) for row in await info.context.policy.products(insurer_id)]

    @strawberry.field
    async def insurers(self, info: Info) -> list[Insurer]:
        return [Insurer.from_api(row) for row in await info.context.policy.insurers()]

    @strawberry.field
    async def policy(self, info: Info, id: strawberry.ID) -> Policy | None:
        info.context.require()
        row = await unless_missing(info.context.policy.policy(str(id)))
        return Policy.from_api(row) if row else None

    @strawberry.field(description="Policies the caller may see: a firm its own, an insurer its book, the bureau "
                      "its region.")
    async def policies(self, info: Info, filter: PolicyFilter | None = None, first: int | None = 50,
                       after: str | None = None) -> Connection[Policy]:
        info.context.require(Role.ENTERPRISE, Role.INSURER, Role.BUREAU)
        f = filter or PolicyFilter()
        params = {**page_params(first, after), "status": f.status.value if f.status else None,
                  "enterprise_id": f.enterprise_id, "insurer_id": f.insurer_id,
                  "ending_within_days": f.ending_within_days}
        return connection(await info.context.policy.policies(params), Policy.from_api)
