"""Composition of the providers service: ``create_app(settings, wiring)``."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.kernel.runtime import ScheduledJob, ServiceRuntime, Wiring, build_service_app
from services.providers import api, expiry
from services.providers.calendar import ensure_calendar
from services.providers.events import HANDLERS
from services.providers.models import Inbox, Outbox, Revocation
from services.providers.settings import ProvidersSettings
from services.providers.storage import LocalDiskStorage

MIGRATIONS = Path(__file__).parent / "migrations"
SETTINGS = ProvidersSettings

DESCRIPTION = ("Technical service agencies vetted by the bureau, their qualifications, experts and "
               "certificates, offerings, insurer panels, reviews, complaints and agency performance.")


async def _qualification_check(runtime: ServiceRuntime) -> None:
    result = await expiry.run_daily(runtime.database)
    if result.warned or result.withdrawn:
        runtime.relay.notify()


async def _calendar(runtime: ServiceRuntime) -> None:
    async with runtime.database.transaction() as session:
        await ensure_calendar(session)


def create_app(settings: ProvidersSettings | None = None, wiring: Wiring | None = None) -> FastAPI:
    settings = settings or ProvidersSettings()
    runtime = ServiceRuntime(name="providers", settings=settings, outbox=Outbox, inbox=Inbox, wiring=wiring,
                             revocations=Revocation)
    runtime.state["storage"] = LocalDiskStorage(settings.resolved_storage_dir())
    runtime.consume(HANDLERS)
    # Idempotent, so hourly is safe on any number of replicas; the date check is Asia/Shanghai.
    runtime.jobs.append(ScheduledJob(name="qualification-expiry", every_seconds=3600, run=_qualification_check))
    runtime.jobs.append(ScheduledJob(name="working-calendar", every_seconds=86_400, run=_calendar))
    return build_service_app(runtime=runtime, title="Anze providers service", description=DESCRIPTION,
                             routers=[api.router],
                             body_limits={r"^/v1/agencies/[^/]+/qualifications/[^/]+/scan$":
                                          settings.max_upload_bytes + 1024 * 1024})
