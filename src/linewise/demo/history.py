"""The demo's past: weeks of simulated production written through the real ingest path.

A demo opened for the first time must already have a history: KPI trends, Pareto,
MTBF and every model that learns from the past need one. ``backfill_history`` runs the
simulator over the past orders of the factory (``FactorySpec.history``), as fast as it
goes, and stores its events in bulk with the same write path and projections as the
ingest recorder (state intervals, order progress, KPI rollup marks). Afterwards the
stages the simulation finished are completed, as operators would have done at the
terminal, the materials the history consumed arrive as weekly supplier deliveries (so
that stock never runs below zero in the past, and the store ends where the factory's
spec puts it), and the KPI day rollups are filled once, so the KPI page is fast from the
first minute.

Seeded: the same factory, window and seed give the same events, and so the same
history, in the demo, the tests and the benchmarks.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, selectinload

from linewise.demo.quality import backfill_inspections
from linewise.domains.inventory import ledger_service
from linewise.domains.inventory.models import MovementKind, StockItem, StockMovement
from linewise.domains.performance.refresher import refresh_sites
from linewise.domains.production.models import OperationStatus, OrderStatus, ProductionOrder
from linewise.ingest.events import decode
from linewise.ingest.store import References, write_events
from linewise.server.projections import ingest_projections, order_references
from linewise.simulation.engine import Simulation
from linewise.simulation.ground_truth import GroundTruth
from linewise.simulation.model import SimParams
from linewise.simulation.spec import FactorySpec

SOURCE = "demo:history"
# Event ids are per machine and count from one in every simulation run; the history's
# carry a prefix of their own so that the live feed's ids never collide with them (a
# colliding id would be taken for a resend and dropped).
ID_PREFIX = "h-"
STEP = timedelta(hours=6)  # simulated time per write transaction
# The past is stored a little coarser than the live feed sends: sensors sampled every
# five minutes instead of every minute (a wear drift still shows in 70 samples), and
# counts in fives per station instead of every unit. That cuts the events of four
# weeks to about a third, and with them the wait before the demo serves. KPI figures
# hardly move: a count lands with the last unit of its five, minutes late at most.
HISTORY_PARAMS = SimParams(telemetry_interval_s=300.0, count_batch=5)

Progress = Callable[[float, int], None]  # (fraction done, events stored so far)


@dataclass(frozen=True)
class HistoryReport:
    start: datetime
    end: datetime
    events: int
    rejected: int
    deliveries: int
    orders_completed: int
    stages_completed: int
    rollup_days: int
    seconds: float


def backfill_history(
    engine: Engine,
    session_factory: Callable[[], Session],
    spec: FactorySpec,
    *,
    days: int,
    seed: int = 1,
    on_progress: Progress | None = None,
) -> HistoryReport:
    """Simulate ``days`` days before ``spec.as_of`` and store them; the factory (with its
    history orders) must be loaded already."""
    if spec.as_of is None:
        raise ValueError("the factory has no 'as of' instant to end its history at")
    began = time.monotonic()
    end = spec.as_of
    start = end - timedelta(days=days)
    sim = Simulation(
        replace(spec, orders=spec.history), start, end - start, seed=seed, params=HISTORY_PARAMS
    )
    refs = References(order_references())
    projections = ingest_projections()
    stored = rejected = 0
    cursor = start
    while not sim.finished:
        cursor = min(cursor + STEP, end)
        raw = sim.run_until(cursor)
        for event in raw:
            event["id"] = ID_PREFIX + event["id"]
        events, rejects = decode(raw, now=end)
        with engine.begin() as conn:
            result = write_events(conn, refs, events, rejects, SOURCE, projections=projections)
        stored += result.accepted
        rejected += len(result.rejected)
        if on_progress is not None:
            on_progress((cursor - start) / (end - start), stored)
    stored += backfill_inspections(engine, spec, end, seed=seed)
    truth = sim.ground_truth()
    with session_factory() as db:
        db.info["actor"] = SOURCE
        orders, stages = _complete_finished_work(db, truth)
        deliveries = _deliver_what_the_history_used(db, start, end)
        db.commit()
    with session_factory() as db:
        db.info["actor"] = SOURCE
        filled = sum(s.filled for s in refresh_sites(db, end, site_codes=[spec.site_code]))
        db.commit()
    return HistoryReport(
        start,
        end,
        stored,
        rejected,
        deliveries,
        orders,
        stages,
        filled,
        time.monotonic() - began,
    )


DELIVERY_EVERY = timedelta(days=7)


def _deliver_what_the_history_used(db: Session, start: datetime, end: datetime) -> int:
    """Weekly supplier deliveries of what the history's counts consumed: each week's
    consumption of a material arrives at the start of that week, where it was consumed.

    Without them four weeks of backflush drive the store hundreds of thousands of parts
    below zero, which no factory shows. The deliveries are ledger receipts like any other
    (dated in the past, with a lot per week), so the stock pages, a material's movements
    and the genealogy show where the parts came from. Returns how many were booked.
    """
    used: dict[tuple[int, int | None, int], float] = defaultdict(float)
    for material_id, location_id, at, qty in db.execute(
        select(
            StockItem.material_id,
            StockMovement.from_location_id,
            StockMovement.at,
            StockMovement.qty,
        )
        .join(StockItem, StockItem.id == StockMovement.item_id)
        .where(
            StockMovement.kind == MovementKind.BACKFLUSH,
            StockItem.material_id.is_not(None),
            StockMovement.at >= start,
            StockMovement.at < end,
        )
    ):
        if material_id is not None:
            used[(material_id, location_id, (at - start) // DELIVERY_EVERY)] += qty
    booked = 0
    for (material_id, location_id, n), qty in sorted(used.items(), key=lambda kv: kv[0][2]):
        if qty <= 0:
            continue
        arrives = start + DELIVERY_EVERY * n
        ledger_service.receive(
            db,
            material_id=material_id,
            qty=float(qty),
            lot=f"SUP-{arrives:%Y%m%d}",
            location_id=location_id,
            receipt_id=None,
            at=arrives,
            client_ref=f"demo-history-supply-{material_id}-{location_id}-{n}",
        )
        booked += 1
    return booked


def _complete_finished_work(db: Session, truth: GroundTruth) -> tuple[int, int]:
    """Complete each stage the simulation finished (at the moment it finished), and each
    order whose stages are all complete: machine counts never complete a stage, a
    person at the terminal does."""
    finished = {(op.order, op.operation): op.end for op in truth.operations if op.end}
    numbers = sorted({order for order, _seq in finished})
    orders = stages = 0
    query = (
        select(ProductionOrder)
        .where(ProductionOrder.number.in_(numbers))
        .options(selectinload(ProductionOrder.operations))
    )
    for order in db.scalars(query):
        for op in order.operations:
            end = finished.get((order.number, op.seq))
            if end is not None and op.status != OperationStatus.COMPLETED:
                op.status = OperationStatus.COMPLETED
                op.completed_at = end
                op.started_at = min(op.started_at or end, end)
                stages += 1
        ends = [op.completed_at for op in order.operations]
        if all(op.status == OperationStatus.COMPLETED for op in order.operations):
            order.status = OrderStatus.COMPLETED
            order.completed_at = max(t for t in ends if t is not None)
            orders += 1
    return orders, stages
