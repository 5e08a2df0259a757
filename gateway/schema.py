"""The root schema: it only combines the domains, and adds the gateway's extensions (caches, limits,
error codes)."""

from __future__ import annotations

import strawberry
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, ParserCache, QueryDepthLimiter, ValidationCache
from strawberry.schema.config import StrawberryConfig

from gateway.accounts.mutations import AccountMutation
from gateway.accounts.queries import AccountQuery
from gateway.bookings.mutations import BookingsMutation
from gateway.bookings.queries import BookingsQuery
from gateway.common import SCALARS
from gateway.enterprises.mutations import EnterpriseMutation
from gateway.enterprises.queries import EnterpriseQuery
from gateway.extensions import CostLimiter, ErrorCodes
from gateway.metrics.queries import MetricsQuery
from gateway.policies.mutations import PolicyMutation
from gateway.policies.queries import PolicyQuery
from gateway.providers.mutations import ProvidersMutation
from gateway.providers.queries import ProvidersQuery
from gateway.settings import GatewaySettings


@strawberry.type
class Query(AccountQuery, EnterpriseQuery, PolicyQuery, ProvidersQuery, BookingsQuery, MetricsQuery):
    pass


@strawberry.type
class Mutation(AccountMutation, EnterpriseMutation, PolicyMutation, ProvidersMutation, BookingsMutation):
    pass


def build_schema(settings: GatewaySettings | None = None) -> strawberry.Schema:
    settings = settings or GatewaySettings()
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        config=StrawberryConfig(auto_camel_case=True, scalar_map=SCALARS),
        # Factories: a fresh extension per request; the parser and validation caches live at module level.
        extensions=[
            ErrorCodes,
            lambda: ParserCache(maxsize=1000),
            lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
            lambda: QueryDepthLimiter(max_depth=settings.max_depth),
            lambda: MaxAliasesLimiter(max_alias_count=settings.max_aliases),
            lambda: CostLimiter(max_cost=settings.max_cost),
            lambda: ValidationCache(maxsize=1000),
        ],
    )


def schema_sdl() -> str:
    """The schema as SDL, as checked in at ``gateway/schema.graphql``."""
    return build_schema().as_str() + "\n"
