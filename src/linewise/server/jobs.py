"""The product's job kinds and periodic jobs, one registry for the server's workers and
for ``linewise worker`` processes (they must know the same kinds)."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from linewise.config import Settings
from linewise.core.time import utcnow
from linewise.core.tracing import OFF, Tracing
from linewise.domains.equipment.site_time import site_zone
from linewise.ingest import retention
from linewise.jobs import JobContext, Registry, queue
from linewise.jobs.worker import Worker

log = logging.getLogger(__name__)


def job_registry(settings: Settings, factory: sessionmaker[Session]) -> Registry:
    """Every job kind, and the periodic jobs in the site's zone (read once, at start)."""
    from linewise.domains.alerts import jobs as alert_jobs
    from linewise.domains.alerts import routing as alert_routing
    from linewise.domains.alerts import service as alerts
    from linewise.domains.performance import refresher

    with factory() as db:
        zone = site_zone(db).key
    registry = Registry()
    registry.register(refresher.KIND, refresher.refresh_job(factory), own_transaction=True)
    if settings.kpi_refresh_s > 0:
        registry.every("kpi-refresh", settings.kpi_refresh_cron, refresher.KIND, zone=zone)
    registry.register(alerts.EVALUATE_KIND, alert_jobs.evaluate_job(settings))
    registry.register(alerts.NOTIFY_KIND, alert_jobs.notify_job(settings), own_transaction=True)
    cron = settings.alerts_evaluate_cron
    registry.every("alerts-evaluate", cron, alerts.EVALUATE_KIND, zone=zone)
    registry.register(alert_routing.FLUSH_KIND, alert_jobs.flush_job(settings))
    registry.register(alert_routing.ESCALATE_KIND, alert_jobs.escalate_job(settings))
    keep = timedelta(days=settings.jobs_keep_days)

    def prune(ctx: JobContext) -> None:
        queue.prune(ctx.session.connection(), utcnow() - keep)

    registry.register(queue.PRUNE_KIND, prune)
    # Once a night in the site's zone, when a plant's servers are least busy.
    registry.every("jobs-prune", "17 3 * * *", queue.PRUNE_KIND, zone=zone)
    from linewise.domains.idle import service as idle

    registry.register(idle.KIND, idle.refresh_job)
    if settings.idle_risk_cron:
        registry.every("idle-risk", settings.idle_risk_cron, idle.KIND, zone=zone)
    from linewise.domains.reports import jobs as report_jobs
    from linewise.domains.reports import service as reports
    from linewise.domains.reports.models import ReportKind

    registry.register(reports.DAILY_KIND, report_jobs.fan_out_job(ReportKind.SHIFT_DAILY))
    registry.register(reports.WEEKLY_KIND, report_jobs.fan_out_job(ReportKind.KPI_WEEKLY))
    registry.register(reports.SEND_KIND, report_jobs.send_job(settings), own_transaction=True)
    registry.every("reports-daily", settings.reports_daily_cron, reports.DAILY_KIND, zone=zone)
    registry.every("reports-weekly", settings.reports_weekly_cron, reports.WEEKLY_KIND, zone=zone)
    from linewise.domains.documents import service as documents
    from linewise.domains.documents.storage import from_settings as document_store

    store = document_store(settings)

    def delete_blob(ctx: JobContext) -> None:  # outside the database: idempotent
        store.delete(str(ctx.args["key"]))

    registry.register(documents.DELETE_BLOB_KIND, delete_blob, own_transaction=True)
    from linewise.domains.maintenance import jobs as maintenance_jobs
    from linewise.domains.maintenance import service as maintenance
    from linewise.domains.maintenance import training as maintenance_training
    from linewise.domains.maintenance.calendar import maintenance_windows
    from linewise.domains.people import working_time

    working_time.register_source(maintenance_windows)  # a worker's KPI jobs see it too
    registry.register(maintenance.GENERATE_KIND, maintenance_jobs.generate_job(settings))
    registry.register(maintenance_training.TRAIN_KIND, maintenance_jobs.train_job(settings))
    if settings.maintenance_generate_cron:
        cron = settings.maintenance_generate_cron
        registry.every("maintenance-generate", cron, maintenance.GENERATE_KIND, zone=zone)
    if settings.maintenance_train_cron:
        cron = settings.maintenance_train_cron
        kind, args = maintenance_training.TRAIN_KIND, {"scheduled": True}
        registry.every("maintenance-train", cron, kind, zone=zone, args=args)
    if settings.backup_dir is not None:
        registry.register(BACKUP_KIND, backup_job(settings), own_transaction=True)
        registry.every("backup", settings.backup_cron, BACKUP_KIND, zone=zone)
    from linewise.domains.delivery import service as delivery

    registry.register(delivery.SNAPSHOT_KIND, delivery.snapshot_job)
    if settings.delivery_snapshot_cron:
        cron = settings.delivery_snapshot_cron
        registry.every("delivery-snapshot", cron, delivery.SNAPSHOT_KIND, zone=zone)
    from linewise.domains.delivery import training as delivery_training

    registry.register(delivery_training.TRAIN_KIND, delivery_training.train_job)
    if settings.delivery_train_cron:
        cron = settings.delivery_train_cron
        registry.every("delivery-train", cron, delivery_training.TRAIN_KIND, zone=zone)
    registry.register(delivery.REFRESH_KIND, delivery.refresh_job)
    if settings.delivery_refresh_cron:
        cron = settings.delivery_refresh_cron
        registry.every("delivery-refresh", cron, delivery.REFRESH_KIND, zone=zone)
    # Data retention (issue 25; docs/operations.md): raw machine data to aggregates.
    registry.register(retention.KIND, retention_job(settings))
    if settings.retention_raw_days > 0:
        registry.every("retention", settings.retention_cron, retention.KIND, zone=zone)
    return registry


def retention_job(settings: Settings) -> Callable[[JobContext], None]:
    """Raw telemetry and machine events past LINEWISE_RETENTION_RAW_DAYS become hourly
    aggregates, in the job's transaction; audit records are never touched."""

    def run(ctx: JobContext) -> None:
        days = int(ctx.args.get("raw_days", settings.retention_raw_days))
        if days <= 0:
            return
        # Never before the oldest event ingest still accepts: a late event must find
        # the raw events it is ordered among (state intervals are rebuilt from them).
        days = max(days, math.ceil(settings.ingest_max_past_s / 86_400) + 1)
        report = retention.apply(ctx.session, utcnow(), days)
        log.info(
            "retention before %s: %d telemetry rows into %d hourly, %d count events "
            "into %d, %d state events removed",
            report.cutoff.isoformat(),
            report.telemetry_rows,
            report.hourly_rows,
            report.count_rows,
            report.count_rows_kept,
            report.state_rows,
        )

    return run


BACKUP_KIND = "backup"


def backup_job(settings: Settings) -> Callable[[JobContext], None]:
    """The nightly backup with its retention (docs/operations.md). A retry after a
    crash makes a second backup of a later moment, never a broken one."""
    from linewise.ops import backup as backups

    root = settings.backup_dir
    assert root is not None

    def run(_ctx: JobContext) -> None:
        path, manifest = backups.backup(settings.database_url, root)
        removed = backups.prune(
            root, settings.backup_keep_days, keep_all_hours=settings.backup_keep_all_hours
        )
        log.info(
            "backup %s: %d rows, %d removed by retention",
            path,
            sum(manifest.row_counts.values()),
            len(removed),
        )

    return run


def make_worker(
    settings: Settings,
    factory: sessionmaker[Session],
    concurrency: int | None = None,
    tracing: Tracing = OFF,
) -> Worker:
    return Worker(
        factory,
        job_registry(settings, factory),
        concurrency=settings.jobs_workers if concurrency is None else concurrency,
        poll_s=settings.jobs_poll_s,
        heartbeat_s=settings.jobs_heartbeat_s,
        stale_after_s=settings.jobs_stale_after_s,
        tracing=tracing,
    )
