"""Composition of the gateway: ``create_app(settings, wiring)``. It serves GraphQL at ``/graphql``
(GraphiQL on GET, except with ANZE_ENV=prod), the report downloads and the documents (PDF) under ``/reports``,
qualification scans under ``/scans``, photo uploads and downloads (``/uploads/photos``), and its own accounts
database."""

from __future__ import annotations

import functools
from datetime import timedelta
from pathlib import Path

from argon2 import PasswordHasher
from fastapi import FastAPI

from gateway.accounts.models import Inbox, Outbox, Revocation
from gateway.accounts.service import AccountPolicy
from gateway.bookings.photos import router as photos_router
from gateway.clients.base import CircuitBreaker, ServiceEndpoint
from gateway.context import build_context
from gateway.documents import router as documents_router
from gateway.metrics.reports import router as reports_router
from gateway.persisted import GatewayRouter, PersistedQueries
from gateway.providers.scans import router as scans_router
from gateway.schema import build_schema
from gateway.settings import GatewaySettings
from services.kernel.auth import TokenSigner
from services.kernel.runtime import ServiceRuntime, Wiring, build_service_app

MIGRATIONS = Path(__file__).parent / "migrations"
SETTINGS = GatewaySettings


class Gateway:
    """What the gateway's resolvers share for the life of the process."""

    def __init__(self, settings: GatewaySettings, runtime: ServiceRuntime) -> None:
        self.settings = settings
        self.runtime = runtime
        self.database = runtime.database
        self.signer = TokenSigner(settings.signing_key_pem(), issuer=settings.kernel.jwt_issuer,
                                  lifetime=timedelta(minutes=settings.token_minutes))
        self.account_policy = AccountPolicy(max_failures=settings.login_max_failures,
                                            lock=timedelta(minutes=settings.login_lock_minutes),
                                            refresh_lifetime=timedelta(days=settings.refresh_days),
                                            hasher=PasswordHasher(time_cost=settings.argon2_time_cost,
                                                                  memory_cost=settings.argon2_memory_kib),
                                            access_lifetime=timedelta(minutes=settings.token_minutes),
                                            address_max_failures=settings.login_max_failures_per_address,
                                            revocations=runtime.revocations)
        self.trusted_proxies = settings.trusted_networks()  # whose X-Forwarded-For login throttling believes
        self.endpoints: dict[str, ServiceEndpoint] = {}
        for part, url in (("policy", settings.policy_url), ("providers", settings.providers_url),
                          ("bookings", settings.bookings_url)):
            self.endpoints[part] = ServiceEndpoint(
                part, functools.partial(runtime.client, part, url, timeout=settings.service_timeout_seconds),
                CircuitBreaker(settings.breaker_failures, settings.breaker_reset_seconds))

    def service_calls(self) -> dict[str, int]:
        """Calls made to each service since start (what the N+1 tests count)."""
        return {name: endpoint.calls for name, endpoint in self.endpoints.items()}


def create_app(settings: GatewaySettings | None = None, wiring: Wiring | None = None) -> FastAPI:
    settings = settings or GatewaySettings()
    runtime = ServiceRuntime(name="gateway", settings=settings, outbox=Outbox, inbox=Inbox, wiring=wiring,
                             revocations=Revocation)
    gateway = Gateway(settings, runtime)
    graphql = GatewayRouter(build_schema(settings), context_getter=build_context,
                            graphql_ide=None if settings.kernel.env == "prod" else "graphiql",  # no IDE in prod
                            persisted=PersistedQueries(), persisted_only=settings.persisted_queries_only)
    app = build_service_app(
        runtime=runtime, title="Anze gateway",
        description="The GraphQL API of Anze (at /graphql), accounts and login, and report downloads.",
        routers=[reports_router, documents_router, scans_router, photos_router],
        body_limits={r"^/scans/": settings.upload_max_bytes + 1024 * 1024,
                     r"^/uploads/photos$": settings.upload_max_bytes + 1024 * 1024})
    app.include_router(graphql, prefix="/graphql")
    app.state.gateway = gateway
    return app
