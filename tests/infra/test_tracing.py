"""Tracing: off unless the settings switch it on; when on, a part's requests and database queries reach an
OTLP collector as one trace continuing the caller's ``traceparent``, and the request's log lines carry
that trace id."""

from __future__ import annotations

import asyncio
import http.server
import io
import json
import logging
import threading
from typing import ClassVar

import pytest
from fastapi import FastAPI
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from services.kernel import testing
from services.kernel.logging import JsonFormatter, _ContextFilter
from services.kernel.observability import install_request_context
from services.kernel.tracing import setup_tracing, shutdown_tracing
from services.policy.app import MIGRATIONS, create_app
from services.policy.settings import PolicySettings


def _policy_app(keys, tmp_path, *, otel: bool) -> FastAPI:
    kernel = keys.kernel_settings(tmp_path, otel_enabled=otel)
    settings = PolicySettings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'policy.db'}", kernel=kernel)
    return create_app(settings)


async def test_tracing_stays_off_unless_the_settings_switch_it_on(keys, tmp_path):
    app = _policy_app(keys, tmp_path, otel=False)
    exporter = InMemorySpanExporter()
    assert setup_tracing(app, "policy", app.state.runtime.settings, exporter=exporter) is False
    await testing.migrate_app(app, MIGRATIONS)
    async with testing.running(app) as client:
        assert (await client.get("/v1/regions")).status_code == 200
    assert exporter.get_finished_spans() == ()


class _Collector(http.server.BaseHTTPRequestHandler):
    """An OTLP/HTTP collector on loopback that keeps what it receives."""

    received: ClassVar[list[bytes]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.path == "/v1/traces":
            self.received.append(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def collector(monkeypatch):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    _Collector.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    shutdown_tracing()
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", f"http://127.0.0.1:{server.server_address[1]}")
    yield _Collector.received
    shutdown_tracing()
    server.shutdown()


def _spans(bodies: list[bytes]) -> list[tuple[str, str, str, dict[str, str]]]:
    """(service name, span name, trace id, attributes) of every span the collector received."""
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

    spans = []
    for body in bodies:
        request = ExportTraceServiceRequest.FromString(body)
        for resource_spans in request.resource_spans:
            resource = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    attributes = {a.key: a.value.string_value for a in span.attributes}
                    spans.append((resource["service.name"], span.name, span.trace_id.hex(), attributes))
    return spans


async def test_with_tracing_on_a_request_and_its_queries_reach_the_collector_as_one_trace(
        keys, tmp_path, collector):
    app = _policy_app(keys, tmp_path, otel=True)  # the part's own app: build_service_app sets tracing up
    await testing.migrate_app(app, MIGRATIONS)
    caller_trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    async with testing.running(app) as client:
        response = await client.get("/v1/regions",
                                    headers={"traceparent": f"00-{caller_trace}-00f067aa0ba902b7-01"})
        assert response.status_code == 200
    await asyncio.to_thread(shutdown_tracing)  # flushes the batch to the collector

    spans = _spans(collector)
    assert spans, "no span reached the collector"
    assert {service for service, *_ in spans} == {"anze-policy"}
    request_trace = [(name, attrs) for _, name, trace, attrs in spans if trace == caller_trace]
    assert any(name.startswith("GET /v1/regions") for name, _ in request_trace)
    assert any(attrs.get("db.system") == "sqlite" for _, attrs in request_trace), "no query in the trace"
    orphans = [name for _, name, trace, attrs in spans if trace != caller_trace and "db.system" in attrs]
    assert orphans == [], "background polling must not make traces of its own"


@pytest.fixture
def json_log():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(_ContextFilter())
    logger = logging.getLogger("anze.test.tracing")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield logger, stream
    logger.removeHandler(handler)


async def test_the_log_lines_of_a_request_carry_its_trace_id_when_the_caller_sent_none(tmp_path, json_log):
    logger, stream = json_log
    app = FastAPI()
    install_request_context(app, "probe")

    @app.get("/hello")
    async def hello() -> dict[str, str]:
        logger.info("hello")
        return {"ok": "yes"}

    class On:
        otel_enabled = True

    exporter = InMemorySpanExporter()
    assert setup_tracing(app, "probe", On(), exporter=exporter)
    async with testing.running(app) as client:
        assert (await client.get("/hello")).status_code == 200
    line = json.loads(stream.getvalue().splitlines()[-1])
    server = [s for s in exporter.get_finished_spans() if s.kind.name == "SERVER"]
    assert line["msg"] == "hello"
    assert line["trace_id"] == format(server[0].context.trace_id, "032x")
