"""Plans, the order lifecycle, order generation (a periodic job) and corrective orders
opened from long down stops. Reads of machine data (state intervals, counts, telemetry)
live in ``repository``."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from linewise.analytics.anomaly import MachineDetector
from linewise.analytics.downsample import Bucket, downsample_records
from linewise.core.errors import Conflict, FieldError, InvalidTransition, ValidationProblem
from linewise.core.time import utcnow
from linewise.domains.equipment.models import Machine
from linewise.domains.maintenance import repository as repo
from linewise.domains.maintenance import telemetry
from linewise.domains.maintenance.models import (
    OPEN_STATUSES,
    AnomalyModel,
    AnomalyModelStatus,
    AnomalyWarning,
    MaintenanceKind,
    MaintenanceLabour,
    MaintenanceOrder,
    MaintenancePlan,
    MaintenanceStatus,
    MaintenanceStep,
    MaintenanceStepResult,
    MaintenanceTrigger,
    MaintenanceUsageMetric,
    WarningStatus,
)
from linewise.domains.performance.marks import mark_rollups_stale
from linewise.jobs import enqueue

GENERATE_KIND = "maintenance.generate"
# How far back the job looks for down stops that should have opened a corrective order.
STOP_LOOKBACK = timedelta(days=7)
# The anomalies route replays this much before its window for the detector to learn.
ANOMALY_LEARN = timedelta(days=1)
ANOMALY_MAX_SAMPLES = 50_000
# Usage plans further out than this (at the current rate) are not foreseeable yet.
HORIZON_H = 24 * 365 * 5
# Usage plans project their due date from the rate over this past span.
RATE_SPAN = timedelta(days=7)

TRANSITIONS: dict[MaintenanceStatus, frozenset[MaintenanceStatus]] = {
    MaintenanceStatus.PLANNED: frozenset(
        {MaintenanceStatus.SCHEDULED, MaintenanceStatus.IN_PROGRESS, MaintenanceStatus.CANCELLED}
    ),
    MaintenanceStatus.SCHEDULED: frozenset(
        {MaintenanceStatus.PLANNED, MaintenanceStatus.IN_PROGRESS, MaintenanceStatus.CANCELLED}
    ),
    MaintenanceStatus.IN_PROGRESS: frozenset({MaintenanceStatus.DONE, MaintenanceStatus.CANCELLED}),
    MaintenanceStatus.DONE: frozenset(),
    MaintenanceStatus.CANCELLED: frozenset(),
}


@dataclass(frozen=True)
class PlanIn:
    name: str
    machine_id: int | None
    machine_kind: str | None
    trigger: MaintenanceTrigger
    interval_days: float | None = None
    usage_metric: MaintenanceUsageMetric | None = None
    usage_every: float | None = None
    signal: str | None = None
    threshold: float | None = None
    above: bool = True
    duration_min: float = 60.0
    lead_days: float = 7.0
    tolerance_days: float = 2.0
    checklist: list[str] = field(default_factory=list)
    active: bool = True
    parts: list[dict[str, Any]] = field(default_factory=list)  # [{material_id, qty}]


def _bad(name: str, reason: str) -> ValidationProblem:
    return ValidationProblem(f"{name}: {reason}", errors=[FieldError(name, reason)])


def check_plan(db: Session, data: PlanIn) -> None:
    if (data.machine_id is None) == (data.machine_kind is None):
        raise _bad("machine_id", "give exactly one of machine_id and machine_kind")
    if data.machine_id is not None and db.get(Machine, data.machine_id) is None:
        raise _bad("machine_id", "no such machine")
    if data.machine_kind is not None and not repo.machines_of_kind(db, data.machine_kind):
        raise _bad("machine_kind", "no machine of this class")
    if data.trigger is MaintenanceTrigger.TIME and not data.interval_days:
        raise _bad("interval_days", "a time plan needs its interval in days")
    if data.trigger is MaintenanceTrigger.USAGE and (
        data.usage_metric is None or not data.usage_every
    ):
        field_ = "usage_metric" if data.usage_metric is None else "usage_every"
        raise _bad(field_, "a usage plan needs its metric and how much between services")
    known = repo.known_materials(db, [int(p["material_id"]) for p in data.parts])
    for i, part in enumerate(data.parts):
        if int(part["material_id"]) not in known:
            raise _bad(f"parts.{i}.material_id", "no such material")
    if data.trigger is MaintenanceTrigger.CONDITION and (not data.signal or data.threshold is None):
        raise _bad("signal" if not data.signal else "threshold",
                   "a condition plan needs a signal and its threshold")  # fmt: skip


def create_plan(db: Session, data: PlanIn) -> MaintenancePlan:
    check_plan(db, data)
    plan = MaintenancePlan(**_plan_fields(data))
    db.add(plan)
    return plan


def change_plan(db: Session, plan: MaintenancePlan, data: PlanIn) -> MaintenancePlan:
    check_plan(db, data)
    for k, v in _plan_fields(data).items():
        setattr(plan, k, v)
    return plan


def _plan_fields(data: PlanIn) -> dict[str, Any]:
    return {
        "name": data.name,
        "machine_id": data.machine_id,
        "machine_kind": data.machine_kind,
        "trigger": data.trigger.value,
        "interval_days": data.interval_days,
        "usage_metric": None if data.usage_metric is None else data.usage_metric.value,
        "usage_every": data.usage_every,
        "signal": data.signal,
        "threshold": data.threshold,
        "above": data.above,
        "duration_min": data.duration_min,
        "lead_days": data.lead_days,
        "tolerance_days": data.tolerance_days,
        "checklist": list(data.checklist),
        "active": data.active,
        "parts": [
            {"material_id": int(p["material_id"]), "qty": float(p["qty"])} for p in data.parts
        ],
    }


# --- orders -------------------------------------------------------------------------


def _steps(texts: Sequence[str]) -> list[MaintenanceStep]:
    return [MaintenanceStep(seq=i + 1, text=t) for i, t in enumerate(texts)]


def create_order(
    db: Session,
    *,
    machine_id: int,
    kind: MaintenanceKind,
    title: str,
    note: str = "",
    checklist: Sequence[str] = (),
    due_at: datetime | None = None,
    duration_min: float = 60.0,
    created_by: str,
) -> MaintenanceOrder:
    """An order by hand: a problem report (corrective) or an extra preventive job."""
    if db.get(Machine, machine_id) is None:
        raise _bad("machine_id", "no such machine")
    order = MaintenanceOrder(
        kind=kind.value,
        status=MaintenanceStatus.PLANNED.value,
        machine_id=machine_id,
        title=title,
        note=note,
        due_at=due_at,
        window_start=due_at,
        window_end=due_at,
        duration_min=duration_min,
        created_by=created_by,
        trigger_info={"source": "manual"},
    )
    order.steps = _steps(checklist)
    db.add(order)
    return order


def transition(
    db: Session,
    order: MaintenanceOrder,
    to: MaintenanceStatus,
    *,
    scheduled_start: datetime | None = None,
    scheduled_end: datetime | None = None,
    now: datetime | None = None,
) -> MaintenanceOrder:
    now = now or utcnow()
    current = MaintenanceStatus(order.status)
    before = _window_start(order)
    if to not in TRANSITIONS[current]:
        raise InvalidTransition(f"a {current.value} order cannot become {to.value}")
    if to is MaintenanceStatus.SCHEDULED:
        if scheduled_start is None:
            raise _bad("scheduled_start", "scheduling needs the start of the window")
        try:
            end = scheduled_end or scheduled_start + timedelta(minutes=order.duration_min)
        except OverflowError:
            raise _bad("scheduled_start", "out of range") from None
        if end <= scheduled_start:
            raise _bad("scheduled_end", "the window ends after it starts")
        order.scheduled_start, order.scheduled_end = scheduled_start, end
    elif to is MaintenanceStatus.PLANNED:
        order.scheduled_start = order.scheduled_end = None
    elif to is MaintenanceStatus.IN_PROGRESS:
        order.started_at = now
    elif to is MaintenanceStatus.DONE:
        missing = [s.seq for s in order.steps if s.result is None]
        if missing:
            raise Conflict(f"checklist steps {missing} have no result yet")
        order.finished_at = max(now, order.started_at or now)
    order.status = to.value
    _stale_kpis(db, order, before)
    return order


def _window_start(order: MaintenanceOrder) -> datetime | None:
    """Where the order's planned downtime starts, None when it has none."""
    if order.kind != MaintenanceKind.PREVENTIVE.value:
        return None
    if order.status == MaintenanceStatus.DONE.value:
        return order.started_at
    if order.status in (MaintenanceStatus.SCHEDULED.value, MaintenanceStatus.IN_PROGRESS.value):
        return order.scheduled_start
    return None


def _stale_kpis(db: Session, order: MaintenanceOrder, before: datetime | None) -> None:
    """A change of planned downtime makes the stored KPI day rollups of the line's
    machines stale from where it starts (as new machine events do)."""
    starts = [t for t in (before, _window_start(order)) if t is not None]
    if not starts:
        return
    since = min(starts)
    mark_rollups_stale(
        db.connection(), dict.fromkeys(repo.machines_on_line_of(db, order.machine_id), since)
    )


def record_step(
    order: MaintenanceOrder, step_id: int, result: MaintenanceStepResult, note: str, who: str
) -> MaintenanceStep:
    if order.status != MaintenanceStatus.IN_PROGRESS.value:
        raise Conflict("checklist results are recorded while the order is in progress")
    step = next((s for s in order.steps if s.id == step_id), None)
    if step is None:
        raise _bad("step_id", "no such step on this order")
    step.result, step.note, step.done_by, step.done_at = result.value, note, who, utcnow()
    return step


def book_labour(order: MaintenanceOrder, who: str, minutes: float, by: str) -> MaintenanceLabour:
    if order.status in (MaintenanceStatus.CANCELLED.value, MaintenanceStatus.PLANNED.value):
        raise Conflict(f"no labour on a {order.status} order")
    row = MaintenanceLabour(who=who, minutes=minutes, booked_by=by, booked_at=utcnow())
    order.labour.append(row)
    return row


# --- generation -----------------------------------------------------------------------


@dataclass(frozen=True)
class Generated:
    preventive: int
    corrective: int


def _plan_machines(db: Session, plan: MaintenancePlan) -> list[Machine]:
    if plan.machine_id is not None:
        m = db.get(Machine, plan.machine_id)
        return [] if m is None else [m]
    return list(repo.machines_of_kind(db, plan.machine_kind or ""))


def _reference(db: Session, plan: MaintenancePlan, machine_id: int) -> datetime:
    """Where the count starts: the last finished order of this plan, else the plan."""
    last = repo.last_done(db, plan.id, machine_id)
    return last if last is not None else plan.created_at


@dataclass(frozen=True)
class Due:
    at: datetime
    why: str = ""
    warning_id: int | None = None  # the stored early warning an anomaly plan acts on


def due_of(db: Session, plan: MaintenancePlan, machine_id: int, now: datetime) -> Due | None:
    """When ``plan`` is next due on the machine (None: not yet foreseeable)."""
    ref = _reference(db, plan, machine_id)
    trigger = MaintenanceTrigger(plan.trigger)
    if trigger is MaintenanceTrigger.TIME:
        return Due(ref + timedelta(days=plan.interval_days or 0))
    if trigger is MaintenanceTrigger.USAGE:
        metric = MaintenanceUsageMetric(plan.usage_metric or MaintenanceUsageMetric.PRODUCING_HOURS)
        used = repo.usage(db, machine_id, metric, ref, now)
        every = plan.usage_every or 0.0
        if used >= every:
            return Due(now, f"{used:.0f} {metric.value} used")
        rate_from = max(ref, now - RATE_SPAN)
        span_h = (now - rate_from).total_seconds() / 3600
        rate = repo.usage(db, machine_id, metric, rate_from, now) / span_h if span_h > 0 else 0
        hours = (every - used) / rate if rate > 0 else math.inf
        if hours > HORIZON_H:
            return None  # not foreseeable at this rate
        return Due(now + timedelta(hours=hours))
    if trigger is MaintenanceTrigger.ANOMALY:
        # The live detector's stored warnings (``live.py``): the first unresolved one
        # still alarming since the last service of this plan.
        w = repo.first_unresolved_warning(db, machine_id, ref, plan.signal)
        if w is None:
            return None
        return Due(w.started_at, "Anomaly on " + ", ".join(w.signals), w.id)
    latest = repo.latest_signal(db, machine_id, plan.signal or "", ref)
    if latest is None:
        return None
    ts, value = latest
    hit = value >= (plan.threshold or 0) if plan.above else value <= (plan.threshold or 0)
    return Due(ts, f"{plan.signal} = {value:g}") if hit else None


def generate(db: Session, now: datetime, corrective_after_min: float) -> Generated:
    """Orders for every active plan due within its lead time (one open order per plan
    and machine) and corrective orders for long down stops; idempotent."""
    made = 0
    for plan in repo.active_plans(db):
        for machine in _plan_machines(db, plan):
            if repo.has_open(db, plan.id, machine.id):
                continue
            found = due_of(db, plan, machine.id, now)
            if found is None or found.at - timedelta(days=plan.lead_days) > now:
                continue
            due = found.at
            tol = timedelta(days=plan.tolerance_days)
            order = MaintenanceOrder(
                kind=MaintenanceKind.PREVENTIVE.value,
                status=MaintenanceStatus.PLANNED.value,
                machine_id=machine.id,
                plan_id=plan.id,
                title=plan.name,
                due_at=due,
                window_start=due - tol,
                window_end=due + tol,
                duration_min=plan.duration_min,
                created_by="plan",
                note=found.why,
                trigger_info={"trigger": plan.trigger, "generated_at": now.isoformat()},
            )
            order.steps = _steps(plan.checklist)
            db.add(order)
            if found.warning_id is not None:
                _link(db, found.warning_id, order)
            made += 1
    db.flush()
    return Generated(made, open_corrective(db, now, corrective_after_min))


def open_corrective(db: Session, now: datetime, after_min: float) -> int:
    """A corrective order for each down stop of at least ``after_min`` minutes (once)."""
    if after_min <= 0:
        return 0
    made = 0
    longer = timedelta(minutes=after_min)
    for iv in repo.down_stops(db, now - STOP_LOOKBACK, now):
        if (iv.end or now) - iv.start < longer:
            continue
        if repo.order_for_stop(db, iv.machine_id, iv.start) is not None:
            continue
        db.add(
            MaintenanceOrder(
                kind=MaintenanceKind.CORRECTIVE.value,
                status=MaintenanceStatus.PLANNED.value,
                machine_id=iv.machine_id,
                title=f"Down: {iv.reason or iv.fault or 'unknown reason'}",
                stop_start=iv.start,
                stop_reason=iv.reason or iv.fault,
                duration_min=after_min,
                created_by="stop",
                trigger_info={"stop_start": iv.start.isoformat(), "fault": iv.fault},
            )
        )
        db.flush()
        made += 1
    return made


def open_orders(db: Session, machine_ids: Sequence[int] | None = None) -> list[MaintenanceOrder]:
    return list(
        db.scalars(
            select(MaintenanceOrder).where(
                MaintenanceOrder.status.in_([s.value for s in OPEN_STATUSES]),
                *(() if machine_ids is None else (MaintenanceOrder.machine_id.in_(machine_ids),)),
            )
        )
    )


@dataclass(frozen=True)
class Series:
    samples: int
    truncated: bool
    signals: dict[str, list[Bucket]]
    units: dict[str, str]


def telemetry_series(
    db: Session, machine_id: int, start: datetime, end: datetime, buckets: int, cap: int
) -> Series:
    """Every numeric signal of a machine over [start, end), downsampled into buckets
    (min, mean, max). At most ``cap`` raw samples are read (``truncated`` says so)."""
    rows = repo.telemetry(db, machine_id, start, end, cap + 1)
    truncated = len(rows) > cap
    rows = rows[:cap]
    points: dict[str, list[tuple[datetime, int, float, float, float]]] = {}
    for ts, signals in rows:
        if not isinstance(signals, dict):
            continue
        for name, v in signals.items():
            if isinstance(v, int | float) and not isinstance(v, bool):
                x = float(v)
                points.setdefault(str(name), []).append((ts, 1, x, x, x))
    # Hours past the raw retention come from their aggregates.
    for hour, name, n, lo, total, hi in telemetry.hourly(db, machine_id, start, end):
        points.setdefault(name, []).append((hour, n, lo, total, hi))
    units = {}
    for name in points:
        units[name] = repo.unit_of(db, machine_id, name) or ""
    return Series(
        len(rows),
        truncated,
        {n: downsample_records(p, start, end, buckets) for n, p in sorted(points.items())},
        units,
    )


@dataclass(frozen=True)
class Anomaly:
    ts: datetime
    score: float
    signals: list[str]


def anomalies(
    db: Session, machine_id: int, start: datetime, end: datetime, signal: str | None = None
) -> list[Anomaly]:
    """The streaming detector's alarms on a machine's signals in [start, end) (only
    ``signal`` when given), replayed over its telemetry; it learns from the day before."""
    rows = repo.telemetry(db, machine_id, start - ANOMALY_LEARN, end, ANOMALY_MAX_SAMPLES)
    detector = MachineDetector()
    out = []
    for ts, signals in rows:
        if not isinstance(signals, dict):
            continue
        values = {
            str(k): float(v)
            for k, v in signals.items()
            if isinstance(v, int | float)
            and not isinstance(v, bool)
            and (signal is None or k == signal)
        }
        if not values:
            continue
        score, names = detector.update(values)
        if names and ts >= start:
            out.append(Anomaly(ts, score, names))
    return out


# --- early warnings (stored by the live detector, ``live.py``) ------------------------


def _link(db: Session, warning_id: int, order: MaintenanceOrder) -> None:
    w = db.get(AnomalyWarning, warning_id)
    if w is not None and w.order_id is None:
        db.flush()  # the order's id
        w.order_id = order.id


def acknowledge(w: AnomalyWarning, who: str) -> AnomalyWarning:
    if w.status != WarningStatus.OPEN.value:
        raise Conflict(f"a {w.status} warning cannot be acknowledged")
    w.status, w.acknowledged_by, w.acknowledged_at = WarningStatus.ACKNOWLEDGED.value, who, utcnow()
    return w


def resolve(w: AnomalyWarning, who: str) -> AnomalyWarning:
    """Close the episode: the machine's next alarm opens a new warning."""
    if w.status == WarningStatus.RESOLVED.value:
        raise Conflict("the warning is resolved already")
    w.status, w.resolved_by, w.resolved_at = WarningStatus.RESOLVED.value, who, utcnow()
    return w


def order_from_warning(db: Session, w: AnomalyWarning, who: str) -> MaintenanceOrder:
    """One tap from a warning to a preventive order naming its signals; a warning gives
    one order (a second tap is refused with the order it already has)."""
    if w.order_id is not None and db.get(MaintenanceOrder, w.order_id) is not None:
        raise Conflict(f"the warning has order {w.order_id} already")
    order = create_order(
        db,
        machine_id=w.machine_id,
        kind=MaintenanceKind.PREVENTIVE,
        title="Warning: " + ", ".join(w.signals),
        note=f"Anomaly from {w.started_at.isoformat()} to {w.last_at.isoformat()} "
        f"({w.alarms} alarms, score {w.score:.2f})",
        due_at=w.last_at,
        created_by=who,
    )
    order.trigger_info = {"source": "warning", "warning_id": w.id}
    db.flush()
    w.order_id = order.id
    if w.status == WarningStatus.OPEN.value:
        acknowledge(w, who)
    return order


# --- trained baselines (``training.py``, the job ``maintenance.train``) -----------------


def request_training(db: Session, machine_ids: list[int] | None) -> int:
    """Enqueue a training run (the given machines, or every machine); the job's id."""
    from linewise.domains.maintenance.training import TRAIN_KIND

    return enqueue(db, TRAIN_KIND, {} if machine_ids is None else {"machine_ids": machine_ids})


def activate_model(db: Session, model: AnomalyModel) -> None:
    """A planner's choice of a machine's baseline version (see ``training``)."""
    from linewise.domains.maintenance import training

    if model.status != AnomalyModelStatus.TRAINED.value or model.baseline is None:
        raise Conflict(
            "this version learned nothing (not enough history): it cannot be active",
            errors=[FieldError("model_id", "no baseline in this version")],
        )
    if not model.active:
        training.activate(db, model)


def deactivate_model(db: Session, model: AnomalyModel) -> None:
    """Switch the machine's baseline off (its live detector learns afresh)."""
    from linewise.domains.maintenance import training

    if not model.active:
        raise Conflict(
            "this version is not the machine's active baseline",
            errors=[FieldError("model_id", "not active")],
        )
    training.deactivate(db, model)
