"""Queries of the planning domain (master data for the builder, plans, runs, scenarios)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ScalarSelect, Subquery, func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from linewise.domains.equipment.models import Area, Line, Machine
from linewise.domains.people.models import Operator
from linewise.domains.planning.models import (
    PlannedOperation,
    PlanningScenario,
    PlanStatus,
    RunState,
    SchedulePlan,
    ScheduleRun,
)
from linewise.domains.production.models import (
    BomItem,
    OperationStatus,
    OrderOperation,
    OrderStatus,
    Product,
    ProductionOrder,
    RoutingStep,
)
from linewise.ingest.models import StateInterval

OPEN_ORDER_STATES = (OrderStatus.PLANNED, OrderStatus.RELEASED, OrderStatus.IN_PROGRESS)
OPEN_OPERATION_STATES = (OperationStatus.PENDING, OperationStatus.IN_PROGRESS)


def lines(db: Session) -> Sequence[Line]:
    return db.scalars(
        select(Line).options(selectinload(Line.area).selectinload(Area.site)).order_by(Line.code)
    ).all()


def active_operators(db: Session) -> Sequence[Operator]:
    return db.scalars(select(Operator).where(Operator.active.is_(True))).all()


def products_with_routing(db: Session, ids: Sequence[int] | None = None) -> Sequence[Product]:
    stmt = select(Product).options(selectinload(Product.steps).selectinload(RoutingStep.eligible))
    if ids is not None:
        stmt = stmt.where(Product.id.in_(ids))
    return db.scalars(stmt).all()


def order_numbers_taken(db: Session, numbers: Sequence[str]) -> set[str]:
    """Which of these order numbers a production order has already."""
    if not numbers:
        return set()
    found = db.scalars(select(ProductionOrder.number).where(ProductionOrder.number.in_(numbers)))
    return set(found)


def products_without_routing(db: Session, product_ids: Sequence[int]) -> set[str]:
    """The codes of these products that have no routing step (or no longer exist)."""
    if not product_ids:
        return set()
    products = products_with_routing(db, sorted(set(product_ids)))
    missing = {f"#{i}" for i in set(product_ids) - {p.id for p in products}}
    return missing | {p.code for p in products if not p.steps}


def bom_lines(db: Session, product_ids: Sequence[int]) -> dict[int, list[tuple[int, float]]]:
    """Per product its components: (material id, quantity per unit)."""
    out: dict[int, list[tuple[int, float]]] = {pid: [] for pid in product_ids}
    if not product_ids:
        return out
    rows = db.execute(
        select(BomItem.product_id, BomItem.material_id, BomItem.quantity_per_unit)
        .where(BomItem.product_id.in_(product_ids))
        .order_by(BomItem.product_id, BomItem.material_id)
    ).all()
    for pid, mid, per_unit in rows:
        out[pid].append((mid, float(per_unit)))
    return out


def open_orders(db: Session, released_before: datetime) -> Sequence[ProductionOrder]:
    """Orders still to make, with the open operations; routings are loaded separately."""
    return db.scalars(
        select(ProductionOrder)
        .where(
            ProductionOrder.status.in_(OPEN_ORDER_STATES),
            or_(
                ProductionOrder.release_date.is_(None),
                ProductionOrder.release_date < released_before,
            ),
        )
        .options(selectinload(ProductionOrder.operations))
        .order_by(ProductionOrder.due_date, ProductionOrder.id)
    ).all()


def published_plan(db: Session) -> SchedulePlan | None:
    return db.scalars(
        select(SchedulePlan)
        .where(SchedulePlan.status == PlanStatus.PUBLISHED, SchedulePlan.scenario_id.is_(None))
        .order_by(SchedulePlan.published_at.desc())
        .limit(1)
    ).first()


def plan_rows(db: Session, plan_id: int) -> Sequence[PlannedOperation]:
    return db.scalars(
        select(PlannedOperation)
        .where(PlannedOperation.plan_id == plan_id)
        .order_by(PlannedOperation.start, PlannedOperation.id)
    ).all()


def next_on_line(
    db: Session, plan_id: int, line_id: int, after: datetime, limit: int
) -> Sequence[tuple[PlannedOperation, str | None]]:
    """Planned operations on a line not finished by ``after`` and still open on the floor."""
    rows = db.execute(
        select(PlannedOperation, OrderOperation.status)
        .outerjoin(OrderOperation, OrderOperation.id == PlannedOperation.operation_id)
        .where(
            PlannedOperation.plan_id == plan_id,
            PlannedOperation.line_id == line_id,
            PlannedOperation.end > after,
            or_(
                OrderOperation.status.is_(None),
                OrderOperation.status.in_(OPEN_OPERATION_STATES),
            ),
        )
        .order_by(PlannedOperation.start)
        .limit(limit)
    ).all()
    return [(r[0], r[1]) for r in rows]


def operation_statuses(db: Session, operation_ids: Sequence[int]) -> dict[int, str]:
    """The floor status of order operations (missing ids were deleted)."""
    if not operation_ids:
        return {}
    rows = db.execute(
        select(OrderOperation.id, OrderOperation.status).where(OrderOperation.id.in_(operation_ids))
    ).all()
    return {op_id: status for op_id, status in rows}


def active_run(db: Session, scenario_id: int | None) -> ScheduleRun | None:
    scope = (
        ScheduleRun.scenario_id.is_(None)
        if scenario_id is None
        else ScheduleRun.scenario_id == scenario_id
    )
    return db.scalars(
        select(ScheduleRun)
        .where(
            scope,
            ScheduleRun.kind == "solve",
            ScheduleRun.state.in_((RunState.QUEUED, RunState.RUNNING)),
        )
        .limit(1)
    ).first()


def fail_unfinished_runs(db: Session, message: str) -> int:
    result = db.execute(
        update(ScheduleRun)
        .where(ScheduleRun.state.in_((RunState.QUEUED, RunState.RUNNING)))
        .values(state=RunState.FAILED, error=message)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def down_machines(
    db: Session, machine_ids: Sequence[int]
) -> Sequence[tuple[StateInterval, Machine]]:
    """Current ``down`` intervals of the given machines, with the machine."""
    rows = db.execute(
        select(StateInterval, Machine)
        .join(Machine, Machine.id == StateInterval.machine_id)
        .where(
            StateInterval.machine_id.in_(machine_ids),
            StateInterval.end.is_(None),
            StateInterval.state == "down",
        )
    ).all()
    return [(r[0], r[1]) for r in rows]


def run_with_trigger(db: Session, trigger: str) -> ScheduleRun | None:
    return db.scalars(select(ScheduleRun).where(ScheduleRun.trigger == trigger).limit(1)).first()


@dataclass(frozen=True)
class PlannedSpan:
    """One operation of an order as a plan places it: on which line, from when to when."""

    order_id: int
    operation_id: int | None
    seq: int
    line_id: int
    line_code: str
    line_name: str
    start: datetime
    end: datetime


def published_plan_id() -> ScalarSelect[int]:
    """The id of the factory's published plan, as a subquery (the same choice as
    ``published_plan``: the newest published plan that is not a scenario's)."""
    return (
        select(SchedulePlan.id)
        .where(SchedulePlan.status == PlanStatus.PUBLISHED, SchedulePlan.scenario_id.is_(None))
        .order_by(SchedulePlan.published_at.desc())
        .limit(1)
        .scalar_subquery()
    )


def published_order_span() -> Subquery:
    """Per order in the published plan: its planned start and finish (``order_id``,
    ``planned_start``, ``planned_finish``), for filters that join it onto orders."""
    return (
        select(
            PlannedOperation.order_id.label("order_id"),
            func.min(PlannedOperation.start).label("planned_start"),
            func.max(PlannedOperation.end).label("planned_finish"),
        )
        .where(
            PlannedOperation.plan_id == published_plan_id(),
            PlannedOperation.order_id.is_not(None),
        )
        .group_by(PlannedOperation.order_id)
        .subquery("published_order_span")
    )


def published_spans(db: Session, order_ids: Sequence[int]) -> tuple[int | None, list[PlannedSpan]]:
    """The published plan's id and where and when it runs each operation of these orders."""
    if not order_ids:
        return None, []
    plan = published_plan(db)
    if plan is None:
        return None, []
    return plan.id, plan_spans(db, plan.id, order_ids)


def plan_spans(db: Session, plan_id: int, order_ids: Sequence[int]) -> list[PlannedSpan]:
    """Where and when one plan runs each operation of these orders."""
    rows = db.execute(
        select(
            PlannedOperation.order_id,
            PlannedOperation.operation_id,
            PlannedOperation.seq,
            PlannedOperation.line_id,
            Line.code,
            Line.name,
            PlannedOperation.start,
            PlannedOperation.end,
        )
        .join(Line, Line.id == PlannedOperation.line_id)
        .where(PlannedOperation.plan_id == plan_id, PlannedOperation.order_id.in_(order_ids))
        .order_by(PlannedOperation.order_id, PlannedOperation.seq)
    ).all()
    return [
        PlannedSpan(
            order_id=r[0],
            operation_id=r[1],
            seq=r[2],
            line_id=r[3],
            line_code=r[4],
            line_name=r[5],
            start=r[6],
            end=r[7],
        )
        for r in rows
        if r[0] is not None  # never: the filter leaves none, but the column is nullable
    ]


def get_run(db: Session, run_id: int) -> ScheduleRun | None:
    return db.get(ScheduleRun, run_id)


def recent_runs(db: Session, limit: int, scenario_id: int | None) -> Sequence[ScheduleRun]:
    stmt = select(ScheduleRun).order_by(ScheduleRun.id.desc()).limit(limit)
    if scenario_id is not None:
        stmt = stmt.where(ScheduleRun.scenario_id == scenario_id)
    return db.scalars(stmt).all()


def recent_plans(
    db: Session, limit: int, status: str | None, scenario_id: int | None
) -> Sequence[SchedulePlan]:
    """Newest plans first: the base plans, or with ``scenario_id`` that scenario's."""
    stmt = select(SchedulePlan).order_by(SchedulePlan.id.desc()).limit(limit)
    if status is not None:
        stmt = stmt.where(SchedulePlan.status == status)
    stmt = stmt.where(
        SchedulePlan.scenario_id.is_(None)
        if scenario_id is None
        else SchedulePlan.scenario_id == scenario_id
    )
    return db.scalars(stmt).all()


def recent_scenarios(db: Session, limit: int = 100) -> Sequence[PlanningScenario]:
    return db.scalars(
        select(PlanningScenario).order_by(PlanningScenario.id.desc()).limit(limit)
    ).all()


def mark_run_running(db: Session, run_id: int, change_ids: Sequence[int] | None) -> bool:
    """Mark a queued run running, in one conditional UPDATE: False if it has finished.

    A guard may end the run (cancel, overrun) while its problem is read. A read-then-write
    here lost that end on PostgreSQL: the guard committed "cancelled" between our read and
    our write, and our write put "running" back. The WHERE is evaluated against the
    committed row, so a finished run stays finished.
    """
    values: dict[str, object] = {"state": RunState.RUNNING}
    if change_ids is not None:
        run = db.get(ScheduleRun, run_id)
        if run is None:
            return False
        values["params"] = {**run.params, "change_ids": sorted(change_ids)}
    result = db.execute(
        update(ScheduleRun)
        .where(ScheduleRun.id == run_id, ScheduleRun.finished_at.is_(None))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))
