"""Prometheus metrics (``GET /metrics``), with the standard client library.

Each app has its own registry (a test process builds many apps). Request figures are
counted by the middleware in ``server/observability.py``; everything else is read when
Prometheus scrapes, so nothing is counted twice or kept in sync by hand: the recorder's
counters, the live hub's clients, and the job queue, KPI rollups and alert outbox from
the database.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from linewise.core.time import utcnow

if TYPE_CHECKING:
    from fastapi import FastAPI

log = logging.getLogger(__name__)

# Seconds; API answers are mostly milliseconds, imports and solves take seconds.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class HttpMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "linewise_http_requests",
            "HTTP requests answered, by method, route template and status",
            ["method", "route", "status"],
            registry=registry,
        )
        self.duration = Histogram(
            "linewise_http_request_duration_seconds",
            "Time to the end of the response, by method and route template",
            ["method", "route"],
            buckets=BUCKETS,
            registry=registry,
        )

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.duration.labels(method, route).observe(seconds)


class StateCollector(Collector):
    """Figures read at scrape time from the app's services and its database."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def collect(self) -> Iterator[Metric]:
        state = self.app.state
        recorder = getattr(state, "recorder", None)
        if recorder is not None:
            stats = recorder.stats
            events = CounterMetricFamily(
                "linewise_ingest_events", "Machine events stored (duplicates not counted)"
            )
            events.add_metric([], stats.events)
            yield events
            rejected = CounterMetricFamily(
                "linewise_ingest_quarantined", "Machine events refused into quarantine"
            )
            rejected.add_metric([], stats.rejected)
            yield rejected
            yield GaugeMetricFamily(
                "linewise_ingest_pending_events",
                "Events accepted but not yet stored (the recorder's lag)",
                value=recorder.pending,
            )
            yield GaugeMetricFamily(
                "linewise_ingest_last_commit_seconds",
                "Duration of the recorder's last transaction",
                value=stats.last_commit_ms / 1000,
            )
        hub = getattr(state, "live_hub", None)
        if hub is not None:
            yield GaugeMetricFamily(
                "linewise_websocket_clients", "Live WebSocket clients", value=len(hub.clients)
            )
        factory: sessionmaker[Session] | None = getattr(state, "session_factory", None)
        if factory is not None:
            try:
                yield from _from_database(factory)
            except Exception:  # a scrape must answer even when the database does not
                log.exception("metrics: the database could not be read")
                yield GaugeMetricFamily(
                    "linewise_database_up", "1 if the database answered the scrape", value=0
                )


def _from_database(factory: sessionmaker[Session]) -> Iterator[Metric]:
    from linewise.domains.alerts.models import Notification
    from linewise.domains.performance.models import RollupMark
    from linewise.jobs.models import Job

    with factory() as db:
        jobs = GaugeMetricFamily("linewise_jobs", "Jobs in the queue by state", labels=["state"])
        for job_state, n in db.execute(select(Job.state, func.count()).group_by(Job.state)):
            jobs.add_metric([str(job_state)], n)
        stale = db.scalar(select(func.min(RollupMark.stale_since)))
        sent = db.execute(
            select(Notification.channel, func.count())
            .where(Notification.sent_at.is_not(None))
            .group_by(Notification.channel)
        ).all()
        waiting = db.scalar(
            select(func.count()).select_from(Notification).where(Notification.sent_at.is_(None))
        )
    yield GaugeMetricFamily("linewise_database_up", "1 if the database answered", value=1)
    yield jobs
    yield GaugeMetricFamily(
        "linewise_kpi_rollup_stale_seconds",
        "Age of the oldest machine data not yet in the KPI rollups (0: all fresh)",
        value=(utcnow() - stale).total_seconds() if stale is not None else 0.0,
    )
    notifications = CounterMetricFamily(
        "linewise_alert_notifications_sent",
        "Alert notifications sent, by channel",
        labels=["channel"],
    )
    for channel, n in sent:
        notifications.add_metric([str(channel)], n)
    yield notifications
    yield GaugeMetricFamily(
        "linewise_alert_notifications_waiting",
        "Alert notifications not sent yet",
        value=waiting or 0,
    )


def install(app: FastAPI) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    app.state.http_metrics = HttpMetrics(registry)
    registry.register(StateCollector(app))
    app.state.metrics_registry = registry
    return registry


def render(app: FastAPI) -> tuple[bytes, str]:
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    registry: Any = app.state.metrics_registry
    return generate_latest(registry), CONTENT_TYPE_LATEST
