"""Queries of alerting: the machines a rule's condition holds for, open alerts, lists."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, delete, func, select, true
from sqlalchemy.orm import Session

from linewise.core.time import utcnow
from linewise.domains.accounts.models import User
from linewise.domains.alerts.models import (
    Alert,
    AlertRule,
    AlertScope,
    AlertState,
    EscalationStep,
    Preference,
    RuleKind,
    Silence,
    Webhook,
)
from linewise.domains.equipment.models import Area, Line, Machine
from linewise.domains.idle.models import IdleRisk
from linewise.domains.performance.models import DowntimeAssignment
from linewise.ingest.models import StateInterval

STOP_STATES = ("down", "idle")


@dataclass(frozen=True)
class Hit:
    """A subject (a machine, a line, an order, the site) for which a rule's condition
    holds now. ``key`` names the subject in the alert's ``open_key``."""

    key: str
    machine_id: int | None
    machine_name: str
    area_id: int | None
    since: datetime
    line_id: int | None = None
    subject_name: str = ""


def enabled_rules(db: Session) -> Sequence[AlertRule]:
    return db.scalars(select(AlertRule).where(AlertRule.enabled.is_(True))).all()


def all_rules(db: Session) -> Sequence[AlertRule]:
    return db.scalars(select(AlertRule).order_by(AlertRule.id)).all()


def in_scope(rule: AlertRule) -> ColumnElement[bool]:
    if rule.scope_kind == AlertScope.AREA:
        return Line.area_id == rule.scope_id
    if rule.scope_kind == AlertScope.LINE:
        return Machine.line_id == rule.scope_id
    if rule.scope_kind == AlertScope.MACHINE:
        return Machine.id == rule.scope_id
    return true()


def hits(db: Session, rule: AlertRule, cutoff: datetime) -> list[Hit]:
    """Machines whose current interval matches the rule's kind and began before ``cutoff``."""
    if rule.kind == RuleKind.MACHINE_DOWN:
        matches: ColumnElement[bool] = StateInterval.state == "down"
    elif rule.kind == RuleKind.IDLE_RISK:
        flagged = select(IdleRisk.machine_id).where(IdleRisk.flagged.is_(True))
        matches = StateInterval.machine_id.in_(flagged)
    else:
        # A reason comes from the machine, or later from a person in the downtime queue.
        assigned = (
            select(DowntimeAssignment.id)
            .where(
                DowntimeAssignment.machine_id == StateInterval.machine_id,
                DowntimeAssignment.stop_start == StateInterval.start,
            )
            .exists()
        )
        matches = StateInterval.state.in_(STOP_STATES) & StateInterval.reason.is_(None) & ~assigned
    rows = db.execute(
        select(Machine.id, Machine.name, Line.area_id, StateInterval.start, Line.id)
        .join(Machine, Machine.id == StateInterval.machine_id)
        .join(Line, Line.id == Machine.line_id)
        .where(StateInterval.end.is_(None), StateInterval.start <= cutoff, matches)
        .where(in_scope(rule))
    ).all()
    return [Hit(str(r[0]), r[0], r[1], r[2], r[3], r[4], r[1]) for r in rows]


def open_alerts_of(db: Session, rule_id: int) -> Sequence[Alert]:
    return db.scalars(
        select(Alert).where(Alert.rule_id == rule_id, Alert.state != AlertState.RESOLVED)
    ).all()


def list_alerts(
    db: Session, states: Sequence[str], area_ids: frozenset[int] | None, limit: int
) -> Sequence[tuple[Alert, str, AlertRule]]:
    """Alerts in ``states``, newest first, with the machine's name and the rule."""
    stmt = (
        select(Alert, Machine.name, AlertRule)
        .outerjoin(Machine, Machine.id == Alert.machine_id)
        .join(AlertRule, AlertRule.id == Alert.rule_id)
        .where(Alert.state.in_(states))
        .order_by(Alert.fired_at.desc(), Alert.id.desc())
        .limit(limit)
    )
    if area_ids is not None:
        stmt = stmt.where(Alert.area_id.in_(area_ids) | Alert.area_id.is_(None))
    return [(r[0], r[1] or r[0].subject_name, r[2]) for r in db.execute(stmt).all()]


def count_open(db: Session, area_ids: frozenset[int] | None) -> int:
    # A shelved alert leaves the badge until its shelf time ends (ISA-18.2).
    now = utcnow()
    stmt = (
        select(func.count())
        .select_from(Alert)
        .where(Alert.state == AlertState.FIRING)
        .where(Alert.shelved_until.is_(None) | (Alert.shelved_until <= now))
    )
    if area_ids is not None:
        stmt = stmt.where(Alert.area_id.in_(area_ids) | Alert.area_id.is_(None))
    return int(db.execute(stmt).scalar_one())


def machine_and_rule(db: Session, alert: Alert) -> tuple[str, AlertRule]:
    """The alert's machine's name and its rule (both exist: deleting them cascades)."""
    machine = db.get(Machine, alert.machine_id) if alert.machine_id is not None else None
    rule = db.get(AlertRule, alert.rule_id)
    assert rule is not None
    return (machine.name if machine else alert.subject_name, rule)


def scope_exists(db: Session, scope_kind: str, scope_id: int) -> bool:
    model = {AlertScope.AREA: Area, AlertScope.LINE: Line, AlertScope.MACHINE: Machine}[
        AlertScope(scope_kind)
    ]
    return db.get(model, scope_id) is not None


def open_line_alerts(db: Session) -> dict[int | None, Alert]:
    """Open line-down alerts by line (the causes that inhibit their machines' alerts)."""
    rows = db.scalars(
        select(Alert)
        .join(AlertRule, AlertRule.id == Alert.rule_id)
        .where(AlertRule.kind == RuleKind.LINE_DOWN, Alert.state != AlertState.RESOLVED)
        .order_by(Alert.id)
    ).all()
    return {a.line_id: a for a in rows}


def open_machine_alerts(db: Session) -> Sequence[Alert]:
    return db.scalars(
        select(Alert).where(Alert.state != AlertState.RESOLVED, Alert.machine_id.is_not(None))
    ).all()


def line_of(db: Session, machine_id: int | None) -> int | None:
    machine = db.get(Machine, machine_id) if machine_id is not None else None
    return machine.line_id if machine else None


def user_exists(db: Session, username: str) -> bool:
    return db.scalars(select(User.id).where(User.username == username)).first() is not None


def delete_chain(db: Session, rule_id: int | None, severity: str | None) -> None:
    stmt = delete(EscalationStep)
    if rule_id is not None:
        stmt = stmt.where(EscalationStep.rule_id == rule_id)
    else:
        stmt = stmt.where(EscalationStep.rule_id.is_(None), EscalationStep.severity == severity)
    db.execute(stmt)


def chains(db: Session) -> Sequence[EscalationStep]:
    return db.scalars(
        select(EscalationStep).order_by(
            EscalationStep.rule_id, EscalationStep.severity, EscalationStep.position
        )
    ).all()


def silences(db: Session, include_expired: bool, now: datetime) -> Sequence[Silence]:
    stmt = select(Silence).order_by(Silence.ends_at.desc())
    if not include_expired:
        stmt = stmt.where(Silence.ends_at > now)
    return db.scalars(stmt).all()


def all_webhooks(db: Session) -> Sequence[Webhook]:
    return db.scalars(select(Webhook).order_by(Webhook.id)).all()


def preference(db: Session, username: str) -> Preference | None:
    return db.scalars(select(Preference).where(Preference.username == username)).first()


def fired_since(db: Session, since: datetime, area_ids: frozenset[int] | None) -> Sequence[Alert]:
    stmt = select(Alert).where(Alert.fired_at >= since).order_by(Alert.fired_at)
    if area_ids is not None:
        stmt = stmt.where(Alert.area_id.in_(area_ids) | Alert.area_id.is_(None))
    return db.scalars(stmt).all()


def open_before(db: Session, before: datetime, area_ids: frozenset[int] | None) -> Sequence[Alert]:
    stmt = select(Alert).where(Alert.state != AlertState.RESOLVED, Alert.fired_at < before)
    if area_ids is not None:
        stmt = stmt.where(Alert.area_id.in_(area_ids) | Alert.area_id.is_(None))
    return db.scalars(stmt.order_by(Alert.fired_at)).all()
