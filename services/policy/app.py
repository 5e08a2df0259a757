"""Composition of the policy service: ``create_app(settings, wiring)``."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from services.kernel.runtime import ScheduledJob, ServiceRuntime, Wiring, build_service_app
from services.policy import (
    api,
    api_import,
    api_life,
    api_policies,
    api_stripe,
    consumers,
    coverage,
    lifecycle,
    payments,
    service,
)
from services.policy import events as policy_events
from services.policy.models import Inbox, Outbox, Revocation
from services.policy.settings import PolicySettings

MIGRATIONS = Path(__file__).parent / "migrations"
SETTINGS = PolicySettings
log = logging.getLogger("anze.policy")


async def _ensure_regions(runtime: ServiceRuntime) -> None:
    """Regions are reference data: put in place on start when the table is empty (after migration)."""
    try:
        await service.seed_regions(runtime.database)
    except Exception as exc:  # the table may not exist yet: migrations run later, and the job retries
        log.info("regions not seeded yet (%s); retrying later", type(exc).__name__)


async def _daily(runtime: ServiceRuntime) -> None:
    """Expire what ended, then refresh today's coverage snapshot (and yesterday's if it was never taken)."""
    await lifecycle.expire_due(runtime.database)
    await coverage.take_snapshots(runtime.database)


async def _send_refunds(runtime: ServiceRuntime) -> None:
    """Refunds recorded while Stripe did not answer (or before a restart) are sent when it does."""
    await payments.send_pending_refunds(runtime.database, runtime.state["stripe"])


def create_app(settings: PolicySettings | None = None, wiring: Wiring | None = None) -> FastAPI:
    settings = settings or PolicySettings()
    runtime = ServiceRuntime(name="policy", settings=settings, outbox=Outbox, inbox=Inbox, wiring=wiring,
                             revocations=Revocation)
    runtime.business_facts = policy_events.business_facts
    runtime.jobs.append(ScheduledJob("seed-regions", every_seconds=300, run=_ensure_regions))
    runtime.jobs.append(ScheduledJob("expire-and-snapshot", every_seconds=settings.expiry_job_seconds,
                                     run=_daily))
    runtime.consume(consumers.HANDLERS)
    if settings.stripe_secret_key is not None:
        from services.policy.stripe_payments import StripeGateway

        runtime.state["stripe"] = StripeGateway(settings)
        runtime.jobs.append(ScheduledJob("send-refunds", every_seconds=settings.refund_job_seconds,
                                         run=_send_refunds))
    app = build_service_app(
        runtime=runtime, title="Anze policy service",
        description="Firm registry (the coverage denominator), insurers, products and pricing, quotes, policies, "
                    "payments, prevention budgets, claims and coverage aggregates.",
        routers=[api.router, api_policies.router, api_life.router, api_stripe.router, api_import.router],
        body_limits={r"^/v1/imports/firms$": api_import.MAX_UPLOAD_BYTES + 1024 * 1024})
    inner = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(app_: Any) -> AsyncIterator[None]:
        async with inner(app_):
            await _ensure_regions(runtime)
            yield

    app.router.lifespan_context = lifespan
    return app
