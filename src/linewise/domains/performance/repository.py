"""Queries behind the KPIs: machines of a scope, intervals, counts, ideal cycles.

Calendars come from the one calendar provider, ``linewise.domains.people.working_time``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from linewise.domains.equipment.models import Area, Line, Machine, Site
from linewise.domains.performance.models import DowntimeAssignment
from linewise.domains.planning.models import PlannedOperation
from linewise.domains.planning.repository import published_plan_id
from linewise.domains.production.models import (
    OrderOperation,
    Product,
    ProductionOrder,
    RoutingStep,
    RoutingStepLine,
)
from linewise.domains.quality.models import ReasonCode
from linewise.ingest.models import CountEvent, StateInterval


@dataclass(frozen=True)
class MachineRow:
    id: int
    code: str
    name: str
    kind: str
    position: int
    speed_factor: float
    minor_stop_threshold_s: float
    line_id: int
    line_code: str
    area_id: int
    site_id: int


@dataclass(frozen=True)
class ScopeRow:
    kind: str
    id: int
    code: str
    name: str
    site_id: int
    area_id: int | None


SCOPE_MODELS: dict[str, Any] = {"machine": Machine, "line": Line, "area": Area, "site": Site}


def _machine_query() -> Any:
    return (
        select(
            Machine.id,
            Machine.code,
            Machine.name,
            Machine.kind,
            Machine.position,
            Machine.speed_factor,
            Machine.minor_stop_threshold_s,
            Machine.line_id,
            Line.code.label("line_code"),
            Line.area_id,
            Area.site_id,
        )
        .join(Line, Machine.line_id == Line.id)
        .join(Area, Line.area_id == Area.id)
        .order_by(Line.code, Machine.position, Machine.id)
    )


def scope_row(db: Session, kind: str, scope_id: int) -> ScopeRow | None:
    """The scope object with the site and area it belongs to."""
    if kind == "site":
        site = db.get(Site, scope_id)
        return (
            None if site is None else ScopeRow(kind, site.id, site.code, site.name, site.id, None)
        )
    if kind == "area":
        area = db.get(Area, scope_id)
        if area is None:
            return None
        return ScopeRow(kind, area.id, area.code, area.name, area.site_id, area.id)
    if kind == "line":
        row = db.execute(
            select(Line.id, Line.code, Line.name, Line.area_id, Area.site_id)
            .join(Area, Line.area_id == Area.id)
            .where(Line.id == scope_id)
        ).first()
        if row is None:
            return None
        return ScopeRow(kind, row.id, row.code, row.name, row.site_id, row.area_id)
    machine = machines(db, ids=[scope_id])
    if not machine:
        return None
    m = machine[0]
    return ScopeRow(kind, m.id, m.code, m.name, m.site_id, m.area_id)


def machines(
    db: Session,
    *,
    ids: Sequence[int] | None = None,
    line_id: int | None = None,
    area_id: int | None = None,
    site_id: int | None = None,
    area_ids: Iterable[int] | None = None,
) -> list[MachineRow]:
    """Machines in flow order per line, filtered by scope and (for scoped roles) areas."""
    stmt = _machine_query()
    if ids is not None:
        stmt = stmt.where(Machine.id.in_(list(ids)))
    if line_id is not None:
        stmt = stmt.where(Machine.line_id == line_id)
    if area_id is not None:
        stmt = stmt.where(Line.area_id == area_id)
    if site_id is not None:
        stmt = stmt.where(Area.site_id == site_id)
    if area_ids is not None:
        stmt = stmt.where(Line.area_id.in_(list(area_ids)))
    return [MachineRow(**r._asdict()) for r in db.execute(stmt).all()]


_INTERVAL_COLUMNS = (
    StateInterval.machine_id,
    StateInterval.start,
    StateInterval.end,
    StateInterval.state,
    StateInterval.reason,
    StateInterval.fault,
)


@dataclass(frozen=True)
class IntervalRow:
    machine_id: int
    start: datetime
    end: datetime | None
    state: str
    reason: str | None
    fault: str | None


def intervals_between(
    db: Session, machine_ids: Sequence[int], since: datetime, end: datetime
) -> dict[int, list[IntervalRow]]:
    """Intervals starting in [since, end) per machine, in order: one indexed range query.

    Set-based for all machines of a scope at once; the caller finds the interval in force
    at a window's start among them (a correlated "latest start before the window" bound
    per row made the database visit every earlier interval of every machine: seconds
    for a window late in a year of data).
    """
    stmt = (
        select(*_INTERVAL_COLUMNS)
        .where(
            StateInterval.machine_id.in_(list(machine_ids)),
            StateInterval.start >= since,
            StateInterval.start < end,
        )
        .order_by(StateInterval.machine_id, StateInterval.start)
    )
    rows: dict[int, list[IntervalRow]] = defaultdict(list)
    for r in db.execute(stmt).all():
        rows[r.machine_id].append(IntervalRow(*r))
    return rows


def interval_before(
    db: Session, machine_id: int, start: datetime, *, inclusive: bool = False
) -> IntervalRow | None:
    """The machine's interval that starts last before ``start`` (or at it, ``inclusive``)."""
    bound = StateInterval.start <= start if inclusive else StateInterval.start < start
    row = db.execute(
        select(*_INTERVAL_COLUMNS)
        .where(StateInterval.machine_id == machine_id, bound)
        .order_by(StateInterval.start.desc())
        .limit(1)
    ).first()
    return IntervalRow(*row) if row else None


@dataclass(frozen=True)
class CountRow:
    id: int
    machine_id: int
    event_id: str
    ts: datetime
    good: int
    reject: int
    rework: int
    product_id: int | None
    step_id: int | None


def counts(
    db: Session, machine_ids: Sequence[int], start: datetime, end: datetime
) -> list[CountRow]:
    """Count events in [start, end); the product falls back to the operation's order."""
    stmt = (
        select(
            CountEvent.id,
            CountEvent.machine_id,
            CountEvent.event_id,
            CountEvent.ts,
            CountEvent.good,
            CountEvent.reject,
            CountEvent.rework,
            func.coalesce(CountEvent.product_id, ProductionOrder.product_id).label("product_id"),
            OrderOperation.step_id,
        )
        .outerjoin(OrderOperation, CountEvent.operation_id == OrderOperation.id)
        .outerjoin(ProductionOrder, OrderOperation.order_id == ProductionOrder.id)
        .where(
            CountEvent.machine_id.in_(list(machine_ids)),
            CountEvent.ts >= start,
            CountEvent.ts < end,
        )
        .order_by(CountEvent.machine_id, CountEvent.ts, CountEvent.id)
    )
    return [CountRow(*r) for r in db.execute(stmt).all()]


@dataclass(frozen=True)
class CycleRow:
    line_id: int
    product_id: int
    product_code: str
    step_id: int
    seq: int
    cycle_time_s: float


def line_cycles(db: Session, line_ids: Iterable[int]) -> list[CycleRow]:
    """Each product's ideal cycle per unit on each line (the routing step's line cycle)."""
    stmt = (
        select(
            RoutingStepLine.line_id,
            RoutingStep.product_id,
            Product.code,
            RoutingStep.id,
            RoutingStep.seq,
            RoutingStepLine.cycle_time_s,
        )
        .join(RoutingStep, RoutingStepLine.step_id == RoutingStep.id)
        .join(Product, RoutingStep.product_id == Product.id)
        .where(RoutingStepLine.line_id.in_(list(line_ids)))
        .order_by(RoutingStepLine.line_id, RoutingStep.product_id, RoutingStep.seq)
    )
    return [CycleRow(*r) for r in db.execute(stmt).all()]


def assignments(
    db: Session, machine_ids: Sequence[int], start: datetime, end: datetime
) -> dict[tuple[int, datetime], str]:
    """Assigned reasons of stops starting in [start, end), keyed by (machine, stop start)."""
    rows = db.execute(
        select(
            DowntimeAssignment.machine_id, DowntimeAssignment.stop_start, DowntimeAssignment.reason
        ).where(
            DowntimeAssignment.machine_id.in_(list(machine_ids)),
            and_(DowntimeAssignment.stop_start >= start, DowntimeAssignment.stop_start < end),
        )
    ).all()
    return {(r.machine_id, r.stop_start): r.reason for r in rows}


def reason_names(db: Session, codes: Iterable[str]) -> dict[str, str]:
    """Reason code → its name, for the codes given (unknown codes are left out)."""
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    rows = db.execute(select(ReasonCode.code, ReasonCode.name).where(ReasonCode.code.in_(wanted)))
    return {code: name for code, name in rows}


@dataclass(frozen=True)
class PlannedRun:
    """One operation of the published plan on a line, with the quantity it makes."""

    product: str
    start: datetime
    end: datetime
    quantity: int


def planned_runs(db: Session, line_id: int, start: datetime, end: datetime) -> list[PlannedRun]:
    """Operations of the published plan on ``line_id`` that overlap ``start``–``end``."""
    rows = db.execute(
        select(
            PlannedOperation.product_code,
            PlannedOperation.start,
            PlannedOperation.end,
            OrderOperation.quantity,
        )
        .join(OrderOperation, OrderOperation.id == PlannedOperation.operation_id)
        .where(
            PlannedOperation.plan_id == published_plan_id(),
            PlannedOperation.line_id == line_id,
            PlannedOperation.start < end,
            PlannedOperation.end > start,
        )
        .order_by(PlannedOperation.start)
    )
    return [PlannedRun(p, s, e, q) for p, s, e, q in rows]
