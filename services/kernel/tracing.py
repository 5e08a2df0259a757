"""OpenTelemetry tracing, off by default: ``ANZE_OTEL_ENABLED=true`` traces requests (FastAPI), calls to
other parts (httpx) and queries (SQLAlchemy), and exports spans over OTLP/HTTP to the collector named
by the standard ``OTEL_EXPORTER_OTLP_ENDPOINT``. Logs carry the same trace id: a request that arrives
without a ``traceparent`` gets its server span's, which the kernel's request context then logs."""

from __future__ import annotations

import logging
import threading
from typing import Any

log = logging.getLogger("anze.tracing")

_EXCLUDED_URLS = "/healthz,/readyz,/metrics"
_lock = threading.Lock()
_providers: dict[str, Any] = {}
_httpx_instrumented = False


def _otel_enabled(settings: Any) -> bool:
    kernel = getattr(settings, "kernel", settings)
    return bool(getattr(kernel, "otel_enabled", False))


def _provider(service_name: str, exporter: Any | None) -> Any:
    """One tracer provider per service name (the embedded mode runs several parts in one process)."""
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    if exporter is not None:  # an explicit exporter (tests, a console exporter): a provider of its own
        provider = TracerProvider(resource=Resource.create({"service.name": f"anze-{service_name}"}))
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        return provider
    with _lock:
        if service_name not in _providers:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            provider = TracerProvider(resource=Resource.create({"service.name": f"anze-{service_name}",
                                                                "service.namespace": "anze"}))
            provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
            _providers[service_name] = provider
        return _providers[service_name]


def _traceparent_hook(span: Any, scope: dict[str, Any]) -> None:
    """Hand the server span's ids to the kernel's request context when the caller sent none, so the
    logs of this request carry the trace id that the tracing backend shows."""
    if scope.get("type") != "http" or span is None:
        return
    headers = scope.get("headers") or []
    if any(name == b"traceparent" for name, _ in headers):
        return
    ctx = span.get_span_context()
    if not ctx.is_valid:
        return
    value = f"00-{ctx.trace_id:032x}-{ctx.span_id:016x}-{int(ctx.trace_flags):02x}"
    scope["headers"] = [*headers, (b"traceparent", value.encode())]


def _instrument_database(app: Any, provider: Any) -> None:
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    runtime = getattr(app.state, "runtime", None)
    database = getattr(runtime, "database", None)
    engine = getattr(database, "engine", None)
    if engine is not None:
        SQLAlchemyInstrumentor().instrument(engine=engine.sync_engine, tracer_provider=provider,
                                            enable_commenter=False)


def _instrument_httpx(provider: Any) -> None:
    global _httpx_instrumented
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    with _lock:
        if not _httpx_instrumented:
            HTTPXClientInstrumentor().instrument(tracer_provider=provider)
            _httpx_instrumented = True


def setup_tracing(app: Any, service_name: str, settings: Any, *, exporter: Any | None = None) -> bool:
    """Trace this part's requests, outgoing calls and queries when its settings switch tracing on.

    ``settings`` is the part's settings (its ``kernel`` section is read) or the kernel settings.
    Returns whether tracing was installed; without ``otel_enabled`` it does nothing at all, and when the
    OpenTelemetry packages are missing (``pip install 'anze[otel]'``) it logs why and does nothing."""
    if not _otel_enabled(settings):
        return False
    try:
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
    except ImportError:
        log.warning("ANZE_OTEL_ENABLED is set but OpenTelemetry is not installed (pip install 'anze[otel]'); "
                    "tracing stays off")
        return False
    provider = _provider(service_name, exporter)
    FastAPIInstrumentor.instrument_app(app, tracer_provider=provider, excluded_urls=_EXCLUDED_URLS,
                                       server_request_hook=_traceparent_hook)
    _instrument_database(app, provider)
    if exporter is None:  # process-wide: every httpx client of this process (calls to other parts)
        _instrument_httpx(provider)
    app.state.tracer_provider = provider
    log.info("tracing %s with OpenTelemetry", service_name)
    return True


def shutdown_tracing() -> None:
    """Flush and stop every provider this process made (at exit)."""
    with _lock:
        for provider in _providers.values():
            provider.shutdown()
        _providers.clear()
