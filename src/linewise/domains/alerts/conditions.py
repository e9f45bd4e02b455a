"""The rule kinds beyond a machine's current state: no data, a line down, availability
or OEE below target over the shift so far, an order late in the plan, the ingest
quarantine filling up, maintenance due, early warnings of a failure and the live
detector's stored warnings. Each returns the subjects its condition holds for now."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import func, select, union_all
from sqlalchemy.orm import Session

from linewise.core.errors import NotFound
from linewise.domains.alerts.models import Alert, AlertRule, AlertScope, AlertState, RuleKind
from linewise.domains.alerts.repository import Hit, hits, in_scope
from linewise.domains.delivery import service as delivery
from linewise.domains.equipment.models import Line, Machine
from linewise.domains.idle.models import OperatorIdleRisk
from linewise.domains.inventory.models import Material, StockLevel
from linewise.domains.inventory.shortages import shortages
from linewise.domains.maintenance.models import (
    AnomalyWarning,
    MaintenanceKind,
    MaintenanceOrder,
    MaintenanceStatus,
    WarningStatus,
)
from linewise.domains.people.models import Operator
from linewise.domains.performance.service import compute, resolve_scope
from linewise.domains.performance.windows import resolve_window
from linewise.domains.production import lateness
from linewise.domains.production.models import OrderStatus, ProductionOrder
from linewise.domains.quality import repository as quality
from linewise.ingest.models import CountEvent, QuarantinedEvent, StateEvent, StateInterval
from linewise.kpi import Convention

OPEN_ORDERS = (OrderStatus.RELEASED, OrderStatus.IN_PROGRESS, OrderStatus.ON_HOLD)


def holding(db: Session, rule: AlertRule, now: datetime) -> list[Hit]:
    """The subjects whose condition holds at ``now`` under ``rule``."""
    cutoff = now - timedelta(minutes=rule.threshold_minutes)
    kind = RuleKind(rule.kind)
    if kind in (RuleKind.MACHINE_DOWN, RuleKind.STOP_WITHOUT_REASON):
        return hits(db, rule, cutoff)
    if kind == RuleKind.IDLE_RISK:
        return hits(db, rule, cutoff) + _operators_at_risk(db, rule, cutoff)
    if kind == RuleKind.NO_DATA:
        return _no_data(db, rule, cutoff)
    if kind == RuleKind.LINE_DOWN:
        return _line_down(db, rule, cutoff)
    if kind in (RuleKind.AVAILABILITY_BELOW, RuleKind.OEE_BELOW):
        return _kpi_below(db, rule, now)
    if kind == RuleKind.ORDER_LATE:
        return _orders_late(db, now)
    if kind == RuleKind.MATERIAL_BELOW:
        return _material_below(db, rule, now)
    if kind == RuleKind.LATE_RISK:
        return _late_risk(db, rule)
    if kind == RuleKind.SPC_VIOLATION:
        return _spc_violation(db, rule, cutoff)
    if kind == RuleKind.MATERIAL_SHORT:
        return _material_short(db, now)
    if kind in (RuleKind.MAINTENANCE_DUE, RuleKind.PREDICTED_FAILURE):
        return _maintenance(db, rule, cutoff, kind == RuleKind.PREDICTED_FAILURE)
    if kind == RuleKind.MAINTENANCE_WARNING:
        return _warnings(db, rule, cutoff)
    return _quarantine(db, rule, cutoff, now)


def _operators_at_risk(db: Session, rule: AlertRule, cutoff: datetime) -> list[Hit]:
    """Clocked-in operators flagged since ``cutoff`` or longer, in the rule's scope by the
    line they stand on (one standing nowhere is in the scope of their areas' rules)."""
    if rule.scope_kind == AlertScope.MACHINE:
        return []
    rows = db.execute(
        select(OperatorIdleRisk, Operator, Line.area_id)
        .join(Operator, Operator.id == OperatorIdleRisk.operator_id)
        .outerjoin(Line, Line.id == OperatorIdleRisk.line_id)
        .where(OperatorIdleRisk.flagged.is_(True), OperatorIdleRisk.flagged_since <= cutoff)
    ).all()
    out = []
    for risk, op, area_id in rows:
        areas = {area_id} if area_id is not None else set(op.area_ids)
        if rule.scope_kind == AlertScope.AREA and rule.scope_id not in areas:
            continue
        if rule.scope_kind == AlertScope.LINE and risk.line_id != rule.scope_id:
            continue
        since = risk.flagged_since or risk.computed_at
        out.append(Hit(f"operator:{op.id}", None, op.name, area_id, since, risk.line_id, op.name))
    return out


def _machines(db: Session, rule: AlertRule) -> list[tuple[int, str, int, int]]:
    rows = db.execute(
        select(Machine.id, Machine.name, Line.area_id, Line.id)
        .join(Line, Line.id == Machine.line_id)
        .where(in_scope(rule))
    ).all()
    return [(r[0], r[1], r[2], r[3]) for r in rows]


def _no_data(db: Session, rule: AlertRule, cutoff: datetime) -> list[Hit]:
    """Machines that sent data once but nothing since ``cutoff`` (a machine never heard
    from is not commissioned yet, not silent)."""
    seen = union_all(
        select(StateEvent.machine_id.label("m"), func.max(StateEvent.ts).label("ts")).group_by(
            StateEvent.machine_id
        ),
        select(CountEvent.machine_id.label("m"), func.max(CountEvent.ts).label("ts")).group_by(
            CountEvent.machine_id
        ),
    ).subquery()
    last = dict(
        (int(r[0]), r[1])
        for r in db.execute(select(seen.c.m, func.max(seen.c.ts)).group_by(seen.c.m)).all()
    )
    out = []
    for machine_id, name, area_id, line_id in _machines(db, rule):
        ts = last.get(machine_id)
        if ts is not None and ts <= cutoff:
            out.append(Hit(str(machine_id), machine_id, name, area_id, ts, line_id, name))
    return out


def _line_down(db: Session, rule: AlertRule, cutoff: datetime) -> list[Hit]:
    """Lines whose every machine is down since ``cutoff`` or earlier. The alert names the
    machine that went down first: the likely root cause."""
    machines = _machines(db, rule)
    down = dict(
        (int(r[0]), r[1])
        for r in db.execute(
            select(StateInterval.machine_id, StateInterval.start).where(
                StateInterval.end.is_(None), StateInterval.state == "down"
            )
        ).all()
    )
    by_line: dict[int, list[tuple[int, str, int]]] = defaultdict(list)
    for machine_id, name, area_id, line_id in machines:
        by_line[line_id].append((machine_id, name, area_id))
    out = []
    for line_id, members in by_line.items():
        if not all(m in down and down[m] <= cutoff for m, _, _ in members):
            continue
        first = min(members, key=lambda m: (down[m[0]], m[0]))
        line = db.get(Line, line_id)
        label = line.name if line else str(line_id)
        out.append(
            Hit(f"line{line_id}", first[0], first[1], first[2], down[first[0]], line_id, label)
        )
    return out


def _kpi_below(db: Session, rule: AlertRule, now: datetime) -> list[Hit]:
    """Machines whose availability or OEE over the current shift so far is below the
    target, once the shift has run ``threshold_minutes`` (an early figure is noise)."""
    target = (rule.target or 0.0) / 100.0
    out = []
    for machine_id, name, area_id, line_id in _machines(db, rule):
        try:
            scope = resolve_scope(db, "machine", machine_id, None)
            window = resolve_window(scope.calendars.of_line(line_id), now, shift="current")
        except NotFound:
            continue  # no shift in this machine's calendar: nothing to compare
        if window.window.end - window.window.start < timedelta(minutes=rule.threshold_minutes):
            continue
        kpis = compute(db, scope, window.window, Convention.ISO_22400, now).total.kpis
        value = kpis.availability if rule.kind == RuleKind.AVAILABILITY_BELOW else kpis.oee
        if value is not None and value < target:
            out.append(
                Hit(str(machine_id), machine_id, name, area_id, window.window.start, line_id, name)
            )
    return out


def _orders_late(db: Session, now: datetime) -> list[Hit]:
    """Open orders whose planned finish or live ETA is after their due date."""
    orders = db.scalars(select(ProductionOrder).where(ProductionOrder.status.in_(OPEN_ORDERS)))
    found = lateness.of_orders(db, list(orders), now)
    out = []
    for order in db.scalars(select(ProductionOrder).where(ProductionOrder.id.in_(found))):
        if found[order.id].verdict.is_late:
            out.append(Hit(f"order{order.id}", None, "", None, order.due_date, None, order.number))
    return out


def _late_risk(db: Session, rule: AlertRule) -> list[Hit]:
    """Open orders whose late risk as the delivery refresh stored it (each minute), else
    in the latest hourly snapshot, is at or above the rule's target percent."""
    out = []
    for order, p_late in delivery.latest_risks(db):
        if p_late * 100 >= (rule.target or 0):
            out.append(Hit(f"order{order.id}", None, "", None, order.due_date, None, order.number))
    return out


def _quarantine(db: Session, rule: AlertRule, cutoff: datetime, now: datetime) -> list[Hit]:
    """More than ``target`` events quarantined since ``cutoff``: a feed sends garbage."""
    count = db.execute(
        select(func.count())
        .select_from(QuarantinedEvent)
        .where(QuarantinedEvent.received_at > cutoff)
    ).scalar_one()
    if count <= (rule.target or 0):
        return []
    return [Hit("quarantine", None, "", None, now, None, f"ingest quarantine ({count})")]


def _material_below(db: Session, rule: AlertRule, now: datetime) -> list[Hit]:
    """Materials whose free stock is below the rule's target: materials carry no reorder
    level of their own yet, so the rule gives one level for all it watches."""
    rows = db.execute(
        select(Material.id, Material.code, StockLevel.quantity)
        .join(StockLevel, StockLevel.material_id == Material.id)
        .where(StockLevel.quantity < (rule.target or 0.0))
    ).all()
    return [Hit(f"material{r[0]}", None, "", None, now, None, f"{r[1]} ({r[2]:g})") for r in rows]


def _material_short(db: Session, now: datetime) -> list[Hit]:
    """Every (open order, material) the store's shortage list has: the order's reserved
    need not covered by usable stock, earliest planned order served first; site-wide."""
    codes = {int(r.id): str(r.code) for r in db.execute(select(Material.id, Material.code))}
    return [
        Hit(
            f"short{s.order_id}-{s.material_id}",
            None,
            "",
            None,
            s.planned_start or now,
            None,
            f"{s.order_number} needs {s.missing:g} more {codes.get(s.material_id, s.material_id)}",
        )
        for s in shortages(db)
    ]


def _spc_violation(db: Session, rule: AlertRule, cutoff: datetime) -> list[Hit]:
    """Characteristics marked out of control since ``cutoff`` or earlier and not cleared;
    the machine and line are those of the reading that broke the rule (a characteristic
    read by no machine is in the site's scope only)."""
    out = []
    for c in quality.out_of_control(db, cutoff):
        machine = db.get(Machine, c.machine_id) if c.machine_id is not None else None
        line_id = machine.line_id if machine else c.line_id
        line = db.get(Line, line_id) if line_id is not None else None
        area_id = line.area_id if line else None
        if rule.scope_kind == "area" and area_id != rule.scope_id:
            continue
        if rule.scope_kind == "line" and line_id != rule.scope_id:
            continue
        if rule.scope_kind == "machine" and c.machine_id != rule.scope_id:
            continue
        out.append(
            Hit(
                f"spc{c.characteristic_id}",
                c.machine_id,
                machine.name if machine else "",
                area_id,
                c.since,
                line_id,
                f"{c.name} ({', '.join(c.rules)})",
            )
        )
    return out


# Plans whose orders are an early warning of a failure rather than a routine task.
WARNING_TRIGGERS = ("anomaly", "condition")


def _maintenance(db: Session, rule: AlertRule, cutoff: datetime, warnings: bool) -> list[Hit]:
    """Open maintenance orders of machines in scope: preventive ones due at or before
    ``cutoff`` and not started (``maintenance_due``; past the window's end they are
    overdue), or those opened by an anomaly or condition plan (``predicted_failure``:
    the detector's early warning, found by the generation job, not replayed here)."""
    machines = {m[0]: m for m in _machines(db, rule)}
    if not machines:
        return []
    waiting = (MaintenanceStatus.PLANNED.value, MaintenanceStatus.SCHEDULED.value)
    orders = db.scalars(
        select(MaintenanceOrder).where(
            MaintenanceOrder.machine_id.in_(sorted(machines)),
            MaintenanceOrder.status.in_(waiting),
            MaintenanceOrder.kind == MaintenanceKind.PREVENTIVE.value,
            MaintenanceOrder.due_at.is_not(None),
            MaintenanceOrder.due_at <= cutoff,
        )
    )
    out = []
    for order in orders:
        trigger = str((order.trigger_info or {}).get("trigger", ""))
        if (trigger in WARNING_TRIGGERS) != warnings:
            continue
        machine_id, machine_name, area_id, line_id = machines[order.machine_id]
        assert order.due_at is not None
        what = f"{order.title} on {machine_name}"
        if order.note:
            what += f" ({order.note})"
        out.append(
            Hit(f"mo{order.id}", machine_id, machine_name, area_id, order.due_at, line_id, what)
        )
    return out


def _warnings(db: Session, rule: AlertRule, cutoff: datetime) -> list[Hit]:
    """Open early warnings of the live detector (``maintenance_warnings``, one row per
    episode) on machines in scope, open since ``cutoff`` or earlier. The subject is the
    warning, so later alarms joining the episode raise nothing new; acknowledging or
    resolving the warning resolves the alert. A warning whose alert a person resolved
    while it stayed open is not raised again: one alert per episode and rule."""
    machines = {m[0]: m for m in _machines(db, rule)}
    if not machines:
        return []
    found = db.scalars(
        select(AnomalyWarning)
        .where(
            AnomalyWarning.machine_id.in_(sorted(machines)),
            AnomalyWarning.status == WarningStatus.OPEN.value,
            AnomalyWarning.started_at <= cutoff,
        )
        .order_by(AnomalyWarning.id)
    ).all()
    if not found:
        return []
    # Warnings of this rule's alerts already closed (a person resolved one while the
    # warning stayed open): their episode had its alert.
    closed = set(
        db.scalars(
            select(Alert.subject_key).where(
                Alert.rule_id == rule.id,
                Alert.state == AlertState.RESOLVED.value,
                Alert.subject_key.in_([f"mw{w.id}" for w in found]),
            )
        )
    )
    out = []
    for w in found:
        if f"mw{w.id}" in closed:
            continue
        machine_id, machine_name, area_id, line_id = machines[w.machine_id]
        what = f"anomaly in {', '.join(w.signals) or 'its signals'} on {machine_name}"
        out.append(Hit(f"mw{w.id}", machine_id, machine_name, area_id, w.started_at, line_id, what))
    return out
