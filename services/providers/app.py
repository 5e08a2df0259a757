"""Composition of the providers service: ``create_app(settings, wiring)``."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.kernel.runtime import ServiceRuntime, Wiring, build_service_app
from services.providers import api
from services.providers.models import Inbox, Outbox
from services.providers.settings import ProvidersSettings

MIGRATIONS = Path(__file__).parent / "migrations"
SETTINGS = ProvidersSettings

DESCRIPTION = ("Technical service agencies vetted by the bureau, their qualifications, experts and "
               "certificates, offerings, insurer panels, reviews, complaints and agency performance.")


def create_app(settings: ProvidersSettings | None = None, wiring: Wiring | None = None) -> FastAPI:
    settings = settings or ProvidersSettings()
    runtime = ServiceRuntime(name="providers", settings=settings, outbox=Outbox, inbox=Inbox, wiring=wiring)
    return build_service_app(runtime=runtime, title="Anze providers service", description=DESCRIPTION,
                             routers=[api.router])
