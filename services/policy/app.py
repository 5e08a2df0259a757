"""Composition of the policy service: ``create_app(settings, wiring)``."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.policy import api
from services.policy.models import Inbox, Outbox
from services.policy.settings import PolicySettings
from services.kernel.runtime import ServiceRuntime, Wiring, build_service_app

MIGRATIONS = Path(__file__).parent / "migrations"
SETTINGS = PolicySettings


def create_app(settings: PolicySettings | None = None, wiring: Wiring | None = None) -> FastAPI:
    settings = settings or PolicySettings()
    runtime = ServiceRuntime(name="policy", settings=settings, outbox=Outbox, inbox=Inbox, wiring=wiring)
    return build_service_app(runtime=runtime, title="Anze policy service",
                             description="Firm registry (the coverage denominator), insurers, products and pricing, quotes, policies, payments, prevention budgets, claims and coverage aggregates.", routers=[api.router])
