"""Request context and Prometheus metrics shared by every part: request id and trace id on each request,
counts and latencies by route, and the health endpoints."""

from __future__ import annotations

import hmac
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from sqlalchemy import text
from starlette.middleware.base import BaseHTTPMiddleware

from services.kernel.http import new_traceparent
from services.kernel.logging import request_id_var, service_var, traceparent_var

REQUESTS = Counter("anze_http_requests_total", "HTTP requests", ["service", "method", "route", "status"])
LATENCY = Histogram("anze_http_request_seconds", "HTTP request latency", ["service", "method", "route"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
OUTBOX_BACKLOG = Gauge("anze_outbox_backlog", "events written but not yet published", ["service"])
OUTBOX_OLDEST = Gauge("anze_outbox_oldest_age_seconds", "age of the oldest unpublished event", ["service"])
DB_POOL_IN_USE = Gauge("anze_db_pool_checked_out", "database connections in use", ["service"])
EVENTS_CONSUMED = Counter("anze_events_consumed_total", "events applied by consumers",
                          ["service", "event"])
EVENT_DELAY = Histogram("anze_event_delay_seconds",
                        "time from an event's occurrence to its application by a consumer (consumer lag)",
                        ["service"], buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600))
BUSINESS = Counter("anze_business_events_total", "business facts (policies activated, visits reported...)",
                   ["service", "fact"])


def _route_template(request: Request) -> str:
    """The matched route's template (``/v1/policies/{policy_id}``), known once routing has run."""
    route = request.scope.get("route")
    return getattr(route, "path", None) or "unmatched"


class RequestContextMiddleware(BaseHTTPMiddleware):
    def __init__(self, app: Any, service: str) -> None:
        super().__init__(app)
        self.service = service

    async def dispatch(self, request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        rid = request.headers.get("x-request-id") or uuid.uuid4().hex
        tp = request.headers.get("traceparent") or new_traceparent()
        tokens = (request_id_var.set(rid), traceparent_var.set(tp), service_var.set(self.service))
        start = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            response.headers["X-Request-ID"] = rid
            return response
        finally:
            route = _route_template(request)
            if route not in ("/metrics", "/healthz", "/readyz"):
                REQUESTS.labels(self.service, request.method, route, str(status)).inc()
                LATENCY.labels(self.service, request.method, route).observe(time.perf_counter() - start)
            request_id_var.reset(tokens[0])
            traceparent_var.reset(tokens[1])
            service_var.reset(tokens[2])


def metrics_refusal(request: Request, kernel: Any) -> Response | None:
    """None when the caller may read ``/metrics``: with a metrics token configured, only a caller sending it
    as ``Authorization: Bearer``; without one, anyone in dev and test, and nobody with ``env=prod``."""
    from services.kernel.errors import Problem, problem_response

    token = kernel.resolved_metrics_token() if kernel is not None else None
    if token is None:
        if kernel is None or kernel.env != "prod":
            return None
        detail = "/metrics is closed in production until ANZE_METRICS_TOKEN (or _FILE) is set"
    else:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
            return None
        detail = "/metrics needs the metrics token as Authorization: Bearer"
    return problem_response(Problem(title="Unauthenticated", status=401, code="UNAUTHENTICATED", detail=detail),
                            headers={"WWW-Authenticate": "Bearer"})


def health_router(ready_checks: Callable[[], Awaitable[dict[str, str]]],
                  before_metrics: Callable[[], Awaitable[None]] | None = None, *, kernel: Any = None) -> APIRouter:
    """``/healthz``, ``/readyz`` and ``/metrics``; ``before_metrics`` refreshes the sampled gauges (outbox
    backlog, pool) at each scrape, so they are current whether or not anything asks ``/readyz``. ``kernel``
    (the KernelSettings) decides who may scrape (:func:`metrics_refusal`)."""
    router = APIRouter(tags=["health"])

    @router.get("/healthz", summary="the process is alive")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz", summary="the process can serve: its database and bus answer")
    async def readyz() -> JSONResponse:
        checks = await ready_checks()
        ok = all(v == "ok" for v in checks.values())
        return JSONResponse({"status": "ok" if ok else "unavailable", "checks": checks},
                            status_code=200 if ok else 503)

    @router.get("/metrics", summary="Prometheus metrics", response_class=Response)
    async def metrics(request: Request) -> Response:
        if (refused := metrics_refusal(request, kernel)) is not None:
            return refused
        if before_metrics is not None:
            await before_metrics()
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


async def database_ready(database: Any) -> str:
    try:
        async with database.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return "ok"
    except Exception as exc:
        return f"error: {exc.__class__.__name__}"


def install_request_context(app: FastAPI, service: str) -> None:
    app.add_middleware(RequestContextMiddleware, service=service)
