"""One order's predicted completion, scrap, rework and cost, beside both baselines.

Completion is the delivery ETA (``service.py``: the queue ahead at learned rates, its
80 % interval), read from the latest ``delivery.refresh`` run when it holds the order
(``stored``), else forecast for the read; scrap and rework come from the latest trained model
(``training.py``), with what the floor counted so far kept; cost prices each stage's
working time and the material with the factory's rates (``costs.py``). The baselines:
the plan itself (its finish; ideal cycle times; no scrap or rework beyond what was
counted) and the historical mean by product.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from linewise.analytics.costing import StageWork, order_cost, rounded
from linewise.analytics.delivery import OrderForecast, OrderIn, WindowCalendar
from linewise.analytics.yields import StageYield, predict, predict_mean
from linewise.core.errors import NotFound
from linewise.domains.delivery import costs, service, training
from linewise.domains.production.models import OperationStatus, ProductionOrder


def _trio(model: float, plan: float, mean: float) -> dict[str, float]:
    return {"model": round(model, 2), "plan": round(plan, 2), "product_mean": round(mean, 2)}


def model_out(row: Any, learned: training.Learned) -> dict[str, Any]:
    return {
        "version": row.version if row is not None else None,
        "trained_at": row.trained_at if row is not None else None,
        "orders": learned.orders,
        "units": round(learned.yields.units),
        "evaluation": row.evaluation if row is not None else None,
    }


@dataclass(frozen=True)
class Completion:
    """What the prediction takes from the delivery forecast for one order."""

    order: ProductionOrder
    forecast: OrderForecast
    low: datetime
    high: datetime
    calendar: WindowCalendar
    inputs: OrderIn
    stored: bool
    as_of: datetime  # the instant the forecast was made (the stored run's, else now)


def stored_completion(db: Session, order_id: int, now: datetime) -> Completion | None:
    """From the latest refresh run, when it is fresh and holds the order's stages."""
    found = service.stored_forecast(db, order_id, now)
    if found is None:
        return None
    row = found.row
    return Completion(found.order, found.forecast, row.eta_low, row.eta_high, found.calendar,
                      found.inputs, True, row.made_at)  # fmt: skip


def computed_completion(db: Session, order_id: int, now: datetime) -> Completion:
    """Forecast every open order for this read (the queue ahead): seconds at thousands."""
    order = db.get(ProductionOrder, order_id)
    if order is None or order.status not in service.OPEN:  # 404 without the forecast
        raise NotFound(f"open production order {order_id} not found")
    ctx = service.load(db, now)
    found = next((e for e in service.estimates(ctx) if e.order.id == order_id), None)
    if found is None:
        raise NotFound(f"open production order {order_id} not found")
    inputs = next(i for i in ctx.inputs if i.key == str(order_id))
    return Completion(found.order, found.forecast, found.estimate.low, found.estimate.high,
                      ctx.calendar, inputs, False, now)  # fmt: skip


def order_prediction(db: Session, order_id: int, now: datetime) -> dict[str, Any]:
    """The stored run's forecast when there is one for the order, else one for this read."""
    completion = stored_completion(db, order_id, now) or computed_completion(db, order_id, now)
    return prediction(db, completion)


def prediction(db: Session, c: Completion) -> dict[str, Any]:
    # Priced as of the forecast's instant: a stored run's stage times start from then.
    order, fc, cal, inputs, now = c.order, c.forecast, c.calendar, c.inputs, c.as_of
    product = order.product.code
    learned, row = training.current(db, now)
    rates = costs.rates(db)
    stage_in = {s.seq: s for s in inputs.stages}
    fc_of = {s.seq: s for s in fc.stages}

    yields = [
        StageYield(
            line=fc_of[op.seq].line if op.seq in fc_of else None,
            units=float(op.quantity),
            done=op.good_qty + op.scrap_qty,
            scrap=op.scrap_qty,
            rework=op.rework_qty,
            finished=op.status in (OperationStatus.COMPLETED, OperationStatus.CANCELLED),
        )
        for op in order.operations
    ]
    model = predict(product, order.quantity, yields, learned.yields)
    mean_scrap, mean_rework = predict_mean(product, order.quantity, yields, learned.mean)
    so_far_scrap = float(sum(op.scrap_qty for op in order.operations))
    so_far_rework = float(sum(op.rework_qty for op in order.operations))

    model_work, plan_work, mean_work = [], [], []
    n = max(1, len(order.operations))
    per_unit = learned.work_per_unit.get(product, {})
    for i, op in enumerate(order.operations):
        f, s = fc_of.get(op.seq), stage_in[op.seq]
        line = f.line if f is not None else s.line
        if op.started_at is not None and op.completed_at is not None:
            work = cal.working_seconds(line, op.started_at, op.completed_at)
        else:
            work = 0.0
            if op.started_at is not None:
                work += cal.working_seconds(line, op.started_at, min(now, f.start if f else now))
            if f is not None and not f.done:
                work += cal.working_seconds(line, max(f.start, now), f.end)
        model_work.append(StageWork(line, work, model.stage_units[i], model.stage_scrap[i]))
        plan_work.append(StageWork(line, op.quantity * s.ideal_s + s.setup_s, op.quantity, 0.0))
        mean_s = per_unit.get(op.seq)
        mean_work.append(
            StageWork(
                line,
                op.quantity * mean_s if mean_s is not None else op.quantity * s.ideal_s,
                op.quantity,
                mean_scrap / n,
            )
        )
    started = [op.started_at for op in order.operations if op.started_at is not None]
    first = min(started) if started else max(now, order.release_date or now)
    flow = learned.flow_s.get(product)
    planned_ends = [s.planned_end for s in inputs.stages if s.planned_end is not None]
    return {
        "order_id": order.id,
        "number": order.number,
        "product_code": product,
        "quantity": order.quantity,
        "as_of": now,
        "stored": c.stored,
        "currency": rates.currency,
        "material_priced": product not in rates.unpriced,
        "model": model_out(row, learned),
        "completion": {
            "model": fc.finish,
            "model_low": c.low,
            "model_high": c.high,
            "plan": max(planned_ends) if planned_ends else None,
            "product_mean": max(now, first + timedelta(seconds=flow)) if flow else None,
        },
        "scrap": _trio(model.scrap, so_far_scrap, mean_scrap) | {"so_far": so_far_scrap},
        "rework": _trio(model.rework, so_far_rework, mean_rework) | {"so_far": so_far_rework},
        "cost": {
            "model": rounded(order_cost(product, order.quantity, model_work, rates)),
            "plan": rounded(order_cost(product, order.quantity, plan_work, rates)),
            "product_mean": rounded(order_cost(product, order.quantity, mean_work, rates)),
        },
    }
