"""The report jobs: two periodic ones that fan out one send job per subscription, and the
sender. Sending runs in its own transaction because an e-mail leaves the database: a
worker killed after the SMTP answer and before the commit mails that report again
(at least once, like the alert e-mail)."""

from __future__ import annotations

from datetime import datetime

from linewise.config import Settings
from linewise.core.time import utcnow
from linewise.domains.reports import service
from linewise.domains.reports.models import ReportKind
from linewise.jobs import JobContext
from linewise.jobs.registry import Handler


def fan_out_job(kind: ReportKind) -> Handler:
    def run(ctx: JobContext) -> None:
        as_of = str(ctx.args.get("scheduled_for") or utcnow().isoformat())
        service.fan_out(ctx.session, kind, as_of)

    return run


def send_job(settings: Settings) -> Handler:
    def run(ctx: JobContext) -> None:
        with ctx.session_factory() as db, db.begin():
            service.deliver(
                db,
                int(ctx.args["subscription_id"]),
                datetime.fromisoformat(str(ctx.args["as_of"])),
                settings.smtp_host,
                settings.smtp_port,
                settings.smtp_from,
                force=bool(ctx.args.get("force", False)),
            )

    return run
