"""Composition of the web part: ``create_app(settings, wiring)``. Server-rendered pages for the four user
groups; the gateway's GraphQL is its only source of data, so it has no database."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles

from services.kernel.limits import install_body_limits
from services.kernel.observability import health_router, install_request_context
from services.kernel.runtime import Wiring
from services.kernel.tracing import setup_tracing
from web.gateway import Gateway
from web.pages import install_error_pages, make_templates, resolve_user
from web.routes import (
    agency,
    agency_experts,
    agency_reviews,
    apply,
    bureau,
    bureau_exposure,
    bureau_lists,
    complaints,
    documents,
    enterprise,
    enterprise_ledger,
    enterprise_policy_changes,
    enterprise_visits,
    expert,
    insurer,
    insurer_panel,
    photos,
    public,
    qualifications,
    register,
)
from web.session import SESSION_COOKIE, Sessions, Signer
from web.settings import WebSettings

SETTINGS = WebSettings
MIGRATIONS = None  # the web keeps no data of its own
STATIC_DIR = Path(__file__).parent / "static"
CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'none'; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")


def create_app(settings: WebSettings | None = None, wiring: Wiring | None = None) -> FastAPI:
    settings = settings or WebSettings()
    wiring = wiring or Wiring()
    gateway = Gateway(settings.gateway_url, transports=wiring.transports,
                      timeout=settings.gateway_timeout_seconds)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await gateway.close()

    app = FastAPI(title="Anze web", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings = settings
    app.state.gateway = gateway
    app.state.sessions = Sessions(Signer(settings.resolved_session_secret()), secure=settings.cookie_secure,
                                  lifetime_seconds=settings.session_hours * 3600)
    app.state.templates = make_templates()
    # forms with photos or a scan are multipart; any other body (a login, a filter) is small
    install_body_limits(app, default=settings.kernel.max_body_bytes, upload=settings.max_form_upload_bytes,
                        multipart_is_upload=True)
    install_request_context(app, "web")

    @app.middleware("http")
    async def session(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        """Every page runs as the session's user, refreshed when its access token has ended."""
        if request.url.path.startswith(("/static/", "/healthz", "/readyz", "/metrics")):
            return await call_next(request)
        user = await resolve_user(request)
        response = await call_next(request)
        sets_session = any(c.startswith(SESSION_COOKIE + "=") for c in response.headers.getlist("set-cookie"))
        if getattr(request.state, "session_changed", False) and not sets_session:
            if user is None:
                app.state.sessions.logout(response)
            else:
                app.state.sessions.store(response, user)
        return response

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        """Pages load only this site's own files, cannot be framed, and forms post only here."""
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    async def ready() -> dict[str, str]:
        try:
            await gateway.execute("{ __typename }")
        except Exception as exc:  # any failure means not ready; the reason goes to the probe
            return {"gateway": f"error: {exc.__class__.__name__}"}
        return {"gateway": "ok"}

    app.include_router(health_router(ready, kernel=settings.kernel))
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for module in (public, register, apply, enterprise, enterprise_visits, insurer, agency, expert, bureau,
                   bureau_lists, qualifications, bureau_exposure, insurer_panel, enterprise_ledger, photos,
                   complaints, enterprise_policy_changes, documents, agency_experts,
                   agency_reviews):
        app.include_router(module.router)
    install_error_pages(app)
    setup_tracing(app, "web", settings)  # traces start at the page when ANZE_OTEL_ENABLED
    return app
