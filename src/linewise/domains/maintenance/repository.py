"""Reads: plans, orders, and the machine data maintenance counts from (state intervals,
counts, telemetry)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from linewise.domains.equipment.models import Line, Machine
from linewise.domains.inventory.models import Material
from linewise.domains.maintenance.models import (
    OPEN_STATUSES,
    AnomalyModel,
    AnomalyWarning,
    MaintenanceKind,
    MaintenanceOrder,
    MaintenancePlan,
    MaintenanceStatus,
    MaintenanceUsageMetric,
    WarningStatus,
)
from linewise.ingest.models import CountEvent, StateInterval, TelemetrySample


def machines_of_kind(db: Session, kind: str) -> Sequence[Machine]:
    return db.scalars(select(Machine).where(Machine.kind == kind).order_by(Machine.id)).all()


def machine_areas(db: Session, machine_ids: Collection[int]) -> dict[int, int]:
    rows = db.execute(
        select(Machine.id, Line.area_id).join(Line).where(Machine.id.in_(machine_ids))
    )
    return {mid: aid for mid, aid in rows}


def machines_in_areas(db: Session, area_ids: Collection[int]) -> list[int]:
    return list(db.scalars(select(Machine.id).join(Line).where(Line.area_id.in_(area_ids))))


def active_plans(db: Session) -> Sequence[MaintenancePlan]:
    return db.scalars(
        select(MaintenancePlan).where(MaintenancePlan.active).order_by(MaintenancePlan.id)
    ).all()


def plans(db: Session) -> Sequence[MaintenancePlan]:
    return db.scalars(select(MaintenancePlan).order_by(MaintenancePlan.id)).all()


def last_done(db: Session, plan_id: int, machine_id: int) -> datetime | None:
    return db.scalar(
        select(func.max(MaintenanceOrder.finished_at)).where(
            MaintenanceOrder.plan_id == plan_id,
            MaintenanceOrder.machine_id == machine_id,
            MaintenanceOrder.status == MaintenanceStatus.DONE.value,
        )
    )


def has_open(db: Session, plan_id: int, machine_id: int) -> bool:
    return (
        db.scalar(
            select(MaintenanceOrder.id)
            .where(
                MaintenanceOrder.plan_id == plan_id,
                MaintenanceOrder.machine_id == machine_id,
                MaintenanceOrder.status.in_([s.value for s in OPEN_STATUSES]),
            )
            .limit(1)
        )
        is not None
    )


def order_for_stop(db: Session, machine_id: int, start: datetime) -> int | None:
    return db.scalar(
        select(MaintenanceOrder.id).where(
            MaintenanceOrder.machine_id == machine_id, MaintenanceOrder.stop_start == start
        )
    )


def intervals(
    db: Session, machine_ids: Collection[int], start: datetime, end: datetime,
    states: Collection[str] | None = None,
) -> Sequence[StateInterval]:  # fmt: skip
    """State intervals overlapping [start, end) (open ones included)."""
    q = select(StateInterval).where(
        StateInterval.machine_id.in_(machine_ids),
        StateInterval.start < end,
        or_(StateInterval.end.is_(None), StateInterval.end > start),
    )
    if states is not None:
        q = q.where(StateInterval.state.in_(states))
    return db.scalars(q.order_by(StateInterval.machine_id, StateInterval.start)).all()


def down_stops(db: Session, start: datetime, end: datetime) -> Sequence[StateInterval]:
    q = select(StateInterval).where(
        StateInterval.state == "down",
        StateInterval.start >= start,
        StateInterval.start < end,
    )
    return db.scalars(q.order_by(StateInterval.start)).all()


def _clip(iv: StateInterval, start: datetime, end: datetime) -> float:
    a, b = max(iv.start, start), min(iv.end or end, end)
    return max(0.0, (b - a).total_seconds())


def usage(
    db: Session, machine_id: int, metric: MaintenanceUsageMetric, start: datetime, end: datetime
) -> float:
    """Producing hours, cycles or units of a machine over [start, end)."""
    if metric is MaintenanceUsageMetric.PRODUCING_HOURS:
        rows = intervals(db, [machine_id], start, end, ["producing"])
        return sum(_clip(iv, start, end) for iv in rows) / 3600
    window = (CountEvent.machine_id == machine_id, CountEvent.ts >= start, CountEvent.ts < end)
    if metric is MaintenanceUsageMetric.CYCLES:
        return float(db.scalar(select(func.count(CountEvent.id)).where(*window)) or 0)
    total = func.coalesce(func.sum(CountEvent.good + CountEvent.reject + CountEvent.rework), 0)
    return float(db.scalar(select(total).where(*window)) or 0)


def latest_signal(
    db: Session, machine_id: int, signal: str, since: datetime
) -> tuple[datetime, float] | None:
    """The newest sample after ``since`` that carries ``signal`` as a number."""
    rows = db.execute(
        select(TelemetrySample.ts, TelemetrySample.signals)
        .where(TelemetrySample.machine_id == machine_id, TelemetrySample.ts > since)
        .order_by(TelemetrySample.ts.desc())
        .limit(50)
    )
    for ts, signals in rows:
        v = signals.get(signal) if isinstance(signals, dict) else None
        if isinstance(v, int | float) and not isinstance(v, bool):
            return ts, float(v)
    return None


def telemetry(
    db: Session, machine_id: int, start: datetime, end: datetime, limit: int
) -> Sequence[tuple[datetime, dict[str, Any]]]:
    rows = db.execute(
        select(TelemetrySample.ts, TelemetrySample.signals)
        .where(
            TelemetrySample.machine_id == machine_id,
            TelemetrySample.ts >= start,
            TelemetrySample.ts < end,
        )
        .order_by(TelemetrySample.ts)
        .limit(limit)
    )
    return [(ts, s) for ts, s in rows]


def orders(
    db: Session,
    *,
    machine_ids: Collection[int] | None = None,
    statuses: Collection[str] | None = None,
    kind: MaintenanceKind | None = None,
    limit: int = 200,
) -> Sequence[MaintenanceOrder]:
    q = select(MaintenanceOrder)
    if machine_ids is not None:
        q = q.where(MaintenanceOrder.machine_id.in_(machine_ids))
    if statuses:
        q = q.where(MaintenanceOrder.status.in_(statuses))
    if kind is not None:
        q = q.where(MaintenanceOrder.kind == kind.value)
    q = q.order_by(MaintenanceOrder.id.desc()).limit(limit)
    return db.scalars(q).all()


def windows(
    db: Session, machine_ids: Collection[int], start: datetime, end: datetime
) -> Sequence[MaintenanceOrder]:
    """Preventive orders whose maintenance window overlaps [start, end): scheduled or in
    progress (their scheduled window) and done (the time they actually took)."""
    q = select(MaintenanceOrder).where(
        MaintenanceOrder.kind == MaintenanceKind.PREVENTIVE.value,
        MaintenanceOrder.machine_id.in_(machine_ids),
        or_(
            (MaintenanceOrder.status.in_([MaintenanceStatus.SCHEDULED.value,
                                          MaintenanceStatus.IN_PROGRESS.value]))
            & (MaintenanceOrder.scheduled_start < end)
            & (MaintenanceOrder.scheduled_end > start),
            (MaintenanceOrder.status == MaintenanceStatus.DONE.value)
            & (MaintenanceOrder.started_at < end)
            & (MaintenanceOrder.finished_at > start),
        ),
    )  # fmt: skip
    return db.scalars(q).all()


def finished_orders(
    db: Session, machine_ids: Collection[int], start: datetime, end: datetime
) -> Sequence[MaintenanceOrder]:
    return db.scalars(
        select(MaintenanceOrder).where(
            MaintenanceOrder.machine_id.in_(machine_ids),
            MaintenanceOrder.status == MaintenanceStatus.DONE.value,
            MaintenanceOrder.finished_at >= start,
            MaintenanceOrder.finished_at < end,
        )
    ).all()


def preventive_due(
    db: Session, machine_ids: Collection[int], start: datetime, end: datetime
) -> Sequence[MaintenanceOrder]:
    """Preventive orders, not cancelled, done in [start, end) or whose tolerance window
    ends in it."""
    return db.scalars(
        select(MaintenanceOrder).where(
            MaintenanceOrder.machine_id.in_(machine_ids),
            MaintenanceOrder.kind == MaintenanceKind.PREVENTIVE.value,
            MaintenanceOrder.status != MaintenanceStatus.CANCELLED.value,
            or_(
                (MaintenanceOrder.finished_at >= start) & (MaintenanceOrder.finished_at < end),
                (MaintenanceOrder.window_end >= start) & (MaintenanceOrder.window_end < end),
            ),
        )
    ).all()


def machine_codes(db: Session, machine_ids: Collection[int] | None = None) -> dict[int, str]:
    q = select(Machine.id, Machine.code)
    if machine_ids is not None:
        q = q.where(Machine.id.in_(machine_ids))
    return {i: c for i, c in db.execute(q)}


def machines(db: Session, machine_ids: Collection[int] | None = None) -> Sequence[Machine]:
    q = select(Machine).order_by(Machine.code)
    if machine_ids is not None:
        q = q.where(Machine.id.in_(machine_ids))
    return db.scalars(q).all()


def unit_of(db: Session, machine_id: int, signal: str) -> str | None:
    """The unit the newest sample with units gives ``signal``."""
    for units in db.scalars(
        select(TelemetrySample.units)
        .where(TelemetrySample.machine_id == machine_id, TelemetrySample.units.is_not(None))
        .order_by(TelemetrySample.ts.desc())
        .limit(1)
    ):
        if isinstance(units, dict) and isinstance(units.get(signal), str):
            return str(units[signal])
    return None


def machines_on_line_of(db: Session, machine_id: int) -> list[int]:
    """The machines on the line ``machine_id`` stands on (itself included)."""
    line = select(Machine.line_id).where(Machine.id == machine_id).scalar_subquery()
    return list(db.scalars(select(Machine.id).where(Machine.line_id == line).order_by(Machine.id)))


def warnings(
    db: Session,
    *,
    machine_ids: Collection[int] | None,
    statuses: Collection[str] = (),
    since: datetime | None = None,
    limit: int = 200,
) -> Sequence[AnomalyWarning]:
    """Stored early warnings, the latest alarm first."""
    q = select(AnomalyWarning)
    if machine_ids is not None:
        q = q.where(AnomalyWarning.machine_id.in_(machine_ids))
    if statuses:
        q = q.where(AnomalyWarning.status.in_(statuses))
    if since is not None:
        q = q.where(AnomalyWarning.last_at >= since)
    return db.scalars(
        q.order_by(AnomalyWarning.last_at.desc(), AnomalyWarning.id.desc()).limit(limit)
    ).all()


def first_unresolved_warning(
    db: Session, machine_id: int, since: datetime, signal: str | None
) -> AnomalyWarning | None:
    """The earliest unresolved warning of a machine still alarming at or after ``since``
    (naming ``signal`` when given): what an anomaly plan acts on."""
    rows = db.scalars(
        select(AnomalyWarning)
        .where(
            AnomalyWarning.machine_id == machine_id,
            AnomalyWarning.status != WarningStatus.RESOLVED.value,
            AnomalyWarning.last_at >= since,
        )
        .order_by(AnomalyWarning.started_at, AnomalyWarning.id)
    )
    return next((w for w in rows if signal is None or signal in w.signals), None)


def models(
    db: Session, machine_ids: Collection[int] | None, limit: int = 200
) -> Sequence[AnomalyModel]:
    """Trained baseline versions, the newest first."""
    q = select(AnomalyModel)
    if machine_ids is not None:
        q = q.where(AnomalyModel.machine_id.in_(machine_ids))
    return db.scalars(q.order_by(AnomalyModel.id.desc()).limit(limit)).all()


def known_materials(db: Session, material_ids: Sequence[int]) -> set[int]:
    """Those of ``material_ids`` that exist (a plan's expected parts)."""
    if not material_ids:
        return set()
    found = db.scalars(select(Material.id).where(Material.id.in_(sorted(set(material_ids)))))
    return set(found)
