"""Request ids, request metrics and an access log line per request (plain ASGI: no body
buffering, so streamed answers and WebSockets are untouched).

Every HTTP answer carries ``X-Request-ID``: the caller's own if it sent a plain one
(a proxy's or a load balancer's), otherwise a new one. The id is in every log line
written while the request is handled and is stored with the jobs it enqueues, so a
problem in a background job can be traced back to the request that caused it. With
tracing on (core/tracing.py) each request is also a span named by its route template,
continuing the caller's trace and carrying the same request id.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from typing import Any

from opentelemetry import propagate
from opentelemetry.trace import SpanKind, Status, StatusCode
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from linewise.core import request_context
from linewise.core.tracing import OFF, Tracing
from linewise.server.metrics import HttpMetrics

log = logging.getLogger("linewise.access")
HEADER = b"x-request-id"


class Observability:
    def __init__(
        self, app: ASGIApp, metrics: HttpMetrics | None = None, tracing: Tracing = OFF
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.tracing = tracing

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v for k, v in scope.get("headers", []) if k == HEADER), None)
        rid = request_context.accept_request_id(given.decode("latin-1") if given else None)
        token = request_context.request_id.set(rid)
        status = 500  # what the client sees if the app fails before answering
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = [(k, v) for k, v in message.get("headers", []) if k != HEADER]
                headers.append((HEADER, rid.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        span = self._span(scope, rid)
        try:
            with span as live:
                try:
                    await self.app(scope, receive, send_with_id)
                finally:
                    if live is not None:
                        _end_span(live, scope, status)
        finally:
            elapsed = time.perf_counter() - started
            route = route_template(scope)
            method = str(scope.get("method", ""))
            if self.metrics is not None:
                self.metrics.observe(method, route, status, elapsed)
            log.info(
                "%s %s %d %.1f ms",
                method,
                scope.get("path", ""),
                status,
                elapsed * 1000,
                extra={
                    "request_id": rid,
                    "route": route,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 1),
                },
            )
            request_context.request_id.reset(token)

    def _span(self, scope: Scope, rid: str) -> contextlib.AbstractContextManager[Any]:
        """The request's span (continuing a caller's ``traceparent``), or nothing."""
        if not self.tracing.enabled:
            return contextlib.nullcontext()
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", [])}
        return _started(self.tracing, scope, rid, headers)


@contextlib.contextmanager
def _started(tracing: Tracing, scope: Scope, rid: str, headers: dict[str, str]) -> Iterator[Any]:
    method = str(scope.get("method", ""))
    with tracing.tracer.start_as_current_span(
        f"{method} {scope.get('path', '')}",
        context=propagate.extract(headers),
        kind=SpanKind.SERVER,
        attributes={
            "http.request.method": method,
            "url.path": str(scope.get("path", "")),
            "linewise.request_id": rid,
        },
    ) as span:
        yield span


def _end_span(span: Any, scope: Scope, status: int) -> None:
    route = route_template(scope)
    # Named by the route template, not the path: one name for every order's page.
    span.update_name(f"{scope.get('method', '')} {route}")
    span.set_attribute("http.route", route)
    span.set_attribute("http.response.status_code", status)
    if status >= 500:
        span.set_status(Status(StatusCode.ERROR))


def route_template(scope: Scope) -> str:
    """The matched route's template, not the path: /orders/{order_id}, one series for
    every order rather than one per order. An included router's route knows only its own
    part of the path; the prefix it was mounted under is what precedes it."""
    route = scope.get("route")
    template = getattr(route, "path", None)
    if not template:
        return "unmatched"
    path = str(scope.get("path", ""))
    try:
        rendered = template.format(**scope.get("path_params", {}))
    except (KeyError, ValueError, IndexError):  # {path:path} and other convertors
        return str(template)
    if rendered and path.endswith(rendered):
        return path[: len(path) - len(rendered)] + str(template)
    return str(template)
