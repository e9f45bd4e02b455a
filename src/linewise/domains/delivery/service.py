"""Delivery analytics from the database: ETAs, risks, delays, bottlenecks, lateness shares.

Reads the open orders (production owns their progress), the published plan, the lines'
working time, the stages finished in the last ``HISTORY_DAYS`` (learned rates) and the
earlier predictions (``DeliveryPrediction``, the calibration), and hands them to the
pure engine (``linewise.analytics.delivery`` and ``.bottleneck``). A read never writes:
the ``delivery.snapshot`` job stores the predictions that calibrate later ones, and the
``delivery.refresh`` job each open order's current estimate (``DeliveryEstimate``), which
the lateness verdict, the Orders list and the Deliveries page read instead of
forecasting every open order themselves.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, selectinload

from linewise.analytics import bottleneck as bn
from linewise.analytics.delivery import (
    INTERVAL_MISS_RATE,
    Calibration,
    Dispatch,
    Estimate,
    LineStatus,
    OrderForecast,
    OrderIn,
    RateModel,
    RateSample,
    Residual,
    StageActual,
    StageDelay,
    StageForecast,
    StageIn,
    StageStatus,
    WindowCalendar,
    attribute_lateness,
    detect_delays,
    forecast,
)
from linewise.core import events
from linewise.domains.delivery import repository as estimates_repo
from linewise.domains.delivery.events import EstimatesRefreshed
from linewise.domains.delivery.models import DeliveryEstimate, DeliveryPrediction
from linewise.domains.equipment.models import Line, Machine
from linewise.domains.people.working_time import WorkingTime
from linewise.domains.planning import repository as planning
from linewise.domains.production.models import (
    OperationStatus,
    OrderOperation,
    OrderStatus,
    ProductionOrder,
    RoutingStep,
    RoutingStepLine,
)
from linewise.ingest.models import StateInterval
from linewise.jobs import JobContext
from linewise.kpi.intervals import TimeWindow

SNAPSHOT_KIND = "delivery.snapshot"
REFRESH_KIND = "delivery.refresh"
HISTORY_DAYS = 30
AHEAD_DAYS = 90
KEEP_DAYS = 60
OPEN = (OrderStatus.PLANNED, OrderStatus.RELEASED, OrderStatus.IN_PROGRESS, OrderStatus.ON_HOLD)
STATE_RANK = {"down": 0, "idle": 1, "setup": 2, "producing": 3}


@dataclass(frozen=True)
class Dispatching:
    """How the site's floor picks the next stage for a free line, as the forecast models
    it (settings ``delivery_dispatch``, ``delivery_family_preference_h``): ``plan`` (the
    published plan's order, else the due date; a setup before every stage) or
    ``due_date`` (a free line starts the ready stage due first, one of the setup family
    it runs up to ``family_preference_h`` earlier; a setup only on a change of family)."""

    rule: Dispatch = "plan"
    family_preference_h: float = 0.0


def dispatching() -> Dispatching:
    """The site's dispatching as configured (the process's settings)."""
    from linewise.config import get_settings

    settings = get_settings()
    return Dispatching(settings.delivery_dispatch, settings.delivery_family_preference_h)


@dataclass(frozen=True)
class OrderEstimate:
    order: ProductionOrder
    forecast: OrderForecast
    estimate: Estimate
    delay: StageDelay | None
    key_line: int | None  # the calendar the estimate is measured in (last stage's line)


@dataclass
class Context:
    """Everything one computation reads, loaded once."""

    now: datetime
    orders: list[ProductionOrder]
    inputs: list[OrderIn]
    calendar: WindowCalendar
    rates: RateModel
    calibration: Calibration
    lines: dict[int, Line]
    status: dict[str, LineStatus]
    forecasts: dict[str, OrderForecast]


def _key(line_id: int | None) -> str | None:
    return None if line_id is None else str(line_id)


def line_calendar(
    db: Session, line_ids: Sequence[int], start: datetime, end: datetime
) -> WindowCalendar:
    if not line_ids:
        return WindowCalendar({})
    planned = WorkingTime.for_lines(db, line_ids).planned(line_ids, TimeWindow(start, end))
    windows: dict[str, list[tuple[datetime, datetime]]] = {}
    for line_id, pt in planned.items():
        spans: list[tuple[datetime, datetime]] = []
        stops = sorted(
            [(b.start, b.end) for s in pt.shifts for b in s.breaks]
            + [(p.start, p.end) for p in pt.planned_stops]
        )
        starts = [a for a, _b in stops]
        longest = max((b - a for a, b in stops), default=timedelta(0))
        for shift in pt.shifts:
            pieces = [(shift.start, shift.end)]
            lo = bisect_left(starts, shift.start - longest)
            hi = bisect_left(starts, shift.end)
            for a, b in stops[lo:hi]:
                if b <= shift.start:
                    continue
                pieces = [
                    piece
                    for x, y in pieces
                    for piece in ((x, min(y, a)), (max(x, b), y))
                    if piece[1] > piece[0]
                ]
            spans.extend(pieces)
        windows[str(line_id)] = spans
    return WindowCalendar(windows)


def _ideal(db: Session, step_ids: set[int]) -> dict[int, dict[int, float]]:
    """step id → line id → ideal cycle time per unit."""
    out: dict[int, dict[int, float]] = defaultdict(dict)
    if step_ids:
        for row in db.scalars(select(RoutingStepLine).where(RoutingStepLine.step_id.in_(step_ids))):
            out[row.step_id][row.line_id] = row.cycle_time_s
    return out


def _setups(db: Session, step_ids: set[int]) -> dict[int, float]:
    if not step_ids:
        return {}
    rows = db.execute(
        select(RoutingStep.id, RoutingStep.setup_time_s).where(RoutingStep.id.in_(step_ids))
    ).all()
    return {r[0]: float(r[1]) for r in rows}


def _families(db: Session, step_ids: set[int]) -> dict[int, str]:
    """step id → its setup family (steps without one are left out)."""
    if not step_ids:
        return {}
    rows = db.execute(
        select(RoutingStep.id, RoutingStep.setup_family).where(RoutingStep.id.in_(step_ids))
    ).all()
    return {r[0]: str(r[1]) for r in rows if r[1]}


def _changeovers(
    ops: Sequence[OrderOperation], families: dict[int, str]
) -> tuple[set[int], dict[str, str]]:
    """From the operations started on each line, in start order: those that followed
    another setup family (or none known: they paid a setup), and the family each line
    ran last."""
    by_line: dict[int, list[OrderOperation]] = defaultdict(list)
    for op in ops:
        if op.line_id is not None and op.started_at is not None:
            by_line[op.line_id].append(op)
    changed: set[int] = set()
    last: dict[str, str] = {}
    for line_id, line_ops in by_line.items():
        line_ops.sort(key=lambda o: (cast(datetime, o.started_at), o.id))
        before: str | None = None
        for op in line_ops:
            family = families.get(op.step_id or -1)
            if family is None or family != before:
                changed.add(op.id)
            before = family
        if before is not None:
            last[str(line_id)] = before
    return changed, last


def _status(op: OrderOperation) -> StageStatus:
    if op.status in (OperationStatus.COMPLETED, OperationStatus.CANCELLED):
        return "completed"
    if op.status == OperationStatus.IN_PROGRESS or op.started_at is not None:
        return "in_progress"
    return "pending"


def line_status(db: Session, line_ids: Sequence[int]) -> dict[str, LineStatus]:
    """Each line's state now: its worst machine's open interval (down before idle ...)."""
    if not line_ids:
        return {}
    rows = db.execute(
        select(Machine.line_id, StateInterval.state, StateInterval.reason)
        .join(StateInterval, StateInterval.machine_id == Machine.id)
        .where(Machine.line_id.in_(line_ids), StateInterval.end.is_(None))
    ).all()
    out: dict[str, LineStatus] = {}
    for line_id, state, reason in rows:
        key = str(line_id)
        have = out.get(key)
        if have is None or STATE_RANK.get(state, 9) < STATE_RANK.get(have.state, 9):
            out[key] = LineStatus(state, reason)
    return out


def _residuals(db: Session, now: datetime, cal: WindowCalendar) -> list[Residual]:
    rows = db.execute(
        select(
            DeliveryPrediction.made_at,
            DeliveryPrediction.predicted_s,
            DeliveryPrediction.line_id,
            ProductionOrder.completed_at,
        )
        .join(ProductionOrder, ProductionOrder.id == DeliveryPrediction.order_id)
        .where(
            ProductionOrder.status == OrderStatus.COMPLETED,
            ProductionOrder.completed_at.is_not(None),
            DeliveryPrediction.made_at >= now - timedelta(days=HISTORY_DAYS),
        )
    ).all()
    return [
        Residual(pred, cal.working_seconds(_key(line), made, done))
        for made, pred, line, done in rows
        if done is not None and done >= made
    ]


def order_input(
    order: ProductionOrder,
    span_of: Mapping[int, planning.PlannedSpan],
    ideal: Mapping[int, Mapping[int, float]],
    setups: Mapping[int, float],
    families: Mapping[int, str] | None = None,
) -> OrderIn:
    """One open order as the engine reads it: each stage on its line (running or done: where
    it runs; pending: the plan's, else any eligible one), its units, cycle time and plan."""
    stages: list[StageIn] = []
    for op in order.operations:
        span = span_of.get(op.id)
        status = _status(op)
        line_id = op.line_id if op.line_id is not None and status != "pending" else (
            span.line_id if span is not None else op.line_id)  # fmt: skip
        cycles = ideal.get(op.step_id or -1, {})
        cycle = cycles.get(line_id, min(cycles.values(), default=1.0)) if line_id else (
            min(cycles.values(), default=1.0))  # fmt: skip
        options = (
            tuple((str(lid), c) for lid, c in cycles.items())
            if span is None and status == "pending"
            else ()
        )
        stages.append(
            StageIn(
                seq=op.seq,
                line=_key(line_id),
                quantity=op.quantity,
                done=op.good_qty + op.scrap_qty,
                ideal_s=cycle,
                status=status,
                setup_s=setups.get(op.step_id or -1, 0.0),
                started_at=op.started_at,
                completed_at=op.completed_at,
                planned_start=span.start if span else None,
                planned_end=span.end if span else None,
                options=options,
                family=(families or {}).get(op.step_id or -1),
            )
        )
    release = order.release_date if order.status == OrderStatus.PLANNED else None
    return OrderIn(str(order.id), order.product.code, order.due_date, tuple(stages), release)


def load(db: Session, now: datetime, how: Dispatching | None = None) -> Context:
    """Read and forecast every open order (the queue ahead needs them all), dispatched
    as ``how`` says (default: as configured)."""
    how = how or dispatching()
    by_due = how.rule == "due_date"
    orders = list(
        db.scalars(
            select(ProductionOrder)
            .where(ProductionOrder.status.in_(OPEN))
            .options(
                selectinload(ProductionOrder.operations), selectinload(ProductionOrder.product)
            )
        )
    )
    history = list(
        db.scalars(
            select(OrderOperation)
            .where(
                OrderOperation.status == OperationStatus.COMPLETED,
                OrderOperation.completed_at >= now - timedelta(days=HISTORY_DAYS),
                OrderOperation.started_at.is_not(None),
                OrderOperation.line_id.is_not(None),
            )
            .options(selectinload(OrderOperation.order).selectinload(ProductionOrder.product))
        )
    )
    plan_id, spans = planning.published_spans(db, [o.id for o in orders])
    del plan_id
    span_of = {s.operation_id: s for s in spans if s.operation_id is not None}
    steps = {op.step_id for o in orders for op in o.operations if op.step_id is not None}
    steps |= {op.step_id for op in history if op.step_id is not None}
    ideal, setups = _ideal(db, steps), _setups(db, steps)
    # due-date dispatch: a stage after one of its setup family on the same line needs no
    # setup, neither in the rates learned from it nor in the forecast
    families: dict[int, str] = {}
    changed: set[int] | None = None  # None: a setup taken out of every finished stage
    line_family: dict[str, str] | None = None
    if by_due:
        families = _families(db, steps)
        started = [*history, *(op for o in orders for op in o.operations)]
        changed, line_family = _changeovers(started, families)
    lines = {ln.id: ln for ln in db.scalars(select(Line))}
    cal = line_calendar(
        db, list(lines), now - timedelta(days=HISTORY_DAYS), now + timedelta(days=AHEAD_DAYS)
    )

    samples: list[RateSample] = []
    for op in history:
        assert op.started_at is not None and op.completed_at is not None and op.line_id is not None
        units = op.good_qty + op.scrap_qty
        cycle = ideal.get(op.step_id or -1, {}).get(op.line_id)
        if units <= 0 or cycle is None:
            continue
        work = cal.working_seconds(_key(op.line_id), op.started_at, op.completed_at)
        if changed is None or op.id in changed:
            work -= setups.get(op.step_id or -1, 0.0)
        samples.append(
            RateSample(op.order.product.code, str(op.line_id), units, max(work, 1.0), cycle)
        )
    rates = RateModel.learn(samples)

    inputs = [order_input(order, span_of, ideal, setups, families) for order in orders]
    forecasts = forecast(
        inputs, now, rates, cal, how.rule, line_family, how.family_preference_h * 3600
    )
    return Context(
        now=now,
        orders=orders,
        inputs=inputs,
        calendar=cal,
        rates=rates,
        calibration=Calibration(_residuals(db, now, cal), INTERVAL_MISS_RATE[how.rule]),
        lines=lines,
        status=line_status(db, list(lines)),
        forecasts=forecasts,
    )


def estimates(ctx: Context) -> list[OrderEstimate]:
    delays = {d.order: d for d in detect_delays(ctx.inputs, ctx.forecasts, ctx.now, ctx.status)}
    out: list[OrderEstimate] = []
    for order in ctx.orders:
        fc = ctx.forecasts[str(order.id)]
        last = fc.stages[-1].line if fc.stages else None
        est = ctx.calibration.estimate(ctx.now, fc.finish, order.due_date, ctx.calendar, last)
        out.append(
            OrderEstimate(order, fc, est, delays.get(str(order.id)), int(last) if last else None)
        )
    out.sort(key=lambda e: (-e.estimate.p_late, e.order.due_date, e.order.number))
    return out


def snapshot(db: Session, now: datetime) -> int:
    """Store every open order's prediction (the calibration of later ones); prune old ones."""
    ctx = load(db, now)
    made = now.replace(second=0, microsecond=0)
    taken = set(
        db.scalars(select(DeliveryPrediction.order_id).where(DeliveryPrediction.made_at == made))
    )
    n = 0
    for e in estimates(ctx):
        if e.order.id in taken:
            continue
        db.add(
            DeliveryPrediction(
                order_id=e.order.id,
                made_at=made,
                eta=e.forecast.finish,
                predicted_s=ctx.calendar.working_seconds(_key(e.key_line), now, e.forecast.finish),
                line_id=e.key_line,
                p_late=e.estimate.p_late,
                stages_open=sum(1 for s in e.forecast.stages if not s.done),
            )
        )
        n += 1
    db.execute(
        delete(DeliveryPrediction).where(
            DeliveryPrediction.made_at < now - timedelta(days=KEEP_DAYS)
        )
    )
    return n


def delay_out(ctx: Context, d: StageDelay | None) -> dict[str, Any] | None:
    """The first stage behind its plan, as the API and the stored estimate carry it."""
    if d is None:
        return None
    line_id, code = line_label(ctx, d.line)
    return {
        "seq": d.seq, "line_id": line_id, "line_code": code, "kind": d.kind,
        "behind_min": round(d.behind_s / 60, 1), "cause": d.cause,
    }  # fmt: skip


def stage_rows(ctx: Context, e: OrderEstimate) -> list[dict[str, Any]]:
    """Each stage's expected start and end beside its plan (the order page's panel), less
    what the order's operations say now (name, status)."""
    inputs = next(i for i in ctx.inputs if i.key == str(e.order.id))
    planned = {s.seq: s for s in inputs.stages}
    out: list[dict[str, Any]] = []
    for s in e.forecast.stages:
        line_id, code = line_label(ctx, s.line)
        out.append(
            {
                "seq": s.seq, "line_id": line_id, "line_code": code, "start": s.start,
                "eta": s.end, "planned_start": planned[s.seq].planned_start,
                "planned_end": planned[s.seq].planned_end,
                "queue_min": round(s.queue_s / 60, 1), "remaining_units": s.remaining_units,
                "done": s.done,
            }
        )  # fmt: skip
    return out


def stored_stages(ctx: Context, e: OrderEstimate) -> list[dict[str, Any]]:
    """``stage_rows`` as JSON stores them (times as ISO 8601 strings)."""
    return [
        {k: v.isoformat() if isinstance(v, datetime) else v for k, v in row.items()}
        for row in stage_rows(ctx, e)
    ]


def _when(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def stored_order(db: Session, order_id: int, now: datetime) -> dict[str, Any] | None:
    """``GET /delivery/orders/{id}`` from the latest refresh (with its ``as_of``); None
    when the order has no fresh stored estimate with its stages (compute instead)."""
    row = db.execute(
        select(DeliveryEstimate, ProductionOrder)
        .join(ProductionOrder, ProductionOrder.id == DeliveryEstimate.order_id)
        .where(
            DeliveryEstimate.order_id == order_id,
            DeliveryEstimate.made_at >= now - estimates_repo.FRESH_FOR,
            ProductionOrder.status.in_(OPEN),
        )
        .options(selectinload(ProductionOrder.operations), selectinload(ProductionOrder.product))
    ).first()
    if row is None:
        return None
    e, o = row[0], row[1]
    if e.stages is None:  # stored before the stages were
        return None
    ops = {op.seq: op for op in o.operations}
    stages = [
        s | {
            "name": ops[s["seq"]].name, "status": ops[s["seq"]].status,
            "start": _when(s["start"]), "eta": _when(s["eta"]),
            "planned_start": _when(s["planned_start"]), "planned_end": _when(s["planned_end"]),
        }
        for s in e.stages
        if s["seq"] in ops
    ]  # fmt: skip
    return _stored_out(e, o) | {"stages": stages, "stored": True, "as_of": e.made_at}


def _stored_out(e: DeliveryEstimate, o: ProductionOrder) -> dict[str, Any]:
    return {
        "order_id": o.id,
        "number": o.number,
        "product_code": o.product.code,
        "status": o.status,
        "quantity": o.quantity,
        "due_date": o.due_date,
        "eta": e.eta,
        "eta_low": e.eta_low,
        "eta_high": e.eta_high,
        "p_late": round(e.p_late, 4),
        "late_by_min": round((e.eta - o.due_date).total_seconds() / 60, 1),
        "calibrated": e.calibrated,
        "delay": e.delay,
    }


def refresh(db: Session, now: datetime) -> int:
    """Rewrite every open order's current estimate; drop those of orders no longer open.

    One upsert (rows in order id order, so that two refreshes running at once lock them
    in the same order; a row a later run already wrote is left as it is), then the rows
    this run did not write: closed or deleted orders.
    """
    ctx = load(db, now)
    rows = [
        {
            "order_id": e.order.id,
            "made_at": now,
            "eta": e.estimate.finish,
            "eta_low": e.estimate.low,
            "eta_high": e.estimate.high,
            "p_late": e.estimate.p_late,
            "calibrated": e.estimate.calibrated,
            "delay": delay_out(ctx, e.delay),
            "stages": stored_stages(ctx, e),
            "calibration_size": ctx.calibration.size,
            "rate_samples": ctx.rates.samples,
        }
        for e in sorted(estimates(ctx), key=lambda e: e.order.id)
    ]
    table = cast(Table, DeliveryEstimate.__table__)
    if rows:
        dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
        stmt = dialect.insert(table)
        keep = ("order_id",)
        stmt = stmt.on_conflict_do_update(
            index_elements=list(keep),
            set_={c.name: stmt.excluded[c.name] for c in table.columns if c.name not in keep},
            # Event-driven and periodic runs may overlap: one that started earlier and
            # commits later must not put its older estimates over the newer ones.
            where=table.c.made_at <= stmt.excluded.made_at,
        )
        db.execute(stmt, rows)
    db.execute(delete(DeliveryEstimate).where(DeliveryEstimate.made_at < now))
    events.record(db, EstimatesRefreshed(now, len(rows)))
    return len(rows)


def stored_orders(db: Session, now: datetime, limit: int | None) -> dict[str, Any] | None:
    """``GET /delivery/orders`` from the latest refresh, riskiest first, as ``estimates``
    orders them (``limit`` None: all); None when no refresh ran in the last ``FRESH_FOR``
    (compute instead)."""
    rows = db.execute(
        select(DeliveryEstimate, ProductionOrder)
        .join(ProductionOrder, ProductionOrder.id == DeliveryEstimate.order_id)
        .where(
            DeliveryEstimate.made_at >= now - estimates_repo.FRESH_FOR,
            ProductionOrder.status.in_(OPEN),
        )
        .options(selectinload(ProductionOrder.product))
        .order_by(DeliveryEstimate.p_late.desc(), ProductionOrder.due_date, ProductionOrder.number)
        .limit(limit)
    ).all()
    if not rows:
        return None
    first: DeliveryEstimate = rows[0][0]
    items = [_stored_out(e, o) for e, o in rows]
    return {
        "as_of": max(e.made_at for e, _o in rows),
        "stored": True,
        "calibration_size": first.calibration_size,
        "rate_samples": first.rate_samples,
        "items": items,
    }


def refresh_job(ctx: JobContext) -> None:
    from linewise.core.time import utcnow

    refresh(ctx.session, utcnow())


def latest_risks(db: Session, now: datetime | None = None) -> list[tuple[ProductionOrder, float]]:
    """Each open order's late risk as the latest refresh stored it (at most a minute old
    by default), else in the latest hourly snapshot (what alerts read: cheap, and the
    same figure for every rule evaluated until the next run)."""
    from linewise.core.time import utcnow

    fresh = db.execute(
        select(ProductionOrder, DeliveryEstimate.p_late)
        .join(DeliveryEstimate, DeliveryEstimate.order_id == ProductionOrder.id)
        .where(
            DeliveryEstimate.made_at >= (now or utcnow()) - estimates_repo.FRESH_FOR,
            ProductionOrder.status.in_(OPEN),
        )
        .order_by(ProductionOrder.id)
    ).all()
    if fresh:
        return [(r[0], float(r[1])) for r in fresh]
    made = db.scalar(select(func.max(DeliveryPrediction.made_at)))
    if made is None:
        return []
    rows = db.execute(
        select(ProductionOrder, DeliveryPrediction.p_late)
        .join(DeliveryPrediction, DeliveryPrediction.order_id == ProductionOrder.id)
        .where(DeliveryPrediction.made_at == made, ProductionOrder.status.in_(OPEN))
        .order_by(ProductionOrder.id)
    ).all()
    return [(r[0], float(r[1])) for r in rows]


def snapshot_job(ctx: JobContext) -> None:
    from linewise.core.time import utcnow

    snapshot(ctx.session, utcnow())


def line_label(ctx: Context, key: str | None) -> tuple[int | None, str | None]:
    if key is None:
        return None, None
    line = ctx.lines.get(int(key))
    return (line.id, line.code) if line is not None else (int(key), None)


# --- bottlenecks --------------------------------------------------------------------------

PERIODS = {"shift": timedelta(hours=8), "day": timedelta(days=1), "week": timedelta(days=7)}


def bottlenecks(db: Session, start: datetime, end: datetime, period: str) -> dict[str, Any]:
    """Active-period bottleneck shares per line in each period of ``[start, end)``, with
    the plan's utilization per line (the planned bottleneck) beside them."""
    lines = {ln.id: ln for ln in db.scalars(select(Line).order_by(Line.code))}
    # a line is as active as its constraint machine (the highest speed factor sets the pace)
    pace: dict[int, Machine] = {}
    for m in db.scalars(select(Machine).order_by(Machine.line_id, Machine.position)):
        have = pace.get(m.line_id)
        if have is None or m.speed_factor > have.speed_factor:
            pace[m.line_id] = m
    rows = db.execute(
        select(Machine.line_id, StateInterval.start, StateInterval.end, StateInterval.state)
        .join(StateInterval, StateInterval.machine_id == Machine.id)
        .where(
            Machine.id.in_([m.id for m in pace.values()]),
            StateInterval.start < end,
            (StateInterval.end.is_(None)) | (StateInterval.end > start),
        )
    ).all()
    per_line: dict[str, list[tuple[datetime, datetime, str]]] = defaultdict(list)
    for line_id, a, b, state in rows:
        ln = lines.get(line_id)
        if ln is not None:
            per_line[ln.code].append((a, b or end, state))
    periods = {code: bn.active_periods(iv) for code, iv in per_line.items()}
    cal = line_calendar(db, list(lines), start, end)
    plan = planning.published_plan(db)
    plan_rows = planning.plan_rows(db, plan.id) if plan is not None else []
    step = PERIODS[period]
    windows: list[dict[str, Any]] = []
    a = start
    while a < end:
        b = min(end, a + step)
        shares = bn.shares(periods, a, b)
        busy: dict[str, float] = defaultdict(float)
        avail: dict[str, float] = {}
        for r in plan_rows:
            lo, hi = max(a, r.start), min(b, r.end)
            ln = lines.get(r.line_id)
            if hi > lo and ln is not None:
                busy[ln.code] += cal.working_seconds(str(r.line_id), lo, hi)
        for ln in lines.values():
            avail[ln.code] = cal.working_seconds(str(ln.id), a, b)
        planned = sorted(
            (
                {"line_code": code, "utilization": round(busy[code] / avail[code], 4)}
                for code in busy
                if avail.get(code, 0) > 0
            ),
            key=lambda x: (-float(str(x["utilization"])), str(x["line_code"])),
        )
        windows.append(
            {
                "start": a,
                "end": b,
                "top": bn.top(shares),
                "planned_top": planned[0]["line_code"] if planned else None,
                "shares": [
                    {
                        "line_code": s.station,
                        "sole": round(s.sole, 4),
                        "shifting": round(s.shifting, 4),
                    }
                    for s in shares
                    if s.sole_s + s.shifting_s > 0
                ],
                "planned": planned[:10],
            }
        )
        a = b
    return {"period": period, "start": start, "end": end, "windows": windows}


# --- lateness attribution and waiting between stages -----------------------------------


def stored_forecasts(
    db: Session, orders: Sequence[ProductionOrder], now: datetime
) -> dict[str, OrderForecast] | None:
    """These open orders' forecasts as the latest refresh stored them; None when one of
    them has no fresh stored estimate with its stages (compute them all instead)."""
    found = estimates_repo.current(db, [o.id for o in orders], now)
    out: dict[str, OrderForecast] = {}
    for o in orders:
        e = found.get(o.id)
        fc = _forecast_of(e) if e is not None else None
        if fc is None:
            return None
        out[str(o.id)] = fc
    return out


def _forecast_of(e: DeliveryEstimate) -> OrderForecast | None:
    """The forecast a stored estimate was made from; None for a row without its stages."""
    if e.stages is None:
        return None
    stages = tuple(
        StageForecast(
            s["seq"], _key(s["line_id"]), datetime.fromisoformat(s["start"]),
            datetime.fromisoformat(s["eta"]), float(s["queue_min"]) * 60,
            int(s["remaining_units"]), bool(s["done"]),
        )
        for s in e.stages
    )  # fmt: skip
    return OrderForecast(str(e.order_id), e.eta, stages)


@dataclass(frozen=True)
class StoredForecast:
    """One open order's forecast as the latest refresh stored it, with what a read of
    that order alone can add: its stages' inputs and its lines' working time."""

    order: ProductionOrder
    row: DeliveryEstimate
    forecast: OrderForecast
    inputs: OrderIn
    calendar: WindowCalendar  # the order's lines only, over ``load``'s window


def stored_forecast(db: Session, order_id: int, now: datetime) -> StoredForecast | None:
    """``order_id``'s stored forecast when it is open and has a fresh row with its stages,
    else None (forecast every open order instead). Reads this order only: no queue ahead
    to recompute, so it costs milliseconds whatever the number of open orders."""
    order = db.scalars(
        select(ProductionOrder)
        .where(ProductionOrder.id == order_id, ProductionOrder.status.in_(OPEN))
        .options(selectinload(ProductionOrder.operations), selectinload(ProductionOrder.product))
    ).first()
    row = estimates_repo.current(db, [order_id], now).get(order_id) if order else None
    fc = _forecast_of(row) if row is not None else None
    if order is None or row is None or fc is None:
        return None
    _pid, spans = planning.published_spans(db, [order.id])
    span_of = {sp.operation_id: sp for sp in spans if sp.operation_id is not None}
    steps = {op.step_id for op in order.operations if op.step_id is not None}
    inputs = order_input(order, span_of, _ideal(db, steps), _setups(db, steps))
    lines = {int(k) for k in (s.line for s in fc.stages + inputs.stages) if k is not None}
    lines |= {op.line_id for op in order.operations if op.line_id is not None}
    made = row.made_at
    cal = line_calendar(
        db, sorted(lines), made - timedelta(days=HISTORY_DAYS), made + timedelta(days=AHEAD_DAYS)
    )
    return StoredForecast(order, row, fc, inputs, cal)


def attribution_at(db: Session, now: datetime, start: datetime, end: datetime) -> dict[str, Any]:
    """``attribution`` with the open orders' ETAs of the latest refresh when it covers
    every open order due in the window, else forecast for this read."""
    open_ = list(
        db.scalars(
            select(ProductionOrder)
            .where(
                ProductionOrder.due_date >= start,
                ProductionOrder.due_date < end,
                ProductionOrder.status.in_(OPEN),
            )
            .options(
                selectinload(ProductionOrder.operations), selectinload(ProductionOrder.product)
            )
        )
    )
    forecasts = stored_forecasts(db, open_, now)
    if forecasts is None:
        ctx = load(db, now)
        return attribution(db, ctx.orders, ctx.forecasts, ctx.lines, start, end)
    lines = {ln.id: ln for ln in db.scalars(select(Line))}
    return attribution(db, open_, forecasts, lines, start, end)


def attribution(
    db: Session,
    open_orders: Sequence[ProductionOrder],
    forecasts: dict[str, OrderForecast],
    lines: dict[int, Line],
    start: datetime,
    end: datetime,
) -> dict[str, Any]:
    """Lateness minutes of the orders due in ``[start, end)`` shared among their stages
    (queue beyond plan, time lost against plan), by line; and the waiting time between
    stages per product. Done orders count with what happened, open ones with their ETA."""
    done = list(
        db.scalars(
            select(ProductionOrder)
            .where(
                ProductionOrder.due_date >= start,
                ProductionOrder.due_date < end,
                ProductionOrder.status == OrderStatus.COMPLETED,
            )
            .options(
                selectinload(ProductionOrder.operations), selectinload(ProductionOrder.product)
            )
        )
    )
    open_ = [o for o in open_orders if start <= o.due_date < end]
    _pid, spans = planning.published_spans(db, [o.id for o in done + open_])
    span_of = {s.operation_id: s for s in spans if s.operation_id is not None}
    steps = {op.step_id for o in done + open_ for op in o.operations if op.step_id is not None}
    ideal, setups = _ideal(db, steps), _setups(db, steps)
    by_line: dict[str, dict[str, Any]] = {}
    waits: dict[str, list[float]] = defaultdict(list)
    late_orders = 0
    total_late = 0.0
    for order in done + open_:
        fc = forecasts.get(str(order.id))
        stages: list[StageActual] = []
        prev_end: datetime | None = order.release_date
        prev_planned_end: datetime | None = None
        for i, op in enumerate(order.operations):
            f = fc.stages[i] if fc is not None and i < len(fc.stages) else None
            s = op.started_at or (f.start if f is not None else None)
            e = op.completed_at or (f.end if f is not None else None)
            if s is None or e is None:
                break
            span = span_of.get(op.id)
            ready = min(prev_end or s, s)
            line_id = op.line_id or (span.line_id if span else None)
            if span is not None:
                p_start, p_end = span.start, span.end
                p_ready = prev_planned_end or span.start
            else:  # no plan: no waiting planned, the run at its ideal cycle time
                cycle = ideal.get(op.step_id or -1, {}).get(line_id or -1, 0.0)
                p_start, p_ready = ready, ready
                p_end = ready + timedelta(
                    seconds=op.quantity * cycle + setups.get(op.step_id or -1, 0.0)
                )
            stages.append(StageActual(op.seq, _key(line_id), ready, s, e, p_start, p_end, p_ready))
            if i > 0 and prev_end is not None and op.started_at is not None:
                waits[order.product.code].append(max(0.0, (s - prev_end).total_seconds()))
            prev_end, prev_planned_end = e, span.end if span else None
        finish = order.completed_at if order.status == OrderStatus.COMPLETED else (
            fc.finish if fc is not None else None)  # fmt: skip
        if finish is None or finish <= order.due_date or not stages:
            continue
        late = (finish - order.due_date).total_seconds()
        late_orders += 1
        total_late += late
        for blame in attribute_lateness(stages, late):
            if blame.late_s <= 0:
                continue
            line = lines.get(int(blame.line)) if blame.line else None
            code = line.code if line is not None else "?"
            row = by_line.setdefault(
                code, {"line_code": code, "late_min": 0.0, "wait_min": 0.0, "lost_min": 0.0,
                       "orders": []},
            )  # fmt: skip
            share = blame.late_s / max(1.0, blame.wait_s + blame.lost_s)
            row["late_min"] += blame.late_s / 60
            row["wait_min"] += blame.wait_s * share / 60
            row["lost_min"] += blame.lost_s * share / 60
            if order.number not in row["orders"]:
                row["orders"].append(order.number)
    stages_out = sorted(by_line.values(), key=lambda r: -float(r["late_min"]))
    for r in stages_out:
        for k in ("late_min", "wait_min", "lost_min"):
            r[k] = round(r[k], 1)
        r["orders"] = r["orders"][:20]
    return {
        "start": start,
        "end": end,
        "late_orders": late_orders,
        "late_min": round(total_late / 60, 1),
        "stages": stages_out,
        "waiting": [
            {
                "product": p,
                "transitions": len(v),
                "mean_wait_min": round(sum(v) / len(v) / 60, 1),
                "max_wait_min": round(max(v) / 60, 1),
            }
            for p, v in sorted(waits.items())
            if v
        ],
    }
