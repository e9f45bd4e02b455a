"""Optional OpenTelemetry tracing: with an OTLP/HTTP endpoint set, every request and
every job is a span sent there (received here by a plain HTTP server that decodes the
OTLP protobuf, as a collector would); without one nothing is sent."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from sqlalchemy import Engine

from linewise.config import Settings
from linewise.core import request_context, tracing
from linewise.core.db import make_session_factory, session_scope
from linewise.jobs import JobContext, Registry, enqueue
from linewise.jobs.worker import Worker
from linewise.server.app import create_app

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


class Collector:
    """Spans received, by name, with their attributes and trace ids."""

    def __init__(self) -> None:
        self.spans: list[dict[str, Any]] = []
        self.paths: list[str] = []
        self.lock = threading.Lock()

    def take(self, path: str, body: bytes) -> None:
        request = ExportTraceServiceRequest()
        request.ParseFromString(body)
        with self.lock:
            self.paths.append(path)
            for resource in request.resource_spans:
                service = {a.key: a.value.string_value for a in resource.resource.attributes}
                for scope in resource.scope_spans:
                    for span in scope.spans:
                        attrs = {a.key: _value(a.value) for a in span.attributes}
                        self.spans.append(
                            {
                                "name": span.name,
                                "trace_id": span.trace_id.hex(),
                                "attributes": attrs,
                                "service": service.get("service.name"),
                                "status": "error" if span.status.code == 2 else "ok",
                            }
                        )

    def named(self, name: str) -> list[dict[str, Any]]:
        with self.lock:
            return [s for s in self.spans if s["name"] == name]


def _value(v: Any) -> Any:
    kind = v.WhichOneof("value")
    return getattr(v, kind) if kind else None


@pytest.fixture
def collector() -> Iterator[tuple[Collector, str]]:
    got = Collector()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            got.take(self.path, body)
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield got, f"http://127.0.0.1:{server.server_address[1]}/v1/traces"
    server.shutdown()
    thread.join(5)


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_requests_and_jobs_are_spans_sent_to_the_collector(
    settings: Settings, engine: Engine, collector: tuple[Collector, str]
) -> None:
    got, endpoint = collector
    traced = settings.model_copy(update={"tracing_otlp_endpoint": endpoint})
    app = create_app(traced, engine)
    with TestClient(app) as client:
        r = client.get("/api/v1/orders/4711", headers={"traceparent": TRACEPARENT})
        assert r.status_code == 401
        rid = r.headers["x-request-id"]
        assert client.get("/api/v1/health").status_code == 200
    # The app's shutdown flushed the batch: the spans are here, no waiting.
    assert got.paths and set(got.paths) == {"/v1/traces"}
    [order] = got.named("GET /api/v1/orders/{order_id}")
    assert order["trace_id"] == TRACEPARENT.split("-")[1]  # the caller's trace goes on
    assert order["attributes"]["http.response.status_code"] == 401
    assert order["attributes"]["linewise.request_id"] == rid
    assert order["attributes"]["http.route"] == "/api/v1/orders/{order_id}"
    assert order["service"] == "linewise" and order["status"] == "ok"
    [health] = got.named("GET /api/v1/health")
    assert health["trace_id"] != order["trace_id"]  # a new trace without a traceparent

    # A job is a span too, carrying the id of the request that enqueued it.
    factory = make_session_factory(engine)
    registry = Registry()
    ran: list[int] = []
    registry.register("trace.test", lambda ctx: ran.append(ctx.id))

    def broken(ctx: JobContext) -> None:
        raise RuntimeError("printer on fire")

    registry.register("trace.broken", broken)
    jobs_tracing = tracing.configure(endpoint, role="worker")
    worker = Worker(factory, registry, tracing=jobs_tracing)

    def run(kind: str) -> int:
        token = request_context.request_id.set("req-42")
        try:
            with session_scope(factory) as db:
                job = enqueue(db, kind, {}, max_attempts=1)
        finally:
            request_context.request_id.reset(token)
        while worker.run_once():
            pass
        return job

    job = run("trace.test")
    run("trace.broken")
    jobs_tracing.flush()
    assert ran == [job]
    [span] = got.named("job trace.test")
    assert span["attributes"]["linewise.request_id"] == "req-42"
    assert span["attributes"]["linewise.job.id"] == job
    # A failing job's span (one per try: a batch that fails is rerun job by job).
    failed = got.named("job trace.broken")
    assert failed and {s["attributes"]["linewise.request_id"] for s in failed} == {"req-42"}
    assert all(s["status"] == "error" for s in failed)


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_without_an_endpoint_nothing_is_traced(
    settings: Settings, engine: Engine, collector: tuple[Collector, str]
) -> None:
    got, _endpoint = collector
    assert settings.tracing_otlp_endpoint is None
    app = create_app(settings, engine)
    assert not app.state.tracing.enabled
    with TestClient(app) as client:
        assert client.get("/api/v1/health").status_code == 200
    assert got.paths == []
