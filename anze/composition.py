"""The composition root: the one place that imports every part, to wire the embedded platform (one
process, one port), to serve a single part, and to migrate and seed every database."""

from __future__ import annotations

import contextlib
import importlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
from fastapi import FastAPI
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.types import Receive, Scope, Send

from services.kernel.db import Database
from services.kernel.events import MemoryBus
from services.kernel.observability import metrics_refusal
from services.kernel.runtime import Wiring
from services.kernel.settings import KernelSettings, PartSettings

log = logging.getLogger("anze.composition")

SERVICES = ("policy", "providers", "bookings")
PARTS = (*SERVICES, "gateway", "web")
PACKAGES = {"policy": "services.policy", "providers": "services.providers", "bookings": "services.bookings",
            "gateway": "gateway", "web": "web"}
DEFAULT_PORTS = {"gateway": 8100, "policy": 8101, "providers": 8102, "bookings": 8103, "web": 8080}
# Paths of the root that belong to the gateway in the embedded mode; everything else not under /api is web.
GATEWAY_PATHS = ("/graphql", "/reports", "/scans", "/uploads")


def part_app_module(part: str) -> ModuleType:
    if part not in PACKAGES:
        raise ValueError(f"unknown part {part!r}; the parts are {', '.join(PARTS)}")
    return importlib.import_module(f"{PACKAGES[part]}.app")


def part_settings(part: str, kernel: KernelSettings | None = None,
                  overrides: dict[str, PartSettings] | None = None) -> PartSettings:
    """The part's settings: an override (tests) or the environment, with one shared kernel section."""
    if overrides and part in overrides:
        return overrides[part]
    cls = part_app_module(part).SETTINGS
    return cls(kernel=kernel) if kernel is not None else cls()


def create_part_app(part: str, settings: PartSettings | None = None, wiring: Wiring | None = None) -> FastAPI:
    module = part_app_module(part)
    app: FastAPI = module.create_app(settings or part_settings(part), wiring)
    return app


# ---------------------------------------------------------------- migrations and demo data


async def migrate_all(kernel: KernelSettings | None = None, overrides: dict[str, PartSettings] | None = None,
                      parts: tuple[str, ...] = PARTS) -> list[str]:
    """Bring every part's database to its latest migration; returns the parts migrated."""
    from services.kernel.migrations import upgrade

    done = []
    for part in parts:
        migrations: Path | None = getattr(part_app_module(part), "MIGRATIONS", None)
        if migrations is None:
            continue
        settings = part_settings(part, kernel, overrides)
        database = Database(settings.resolved_database_url(part))
        try:
            await upgrade(database, migrations)
        finally:
            await database.dispose()
        done.append(part)
    return done


async def seed_all(kernel: KernelSettings | None = None, overrides: dict[str, PartSettings] | None = None,
                   *, firms: int | None = None) -> dict[str, Any]:
    """Demo data in every part, in dependency order; each part reads the ids the earlier ones wrote. Refused
    with ``ANZE_ENV=prod``: the demo accounts have a published password."""
    if (kernel or KernelSettings()).env == "prod":
        raise RuntimeError("demo data (and its accounts with the published password) is never seeded with "
                           "ANZE_ENV=prod")
    ctx: dict[str, Any] = {}
    if firms is not None:
        ctx["firms"] = firms
    for part in ("policy", "providers", "bookings", "gateway"):
        seed = importlib.import_module(f"{PACKAGES[part]}.seed")
        settings = part_settings(part, kernel, overrides)
        database = Database(settings.resolved_database_url(part))
        try:
            await seed.seed_demo(database, ctx)
        finally:
            await database.dispose()
        log.info("seeded demo data in %s", part)
    return ctx


# ---------------------------------------------------------------- the embedded platform


@dataclass
class EmbeddedPlatform:
    """Every part in one process on one port, sharing one in-process bus."""

    apps: dict[str, FastAPI]
    bus: MemoryBus
    transports: dict[str, httpx.AsyncBaseTransport] = field(default_factory=dict)

    async def ready_checks(self) -> dict[str, dict[str, str]]:
        checks = {}
        for name, app in self.apps.items():
            runtime = getattr(app.state, "runtime", None)
            if runtime is not None:
                checks[name] = await runtime.ready_checks()
        return checks


class _GatewayOrWeb:
    """Sends the gateway's paths to the gateway and everything else to the web."""

    def __init__(self, gateway: FastAPI, web: FastAPI) -> None:
        self.gateway, self.web = gateway, web

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        target = self.gateway if path.startswith(GATEWAY_PATHS) else self.web
        await target(scope, receive, send)


def create_embedded_app(kernel: KernelSettings | None = None,
                        overrides: dict[str, PartSettings] | None = None) -> Starlette:
    """``/`` web, ``/graphql`` gateway, ``/api/<service>`` each service, and root health endpoints."""
    bus = MemoryBus()
    transports: dict[str, httpx.AsyncBaseTransport] = {}
    wiring = Wiring(bus=bus, transports=transports)
    apps = {part: create_part_app(part, part_settings(part, kernel, overrides), wiring) for part in PARTS}
    for part, app in apps.items():
        transports[part] = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        consumer = getattr(getattr(app.state, "runtime", None), "consumer", None)
        if consumer is not None and consumer.handlers:
            bus.expect(consumer.durable, list(consumer.handlers))
    platform = EmbeddedPlatform(apps=apps, bus=bus, transports=transports)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        # Starlette does not run mounted apps' lifespans: enter each one here, services first.
        async with contextlib.AsyncExitStack() as stack:
            await bus.start()
            stack.push_async_callback(bus.close)
            for part in PARTS:
                await stack.enter_async_context(apps[part].router.lifespan_context(apps[part]))
            yield

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> Response:
        checks = await platform.ready_checks()
        ok = all(v == "ok" for part in checks.values() for v in part.values())
        return JSONResponse({"status": "ok" if ok else "unavailable", "checks": checks},
                            status_code=200 if ok else 503)

    async def metrics(request: Request) -> Response:
        if (refused := metrics_refusal(request, kernel or KernelSettings())) is not None:
            return refused
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    async def api_index(_: Request) -> Response:
        return RedirectResponse("/graphql")

    routes: list[Any] = [
        Route("/healthz", healthz), Route("/readyz", readyz), Route("/metrics", metrics),
        Route("/api", api_index),
        *[Mount(f"/api/{part}", app=apps[part]) for part in SERVICES],
        Mount("", app=_GatewayOrWeb(apps["gateway"], apps["web"])),
    ]
    root = Starlette(routes=routes, lifespan=lifespan)
    root.state.platform = platform
    return root


