"""Rules of alerting: evaluate rules against machine states, fire and resolve alerts,
write the notification outbox, acknowledge and resolve by hand.

An alert and its outbox rows are written in one transaction, and each outbox row's
sending job is enqueued in that same transaction under the row's idempotency key: the
alert is never without its notifications, and a notification is never queued twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from linewise.core import events
from linewise.core.errors import Conflict, FieldError, ValidationProblem
from linewise.core.time import utcnow
from linewise.domains.alerts import conditions, routing, webhooks
from linewise.domains.alerts import repository as repo
from linewise.domains.alerts.events import AlertChanged
from linewise.domains.alerts.models import (
    Alert,
    AlertRule,
    AlertScope,
    AlertState,
    EscalationStep,
    Notification,
    Preference,
    RuleKind,
    Silence,
    Webhook,
)
from linewise.domains.alerts.repository import Hit

NOTIFY_KIND = routing.NOTIFY_KIND
EVALUATE_KIND = "alerts.evaluate"
SYSTEM = "system"
IN_APP = routing.IN_APP
EMAIL = routing.EMAIL
Routing = routing.Routing
notification_key = routing.notification_key


def describe(rule: AlertRule, hit: Hit) -> str:
    name, n, target = hit.subject_name or hit.machine_name, rule.threshold_minutes, rule.target
    return {
        RuleKind.MACHINE_DOWN: f"{name} down longer than {n} min",
        RuleKind.STOP_WITHOUT_REASON: f"{name}: stop without a reason after {n} min",
        RuleKind.NO_DATA: f"{name}: no data for {n} min",
        RuleKind.LINE_DOWN: f"Line {name} down longer than {n} min (first: {hit.machine_name})",
        RuleKind.AVAILABILITY_BELOW: f"{name}: availability below {target} % this shift",
        RuleKind.OEE_BELOW: f"{name}: OEE below {target} % this shift",
        RuleKind.ORDER_LATE: f"Order {name} late against its due date",
        RuleKind.QUARANTINE_FILLING: f"{name}: more than {target} events in {n} min",
        RuleKind.MATERIAL_BELOW: f"Material {name} below {target}",
        RuleKind.IDLE_RISK: f"{name}: idle risk above 80 % within 15 min",
        RuleKind.LATE_RISK: f"Order {name}: late risk {target} % or more",
        RuleKind.SPC_VIOLATION: f"Out of control: {name}",
        RuleKind.MATERIAL_SHORT: f"Material short: {name}",
        RuleKind.MAINTENANCE_DUE: f"Maintenance due: {name}",
        RuleKind.PREDICTED_FAILURE: f"Early warning: {name}",
        RuleKind.MAINTENANCE_WARNING: f"Warning: {name}",
    }[RuleKind(rule.kind)]


def evaluate(
    db: Session, config: Routing | Sequence[str] = (), now: datetime | None = None
) -> list[Alert]:
    """Fire an alert for each rule and subject whose condition holds and has none open;
    resolve open alerts whose condition has cleared; then inhibit, group and flush.
    Returns the new alerts. Run by the periodic job every minute and on machine events."""
    now = now or utcnow()
    config = config if isinstance(config, Routing) else Routing(recipients=tuple(config))
    fired: list[Alert] = []
    for rule in repo.enabled_rules(db):
        hits = conditions.holding(db, rule, now)
        holding = {h.key for h in hits}
        open_now = {_subject(a): a for a in repo.open_alerts_of(db, rule.id)}
        for key, alert in open_now.items():
            if key not in holding:
                _resolve(db, alert, SYSTEM, now)
        for hit in hits:
            if hit.key in open_now:
                continue  # one open alert per rule and subject
            alert = Alert(
                rule_id=rule.id,
                machine_id=hit.machine_id,
                area_id=hit.area_id,
                line_id=hit.line_id,
                subject_name=hit.subject_name or hit.machine_name,
                severity=rule.severity,
                state=AlertState.FIRING.value,
                open_key=f"{rule.id}:{hit.key}",
                subject_key=hit.key,
                message=describe(rule, hit),
                fired_at=now,
                escalation_level=0,
            )
            db.add(alert)
            db.flush()
            fired.append(alert)
    _inhibit(db)
    silences = routing.active_silences(db, now)
    for alert in fired:
        # In the app at once (the page lists silenced and inhibited ones too); e-mail and
        # webhooks through the alert's group, unless it is suppressed.
        routing.write_rows(
            db,
            [
                Notification(
                    alert_id=alert.id,
                    channel=IN_APP,
                    subject=f"[{alert.severity}] {alert.message}",
                    body_text=alert.message,
                )
            ],
        )
        alert.group_key = routing.group_key(alert)
        if routing.suppressed(alert, silences, now) is None:
            routing.join_group(db, alert, config, now)
            routing.schedule_escalation(db, alert, 0)
    routing.sweep(db, config, now)
    return fired


def _subject(alert: Alert) -> str:
    return (alert.open_key or "").split(":", 1)[-1]


def _inhibit(db: Session) -> None:
    """A line down explains its machines' alerts: while a line-down alert is open the
    other open alerts of that line's machines are inhibited by it (listed under it, not
    notified); when it resolves they are released and notified if still firing."""
    lines = repo.open_line_alerts(db)
    for alert in repo.open_machine_alerts(db):
        cause = lines.get(alert.line_id or repo.line_of(db, alert.machine_id))
        wanted = cause.id if cause is not None and cause.id != alert.id else None
        if cause is not None and cause.rule_id == alert.rule_id:
            wanted = None
        if alert.inhibited_by != wanted:
            alert.inhibited_by = wanted


def acknowledge(db: Session, alert: Alert, actor: str, comment: str) -> None:
    if alert.state != AlertState.FIRING:
        raise Conflict(
            f"alert {alert.id} is {alert.state}, only a firing alert can be acknowledged",
            errors=[FieldError("state", alert.state)],
        )
    alert.state = AlertState.ACKNOWLEDGED.value
    alert.acknowledged_at = utcnow()
    alert.acknowledged_by = actor
    alert.ack_comment = comment
    _changed(db, alert)


def resolve(db: Session, alert: Alert, actor: str) -> None:
    if alert.state == AlertState.RESOLVED:
        raise Conflict(
            f"alert {alert.id} is resolved already", errors=[FieldError("state", alert.state)]
        )
    _resolve(db, alert, actor, utcnow())


def _resolve(db: Session, alert: Alert, actor: str, now: datetime) -> None:
    alert.state = AlertState.RESOLVED.value
    alert.resolved_at = now
    alert.resolved_by = actor
    alert.open_key = None  # the rule may fire again for this machine
    alert.inhibited_by = None
    _changed(db, alert)


def _changed(db: Session, alert: Alert) -> None:
    events.record(
        db, AlertChanged(alert.id, alert.area_id, alert.state, alert.severity, alert.message)
    )


def mark_in_app_sent(db: Session, notification: Notification, alert: Alert) -> None:
    """The in-app channel: the event reaches the browsers through the live hub."""
    _changed(db, alert)
    notification.sent_at = utcnow()


def _check_scope(db: Session, values: dict[str, Any]) -> None:
    kind, scope_id = values["scope_kind"], values["scope_id"]
    if kind == AlertScope.SITE:
        if scope_id is not None:
            raise ValidationProblem(
                "a site-wide rule has no scope id",
                errors=[FieldError("scope_id", "must be empty for scope site")],
            )
        return
    if scope_id is None or not repo.scope_exists(db, kind, scope_id):
        raise ValidationProblem(
            f"no {kind} {scope_id}", errors=[FieldError("scope_id", f"unknown {kind}")]
        )


NEEDS_TARGET = (
    RuleKind.AVAILABILITY_BELOW,
    RuleKind.OEE_BELOW,
    RuleKind.QUARANTINE_FILLING,
    RuleKind.MATERIAL_BELOW,
    RuleKind.LATE_RISK,
)


def _check_target(values: dict[str, Any]) -> None:
    if values["kind"] in NEEDS_TARGET and values.get("target") is None:
        raise ValidationProblem(
            f"a {values['kind']} rule needs a target",
            errors=[FieldError("target", "required for this kind")],
        )
    if values["kind"] in (RuleKind.AVAILABILITY_BELOW, RuleKind.OEE_BELOW, RuleKind.LATE_RISK) and (
        values["target"] > 100
    ):
        raise ValidationProblem(
            "a percent target is at most 100", errors=[FieldError("target", "at most 100")]
        )


def create_rule(db: Session, values: dict[str, Any]) -> AlertRule:
    _check_scope(db, values)
    _check_target(values)
    rule = AlertRule(**values)
    db.add(rule)
    db.flush()
    return rule


def update_rule(db: Session, rule: AlertRule, values: dict[str, Any]) -> None:
    _check_scope(db, values)
    _check_target(values)
    for key, value in values.items():
        setattr(rule, key, value)
    db.flush()


# --- shelving, silences, escalation chains, webhooks, preferences --------------------


def shelve(db: Session, alert: Alert, actor: str, minutes: int, comment: str) -> None:
    """ISA-18.2 shelving: one alert out of the badge and notices until the time is up."""
    if alert.state == AlertState.RESOLVED:
        raise Conflict(
            f"alert {alert.id} is resolved, it cannot be shelved",
            errors=[FieldError("state", alert.state)],
        )
    alert.shelved_until = utcnow() + timedelta(minutes=minutes)
    alert.shelved_by = actor
    alert.shelve_comment = comment
    _changed(db, alert)


def unshelve(db: Session, alert: Alert) -> None:
    alert.shelved_until = None
    _changed(db, alert)


def create_silence(db: Session, values: dict[str, Any], actor: str) -> Silence:
    if all(values.get(k) is None for k in ("rule_id", "area_id", "machine_id", "severity")):
        raise ValidationProblem(
            "a silence needs at least one matcher",
            errors=[FieldError("rule_id", "give a rule, area, machine or severity")],
        )
    if values.get("rule_id") is not None and db.get(AlertRule, values["rule_id"]) is None:
        raise ValidationProblem("no such rule", errors=[FieldError("rule_id", "unknown rule")])
    now = utcnow()
    minutes = values.pop("minutes")
    silence = Silence(
        **values, created_by=actor, starts_at=now, ends_at=now + timedelta(minutes=minutes)
    )
    db.add(silence)
    db.flush()
    return silence


def expire_silence(db: Session, silence: Silence) -> None:
    now = utcnow()
    if silence.ends_at > now:
        silence.ends_at = now


def set_chain(
    db: Session, rule_id: int | None, severity: str | None, steps: list[dict[str, Any]]
) -> list[EscalationStep]:
    """Replace the chain of a rule (or of a severity) with ``steps``, in order."""
    if (rule_id is None) == (severity is None):
        raise ValidationProblem(
            "a chain belongs to a rule or to a severity",
            errors=[FieldError("rule_id", "give a rule or a severity, not both")],
        )
    last = -1
    for i, step in enumerate(steps):
        if step["after_minutes"] <= last:
            raise ValidationProblem(
                "steps must come later and later",
                errors=[FieldError(f"steps.{i}.after_minutes", "must be after the step before")],
            )
        last = step["after_minutes"]
        if not repo.user_exists(db, step["username"]):
            raise ValidationProblem(
                f"no user {step['username']!r}",
                errors=[FieldError(f"steps.{i}.username", "unknown user")],
            )
    repo.delete_chain(db, rule_id, severity)
    rows = [
        EscalationStep(rule_id=rule_id, severity=severity, position=i, **step)
        for i, step in enumerate(steps)
    ]
    db.add_all(rows)
    db.flush()
    return rows


def save_webhook(db: Session, hook: Webhook | None, values: dict[str, Any]) -> Webhook:
    template = values.get("body_template") or webhooks.DEFAULT_TEMPLATES[values["kind"]]
    problem = webhooks.template_problem(template)
    if problem:
        raise ValidationProblem(problem, errors=[FieldError("body_template", problem)])
    values["body_template"] = template
    if hook is None:
        hook = Webhook(**values)
        db.add(hook)
    else:
        for key, value in values.items():
            if key == "secret" and not value:
                continue  # an empty secret on edit keeps the stored one (it is never shown)
            setattr(hook, key, value)
    if not hook.secret:
        raise ValidationProblem(
            "a webhook needs a secret", errors=[FieldError("secret", "must not be empty")]
        )
    db.flush()
    return hook


def preference_of(db: Session, username: str) -> Preference:
    pref = repo.preference(db, username)
    if pref is None:
        pref = Preference(
            username=username, email="", channels=[IN_APP], on_call_area_ids=[], sound=False
        )
    return pref


def save_preference(db: Session, username: str, values: dict[str, Any]) -> Preference:
    for name in ("quiet_start", "quiet_end"):
        value = values.get(name)
        if value:
            try:
                time.fromisoformat(value)
            except ValueError as exc:
                raise ValidationProblem(
                    f"{name} is not a time", errors=[FieldError(name, "HH:MM, in the site's zone")]
                ) from exc
    for area_id in values.get("on_call_area_ids", []):
        if not repo.scope_exists(db, AlertScope.AREA, area_id):
            raise ValidationProblem(
                f"no area {area_id}", errors=[FieldError("on_call_area_ids", "unknown area")]
            )
    pref = repo.preference(db, username)
    if pref is None:
        pref = Preference(username=username)
        db.add(pref)
    for key, value in values.items():
        setattr(pref, key, value)
    db.flush()
    return pref


def suppression(db: Session, alerts: Sequence[Alert]) -> dict[int, str | None]:
    """Why each alert is kept out of e-mail and webhooks now (None: it is not)."""
    now = utcnow()
    silences = routing.active_silences(db, now)
    return {a.id: routing.suppressed(a, silences, now) for a in alerts}
