"""Optional OpenTelemetry tracing, off by default.

The OpenTelemetry API is always there (FastAPI itself depends on it); without an SDK its
tracer makes spans that record nothing and cost next to nothing. With
``LINEWISE_TRACING_OTLP_ENDPOINT`` set (e.g. ``http://collector:4318/v1/traces``) the
SDK (the ``tracing`` extra: ``pip install 'linewise[tracing]'``) exports every request's
and every job's span over OTLP/HTTP in batches.

Each app (and each worker process) has its own provider rather than the process-wide
global one: the global can be set only once, and tests run several apps in one process.
A request's span continues the caller's trace (W3C ``traceparent``) and carries the
request id that is also in the logs, the response header and the jobs it enqueues.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from opentelemetry import trace

import linewise

SERVICE_NAME = "linewise"


@dataclass
class Tracing:
    tracer: trace.Tracer
    _provider: object | None = field(default=None, repr=False)

    @property
    def enabled(self) -> bool:
        return self._provider is not None

    def flush(self, timeout_ms: int = 5_000) -> None:
        """Send the spans still waiting in the batch (at shutdown, so none is lost)."""
        flush = getattr(self._provider, "force_flush", None)
        if flush is not None:
            flush(timeout_ms)


OFF = Tracing(trace.NoOpTracer())


def configure(endpoint: str | None, role: str = "server") -> Tracing:
    """Tracing for one app or worker: exporting to ``endpoint``, or off (None/empty)."""
    if not endpoint:
        return OFF
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError as exc:  # the extra is not installed: say what to do
        raise RuntimeError(
            "LINEWISE_TRACING_OTLP_ENDPOINT is set but the OpenTelemetry SDK is missing: "
            "install it with pip install 'linewise[tracing]'"
        ) from exc
    resource = Resource.create(
        {
            "service.name": SERVICE_NAME,
            "service.version": linewise.__version__,
            "linewise.role": role,
        }
    )
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    return Tracing(provider.get_tracer("linewise", linewise.__version__), provider)
