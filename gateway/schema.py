"""The root schema: it only combines the domains, and adds the gateway's extensions (caches, limits,
error codes)."""

from __future__ import annotations

import logging

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, ParserCache, QueryDepthLimiter, ValidationCache
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from gateway.accounts.mutations import AccountMutation
from gateway.accounts.queries import AccountQuery
from gateway.bookings.mutations import BookingsMutation
from gateway.bookings.queries import BookingsQuery
from gateway.common import SCALARS
from gateway.enterprises.mutations import EnterpriseMutation
from gateway.enterprises.queries import EnterpriseQuery
from gateway.exposure.mutations import ExposureMutation
from gateway.exposure.queries import ExposureQuery
from gateway.extensions import CostLimiter, ErrorCodes
from gateway.metrics.queries import ActionListQuery, MetricsQuery
from gateway.panels.mutations import PanelMutation
from gateway.panels.queries import PanelQuery
from gateway.policies.mutations import PolicyMutation
from gateway.policies.queries import PolicyQuery
from gateway.prevention.mutations import PreventionMutation
from gateway.prevention.queries import PreventionQuery
from gateway.providers.complaints import ComplaintsMutation, ComplaintsQuery
from gateway.providers.experts import ExpertsMutation, ExpertsQuery
from gateway.providers.mutations import ProvidersMutation
from gateway.providers.queries import ProvidersQuery
from gateway.providers.reviews import ReviewsMutation, ReviewsQuery
from gateway.settings import GatewaySettings
from services.kernel.errors import ProblemError

log = logging.getLogger("anze.gateway")


@strawberry.type
class Query(AccountQuery, EnterpriseQuery, PolicyQuery, ProvidersQuery, BookingsQuery, MetricsQuery,
            ActionListQuery, ExposureQuery, PanelQuery, PreventionQuery, ComplaintsQuery, ExpertsQuery,
            ReviewsQuery):
    pass


@strawberry.type
class Mutation(AccountMutation, EnterpriseMutation, PolicyMutation, ProvidersMutation, BookingsMutation,
               ExposureMutation, PanelMutation, PreventionMutation, ComplaintsMutation, ExpertsMutation,
               ReviewsMutation):
    pass


class GatewaySchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        """Expected failures (a service's problem, a refused query) are logged briefly; others in full."""
        for error in errors:
            original = error.original_error
            if original is None or isinstance(original, ProblemError):
                log.info("graphql error at %s: %s", error.path, error.message)
            else:
                log.error("graphql error at %s: %s", error.path, error.message, exc_info=original)


def build_schema(settings: GatewaySettings | None = None) -> strawberry.Schema:
    settings = settings or GatewaySettings()
    return GatewaySchema(
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


if __name__ == "__main__":  # `python -m gateway.schema > gateway/schema.graphql` (make schema)
    import sys

    sys.stdout.write(schema_sdl())
