"""The ``delivery.train`` job: scrap and rework models learned from finished orders.

Each run reads the orders finished in the last ``TRAIN_DAYS``, holds the most recently
finished ``HOLD_OUT`` share out, learns on the rest and measures the model and both
baselines (the plan: no scrap, no rework; the product mean) on the held-out orders as
if predicted before they ran. Then it learns again on all of them and stores the
result as the next version with that evaluation (``model_store.DeliveryModel``).
Completion time is the delivery ETA (``service.py``), calibrated by its own snapshots.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from linewise.analytics.yields import (
    ProductMean,
    Rates,
    StageYield,
    YieldModel,
    YieldSample,
    predict,
    predict_mean,
)
from linewise.domains.delivery.model_store import DeliveryModel
from linewise.domains.production.models import OperationStatus, OrderStatus, ProductionOrder
from linewise.jobs import JobContext

TRAIN_KIND = "delivery.train"
MODEL_KIND = "yield"
TRAIN_DAYS = 180
HOLD_OUT = 0.2
MIN_HELD_OUT = 3


@dataclass(frozen=True)
class Finished:
    """A finished order as the training sees it."""

    number: str
    product: str
    quantity: int
    completed_at: datetime
    started_at: datetime | None
    stages: tuple[StageYield, ...]  # as planned before it ran: line and units, no counts
    samples: tuple[YieldSample, ...]
    work_s: Mapping[int, float]  # seq → working seconds of the stage


@dataclass(frozen=True)
class Learned:
    """A model with the baselines it is compared with (what a read needs)."""

    yields: YieldModel
    mean: ProductMean
    flow_s: Mapping[str, float]  # product → mean seconds from first start to completion
    work_per_unit: Mapping[str, Mapping[int, float]]  # product → seq → working s per unit
    orders: int

    def to_json(self) -> dict[str, Any]:
        return {
            "yield": self.yields.to_json(),
            "mean": {p: [r.scrap, r.rework] for p, r in self.mean.products.items()},
            "mean_overall": [self.mean.overall.scrap, self.mean.overall.rework],
            "flow_s": dict(self.flow_s),
            "work_per_unit": {p: {str(k): v for k, v in m.items()} for p, m in
                              self.work_per_unit.items()},
        }  # fmt: skip

    @classmethod
    def from_json(cls, data: Mapping[str, Any], orders: int) -> Learned:
        mo = data.get("mean_overall", [0.0, 0.0])
        return cls(
            yields=YieldModel.from_json(data.get("yield", {})),
            mean=ProductMean(
                {p: Rates(float(v[0]), float(v[1])) for p, v in data.get("mean", {}).items()},
                Rates(float(mo[0]), float(mo[1])),
            ),
            flow_s={p: float(v) for p, v in data.get("flow_s", {}).items()},
            work_per_unit={
                p: {int(k): float(v) for k, v in m.items()}
                for p, m in data.get("work_per_unit", {}).items()
            },
            orders=orders,
        )


def history(db: Session, now: datetime, days: int = TRAIN_DAYS) -> list[Finished]:
    """Orders finished in the last ``days``, oldest first, with each stage's counts."""
    from linewise.domains.delivery.service import line_calendar

    orders = list(
        db.scalars(
            select(ProductionOrder)
            .where(
                ProductionOrder.status == OrderStatus.COMPLETED,
                ProductionOrder.completed_at.is_not(None),
                ProductionOrder.completed_at >= now - timedelta(days=days),
                ProductionOrder.completed_at <= now,
            )
            .options(
                selectinload(ProductionOrder.operations), selectinload(ProductionOrder.product)
            )
            .order_by(ProductionOrder.completed_at, ProductionOrder.id)
        )
    )
    # Only the lines these orders ran on: expanding every line's shifts over half a year
    # was most of a prediction's read before the first trained model (none: no calendar).
    lines = sorted({op.line_id for o in orders for op in o.operations if op.line_id is not None})
    cal = line_calendar(db, lines, now - timedelta(days=days + 30), now)
    out: list[Finished] = []
    for o in orders:
        assert o.completed_at is not None
        ops = [op for op in o.operations if op.status == OperationStatus.COMPLETED]
        if not ops:
            continue
        code = o.product.code
        samples, stages, work = [], [], {}
        for op in ops:
            line = None if op.line_id is None else str(op.line_id)
            samples.append(
                YieldSample(o.number, code, line, op.good_qty + op.scrap_qty, op.scrap_qty,
                            op.rework_qty)
            )  # fmt: skip
            stages.append(StageYield(line, float(op.quantity)))
            if op.started_at is not None and op.completed_at is not None:
                work[op.seq] = cal.working_seconds(line, op.started_at, op.completed_at)
        starts = [op.started_at for op in ops if op.started_at is not None]
        out.append(
            Finished(o.number, code, o.quantity, o.completed_at, min(starts, default=None),
                     tuple(stages), tuple(samples), work)
        )  # fmt: skip
    return out


def learn(orders: Sequence[Finished]) -> Learned:
    samples = [s for o in orders for s in o.samples]
    flows: dict[str, list[float]] = defaultdict(list)
    per_unit: dict[str, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    for o in orders:
        if o.started_at is not None:
            flows[o.product].append((o.completed_at - o.started_at).total_seconds())
        for seq, w in o.work_s.items():
            if o.quantity > 0:
                per_unit[o.product][seq].append(w / o.quantity)
    return Learned(
        yields=YieldModel.learn(samples),
        mean=ProductMean.learn(samples, {o.number: o.quantity for o in orders}),
        flow_s={p: sum(v) / len(v) for p, v in flows.items()},
        work_per_unit={p: {k: sum(v) / len(v) for k, v in m.items()} for p, m in per_unit.items()},
        orders=len(orders),
    )


def _mae(errors: Sequence[float]) -> float:
    return round(sum(abs(e) for e in errors) / len(errors), 3) if errors else 0.0


def evaluate(train: Sequence[Finished], test: Sequence[Finished]) -> dict[str, Any]:
    """Mean absolute error in units per order of scrap and rework, predicted before each
    held-out order ran, for the model and both baselines."""
    learned = learn(train)
    err: dict[str, list[float]] = defaultdict(list)
    for o in test:
        scrap = sum(s.scrap for s in o.samples)
        rework = sum(s.rework for s in o.samples)
        f = predict(o.product, o.quantity, o.stages, learned.yields)
        ms, mr = predict_mean(o.product, o.quantity, o.stages, learned.mean)
        err["scrap_model"].append(f.scrap - scrap)
        err["scrap_plan"].append(0.0 - scrap)
        err["scrap_product_mean"].append(ms - scrap)
        err["rework_model"].append(f.rework - rework)
        err["rework_plan"].append(0.0 - rework)
        err["rework_product_mean"].append(mr - rework)
    return {
        "train_orders": len(train),
        "held_out_orders": len(test),
        "scrap_mae": {k: _mae(err[f"scrap_{k}"]) for k in ("model", "plan", "product_mean")},
        "rework_mae": {k: _mae(err[f"rework_{k}"]) for k in ("model", "plan", "product_mean")},
    }


def train(db: Session, now: datetime) -> DeliveryModel:
    orders = history(db, now)
    n_test = int(len(orders) * HOLD_OUT)
    if n_test >= MIN_HELD_OUT:
        evaluation = evaluate(orders[:-n_test], orders[-n_test:])
    else:  # too few finished orders to hold any out: say so rather than score on 1 or 2
        evaluation = {"train_orders": len(orders), "held_out_orders": 0, "scrap_mae": None,
                      "rework_mae": None}  # fmt: skip
    learned = learn(orders)
    last = db.scalar(
        select(func.max(DeliveryModel.version)).where(DeliveryModel.kind == MODEL_KIND)
    )
    row = DeliveryModel(
        kind=MODEL_KIND,
        version=(last or 0) + 1,
        trained_at=now,
        orders=len(orders),
        params=learned.to_json(),
        evaluation=evaluation,
    )
    db.add(row)
    db.flush()
    return row


def latest(db: Session) -> DeliveryModel | None:
    return db.scalars(
        select(DeliveryModel)
        .where(DeliveryModel.kind == MODEL_KIND)
        .order_by(DeliveryModel.version.desc())
        .limit(1)
    ).first()


def recent(db: Session, limit: int = 10) -> list[DeliveryModel]:
    return list(
        db.scalars(
            select(DeliveryModel)
            .where(DeliveryModel.kind == MODEL_KIND)
            .order_by(DeliveryModel.version.desc())
            .limit(limit)
        )
    )


def current(db: Session, now: datetime) -> tuple[Learned, DeliveryModel | None]:
    """The latest stored model; before the first training run, one learned in memory
    from the same history (not stored: a read never writes)."""
    row = latest(db)
    if row is not None:
        return Learned.from_json(row.params, row.orders), row
    return learn(history(db, now)), None


def train_job(ctx: JobContext) -> None:
    from linewise.core.time import utcnow

    train(ctx.session, utcnow())
