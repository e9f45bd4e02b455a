#!/usr/bin/env python
"""Delivery analytics against the simulator's ground truth.

The demo factory (``build_factory``; 2,000 orders on 30 lines by default, quantities
scaled as in ``bench/factory.py`` so that the bottleneck line type is loaded to 85 % over
two weeks) runs in the simulator for three weeks (breakdowns, scrap, rework, minor
stops). Every ``--every`` hours the run stops and the delivery engine
(``linewise.analytics.delivery``) predicts every open order from what the floor knows
at that moment: stages started and finished, units counted so far, the plan, the rates
learned from the stages already finished, and a conformal calibration on the earlier
predictions of orders finished by then (nothing from the future). At the end the ground
truth says when each order really finished.

The plan is the bench's own: an earliest-due-date list schedule at ideal cycle times
made at the start (each stage on the eligible line free first) — the "plan finish"
baseline is its finish, never updated. The simulator dispatches by itself (earliest due
date, same-family preference), so the plan is a forecast, not an instruction; the engine
forecasts with that dispatch rule (``--dispatch due_date``, the family preference of the
simulated floor) and each stage's setup family, and the engine as it was before them
(plan order, a setup before every stage) is measured beside it in the same run.

Reported, each beside its baseline measured in the same run:
- ETA: median absolute error as a share of the remaining time; the plan finish as
  baseline;
- 80 % interval: coverage and median width (share of the remaining time);
- late risk: Brier score (baseline: the plan's verdict, 0 or 1), share of late orders
  flagged (p ≥ ``LATE_FLAG_P``) at least 24 h before their due date, false-alarm share
  (flagged orders that finished on time, of all flagged), and both by threshold;
- bottleneck: agreement of the active-period bottleneck line computed from the event
  stream with the one computed from the simulator's true state intervals, per week, day
  and shift; beside it the planned bottleneck (highest plan utilization);
- completion, scrap and rework per held-out order before and while it runs, against the
  plan and the historical mean by product (``bench/delivery_yields.py``).

Results go to ``bench/results/delivery.json`` (``--seed 1``, the scored run) or
``delivery_seed<N>.json``: another seed draws other orders and another simulated floor,
on which the flag threshold ``LATE_FLAG_P`` is chosen (not on the scored run).

Usage: bench/delivery.py [--quick] [--orders 2000] [--days 21] [--every 4]
"""

from __future__ import annotations

import argparse
import json
import pickle
import statistics
import sys
import time
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "src"), str(REPO)]

from bench.delivery_yields import PredictionBench  # noqa: E402
from bench.delivery_yields import report as report_predictions  # noqa: E402
from linewise.analytics import bottleneck as bn  # noqa: E402
from linewise.analytics.delivery import (  # noqa: E402
    INTERVAL_MISS_RATE,
    LATE_FLAG_P,
    Calibration,
    OrderIn,
    RateModel,
    RateSample,
    Residual,
    StageIn,
    WindowCalendar,
    forecast,
)
from linewise.demo.factory import build_factory  # noqa: E402
from linewise.simulation import SimParams, Simulation  # noqa: E402
from linewise.simulation.calendar import WORK, ShiftTimeline  # noqa: E402
from linewise.simulation.ground_truth import OperationTruth  # noqa: E402
from linewise.simulation.spec import FactorySpec, OrderSpec  # noqa: E402
from linewise.simulation.timefmt import from_ms, parse_iso, to_ms  # noqa: E402

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # a Monday morning
UTILISATION = 1.0
HORIZON = timedelta(days=14)
RESULTS = REPO / "bench" / "results"
SITE = "site"  # the site's working time: residuals and intervals are measured in it
PARAMS = SimParams(telemetry_interval_s=1e9)  # no telemetry: it changes nothing here


def sized_factory(orders: int, utilisation: float, seed: int = 1) -> FactorySpec:
    """Seed 1 is the scored run (the factory's default order seed, 7); another seed draws
    other orders (products, quantities, due dates) as well as another simulated floor."""
    from bench.factory import bottleneck_load, line_groups_for

    groups = line_groups_for(orders)
    factory_seed = 7 + seed - 1
    unscaled = build_factory(NOW, line_groups=groups, orders=orders, seed=factory_seed)
    scale = utilisation / bottleneck_load(unscaled, NOW, HORIZON)
    return build_factory(
        NOW, line_groups=groups, orders=orders, quantity_scale=scale, seed=factory_seed
    )


@dataclass
class Planned:
    line: str
    start: datetime
    end: datetime


def plan(spec: FactorySpec, cal: WindowCalendar) -> dict[tuple[str, int], Planned]:
    """EDD list schedule at ideal cycle times: each stage on the eligible line free first."""
    products = {p.code: p for p in spec.products}
    free: dict[str, datetime] = {ln.code: NOW for ln in spec.lines}
    out: dict[tuple[str, int], Planned] = {}
    for order in sorted(spec.orders, key=lambda o: (o.due, o.number)):
        ready = max(NOW, order.release) if order.status == "planned" else NOW
        for step in products[order.product].steps:
            prog = order.progress.get(step.seq)
            if prog is not None and prog.status == "completed":
                continue
            lines = [prog.line] if prog is not None and prog.line else list(step.cycle_time_s)
            best: Planned | None = None
            for line in lines:
                start = max(ready, free[line])
                done = prog.good + prog.scrap if prog is not None else 0
                work = max(0, order.quantity - done) * step.cycle_time_s[line] + step.setup_time_s
                end = cal.advance(line, start, work)
                if best is None or end < best.end:
                    best = Planned(line, start, end)
            assert best is not None
            out[order.number, step.seq] = best
            free[best.line] = best.end
            ready = best.end
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--orders", type=int, default=2000)
    ap.add_argument("--days", type=int, default=21)
    ap.add_argument("--every", type=float, default=4.0, help="hours between predictions")
    ap.add_argument("--load", type=float, default=UTILISATION, help="bottleneck load")
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--recent-days", type=float, default=0, help="calibrate on the last N days")
    ap.add_argument("--timing", action="store_true", help="only time the reads on SQLite")
    ap.add_argument("--seed", type=int, default=1, help="1: the scored run; others: tuning")
    ap.add_argument(
        "--dump", action="store_true",
        help="also write every prediction's remaining and slack time (bench/delivery_risk.py)",
    )  # fmt: skip
    ap.add_argument(
        "--dump-inputs", action="store_true",
        help="write the engine's inputs at every prediction time (bench/delivery_dispatch.py)"
        " and skip the yields and bottleneck figures",
    )  # fmt: skip
    ap.add_argument(
        "--dispatch", choices=("due_date", "plan"), default="due_date",
        help="the forecast's queue model (the simulated floor dispatches by due date)",
    )  # fmt: skip
    ap.add_argument(
        "--family-preference-h", type=float, default=PARAMS.family_preference_h,
        help="with due-date dispatch: how far a stage of the line's setup family may jump"
        " ahead (default: the simulated floor's own rule)",
    )  # fmt: skip
    args = ap.parse_args()
    if args.quick:
        args.orders, args.days, args.every = 200, 21, 6.0
    started = time.monotonic()
    spec = sized_factory(args.orders, args.load, args.seed)
    if args.timing:
        timing(spec)
        return
    end = NOW + timedelta(days=args.days)
    products = {p.code: p for p in spec.products}
    timeline = ShiftTimeline(spec.timezone, spec.shifts, spec.holidays, to_ms(NOW), to_ms(end))
    windows = [(from_ms(s.start), from_ms(s.end)) for s in timeline.segments if s.kind == WORK]
    cal = WindowCalendar({SITE: windows} | {ln.code: windows for ln in spec.lines})
    planned = plan(spec, cal)
    plan_finish = {
        o.number: max((p.end for (n, _), p in planned.items() if n == o.number), default=NOW)
        for o in spec.orders
    }
    line_of = {m.code: ln.code for ln in spec.lines for m in ln.machines}
    last_machine = {ln.code: max(ln.machines, key=lambda m: m.position).code for ln in spec.lines}

    # first pass: the whole run, for the truth (the simulator is deterministic per seed,
    # the second pass replays the same run slice by slice)
    truth = Simulation(spec, NOW, end - NOW, seed=args.seed, params=PARAMS).ground_truth()
    ops: dict[tuple[str, int], OperationTruth] = {
        (o.order, o.operation): o for o in truth.operations
    }
    finish: dict[str, datetime] = {}
    for order in spec.orders:
        steps = products[order.product].steps
        last = ops.get((order.number, steps[-1].seq))
        if last is not None and last.end is not None:
            finish[order.number] = last.end
        elif all((order.progress.get(s.seq) or _NONE).status == "completed" for s in steps):
            finish[order.number] = NOW
    floor = LineHistory(ops)
    sim_s = time.monotonic() - started

    recent = timedelta(days=args.recent_days) if args.recent_days else None
    sim = Simulation(spec, NOW, end - NOW, seed=args.seed, params=PARAMS)
    counted: dict[tuple[str, int], int] = defaultdict(int)
    states: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
    snapshots: list[dict[str, Any]] = []
    history: list[tuple[datetime, str, float]] = []  # (made at, order, predicted remaining s)
    # completion, scrap and rework against both baselines, on orders predicted after two
    # days of history
    yields = PredictionBench(spec, ops, finish, plan_finish, NOW + timedelta(days=2))
    # (made at, order, product, predicted remaining s, slack to due s, stages open)
    replay: list[tuple[datetime, str, str, float, float, int]] = []
    inputs: list[tuple[datetime, list[OrderIn], RateModel]] = []  # --dump-inputs
    # the engine before due-date dispatch and setup families (plan order, a setup before
    # every stage), measured beside it on the same floor: its own history and calibration
    before: list[dict[str, Any]] = []
    before_history: list[tuple[datetime, str, float]] = []
    t = NOW
    step = timedelta(hours=args.every)
    while t + step < end:
        t += step
        for ev in sim.run_until(t):
            if ev["type"] == "count":
                key = (ev["order"], ev["operation"])
                counted[key] += ev["reject"]
                yields.count(ev)
                if ev["machine"] == last_machine[line_of[ev["machine"]]]:
                    counted[key] += ev["good"]
            elif ev["type"] == "state":
                states[ev["machine"]].append((parse_iso(ev["ts"]), ev["state"]))
        orders_in, samples, legacy = known_at(spec, t, ops, counted, planned, cal, floor)
        rates = RateModel.learn(samples)

        def calibration(
            history: list[tuple[datetime, str, float]], alpha: float, t: datetime = t
        ) -> Calibration:
            return Calibration(
                (
                    Residual(pred, cal.working_seconds(SITE, made, finish[o]))
                    for made, o, pred in history
                    if o in finish and finish[o] <= t and (recent is None or made >= t - recent)
                ),
                alpha,
            )

        calib = calibration(history, INTERVAL_MISS_RATE[args.dispatch])
        if args.dump_inputs:
            inputs.append((t, orders_in, RateModel.learn(legacy)))
            continue
        fc = forecast(orders_in, t, rates, cal, args.dispatch, floor.family_at(t),
                      args.family_preference_h * 3600)  # fmt: skip
        plain = [replace(o, stages=tuple(replace(st, family=None) for st in o.stages))
                 for o in orders_in]  # fmt: skip
        fc_before = forecast(plain, t, RateModel.learn(legacy), cal)
        calib_before = calibration(before_history, INTERVAL_MISS_RATE["plan"])
        for oin in orders_in:
            f = fc_before[oin.key].finish
            est = calib_before.estimate(t, f, oin.due, cal, SITE)
            before_history.append((t, oin.key, cal.working_seconds(SITE, t, f)))
            before.append({"t": t, "order": oin.key, "due": oin.due, "eta": f, "low": est.low,
                           "high": est.high, "p_late": est.p_late,
                           "calibrated": est.calibrated,
                           "plan": max(plan_finish[oin.key], t)})  # fmt: skip
        yields.step(t, fc, counted)
        for oin in orders_in:
            f = fc[oin.key].finish
            est = calib.estimate(t, f, oin.due, cal, SITE)
            history.append((t, oin.key, cal.working_seconds(SITE, t, f)))
            if args.dump:
                slack = cal.working_seconds(SITE, t, oin.due) if oin.due > t else -1.0
                stages_open = sum(1 for st in oin.stages if st.status != "completed")
                replay.append((t, oin.key, oin.product, history[-1][2], slack, stages_open))
            snapshots.append(
                {
                    "t": t,
                    "order": oin.key,
                    "due": oin.due,
                    "eta": f,
                    "low": est.low,
                    "high": est.high,
                    "p_late": est.p_late,
                    "calibrated": est.calibrated,
                    "plan": max(plan_finish[oin.key], t),
                }
            )
    sim.ground_truth()
    due_of = {o.number: o.due for o in spec.orders}
    if args.dump_inputs:
        RESULTS.mkdir(parents=True, exist_ok=True)
        payload = {"spec": spec, "calendar": cal, "site": SITE, "finish": finish,
                   "due": due_of, "inputs": inputs, "states": dict(states),
                   "line_of": line_of, "ops": ops}  # fmt: skip
        with (RESULTS / f"delivery_inputs_seed{args.seed}.pickle").open("wb") as fh:
            pickle.dump(payload, fh, protocol=pickle.HIGHEST_PROTOCOL)
        print(
            f"inputs of {len(inputs)} prediction times written; {time.monotonic() - started:.0f} s"
        )
        return
    results = {
        "orders": len(spec.orders),
        "lines": len(spec.lines),
        "days": args.days,
        "every_h": args.every,
        "finished": len(finish),
        "snapshots": len(snapshots),
        "eta": eta_metrics(snapshots, finish),
        "risk": risk_metrics(snapshots, finish, spec.orders),
        "dispatch": args.dispatch,
        "family_preference_h": args.family_preference_h,
        "before": {
            "eta": eta_metrics(before, finish),
            "risk": risk_metrics(before, finish, spec.orders),
        },
        "bottleneck": bottleneck_metrics(spec, truth, states, planned, cal, end),
        "predictions": yields.metrics(),
        "simulate_s": round(sim_s, 1),
        "wall_s": round(time.monotonic() - started, 1),
    }
    report(results)
    report_predictions(results["predictions"])
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = "delivery.json" if args.seed == 1 else f"delivery_seed{args.seed}.json"
    (RESULTS / name).write_text(json.dumps(results, indent=1), encoding="utf-8")
    if args.dump:
        # the actual remaining working time of each prediction, once its order finished
        actual = finish
        rows = [
            {
                "t": made.isoformat(), "order": o, "product": product, "pred_s": pred,
                "slack_s": slack, "stages_open": n_open,
                "actual_s": cal.working_seconds(SITE, made, actual[o]) if o in actual else None,
                "finish": actual[o].isoformat() if o in actual else None,
                "due": due_of[o].isoformat(),
            }
            for made, o, product, pred, slack, n_open in replay
        ]  # fmt: skip
        dump = RESULTS / f"delivery_replay_seed{args.seed}.json"
        dump.write_text(json.dumps(rows), encoding="utf-8")


@dataclass(frozen=True)
class _NoProgress:
    status: str = "pending"
    good: int = 0
    scrap: int = 0
    line: str | None = None


_NONE = _NoProgress()


def known_at(
    spec: FactorySpec,
    t: datetime,
    ops: dict[tuple[str, int], OperationTruth],
    counted: dict[tuple[str, int], int],
    planned: dict[tuple[str, int], Planned],
    cal: WindowCalendar,
    floor: LineHistory,
) -> tuple[list[OrderIn], list[RateSample], list[RateSample]]:
    """What the floor knows at ``t``: open orders as the engine's input, finished stages
    as rate samples (with the setup taken out where one happened; and, for the engine
    before setup families, taken out of every stage)."""
    products = {p.code: p for p in spec.products}
    out: list[OrderIn] = []
    samples: list[RateSample] = []
    legacy: list[RateSample] = []
    for order in spec.orders:
        product = products[order.product]
        stages: list[StageIn] = []
        upstream = order.quantity
        open_ = False
        for step in product.steps:
            key = (order.number, step.seq)
            prog = order.progress.get(step.seq) or _NONE
            op = ops.get(key)
            before = prog.good + prog.scrap
            if prog.status == "completed":
                stages.append(StageIn(step.seq, prog.line, upstream, upstream, 0.0,
                                      "completed", completed_at=NOW))  # fmt: skip
                upstream = prog.good
                continue
            p = planned.get(key)
            started = op is not None and op.start is not None and op.start <= t
            done = op is not None and op.end is not None and op.end <= t
            line = op.line if started and op is not None else (p.line if p else None)
            ideal = step.cycle_time_s.get(line, min(step.cycle_time_s.values())) if line else (
                min(step.cycle_time_s.values()))  # fmt: skip
            if done and op is not None and op.start is not None and op.end is not None:
                units = op.good + op.reject
                stages.append(StageIn(step.seq, line, units + before, units + before, ideal,
                                      "completed", started_at=op.start, completed_at=op.end,
                                      planned_start=p.start if p else None,
                                      planned_end=p.end if p else None))  # fmt: skip
                if line is not None and units > 0:
                    spent = cal.working_seconds(line, op.start, op.end)
                    setup = step.setup_time_s if key in floor.changeovers else 0.0
                    run, run_legacy = max(spent - setup, 1.0), max(spent - step.setup_time_s, 1.0)
                    samples.append(RateSample(order.product, line, units, run, ideal))
                    legacy.append(RateSample(order.product, line, units, run_legacy, ideal))
                upstream = op.good + prog.good
                continue
            open_ = True
            stages.append(
                StageIn(
                    step.seq,
                    line,
                    upstream,
                    before + counted.get(key, 0),
                    ideal,
                    "in_progress" if started or prog.status == "in_progress" else "pending",
                    setup_s=step.setup_time_s,
                    started_at=op.start if started and op is not None else None,
                    planned_start=p.start if p else None,
                    planned_end=p.end if p else None,
                    options=() if started else tuple(step.cycle_time_s.items()),
                    family=step.setup_family,
                )
            )
        if open_:
            release = order.release if order.status == "planned" else None
            out.append(OrderIn(order.number, order.product, order.due, tuple(stages), release))
    return out, samples, legacy


class LineHistory:
    """What ran on each line, as the floor records it: the stages that followed another
    setup family on their line (or the first there: they paid a setup), and the family
    each line ran last at a time."""

    def __init__(self, ops: dict[tuple[str, int], OperationTruth]) -> None:
        by_line: dict[str, list[OperationTruth]] = defaultdict(list)
        for op in ops.values():
            if op.start is not None:
                by_line[op.line].append(op)
        self.changeovers: set[tuple[str, int]] = set()
        self._starts: dict[str, list[datetime]] = {}
        self._families: dict[str, list[str]] = {}
        for line, line_ops in by_line.items():
            line_ops.sort(key=lambda o: o.start or NOW)
            previous: str | None = None
            for op in line_ops:
                if op.family != previous:
                    self.changeovers.add((op.order, op.operation))
                previous = op.family
            self._starts[line] = [o.start or NOW for o in line_ops]
            self._families[line] = [o.family for o in line_ops]

    def family_at(self, t: datetime) -> dict[str, str]:
        out: dict[str, str] = {}
        for line, starts in self._starts.items():
            i = bisect_right(starts, t) - 1
            if i >= 0:
                out[line] = self._families[line][i]
        return out


def timing(spec: FactorySpec) -> None:
    """Wall time of one delivery read (every open order forecast) on SQLite, beside the
    Orders list's plan-based lateness of the same orders."""
    import tempfile

    from linewise.core.db import make_engine, make_session_factory
    from linewise.core.migrate import upgrade
    from linewise.demo.load import load_factory
    from linewise.domains.delivery import service
    from linewise.domains.production import lateness

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        upgrade(url)
        engine = make_engine(url)
        factory = make_session_factory(engine)
        with factory() as db:
            load_factory(db, spec, with_users=False)
            db.commit()
        with factory() as db:
            t0 = time.monotonic()
            ctx = service.load(db, NOW)
            est = service.estimates(ctx)
            t1 = time.monotonic()
            lateness.of_orders(db, ctx.orders, NOW)
            t2 = time.monotonic()
        # The prediction panel and the assistant's answers before any refresh ran: they
        # forecast every open order for the read (as they all did before the stored run).
        riskiest = est[0].order
        before = read_panels(factory, riskiest.id, riskiest.number)
        # The stored estimates: what the refresh job writes, then what reads cost.
        with factory() as db:
            t3 = time.monotonic()
            service.refresh(db, NOW)
            db.commit()
            t4 = time.monotonic()
        with factory() as db:
            t5 = time.monotonic()
            stored = service.stored_orders(db, NOW, 5000)
            t6 = time.monotonic()
            page = orders_page(db, NOW, None)
            t7 = time.monotonic()
            orders_page(db, NOW, True)
            t8 = time.monotonic()
        # The order page's panel and the lateness attribution (the route's default window):
        # forecast per read, as they did, and from the stored run.
        assert stored is not None
        one = int(stored["items"][0]["order_id"])
        a, b = NOW - timedelta(days=7), NOW + timedelta(days=7)
        with factory() as db:
            p0 = time.monotonic()
            ctx = service.load(db, NOW)
            found = next(e for e in service.estimates(ctx) if e.order.id == one)
            service.stage_rows(ctx, found)
            p1 = time.monotonic()
            ctx = service.load(db, NOW)
            blame = service.attribution(db, ctx.orders, ctx.forecasts, ctx.lines, a, b)
            p2 = time.monotonic()
        with factory() as db:
            p3 = time.monotonic()
            panel = service.stored_order(db, one, NOW)
            p4 = time.monotonic()
            blame_stored = service.attribution_at(db, NOW, a, b)
            p5 = time.monotonic()
        assert panel is not None and blame_stored["late_orders"] == blame["late_orders"]
        after = read_panels(factory, riskiest.id, riskiest.number)
        engine.dispose()
    assert len(stored["items"]) == len(est)
    out = {"orders": len(est), "delivery_read_s": round(t1 - t0, 2),
           "plan_lateness_read_s": round(t2 - t1, 2), "refresh_job_s": round(t4 - t3, 2),
           "stored_delivery_read_s": round(t6 - t5, 3),
           "orders_page_by_risk_s": round(t7 - t6, 3),
           "orders_page_late_by_risk_s": round(t8 - t7, 3), "riskiest": page,
           "order_panel_computed_s": round(p1 - p0, 3), "order_panel_stored_s": round(p4 - p3, 3),
           "attribution_computed_s": round(p2 - p1, 3),
           "attribution_stored_s": round(p5 - p4, 3),
           "attribution_late_orders": blame["late_orders"]}  # fmt: skip
    for name in before:
        out[f"{name}_computed_s"], out[f"{name}_stored_s"] = before[name], after[name]
    print(json.dumps(out))
    print("| read | forecast per read (s) | stored run (s) |\n|---|---|---|")
    for name in before:
        print(f"| {name} | {before[name]:.3f} | {after[name]:.3f} |")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "delivery_timing.json").write_text(json.dumps(out), encoding="utf-8")


def read_panels(factory: Any, order_id: int, number: str) -> dict[str, float]:
    """Seconds of the order's prediction panel and of the assistant's two delivery answers,
    each in a fresh session; which path they take (the stored run or a forecast for the
    read) is theirs to choose, and each answer says it (``stored``)."""
    from linewise.api.deps import Principal
    from linewise.assistant.toolbox.delivery import RiskParams, order_delivery, orders_at_risk
    from linewise.assistant.toolbox.orders import OrderParams
    from linewise.assistant.tools import ToolContext
    from linewise.core.security import Role
    from linewise.domains.delivery import predictions

    who = Principal("user", "bench", Role.ADMIN)
    reads: dict[str, Any] = {
        "prediction_panel": lambda db: predictions.order_prediction(db, order_id, NOW),
        "assistant_orders_at_risk": lambda db: (
            orders_at_risk(ToolContext(db, who, NOW), RiskParams()).facts
        ),
        "assistant_order_delivery": lambda db: (
            order_delivery(ToolContext(db, who, NOW), OrderParams(number=number)).facts
        ),
    }
    out: dict[str, float] = {}
    for name, read in reads.items():
        with factory() as db:
            t = time.monotonic()
            body = read(db)
            out[name] = round(time.monotonic() - t, 3)
        print(f"{name}: {out[name]} s, stored={body['stored']}", file=sys.stderr)
    return out


def orders_page(db: Any, now: datetime, late: bool | None) -> str | None:
    """One page of the Orders list sorted by late risk, as ``GET /orders`` reads it (the
    filter, the sort, the page, the verdicts with the stored ETAs); its first order."""
    from linewise.core.query import ListParams, apply_sort, paginate
    from linewise.domains.production import lateness
    from linewise.domains.production import repository as repo
    from linewise.domains.production.models import ProductionOrder

    stmt = repo.order_query(
        statuses=None, q=None, due_before=None, due_after=None, late=late, product_id=None,
        customer_order_id=None, now=now,
    )  # fmt: skip
    stmt = apply_sort(stmt, "-late_risk", repo.order_sortable(now), [ProductionOrder.id])
    page = paginate(db, stmt, ListParams(limit=25))
    verdicts = lateness.of_orders(db, page.items, now)
    if not page.items:
        return None
    first = page.items[0]
    assert verdicts[first.id].live is not None
    return str(first.number)


def _median(xs: list[float]) -> float | None:
    return round(statistics.median(xs), 4) if xs else None


def eta_metrics(snaps: list[dict[str, Any]], finish: dict[str, datetime]) -> dict[str, Any]:
    err, base, width, covered, n_cal = [], [], [], 0, 0
    signed: list[float] = []
    for s in snaps:
        if s["order"] not in finish:
            continue
        actual = finish[s["order"]]
        remaining = (actual - s["t"]).total_seconds()
        if remaining <= 0:
            continue
        err.append(abs((s["eta"] - actual).total_seconds()) / remaining)
        signed.append((s["eta"] - actual).total_seconds() / remaining)
        base.append(abs((s["plan"] - actual).total_seconds()) / remaining)
        if s["calibrated"]:
            n_cal += 1
            covered += s["low"] <= actual <= s["high"]
            width.append((s["high"] - s["low"]).total_seconds() / remaining)
    mdae, mdae_plan = _median(err), _median(base)
    return {
        "predictions": len(err),
        "mdae_share": mdae,
        "median_signed_share": _median(signed),
        "plan_mdae_share": mdae_plan,
        "ratio_to_plan": round(mdae / mdae_plan, 3) if mdae and mdae_plan else None,
        "calibrated_predictions": n_cal,
        "coverage_80": round(covered / n_cal, 4) if n_cal else None,
        "median_width_share": _median(width),
    }


def risk_metrics(
    snaps: list[dict[str, Any]], finish: dict[str, datetime], orders: tuple[OrderSpec, ...]
) -> dict[str, Any]:
    due = {o.number: o.due for o in orders}
    late = {o for o, f in finish.items() if f > due[o]}
    brier, brier_plan, brier_base = [], [], []
    flagged: set[str] = set()
    flagged_plan: set[str] = set()
    # the flag as it stands 24 h before the due date: the last prediction made by then
    last_before: dict[str, dict[str, Any]] = {}
    for s in snaps:
        o = s["order"]
        if o not in finish:
            continue
        y = 1.0 if o in late else 0.0
        brier.append((s["p_late"] - y) ** 2)
        brier_plan.append(((1.0 if s["plan"] > s["due"] else 0.0) - y) ** 2)
        if s["t"] <= s["due"] - timedelta(hours=24):
            if o not in last_before or last_before[o]["t"] < s["t"]:
                last_before[o] = s
            if s["p_late"] >= LATE_FLAG_P:
                flagged.add(o)
            if s["plan"] > s["due"]:
                flagged_plan.add(o)
    share_late = len(late) / len(finish) if finish else 0.0
    for s in snaps:
        if s["order"] in finish:
            y = 1.0 if s["order"] in late else 0.0
            brier_base.append((share_late - y) ** 2)
    # late orders that could have been flagged a day ahead (predicted at least once then)
    early = {s["order"] for s in snaps if s["t"] <= s["due"] - timedelta(hours=24)}
    late_early = late & early

    def rate(a: set[str], b: set[str]) -> float | None:
        return round(len(a & b) / len(b), 4) if b else None

    at_flag = {o for o, s in last_before.items() if s["p_late"] >= LATE_FLAG_P}
    sweep = []
    for threshold in (0.3, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95):
        f = {o for o, s in last_before.items() if s["p_late"] >= threshold}
        sweep.append(
            {
                "threshold": threshold,
                "flagged": len(f),
                "late_flagged_share": rate(f, late_early),
                "false_alarm_share": round(1 - len(f & late) / len(f), 4) if f else None,
            }
        )
    at_flag_plan = {o for o, s in last_before.items() if s["plan"] > s["due"]}
    return {
        "finished": len(finish),
        "late": len(late),
        "threshold_sweep_at_24h": sweep,
        "flagged_at_24h_share": rate(at_flag, late_early),
        "plan_flagged_at_24h_share": rate(at_flag_plan, late_early),
        "false_alarm_at_24h_share": round(1 - rate(late, at_flag), 4) if at_flag else None,  # type: ignore[operator]
        "plan_false_alarm_at_24h_share": (
            round(1 - rate(late, at_flag_plan), 4) if at_flag_plan else None  # type: ignore[operator]
        ),
        "late_predictable_24h": len(late_early),
        "brier": round(statistics.fmean(brier), 4) if brier else None,
        "brier_plan": round(statistics.fmean(brier_plan), 4) if brier_plan else None,
        "brier_base_rate": round(statistics.fmean(brier_base), 4) if brier_base else None,
        "flagged_24h_share": rate(flagged, late_early),
        "plan_flagged_24h_share": rate(flagged_plan, late_early),
        "false_alarm_share": round(1 - rate(late, flagged), 4) if flagged else None,  # type: ignore[operator]
        "plan_false_alarm_share": (
            round(1 - rate(late, flagged_plan), 4) if flagged_plan else None  # type: ignore[operator]
        ),
    }


def bottleneck_metrics(
    spec: FactorySpec,
    truth: Any,
    states: dict[str, list[tuple[datetime, str]]],
    planned: dict[tuple[str, int], Planned],
    cal: WindowCalendar,
    end: datetime,
) -> dict[str, Any]:
    line_machines = {ln.code: [m.code for m in ln.machines] for ln in spec.lines}
    # a line is as active as its constraint machine (speed factor 1.0: it sets the pace)
    constraint = {
        ln.code: [max(ln.machines, key=lambda m: (m.speed_factor, -m.position)).code]
        for ln in spec.lines
    }
    true_p: dict[str, list[bn.Period]] = {}
    seen_p: dict[str, list[bn.Period]] = {}
    for line, machines in constraint.items():
        ti, si = [], []
        for m in machines:
            ti += [(i.start, i.end, i.state) for i in truth.machines[m].intervals]
            seq = states.get(m, [])
            si += [(a, b, st) for (a, st), (b, _) in zip(seq, [*seq[1:], (end, "")], strict=True)]
        true_p[line], seen_p[line] = bn.active_periods(ti), bn.active_periods(si)
    out: dict[str, Any] = {}
    for name, size in (("week", timedelta(days=7)), ("day", timedelta(days=1)),
                       ("shift", timedelta(hours=8))):  # fmt: skip
        agree = total = plan_agree = busy_agree = 0
        a = NOW
        while a + size <= end:
            b = a + size
            t_top = bn.top(bn.shares(true_p, a, b))
            if t_top is not None:
                total += 1
                agree += bn.top(bn.shares(seen_p, a, b)) == t_top
                plan_agree += planned_bottleneck(planned, cal, a, b) == t_top
                busy_agree += busiest(truth, line_machines, a, b) == t_top
            a = b
        out[name] = {
            "windows": total,
            "agreement": round(agree / total, 4) if total else None,
            "planned_agreement": round(plan_agree / total, 4) if total else None,
            "busiest_agreement": round(busy_agree / total, 4) if total else None,
        }
    week = bn.shares(true_p, NOW, NOW + timedelta(days=7))
    out["first_week_top"] = [
        {"line": s.station, "sole": round(s.sole, 3), "shifting": round(s.shifting, 3)}
        for s in week[:5]
    ]
    return out


def busiest(truth: Any, line_machines: dict[str, list[str]], a: datetime, b: datetime) -> str:
    """The line whose machines were producing the largest share of ``[a, b)`` (truth)."""
    share: dict[str, float] = {}
    for line, machines in line_machines.items():
        total = 0.0
        for m in machines:
            for i in truth.machines[m].intervals:
                if i.state == "producing" and i.end > a and i.start < b:
                    total += (min(i.end, b) - max(i.start, a)).total_seconds()
        share[line] = total / max(1, len(machines))
    return max(share, key=lambda k: (share[k], k))


def planned_bottleneck(
    planned: dict[tuple[str, int], Planned], cal: WindowCalendar, a: datetime, b: datetime
) -> str | None:
    busy: dict[str, float] = defaultdict(float)
    for p in planned.values():
        lo, hi = max(a, p.start), min(b, p.end)
        if hi > lo:
            busy[p.line] += cal.working_seconds(p.line, lo, hi)
    return max(busy, key=lambda k: (busy[k], k)) if busy else None


def report(r: dict[str, Any]) -> None:
    e, k, b = r["eta"], r["risk"], r["bottleneck"]
    print(f"delivery bench: {r['orders']} orders, {r['lines']} lines, {r['days']} days, "
          f"prediction every {r['every_h']} h, {r['snapshots']} predictions, "
          f"{r['finished']} orders finished ({k['late']} late); {r['wall_s']} s")  # fmt: skip
    rows = [
        ("ETA median abs. error / remaining", e["mdae_share"], e["plan_mdae_share"],
         e["ratio_to_plan"]),
        ("80 % interval coverage", e["coverage_80"], None, None),
        ("80 % interval median width / remaining", e["median_width_share"], None, None),
        ("late risk Brier score", k["brier"], k["brier_plan"],
         _ratio(k["brier"], k["brier_plan"])),
        ("late risk Brier (base-rate baseline)", k["brier"], k["brier_base_rate"],
         _ratio(k["brier"], k["brier_base_rate"])),
        ("late orders flagged 24 h before due", k["flagged_at_24h_share"],
         k["plan_flagged_at_24h_share"], _ratio(k["flagged_at_24h_share"],
                                                k["plan_flagged_at_24h_share"])),
        ("false alarms among those flags", k["false_alarm_at_24h_share"],
         k["plan_false_alarm_at_24h_share"], _ratio(k["false_alarm_at_24h_share"],
                                                    k["plan_false_alarm_at_24h_share"])),
        ("late orders ever flagged ≥ 24 h ahead", k["flagged_24h_share"],
         k["plan_flagged_24h_share"], _ratio(k["flagged_24h_share"],
                                             k["plan_flagged_24h_share"])),
        ("false alarms among ever-flagged orders", k["false_alarm_share"],
         k["plan_false_alarm_share"], _ratio(k["false_alarm_share"], k["plan_false_alarm_share"])),
        ("bottleneck agreement, week", b["week"]["agreement"], b["week"]["planned_agreement"],
         None),
        ("bottleneck agreement, day", b["day"]["agreement"], b["day"]["planned_agreement"],
         None),
        ("bottleneck agreement, shift", b["shift"]["agreement"],
         b["shift"]["planned_agreement"], None),
        ("active-period top = busiest line, week", b["week"]["busiest_agreement"], None, None),
        ("active-period top = busiest line, day", b["day"]["busiest_agreement"], None, None),
        ("active-period top = busiest line, shift", b["shift"]["busiest_agreement"], None,
         None),
    ]  # fmt: skip
    print(f"| {'figure':<42} | {'engine':>8} | {'baseline':>8} | {'ratio':>6} |")
    print(f"|{'-' * 44}|{'-' * 10}|{'-' * 10}|{'-' * 8}|")
    for name, v, base, ratio in rows:
        print(f"| {name:<42} | {_f(v):>8} | {_f(base):>8} | {_f(ratio):>6} |")
    pe, pk = r["before"]["eta"], r["before"]["risk"]
    print(f"\nengine before due-date dispatch and setup families, same run: ETA error "
          f"{_f(pe['mdae_share'])}, coverage {_f(pe['coverage_80'])}, median width "
          f"{_f(pe['median_width_share'])}, Brier {_f(pk['brier'])}")  # fmt: skip
    print("\nlate-risk flag 24 h before due, by threshold (engine | engine before):")
    print("| p_late ≥ | flagged | late orders flagged | false alarms | flagged | late "
          "orders flagged | false alarms |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    for row, old in zip(k["threshold_sweep_at_24h"], pk["threshold_sweep_at_24h"], strict=True):
        print(f"| {row['threshold']:.2f} | {row['flagged']} | {_f(row['late_flagged_share'])} "
              f"| {_f(row['false_alarm_share'])} | {old['flagged']} "
              f"| {_f(old['late_flagged_share'])} | {_f(old['false_alarm_share'])} |")  # fmt: skip


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a is not None and b else None


def _f(v: float | None) -> str:
    return "—" if v is None else f"{v:.3f}"


if __name__ == "__main__":
    if "--profile" in sys.argv:
        import cProfile
        import pstats

        cProfile.run("main()", "/tmp/delivery.prof")
        pstats.Stats("/tmp/delivery.prof").sort_stats("cumulative").print_stats(25)
    else:
        main()
