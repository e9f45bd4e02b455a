"""What a plan is predicted to cost, scrap and finish: the scenario comparison's figures.

Each planned operation takes its planned (ideal) work at the rates learned from the
floor (the delivery ETA's ``RateModel``) plus its setup; an order's predicted finish is
its planned finish pushed back by the extra time of its own operations (wall-clock, in
sequence; the queue this causes behind it on the same line is not propagated). Scrap
and rework come from the trained model at the line the plan chose, the cost from the
factory's rates: the cost still to spend on what the plan covers (material for the
units still to start at the first stage).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from linewise.analytics.costing import ZERO, Cost, CostRates, StageWork, order_cost, rounded
from linewise.analytics.delivery import RateModel
from linewise.analytics.yields import StageYield, predict
from linewise.domains.delivery import costs, service, training
from linewise.domains.planning.models import PlannedOperation
from linewise.domains.planning.problem import Problem
from linewise.domains.production.models import Product, RoutingStep, RoutingStepLine


@dataclass(frozen=True)
class Inputs:
    """What the outlook of any plan reads, loaded once for a comparison of two."""

    rates: RateModel
    learned: training.Learned
    prices: CostRates
    cycles: dict[tuple[str, int, int], float]  # (product, seq, line id) → ideal s/unit


def load(db: Session, now: datetime) -> Inputs:
    rows = db.execute(
        select(Product.code, RoutingStep.seq, RoutingStepLine.line_id, RoutingStepLine.cycle_time_s)
        .join(RoutingStep, RoutingStep.product_id == Product.id)
        .join(RoutingStepLine, RoutingStepLine.step_id == RoutingStep.id)
    ).all()
    learned, _row = training.current(db, now)
    return Inputs(
        rates=service.load(db, now).rates,
        learned=learned,
        prices=costs.rates(db),
        cycles={(p, s, ln): float(c) for p, s, ln, c in rows},
    )


def outlook(inputs: Inputs, problem: Problem, rows: Sequence[PlannedOperation]) -> dict[str, Any]:
    durations = {
        (j.id, i): {m.resource: m.duration for m in op.modes}
        for j in problem.instance.jobs
        for i, op in enumerate(j.operations)
    }
    resource_of = {line.id: rid for rid, line in problem.lines.items()}
    by_order: dict[str, list[PlannedOperation]] = defaultdict(list)
    for r in rows:
        by_order[r.order_number].append(r)
    total = ZERO
    scrap = rework = 0.0
    finish: datetime | None = None
    late = 0
    for ops in by_order.values():
        ops.sort(key=lambda r: r.seq)
        product = ops[0].product_code
        extra = 0.0
        works: list[tuple[str, float, float | None]] = []
        for r in ops:
            planned = durations.get((r.job_key, r.op_index), {}).get(resource_of.get(r.line_id, ""))
            ideal = float(planned) if planned is not None else (r.end - r.start).total_seconds()
            line = str(r.line_id)
            work = ideal * inputs.rates.factor(product, line) + r.setup_s
            extra += work - ideal - r.setup_s
            cycle = inputs.cycles.get((product, r.seq, r.line_id))
            works.append((line, work, ideal / cycle if cycle else None))
        end = max(r.end for r in ops) + timedelta(seconds=max(0.0, extra))
        due = ops[0].due_date
        late += 1 if due is not None and end > due else 0
        finish = end if finish is None else max(finish, end)
        first_units = works[0][2] or 0.0
        stages = [StageYield(line, units) for line, _w, units in works]
        y = predict(product, round(first_units), stages, inputs.learned.yields)
        scrap += y.scrap
        rework += y.rework
        started = first_units if ops[0].seq == 1 else 0.0  # material goes on at stage 1
        c = order_cost(
            product,
            started,
            [StageWork(ln, w, y.stage_units[i], y.stage_scrap[i]) for i, (ln, w, _u) in
             enumerate(works)],
            inputs.prices,
        )  # fmt: skip
        total = Cost(
            total.labour + c.labour,
            total.machine + c.machine,
            total.material + c.material,
            total.scrap + c.scrap,
        )
    return {
        "finish": finish,
        "late_orders": late,
        "scrap_units": round(scrap, 1),
        "rework_units": round(rework, 1),
        "cost": rounded(total),
    }
