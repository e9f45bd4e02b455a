"""The alert jobs: the rule evaluator (periodic and on machine events), the sender of
one outbox row, a group's flush and an escalation step."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from linewise.config import Settings
from linewise.core.time import utcnow
from linewise.domains.alerts import mail, routing, service, webhooks
from linewise.domains.alerts.models import Alert, Notification, Webhook
from linewise.jobs import JobContext
from linewise.jobs.registry import Handler


def recipients(settings: Settings) -> list[str]:
    return [a.strip() for a in settings.alerts_email_to.split(",") if a.strip()]


def routing_of(settings: Settings) -> routing.Routing:
    return routing.Routing(
        recipients=tuple(recipients(settings)),
        group_wait=timedelta(seconds=settings.alerts_group_wait_s),
        group_interval=timedelta(seconds=settings.alerts_group_interval_s),
        repeat=timedelta(seconds=settings.alerts_repeat_s),
    )


def evaluate_job(settings: Settings) -> Handler:
    def run(ctx: JobContext) -> None:
        service.evaluate(ctx.session, routing_of(settings))

    return run


def flush_job(settings: Settings) -> Handler:
    def run(ctx: JobContext) -> None:
        routing.flush_group(ctx.session, int(ctx.args["group_id"]), routing_of(settings), utcnow())

    return run


def escalate_job(settings: Settings) -> Handler:
    def run(ctx: JobContext) -> None:
        routing.escalate(ctx.session, int(ctx.args["alert_id"]), int(ctx.args["level"]), utcnow())

    return run


def notify_job(settings: Settings) -> Handler:
    """Send one outbox row. It runs in its own transaction because an e-mail leaves the
    database: the row is locked, skipped if already sent, sent, and marked sent."""

    def run(ctx: JobContext) -> None:
        with ctx.session_factory() as db, db.begin():
            send_one(db, settings, int(ctx.args["notification_id"]))

    return run


def send_one(db: Session, settings: Settings, notification_id: int) -> bool:
    """Send the row unless it was sent already; True when it was sent now. A webhook
    that refuses raises, and the queue retries the job with backoff."""
    row = db.scalars(
        select(Notification).where(Notification.id == notification_id).with_for_update()
    ).first()
    if row is None or row.sent_at is not None:
        return False
    alert = db.get(Alert, row.alert_id)
    if alert is None:
        return False
    if row.channel == service.EMAIL:
        if not settings.smtp_host:
            return False  # e-mail is not configured: the row stays unsent, visible as such
        message = mail.build(
            settings.smtp_from, row.recipient, row.subject, row.body_text, message_id(row.id)
        )
        mail.send(settings.smtp_host, settings.smtp_port, message)
        row.sent_at = utcnow()
    elif row.channel == routing.WEBHOOK:
        hook = db.get(Webhook, int(row.recipient))
        if hook is None or not hook.enabled:
            return False
        body = webhooks.render(hook.body_template, webhook_values(row, alert))
        json.loads(body)  # the template was checked when saved; a bad body is not sent
        webhooks.post(hook.url, hook.secret, body, int(utcnow().timestamp()), str(row.id))
        row.sent_at = utcnow()
    else:
        service.mark_in_app_sent(db, row, alert)
    return True


def message_id(notification_id: int) -> str:
    return f"<alert-notification-{notification_id}@linewise>"


def webhook_values(row: Notification, alert: Alert) -> dict[str, str | int]:
    return {
        "subject": row.subject,
        "text": row.body_text,
        "severity": alert.severity,
        "alert_id": alert.id,
        "count": _more(row.subject),
    }


def _more(subject: str) -> int:
    """How many alerts a group notice stands for ("... (+3 more)" is four)."""
    if subject.endswith(" more)") and "(+" in subject:
        return 1 + int(subject.rsplit("(+", 1)[1].split(" ", 1)[0])
    return 1
