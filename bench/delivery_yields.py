"""Completion, scrap and rework predictions against both baselines (``bench/delivery.py``).

Fed by the delivery bench's replay: at every prediction time ``t`` the models learn
from the orders finished by then (nothing from the future) and predict each open
order; per order the prediction kept for "before it runs" is the last one made before
its first stage started, for "while it runs" the first one made after. Held out: the
orders predicted after the warm-up (so that there is history to learn from) that the
run finished, without progress from before the run. Ground truth: the simulator's
finish time, scrapped and reworked units of each order.

Completion: the delivery ETA (``analytics/delivery.py``); the plan's finish (the
bench's static plan); the historical mean by product (first start, or the moment of
prediction, plus the product's mean time from first start to finish). Scrap and rework:
the trained model (``analytics/yields.py``); the plan (none); the product mean.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from linewise.analytics.delivery import OrderForecast
from linewise.analytics.yields import (
    ProductMean,
    StageYield,
    YieldModel,
    YieldSample,
    predict,
    predict_mean,
)
from linewise.simulation.ground_truth import OperationTruth
from linewise.simulation.spec import FactorySpec

PHASES = ("before", "while")
SOURCES = ("model", "plan", "product_mean")


@dataclass(frozen=True)
class Record:
    t: datetime
    completion: dict[str, datetime]
    scrap: dict[str, float]
    rework: dict[str, float]


class PredictionBench:
    def __init__(
        self,
        spec: FactorySpec,
        ops: dict[tuple[str, int], OperationTruth],
        finish: dict[str, datetime],
        plan_finish: dict[str, datetime],
        warmup_until: datetime,
    ) -> None:
        self.products = {p.code: p for p in spec.products}
        self.orders = {o.number: o for o in spec.orders}
        self.ops = ops
        self.finish = finish
        self.plan_finish = plan_finish
        self.warmup_until = warmup_until
        # orders the run made from scratch (no progress before it): the only ones whose
        # scrap and rework the truth knows in full
        self.clean = {o.number for o in spec.orders if not o.progress}
        self.steps = {
            o.number: [s.seq for s in self.products[o.product].steps] for o in spec.orders
        }
        self.first_start: dict[str, datetime] = {}
        for (number, _seq), op in ops.items():
            if op.start is not None:
                have = self.first_start.get(number)
                self.first_start[number] = op.start if have is None else min(have, op.start)
        self.done_order = sorted(
            (f, o) for o, f in finish.items() if o in self.clean and o in self.first_start
        )
        self.learned_upto = 0
        self.samples: list[YieldSample] = []
        self.flows: dict[str, list[float]] = defaultdict(list)
        self.rejected: dict[tuple[str, int], int] = defaultdict(int)
        self.reworked: dict[tuple[str, int], int] = defaultdict(int)
        self.records: dict[str, dict[str, Record]] = {p: {} for p in PHASES}

    def count(self, ev: dict[str, Any]) -> None:
        key = (ev["order"], ev["operation"])
        self.rejected[key] += int(ev.get("reject", 0))
        self.reworked[key] += int(ev.get("rework", 0))

    def _learn(self, t: datetime) -> tuple[YieldModel, ProductMean, float]:
        while (
            self.learned_upto < len(self.done_order) and self.done_order[self.learned_upto][0] <= t
        ):
            f, number = self.done_order[self.learned_upto]
            self.learned_upto += 1
            order = self.orders[number]
            for seq in self.steps[number]:
                op = self.ops.get((number, seq))
                if op is not None:
                    units = op.good + op.reject
                    self.samples.append(
                        YieldSample(number, order.product, op.line, units, op.reject, op.rework)
                    )
            self.flows[order.product].append((f - self.first_start[number]).total_seconds())
        quantity = {o: self.orders[o].quantity for _f, o in self.done_order[: self.learned_upto]}
        every = [x for xs in self.flows.values() for x in xs]
        return (
            YieldModel.learn(self.samples),
            ProductMean.learn(self.samples, quantity),
            statistics.mean(every) if every else 0.0,
        )

    def step(
        self,
        t: datetime,
        forecasts: dict[str, OrderForecast],
        counted: dict[tuple[str, int], int],
    ) -> None:
        """``counted``: units through each running stage so far (scrap at any station and
        good off its last one), as the bench's replay counts them."""
        model, mean, overall_flow = self._learn(t)
        for number, fc in forecasts.items():
            if number not in self.clean:
                continue
            order = self.orders[number]
            start = self.first_start.get(number)
            started = start is not None and start <= t
            phase = "while" if started else "before"
            if phase == "while" and number in self.records["while"]:
                continue
            lines = {s.seq: s.line for s in fc.stages}
            stages = []
            for seq in self.steps[number]:
                op = self.ops.get((number, seq))
                key = (number, seq)
                if op is not None and op.end is not None and op.end <= t:
                    stages.append(StageYield(op.line, None, op.good + op.reject, op.reject,
                                             op.rework, finished=True))  # fmt: skip
                elif op is not None and op.start is not None and op.start <= t:
                    stages.append(StageYield(op.line, None, counted.get(key, 0), self.rejected[key],
                                             self.reworked[key]))  # fmt: skip
                else:
                    stages.append(StageYield(lines.get(seq), None))
            y = predict(order.product, order.quantity, stages, model)
            ms, mr = predict_mean(order.product, order.quantity, stages, mean)
            flows = self.flows.get(order.product)
            flow = statistics.mean(flows) if flows else overall_flow
            anchor = start if started and start is not None else max(t, order.release)
            counted_scrap = float(sum(s.scrap for s in stages))
            counted_rework = float(sum(s.rework for s in stages))
            self.records[phase][number] = Record(
                t,
                {"model": fc.finish, "plan": max(self.plan_finish[number], t),
                 "product_mean": max(t, anchor + timedelta(seconds=flow))},
                {"model": y.scrap, "plan": counted_scrap, "product_mean": ms},
                {"model": y.rework, "plan": counted_rework, "product_mean": mr},
            )  # fmt: skip

    def metrics(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for phase in PHASES:
            err: dict[str, dict[str, list[float]]] = {
                k: defaultdict(list) for k in ("completion_h", "scrap", "rework")
            }
            n = 0
            for number, r in self.records[phase].items():
                if r.t < self.warmup_until or number not in self.finish:
                    continue
                n += 1
                ops = [self.ops.get((number, s)) for s in self.steps[number]]
                scrap = sum(op.reject for op in ops if op is not None)
                rework = sum(op.rework for op in ops if op is not None)
                actual = self.finish[number]
                for src in SOURCES:
                    err["completion_h"][src].append(
                        abs((r.completion[src] - actual).total_seconds()) / 3600
                    )
                    err["scrap"][src].append(abs(r.scrap[src] - scrap))
                    err["rework"][src].append(abs(r.rework[src] - rework))
            out[phase] = {"orders": n} | {
                f"{k}_{stat}": {src: round(fn(v[src]), 3) if v[src] else None for src in SOURCES}
                for k, v in err.items()
                for stat, fn in (("mae", statistics.mean), ("mdae", statistics.median))
            }
        out["truth"] = {
            "mean_scrap_per_order": round(
                statistics.mean(
                    sum(op.reject for s in self.steps[o] if (op := self.ops.get((o, s)))) for o
                    in self.finish if o in self.clean
                ), 2),
            "mean_rework_per_order": round(
                statistics.mean(
                    sum(op.rework for s in self.steps[o] if (op := self.ops.get((o, s)))) for o
                    in self.finish if o in self.clean
                ), 2),
        }  # fmt: skip
        return out


def report(m: dict[str, Any]) -> None:
    print("\ncompletion, scrap and rework per held-out order, against both baselines:")
    print("| figure | orders | model | plan | product mean |")
    print("|---|---|---|---|---|")
    names = {
        "completion_h_mdae": "completion, median abs. error (h)",
        "completion_h_mae": "completion, mean abs. error (h)",
        "scrap_mae": "scrap, mean abs. error (units)",
        "rework_mae": "rework, mean abs. error (units)",
    }
    for phase in PHASES:
        p = m[phase]
        for key, name in names.items():
            v = p[key]
            print(f"| {name}, {phase} it runs | {p['orders']} | {_f(v['model'])} | "
                  f"{_f(v['plan'])} | {_f(v['product_mean'])} |")  # fmt: skip
    print(f"truth: {m['truth']}")


def _f(v: float | None) -> str:
    return "—" if v is None else f"{v:.2f}"
