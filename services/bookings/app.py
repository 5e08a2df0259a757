"""Composition of the bookings service: ``create_app(settings, wiring)``."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm.exc import StaleDataError

from services.bookings import api, api_exposure, api_records, consumers, hazards
from services.bookings import events as bookings_events
from services.bookings.context import BookingContext
from services.bookings.models import Inbox, Outbox, Revocation
from services.bookings.settings import BookingsSettings
from services.bookings.storage import LocalStorage
from services.kernel.errors import InvalidState, problem_response
from services.kernel.runtime import ScheduledJob, ServiceRuntime, Wiring, build_service_app

MIGRATIONS = Path(__file__).parent / "migrations"
SETTINGS = BookingsSettings


def create_app(settings: BookingsSettings | None = None, wiring: Wiring | None = None) -> FastAPI:
    settings = settings or BookingsSettings()
    runtime = ServiceRuntime(name="bookings", settings=settings, outbox=Outbox, inbox=Inbox, wiring=wiring,
                             revocations=Revocation)
    runtime.business_facts = bookings_events.business_facts
    storage = LocalStorage(settings.storage_dir or settings.kernel.var_dir / "uploads" / "bookings")
    ctx = BookingContext.build(settings, runtime.client("providers", settings.providers_url), storage)
    runtime.state["ctx"] = ctx
    runtime.consume(consumers.handlers(ctx))

    async def overdue(rt: ServiceRuntime) -> None:
        async with rt.database.transaction() as session:
            marked = await hazards.mark_overdue(ctx=ctx, session=session)
        if marked:
            rt.relay.notify()

    runtime.jobs.append(ScheduledJob(name="hazards-overdue", every_seconds=settings.overdue_job_seconds, run=overdue))
    app = build_service_app(
        runtime=runtime, title="Anze bookings service",
        description="Service plans, the prevention-fee ledger, expert availability, bookings, visits and service "
                    "records, hazards and their rectification loop, the service archive, the exposure board.",
        routers=[api.router, api_records.router, api_exposure.router],
        body_limits={r"^/v1/photos$": settings.max_upload_bytes + 1024 * 1024})

    @app.exception_handler(StaleDataError)
    async def _changed_meanwhile(_: Request, exc: StaleDataError) -> JSONResponse:
        return problem_response(InvalidState("the record was changed by someone else at the same moment; "
                                             "reload it and try again").to_problem())

    return app
