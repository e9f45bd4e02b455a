"""Who hears of an alert and when: silences, shelving, inhibition, grouping with
Alertmanager's timers, escalation chains, recipients from preferences, webhooks.

Grouping (one group per rule and area): the first alert of a group waits ``group_wait``
for the rest of a burst, so a burst becomes one notification; alerts joining a group
that was notified wait until ``group_interval`` after that notice; a group still firing
is notified again every ``repeat``. Each flush is a job with its ``run_at``, and the
periodic evaluator also flushes what is due, so a lost job only delays a notice.

Every function takes ``now``: tests drive the timers with an injected clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from linewise.domains.alerts.models import (
    Alert,
    AlertGroup,
    AlertRule,
    AlertState,
    EscalationStep,
    Notification,
    Preference,
    Severity,
    Silence,
    Webhook,
)
from linewise.domains.equipment.site_time import local_when, site_zone
from linewise.jobs import queue

NOTIFY_KIND = "alerts.notify"
FLUSH_KIND = "alerts.flush_group"
ESCALATE_KIND = "alerts.escalate"
EMAIL = "email"
WEBHOOK = "webhook"
IN_APP = "in_app"
# A notice lists this many alerts, root cause (the first to fire) first; a flood's rest
# is counted, not listed (flood suppression).
MAX_LISTED = 10
WEBHOOK_ATTEMPTS = 6  # 5 s, 10 s, 20 s, 40 s, 80 s between them (the queue's backoff)
RANK = {Severity.LOW: 0, Severity.MEDIUM: 1, Severity.HIGH: 2, Severity.CRITICAL: 3}


@dataclass(frozen=True)
class Routing:
    """The fixed address list and the grouping timers (from the settings)."""

    recipients: Sequence[str] = field(default_factory=tuple)
    group_wait: timedelta = timedelta(seconds=30)
    group_interval: timedelta = timedelta(minutes=5)
    repeat: timedelta = timedelta(hours=4)


def notification_key(notification_id: int) -> str:
    return f"alert-notification:{notification_id}"


# --- suppression: silences, shelving, inhibition -------------------------------------


def active_silences(db: Session, now: datetime) -> Sequence[Silence]:
    return db.scalars(select(Silence).where(Silence.starts_at <= now, Silence.ends_at > now)).all()


def matches(silence: Silence, alert: Alert) -> bool:
    """A silence matches when every field it gives equals the alert's."""
    return (
        (silence.rule_id is None or silence.rule_id == alert.rule_id)
        and (silence.area_id is None or silence.area_id == alert.area_id)
        and (silence.machine_id is None or silence.machine_id == alert.machine_id)
        and (silence.severity is None or silence.severity == alert.severity)
    )


def suppressed(alert: Alert, silences: Sequence[Silence], now: datetime) -> str | None:
    """Why the alert is not notified now (shelved, inhibited, silenced), or None."""
    if alert.shelved_until is not None and alert.shelved_until > now:
        return "shelved"
    if alert.inhibited_by is not None:
        return "inhibited"
    if any(matches(s, alert) for s in silences):
        return "silenced"
    return None


# --- grouping ------------------------------------------------------------------------


def group_key(alert: Alert) -> str:
    return f"{alert.rule_id}:{alert.area_id or 0}"


def _group(db: Session, key: str, now: datetime) -> AlertGroup:
    """The group of ``key``, made once even when two evaluators race."""
    conn = db.connection()
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    conn.execute(
        dialect_insert(AlertGroup)
        .values(group_key=key, created_at=now)
        .on_conflict_do_nothing(index_elements=["group_key"])
    )
    return db.scalars(
        select(AlertGroup)
        .where(AlertGroup.group_key == key)
        .execution_options(populate_existing=True)
    ).one()


def _schedule_flush(db: Session, group: AlertGroup, at: datetime) -> None:
    if group.next_flush_at is not None and group.next_flush_at <= at:
        return
    group.next_flush_at = at
    db.flush()
    queue.enqueue(
        db,
        FLUSH_KIND,
        {"group_id": group.id},
        idempotency_key=f"alert-group:{group.id}:{at.isoformat()}",
        run_at=at,
    )


def _members(db: Session, key: str) -> Sequence[Alert]:
    return db.scalars(
        select(Alert)
        .where(Alert.group_key == key, Alert.state == AlertState.FIRING)
        .order_by(Alert.fired_at, Alert.id)
    ).all()


def join_group(db: Session, alert: Alert, routing: Routing, now: datetime) -> None:
    """Put a notifiable alert in its group and schedule the group's next notice."""
    key = group_key(alert)
    alert.group_key = key
    group = _group(db, key, now)
    notified = any(a.notified_at is not None for a in _members(db, key))
    if group.last_sent_at is None or not notified:
        due = now + routing.group_wait
    else:
        due = max(now, group.last_sent_at + routing.group_interval)
    _schedule_flush(db, group, due)


def flush_group(db: Session, group_id: int, routing: Routing, now: datetime) -> bool:
    """Notify the group if its time has come; True when a notice was written."""
    group = db.scalars(
        select(AlertGroup).where(AlertGroup.id == group_id).with_for_update()
    ).first()
    if group is None or group.next_flush_at is None or group.next_flush_at > now:
        return False
    silences = active_silences(db, now)
    members = [a for a in _members(db, group.group_key) if suppressed(a, silences, now) is None]
    fresh = [a for a in members if a.notified_at is None]
    repeat_due = group.last_sent_at is not None and now >= group.last_sent_at + routing.repeat
    sent = False
    group.next_flush_at = None
    if fresh or (members and repeat_due):
        _write_notice(db, members, routing, now)
        for a in members:
            a.notified_at = a.notified_at or now
        group.last_sent_at = now
        sent = True
    if members and group.last_sent_at is not None:
        _schedule_flush(db, group, group.last_sent_at + routing.repeat)
    db.flush()
    return sent


def sweep(db: Session, routing: Routing, now: datetime) -> None:
    """What the periodic evaluator does besides rules: flush due groups (a lost flush job
    only delays a notice) and group alerts whose silence, shelf or inhibition ended."""
    due = db.scalars(select(AlertGroup.id).where(AlertGroup.next_flush_at <= now)).all()
    for group_id in due:
        flush_group(db, group_id, routing, now)
    silences = active_silences(db, now)
    waiting = db.scalars(
        select(Alert).where(Alert.state == AlertState.FIRING, Alert.notified_at.is_(None))
    ).all()
    for alert in waiting:
        if suppressed(alert, silences, now) is not None:
            continue
        group = _group(db, group_key(alert), now)
        if group.next_flush_at is None:
            join_group(db, alert, routing, now)
            schedule_escalation(db, alert, 0)


# --- the notice: e-mail to the list and to people on call, webhooks -----------------


def _in_quiet_hours(pref: Preference, local: time) -> bool:
    if not pref.quiet_start or not pref.quiet_end:
        return False
    start, end = time.fromisoformat(pref.quiet_start), time.fromisoformat(pref.quiet_end)
    if start <= end:
        return start <= local < end
    return local >= start or local < end  # over midnight


def people_for(db: Session, alert: Alert, now: datetime) -> list[str]:
    """Addresses of people on call for the alert's area who take e-mail, outside their
    quiet hours (in the site's zone) unless the alert is critical."""
    local = now.astimezone(site_zone(db)).time()
    out = []
    for pref in db.scalars(select(Preference).order_by(Preference.id)):
        if EMAIL not in pref.channels or not pref.email:
            continue
        areas = set(pref.on_call_area_ids)
        if not areas or (alert.area_id is not None and alert.area_id not in areas):
            continue
        if alert.severity != Severity.CRITICAL and _in_quiet_hours(pref, local):
            continue
        out.append(pref.email)
    return out


def _write_notice(db: Session, members: Sequence[Alert], routing: Routing, now: datetime) -> None:
    root = members[0]
    zone = site_zone(db)
    worst = max((Severity(a.severity) for a in members), key=lambda s: RANK[s])
    more = f" (+{len(members) - 1} more)" if len(members) > 1 else ""
    subject = f"[{worst}] {root.message}{more}"
    lines = [f"{a.message} (since {local_when(a.fired_at, zone)})" for a in members[:MAX_LISTED]]
    if len(members) > MAX_LISTED:
        lines.append(f"... and {len(members) - MAX_LISTED} more of the same rule and area")
    body = "\n".join([f"Severity: {worst}", *lines])
    addresses = list(dict.fromkeys([*routing.recipients, *people_for(db, root, now)]))
    rows = [
        Notification(alert_id=root.id, channel=EMAIL, recipient=r, subject=subject, body_text=body)
        for r in addresses
    ]
    for hook in db.scalars(select(Webhook).where(Webhook.enabled.is_(True))):
        if RANK[worst] >= RANK[Severity(hook.min_severity)]:
            rows.append(
                Notification(
                    alert_id=root.id,
                    channel=WEBHOOK,
                    recipient=str(hook.id),
                    subject=subject,
                    body_text=body,
                )
            )
    write_rows(db, rows)


def write_rows(db: Session, rows: Sequence[Notification]) -> None:
    """Outbox rows and their sending jobs, in the caller's transaction."""
    db.add_all(rows)
    db.flush()
    for row in rows:
        attempts = WEBHOOK_ATTEMPTS if row.channel == WEBHOOK else 3
        queue.enqueue(
            db,
            NOTIFY_KIND,
            {"notification_id": row.id},
            idempotency_key=notification_key(row.id),
            max_attempts=attempts,
        )


# --- escalation ----------------------------------------------------------------------


def chain(db: Session, rule: AlertRule) -> Sequence[EscalationStep]:
    """The rule's own chain, or else its severity's."""
    own = db.scalars(
        select(EscalationStep)
        .where(EscalationStep.rule_id == rule.id)
        .order_by(EscalationStep.position, EscalationStep.id)
    ).all()
    if own:
        return own
    return db.scalars(
        select(EscalationStep)
        .where(EscalationStep.rule_id.is_(None), EscalationStep.severity == rule.severity)
        .order_by(EscalationStep.position, EscalationStep.id)
    ).all()


def schedule_escalation(db: Session, alert: Alert, level: int) -> None:
    rule = db.get(AlertRule, alert.rule_id)
    steps = chain(db, rule) if rule else []
    if level >= len(steps):
        return
    queue.enqueue(
        db,
        ESCALATE_KIND,
        {"alert_id": alert.id, "level": level},
        idempotency_key=f"alert-escalate:{alert.id}:{level}",
        run_at=alert.fired_at + timedelta(minutes=steps[level].after_minutes),
    )


def escalate(db: Session, alert_id: int, level: int, now: datetime) -> str | None:
    """Tell the chain's ``level``-th person if the alert is still firing unacknowledged
    and not suppressed; returns the address told (None: nothing to do)."""
    alert = db.get(Alert, alert_id)
    if alert is None or alert.state != AlertState.FIRING or alert.escalation_level > level:
        return None
    if suppressed(alert, active_silences(db, now), now) is not None:
        return None
    rule = db.get(AlertRule, alert.rule_id)
    steps = chain(db, rule) if rule else []
    if level >= len(steps):
        return None
    step = steps[level]
    pref = db.scalars(select(Preference).where(Preference.username == step.username)).first()
    alert.escalation_level = level + 1
    schedule_escalation(db, alert, level + 1)
    if pref is None or not pref.email:
        return None  # the step's person has no address: the next step still comes
    since = local_when(alert.fired_at, site_zone(db))
    subject = f"[{alert.severity}] ESCALATED: {alert.message}"
    body = f"{alert.message}\nNot acknowledged since {since}.\nEscalation step {level + 1}."
    write_rows(
        db,
        [
            Notification(
                alert_id=alert.id,
                channel=EMAIL,
                recipient=pref.email,
                subject=subject,
                body_text=body,
            )
        ],
    )
    return pref.email
