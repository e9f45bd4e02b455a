"""Routes of alerting: the alert list, acknowledge and resolve, the rules."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from linewise.api.crud import get_or_404
from linewise.api.deps import Principal, get_db, require
from linewise.core.errors import Forbidden
from linewise.core.time import utcnow
from linewise.domains.alerts import figures, service
from linewise.domains.alerts import repository as repo
from linewise.domains.alerts.models import (
    Alert,
    AlertRule,
    AlertState,
    Preference,
    Silence,
    Webhook,
)
from linewise.domains.alerts.schemas import (
    AcknowledgeIn,
    AlarmFiguresOut,
    AlertOut,
    ChainIn,
    OpenCountOut,
    PreferenceIn,
    PreferenceOut,
    RuleIn,
    RuleOut,
    ShelveIn,
    SilenceIn,
    SilenceOut,
    StepOut,
    WebhookIn,
    WebhookOut,
)

router = APIRouter(tags=["alerts"])


def _out(
    alert: Alert, machine_name: str, rule: AlertRule, suppressed: str | None = None
) -> dict[str, Any]:
    return {
        "id": alert.id,
        "rule_id": alert.rule_id,
        "rule_name": rule.name,
        "kind": rule.kind,
        "threshold_minutes": rule.threshold_minutes,
        "machine_id": alert.machine_id,
        "machine_name": machine_name,
        "area_id": alert.area_id,
        "severity": alert.severity,
        "state": alert.state,
        "message": alert.message,
        "fired_at": alert.fired_at,
        "acknowledged_at": alert.acknowledged_at,
        "acknowledged_by": alert.acknowledged_by,
        "ack_comment": alert.ack_comment,
        "resolved_at": alert.resolved_at,
        "resolved_by": alert.resolved_by,
        "line_id": alert.line_id,
        "subject_name": alert.subject_name,
        "shelved_until": alert.shelved_until,
        "shelved_by": alert.shelved_by,
        "shelve_comment": alert.shelve_comment,
        "inhibited_by": alert.inhibited_by,
        "notified_at": alert.notified_at,
        "escalation_level": alert.escalation_level,
        "suppressed": suppressed,
    }


def _scope(p: Principal) -> frozenset[int] | None:
    return p.area_ids if p.area_scoped else None


@router.get("/alerts", response_model=list[AlertOut])
def list_alerts(
    state: list[AlertState] = Query(
        [AlertState.FIRING, AlertState.ACKNOWLEDGED], description="states to list"
    ),
    limit: int = Query(200, ge=1, le=1000),
    p: Principal = Depends(require("alerts:read")),
    db: Session = Depends(get_db),
) -> Any:
    """Alerts of the caller's areas, newest first (open and acknowledged by default)."""
    rows = repo.list_alerts(db, [s.value for s in state], _scope(p), limit)
    why = service.suppression(db, [a for a, _, _ in rows])
    return [_out(a, m, r, why[a.id]) for a, m, r in rows]


@router.get("/alerts/open-count", response_model=OpenCountOut)
def open_count(
    p: Principal = Depends(require("alerts:read")), db: Session = Depends(get_db)
) -> Any:
    """How many alerts fire unacknowledged (the badge in the shell)."""
    return {"firing": repo.count_open(db, _scope(p))}


def _alert_for(db: Session, p: Principal, alert_id: int) -> Alert:
    alert = get_or_404(db, Alert, alert_id)
    if alert.area_id is not None and not p.may_touch_area(alert.area_id):
        raise Forbidden("this alert is outside your areas")
    return alert


def _one(db: Session, alert: Alert) -> dict[str, Any]:
    machine_name, rule = repo.machine_and_rule(db, alert)
    return _out(alert, machine_name, rule, service.suppression(db, [alert])[alert.id])


@router.post("/alerts/{alert_id}/acknowledge", response_model=AlertOut)
def acknowledge(
    alert_id: int,
    body: AcknowledgeIn,
    p: Principal = Depends(require("alerts:acknowledge")),
    db: Session = Depends(get_db),
) -> Any:
    """Acknowledge a firing alert with a comment (what is being done about it)."""
    alert = _alert_for(db, p, alert_id)
    service.acknowledge(db, alert, p.name, body.comment)
    db.flush()
    return _one(db, alert)


@router.post("/alerts/{alert_id}/resolve", response_model=AlertOut)
def resolve(
    alert_id: int,
    p: Principal = Depends(require("alerts:acknowledge")),
    db: Session = Depends(get_db),
) -> Any:
    """Resolve an alert by hand (it also resolves itself when its condition clears)."""
    alert = _alert_for(db, p, alert_id)
    service.resolve(db, alert, p.name)
    db.flush()
    return _one(db, alert)


@router.get("/alert-rules", response_model=list[RuleOut])
def list_rules(
    p: Principal = Depends(require("alerts:read")), db: Session = Depends(get_db)
) -> Any:
    return list(repo.all_rules(db))


@router.post("/alert-rules", response_model=RuleOut, status_code=201)
def create_rule(
    body: RuleIn,
    p: Principal = Depends(require("alerts:rules")),
    db: Session = Depends(get_db),
) -> Any:
    return service.create_rule(db, body.model_dump(mode="json"))


@router.put("/alert-rules/{rule_id}", response_model=RuleOut)
def update_rule(
    rule_id: int,
    body: RuleIn,
    p: Principal = Depends(require("alerts:rules")),
    db: Session = Depends(get_db),
) -> Any:
    rule = get_or_404(db, AlertRule, rule_id)
    service.update_rule(db, rule, body.model_dump(mode="json"))
    return rule


@router.get("/alerts/figures", response_model=AlarmFiguresOut)
def alert_figures(
    hours: int = Query(24, ge=1, le=24 * 31, description="window ending now"),
    operators: int = Query(1, ge=1, le=100, description="operator consoles sharing them"),
    p: Principal = Depends(require("alerts:read")),
    db: Session = Depends(get_db),
) -> Any:
    """ISA-18.2 figures: alerts per operator per 10 minutes, share of time in flood,
    top-10 share, chattering and stale alerts."""
    return figures.compute(db, utcnow(), hours, operators, _scope(p))


@router.post("/alerts/{alert_id}/shelve", response_model=AlertOut)
def shelve(
    alert_id: int,
    body: ShelveIn,
    p: Principal = Depends(require("alerts:acknowledge")),
    db: Session = Depends(get_db),
) -> Any:
    """Shelve one alert (ISA-18.2) for some minutes with a comment: out of the badge and
    of notices until then."""
    alert = _alert_for(db, p, alert_id)
    service.shelve(db, alert, p.name, body.minutes, body.comment)
    db.flush()
    return _one(db, alert)


@router.post("/alerts/{alert_id}/unshelve", response_model=AlertOut)
def unshelve(
    alert_id: int,
    p: Principal = Depends(require("alerts:acknowledge")),
    db: Session = Depends(get_db),
) -> Any:
    alert = _alert_for(db, p, alert_id)
    service.unshelve(db, alert)
    db.flush()
    return _one(db, alert)


def _silence_out(s: Silence) -> dict[str, Any]:
    return {
        "id": s.id,
        "rule_id": s.rule_id,
        "area_id": s.area_id,
        "machine_id": s.machine_id,
        "severity": s.severity,
        "comment": s.comment,
        "created_by": s.created_by,
        "starts_at": s.starts_at,
        "ends_at": s.ends_at,
        "active": s.ends_at > utcnow(),
    }


@router.get("/alert-silences", response_model=list[SilenceOut])
def list_silences(
    include_expired: bool = False,
    p: Principal = Depends(require("alerts:read")),
    db: Session = Depends(get_db),
) -> Any:
    return [_silence_out(s) for s in repo.silences(db, include_expired, utcnow())]


@router.post("/alert-silences", response_model=SilenceOut, status_code=201)
def create_silence(
    body: SilenceIn,
    p: Principal = Depends(require("alerts:acknowledge")),
    db: Session = Depends(get_db),
) -> Any:
    """Silence the alerts matching every given field (rule, area, machine, severity)."""
    return _silence_out(service.create_silence(db, body.model_dump(mode="json"), p.name))


@router.post("/alert-silences/{silence_id}/expire", response_model=SilenceOut)
def expire_silence(
    silence_id: int,
    p: Principal = Depends(require("alerts:acknowledge")),
    db: Session = Depends(get_db),
) -> Any:
    silence = get_or_404(db, Silence, silence_id)
    service.expire_silence(db, silence)
    db.flush()
    return _silence_out(silence)


@router.get("/alert-escalations", response_model=list[StepOut])
def list_escalations(
    p: Principal = Depends(require("alerts:read")), db: Session = Depends(get_db)
) -> Any:
    return list(repo.chains(db))


@router.put("/alert-escalations", response_model=list[StepOut])
def set_escalation(
    body: ChainIn,
    p: Principal = Depends(require("alerts:rules")),
    db: Session = Depends(get_db),
) -> Any:
    """Replace the escalation chain of a rule, or of a severity (rules without their own)."""
    if body.rule_id is not None:
        get_or_404(db, AlertRule, body.rule_id)
    steps = [s.model_dump() for s in body.steps]
    severity = body.severity.value if body.severity else None
    return list(service.set_chain(db, body.rule_id, severity, steps))


@router.get("/alert-webhooks", response_model=list[WebhookOut])
def list_webhooks(
    p: Principal = Depends(require("alerts:rules")), db: Session = Depends(get_db)
) -> Any:
    return list(repo.all_webhooks(db))


@router.post("/alert-webhooks", response_model=WebhookOut, status_code=201)
def create_webhook(
    body: WebhookIn,
    p: Principal = Depends(require("alerts:rules")),
    db: Session = Depends(get_db),
) -> Any:
    """A signed webhook; chat and SMS gateways are webhooks with their JSON body template."""
    return service.save_webhook(db, None, body.model_dump(mode="json"))


@router.put("/alert-webhooks/{hook_id}", response_model=WebhookOut)
def update_webhook(
    hook_id: int,
    body: WebhookIn,
    p: Principal = Depends(require("alerts:rules")),
    db: Session = Depends(get_db),
) -> Any:
    hook = get_or_404(db, Webhook, hook_id)
    return service.save_webhook(db, hook, body.model_dump(mode="json"))


def _pref_out(pref: Preference) -> dict[str, Any]:
    return {
        "username": pref.username,
        "email": pref.email or "",
        "channels": list(pref.channels or []),
        "quiet_start": pref.quiet_start,
        "quiet_end": pref.quiet_end,
        "on_call_area_ids": list(pref.on_call_area_ids or []),
        "sound": bool(pref.sound),
    }


@router.get("/alert-preferences/me", response_model=PreferenceOut)
def my_preferences(
    p: Principal = Depends(require("alerts:read")), db: Session = Depends(get_db)
) -> Any:
    return _pref_out(service.preference_of(db, p.name))


@router.put("/alert-preferences/me", response_model=PreferenceOut)
def save_my_preferences(
    body: PreferenceIn,
    p: Principal = Depends(require("alerts:read")),
    db: Session = Depends(get_db),
) -> Any:
    """Channels, quiet hours (HH:MM in the site's zone) and on-call areas of the caller."""
    return _pref_out(service.save_preference(db, p.name, body.model_dump(mode="json")))
