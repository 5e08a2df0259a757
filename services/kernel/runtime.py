"""One part's running machinery and the FastAPI app around it. Each part's ``create_app(settings, wiring)``
builds a ``ServiceRuntime`` and calls ``build_service_app``; nothing is built at import time."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

import httpx
from fastapi import APIRouter, Depends, FastAPI, Request
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.kernel.auth import TokenVerifier, ensure_access_declared
from services.kernel.db import Database, run_after_commit, utcnow
from services.kernel.errors import PROBLEM_RESPONSES, install_error_handlers
from services.kernel.events import (
    Bus,
    Consumer,
    Event,
    EventHandler,
    InboxMixin,
    OutboxMixin,
    OutboxRelay,
    make_bus,
)
from services.kernel.http import ServiceClient
from services.kernel.limits import install_body_limits
from services.kernel.observability import (
    BUSINESS,
    DB_POOL_IN_USE,
    OUTBOX_BACKLOG,
    OUTBOX_OLDEST,
    database_ready,
    health_router,
    install_request_context,
)
from services.kernel.sessions import SESSION_REVOKED, Revocation, RevocationList, RevocationMixin
from services.kernel.sessions import load as load_revocations
from services.kernel.sessions import store as store_revocation
from services.kernel.settings import PartSettings
from services.kernel.tracing import setup_tracing

log = logging.getLogger("anze.runtime")

Job = Callable[["ServiceRuntime"], Awaitable[Any]]


@dataclass
class Wiring:
    """What the composition root hands a part. Embedded: one shared in-process bus and ASGI transports to
    the other parts. Distributed: nothing (each part builds its own NATS bus and uses real HTTP)."""

    bus: Bus | None = None
    transports: Mapping[str, httpx.AsyncBaseTransport] = field(default_factory=dict)
    run_consumers: bool = True
    run_jobs: bool = True


@dataclass
class ScheduledJob:
    """A periodic job (expiry, overdue marking...): it must be idempotent, as it may run on replicas."""

    name: str
    every_seconds: float
    run: Job


class ServiceRuntime:
    def __init__(self, *, name: str, settings: PartSettings, outbox: type[OutboxMixin],
                 inbox: type[InboxMixin], wiring: Wiring | None = None,
                 revocations: type[RevocationMixin] | None = None, audience: str | None = None) -> None:
        self.name = name
        self.settings = settings
        self.wiring = wiring or Wiring()
        self.outbox, self.inbox = outbox, inbox
        self.database = Database(settings.resolved_database_url(name), pool_size=settings.db_pool_size,
                                 echo=settings.db_echo)
        self.owns_bus = self.wiring.bus is None
        kernel = settings.kernel
        self.bus = self.wiring.bus or make_bus(kernel.bus_url, kernel.bus_stream, kernel.bus_replicas)
        # Ended sessions: fed by gateway.session.revoked (through the inbox), kept in the part's table,
        # held in memory for the token check, reloaded from the table at start and every few seconds.
        self.revocation_model = revocations
        self.revocations = RevocationList()
        # a token is accepted only by the parts its ``aud`` names (the part's own name unless told otherwise)
        self.verifier = TokenVerifier.from_settings(settings.kernel, audience=audience or name,
                                                    revocations=self.revocations if revocations else None)
        self.relay = OutboxRelay(self.database, outbox, self.bus, settings.kernel.relay_poll_seconds,
                                 on_published=self._count_facts)
        # The part says which of its events are business facts worth counting (policies activated, visits
        # reported, hazards overdue...); counted once each, when published, whatever the replica count.
        self.business_facts: Callable[[Event], Iterable[str]] | None = None
        self.consumer: Consumer | None = None
        self.clients: dict[str, ServiceClient] = {}
        self.jobs: list[ScheduledJob] = []
        self._job_tasks: list[asyncio.Task[None]] = []
        self.state: dict[str, Any] = {}  # part-specific singletons (a Stripe client, a storage...)
        if revocations is not None:
            self.consume({})
            self.jobs.append(ScheduledJob("revocations", settings.kernel.revocation_reload_seconds,
                                          lambda _: self.reload_revocations()))

    def client(self, part: str, base_url: str, *, timeout: float = 5.0) -> ServiceClient:
        """A client for another part: in-process in the embedded mode, HTTP otherwise."""
        if part not in self.clients:
            self.clients[part] = ServiceClient(part, base_url, transport=lambda: self.wiring.transports.get(part),
                                               timeout=timeout)
        return self.clients[part]

    def _count_facts(self, event: Event) -> None:
        if self.business_facts is not None:
            for fact in self.business_facts(event):
                BUSINESS.labels(self.name, fact).inc()

    def consume(self, handlers: Mapping[str, EventHandler]) -> None:
        handlers = dict(handlers)
        if self.revocation_model is not None:
            handlers[SESSION_REVOKED] = self._apply_revocation
        self.consumer = Consumer(self.database, self.inbox, self.name, handlers, on_commit=self.relay.notify)

    async def _apply_revocation(self, session: AsyncSession, event: Event) -> None:
        assert self.revocation_model is not None
        revocation = Revocation.from_event(event)
        await store_revocation(session, self.revocation_model, revocation)
        self.revocations.add(revocation)  # at worst early: a rolled-back event comes again

    async def reload_revocations(self) -> None:
        """The live revocations from the part's table (what other replicas consumed lands there too)."""
        if self.revocation_model is None:
            return
        async with self.database.sessionmaker() as session:
            self.revocations.replace(await load_revocations(session, self.revocation_model))

    async def start(self) -> None:
        if self.revocation_model is not None:
            try:  # before serving: a restart keeps the sessions that were ended
                await self.reload_revocations()
            except Exception:
                log.exception("the revoked sessions could not be read; retried every few seconds")
        if self.owns_bus:
            await self.bus.start()
        self.relay.start()
        if self.consumer is not None and self.wiring.run_consumers:
            await self.consumer.start(self.bus)
        if self.wiring.run_jobs:
            self._job_tasks = [asyncio.create_task(self._every(job), name=f"job:{job.name}")
                               for job in self.jobs]

    async def stop(self) -> None:
        for task in self._job_tasks:
            task.cancel()
        for task in self._job_tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self.consumer is not None:
            await self.consumer.stop()
        await self.relay.stop()
        for client in self.clients.values():
            await client.close()
        self.clients.clear()
        if self.owns_bus:
            await self.bus.close()
        await self.database.dispose()

    async def _every(self, job: ScheduledJob) -> None:
        while True:
            try:
                await job.run(self)
            except Exception:
                log.exception("job %s failed; it runs again at its next turn", job.name)
            await asyncio.sleep(job.every_seconds)

    async def ready_checks(self) -> dict[str, str]:
        checks = {"database": await database_ready(self.database),
                  "bus": "ok" if self.bus.healthy else "error: not connected"}
        await self.sample_gauges()
        return checks

    async def sample_gauges(self) -> None:
        """Outbox backlog and age, pool use: read at each scrape of /metrics and each /readyz."""
        with contextlib.suppress(Exception):
            async with self.database.sessionmaker() as session:
                backlog, oldest = (await session.execute(
                    select(func.count(), func.min(self.outbox.occurred_at))
                    .where(self.outbox.published_at.is_(None)))).one()
            OUTBOX_BACKLOG.labels(self.name).set(backlog or 0)
            OUTBOX_OLDEST.labels(self.name).set((utcnow() - oldest).total_seconds() if oldest else 0)
            pool = self.database.engine.pool
            DB_POOL_IN_USE.labels(self.name).set(getattr(pool, "checkedout", lambda: 0)())


def build_service_app(*, runtime: ServiceRuntime, title: str, description: str,
                      routers: Sequence[APIRouter], version: str = "1",
                      body_limits: Mapping[str, int | None] | None = None) -> FastAPI:
    """``body_limits``: the part's upload routes (path pattern -> bytes, None for the upload default); every
    other request body is held to ``ANZE_MAX_BODY_BYTES`` (1 MiB)."""
    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(title=title, description=description, version=version, lifespan=lifespan,
                  responses=PROBLEM_RESPONSES)
    app.state.runtime = runtime
    install_error_handlers(app)
    kernel = runtime.settings.kernel
    # inside the request context (added later = outer): the route's body read raises straight into it
    install_body_limits(app, default=kernel.max_body_bytes, upload=kernel.max_upload_body_bytes, routes=body_limits)
    install_request_context(app, runtime.name)

    async def _ready() -> dict[str, str]:
        return await runtime.ready_checks()

    app.include_router(health_router(_ready, runtime.sample_gauges, kernel=runtime.settings.kernel))
    for router in routers:
        app.include_router(router)
    ensure_access_declared(app)
    setup_tracing(app, runtime.name, runtime.settings)
    return app


def runtime_of(request: Request) -> ServiceRuntime:
    return request.app.state.runtime  # type: ignore[no-any-return]


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's unit of work: committed when the route returns, rolled back when it raises."""
    runtime = runtime_of(request)
    async with runtime.database.sessionmaker() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise
        await run_after_commit(session)
    if session.info.get("anze_events"):
        runtime.relay.notify()


# scope="function": the commit happens before the response starts. FastAPI's default ("request") would run
# it after the response is sent, so a client could read before the commit, or be told of a success that
# the commit then refused.
Session = Annotated[AsyncSession, Depends(_session, scope="function")]
Runtime = Annotated[ServiceRuntime, Depends(runtime_of)]
