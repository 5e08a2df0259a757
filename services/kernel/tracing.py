"""OpenTelemetry tracing, off by default: ``ANZE_OTEL_ENABLED=true`` traces requests (FastAPI), calls to
other parts (httpx) and queries (SQLAlchemy), and exports spans over OTLP/HTTP to the collector named
by the standard ``OTEL_EXPORTER_OTLP_ENDPOINT``. Logs carry the same trace id: a request that arrives
without a ``traceparent`` gets its server span's, which the kernel's request context then logs."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
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


class _ChildSpansOnly:
    """A tracer that records a query only inside a traced request or call: the outbox relay's polling
    every second would otherwise make a trace of its own each time."""

    def __init__(self, tracer: Any) -> None:
        self._tracer = tracer

    @staticmethod
    def _orphan(context: Any) -> bool:
        from opentelemetry import trace

        return not trace.get_current_span(context).get_span_context().is_valid

    def start_span(self, name: str, context: Any = None, *args: Any, **kwargs: Any) -> Any:
        from opentelemetry import trace

        if self._orphan(context):
            return trace.NonRecordingSpan(trace.INVALID_SPAN_CONTEXT)
        return self._tracer.start_span(name, context, *args, **kwargs)

    @contextlib.contextmanager
    def start_as_current_span(self, name: str, context: Any = None, *args: Any, **kwargs: Any) -> Iterator[Any]:
        from opentelemetry import trace

        if self._orphan(context):
            yield trace.NonRecordingSpan(trace.INVALID_SPAN_CONTEXT)
            return
        with self._tracer.start_as_current_span(name, context, *args, **kwargs) as span:
            yield span


def _instrument_database(app: Any, provider: Any) -> None:
    """Spans for this part's queries, on its own engine only (not every engine of the process)."""
    runtime = getattr(app.state, "runtime", None)
    engine = getattr(getattr(runtime, "database", None), "engine", None)
    if engine is None:
        return
    try:
        from opentelemetry.instrumentation.sqlalchemy import __version__
        from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
        from opentelemetry.metrics import NoOpMeterProvider
    except ImportError:
        log.warning("opentelemetry-instrumentation-sqlalchemy is missing: no database spans")
        return
    tracer = _ChildSpansOnly(provider.get_tracer("opentelemetry.instrumentation.sqlalchemy", __version__))
    usage = NoOpMeterProvider().get_meter("anze").create_up_down_counter("db.client.connections.usage")
    app.state.engine_tracer = EngineTracer(tracer, engine.sync_engine, usage, enable_commenter=False)


def _instrument_httpx(provider: Any) -> None:
    global _httpx_instrumented
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

    with _lock:
        if not _httpx_instrumented:
            HTTPXClientInstrumentor().instrument(tracer_provider=provider, skip_dep_check=True)
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
    """Flush and stop every provider this process made, and stop tracing httpx (at exit, and in tests)."""
    global _httpx_instrumented
    with _lock:
        for provider in _providers.values():
            provider.shutdown()
        _providers.clear()
        if _httpx_instrumented:
            from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

            HTTPXClientInstrumentor().uninstrument()
            _httpx_instrumented = False
