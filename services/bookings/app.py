"""Composition of the bookings service: ``create_app(settings, wiring)``."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.bookings import api
from services.bookings.models import Inbox, Outbox
from services.bookings.settings import BookingsSettings
from services.kernel.runtime import ServiceRuntime, Wiring, build_service_app

MIGRATIONS = Path(__file__).parent / "migrations"
SETTINGS = BookingsSettings


def create_app(settings: BookingsSettings | None = None, wiring: Wiring | None = None) -> FastAPI:
    settings = settings or BookingsSettings()
    runtime = ServiceRuntime(name="bookings", settings=settings, outbox=Outbox, inbox=Inbox, wiring=wiring)
    return build_service_app(runtime=runtime, title="Anze bookings service",
                             description="Service plans, the prevention-fee ledger, expert availability, bookings, visits and service records, hazards and their rectification loop, the service archive.", routers=[api.router])
