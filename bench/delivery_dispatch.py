#!/usr/bin/env python
"""The forecast's queue model compared on the same floor: plan order vs due-date dispatch.

``bench/delivery.py --seed N --dump-inputs`` writes what the engine was given at every
prediction time of a run (the open orders as the floor knew them, the learned rates) and
the simulator's truth (when each order finished). Here each queue model is replayed on
those inputs exactly as the bench runs the engine: at every prediction time the forecast,
then the calibration on the earlier predictions (of the same model) whose order had
finished by then, the interval and the late risk. The figures are the bench's: ETA median
absolute error ÷ remaining time, the 80 % interval's coverage, the Brier score and the
flag 24 h before the due date (share of late orders flagged, share of flags that finished
in time) by threshold.

Models: ``plan`` (the engine's default: the published plan's order, here the bench's
earliest-due-date plan made at the start) and ``due_date`` (the floor dispatches by due
date: a free line starts the ready stage due first, as the simulator's dispatcher does,
without its preference for the same setup family).

Usage: bench/delivery_dispatch.py --seeds 2,3 [--models plan,due_date] [--diagnose]
"""

from __future__ import annotations

import argparse
import json
import math
import pickle
import statistics
import sys
import time
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "src"), str(REPO)]

from bench.delivery import eta_metrics, plan  # noqa: E402
from linewise.analytics.delivery import (  # noqa: E402
    PAD_S,
    Calibration,
    Dispatch,
    OrderIn,
    RateModel,
    RateSample,
    Residual,
    forecast,
)

RESULTS = REPO / "bench" / "results"
ALPHAS = (0.2, 0.25, 0.3, 0.35)  # the interval's nominal miss rate (the engine: 0.2)
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)


def load(seed: int) -> dict[str, Any]:
    with (RESULTS / f"delivery_inputs_seed{seed}.pickle").open("rb") as fh:
        data: dict[str, Any] = pickle.load(fh)
    return data


@dataclass(frozen=True)
class Model:
    dispatch: Dispatch
    families: bool = False  # setup only on a change of family; rates learned so too
    prefer_h: float = 0.0  # the dispatcher's same-family preference
    recent_days: float = 0.0  # calibrate on the predictions of the last days only (0: all)


MODELS = {
    "plan": Model("plan"),
    "due_date": Model("due_date"),
    "plan+family": Model("plan", True),
    "due_date+family": Model("due_date", True),
    "due_date+family+prefer8": Model("due_date", True, 8.0),
    "due_date+family+prefer4": Model("due_date", True, 4.0),
    "due_date+family+prefer16": Model("due_date", True, 16.0),
    "due_date+family+prefer8+recent7": Model("due_date", True, 8.0, 7.0),
}


class Floor:
    """What the floor knows at a time from the run's operations: the setup family each
    line ran last, and the finished stages as rate samples with their setup taken out only
    where one happened (the line ran another family before)."""

    def __init__(self, data: dict[str, Any]) -> None:
        spec, cal = data["spec"], data["calendar"]
        self.steps = {(p.code, st.seq): st for p in spec.products for st in p.steps}
        by_line: dict[str, list[Any]] = defaultdict(list)
        for op in data["ops"].values():
            if op.start is not None:
                by_line[op.line].append(op)
        self.starts: dict[str, list[datetime]] = {}
        self.families: dict[str, list[str]] = {}
        done: list[tuple[datetime, RateSample]] = []
        for line, ops in by_line.items():
            ops.sort(key=lambda o: o.start)
            self.starts[line] = [o.start for o in ops]
            self.families[line] = [o.family for o in ops]
            before: str | None = None
            for op in ops:
                step = self.steps[op.product, op.operation]
                units = op.good + op.reject
                if op.end is not None and units > 0:
                    setup = step.setup_time_s if op.family != before else 0.0
                    work = cal.working_seconds(line, op.start, op.end) - setup
                    ideal = step.cycle_time_s[line]
                    done.append(
                        (op.end, RateSample(op.product, line, units, max(work, 1.0), ideal))
                    )
                before = op.family
        done.sort(key=lambda d: d[0])
        self.done = done
        self.ends = [d[0] for d in done]

    def rates(self, t: datetime) -> RateModel:
        return RateModel.learn(s for _, s in self.done[: bisect_right(self.ends, t)])

    def line_family(self, t: datetime) -> dict[str, str]:
        out = {}
        for line, starts in self.starts.items():
            i = bisect_right(starts, t) - 1
            if i >= 0:
                out[line] = self.families[line][i]
        return out

    def with_families(self, orders: list[OrderIn]) -> list[OrderIn]:
        return [
            replace(o, stages=tuple(
                replace(st, family=self.steps[o.product, st.seq].setup_family) for st in o.stages
            ))
            for o in orders
        ]  # fmt: skip


def replay(data: dict[str, Any], model: Model) -> list[dict[str, Any]]:
    """Every prediction of the run under ``model``, as the bench would have made it."""
    cal, site, finish = data["calendar"], data["site"], data["finish"]
    floor = Floor(data) if model.families else None
    recent = timedelta(days=model.recent_days) if model.recent_days else None
    planned = plan(data["spec"], cal)
    plan_finish: dict[str, datetime] = {}
    for (number, _seq), p in planned.items():
        plan_finish[number] = max(plan_finish.get(number, p.end), p.end)
    history: list[tuple[datetime, str, float]] = []
    snaps: list[dict[str, Any]] = []
    for t, orders_in, rates in data["inputs"]:
        calib = Calibration(
            Residual(pred, cal.working_seconds(site, made, finish[o]))
            for made, o, pred in history
            if o in finish and finish[o] <= t and (recent is None or made >= t - recent)
        )
        family: dict[str, str] | None = None
        if floor is not None:
            orders_in, rates = floor.with_families(orders_in), floor.rates(t)
            family = floor.line_family(t)
        else:  # newer dumps carry the families: the models without them must not see them
            orders_in = [
                replace(o, stages=tuple(replace(st, family=None) for st in o.stages))
                for o in orders_in
            ]
        fc = forecast(orders_in, t, rates, cal, model.dispatch, family, model.prefer_h * 3600)
        for oin in orders_in:
            f = fc[oin.key].finish
            est = calib.estimate(t, f, oin.due, cal, site)
            pred = cal.working_seconds(site, t, f)
            scores = calib.scores_for(pred)
            bounds = {a: interval(cal, site, t, f, pred, scores, a) for a in ALPHAS}
            history.append((t, oin.key, pred))
            snaps.append(
                {
                    "t": t,
                    "order": oin.key,
                    "due": oin.due,
                    "eta": f,
                    "low": est.low,
                    "high": est.high,
                    "p_late": est.p_late,
                    "calibrated": est.calibrated,
                    "plan": max(plan_finish.get(oin.key, t), t),
                    "fc": fc[oin.key],
                    "input": oin,
                    "bounds": bounds,
                }
            )
    return snaps


def interval(
    cal: Any, site: str, t: datetime, f: datetime, pred: float, scores: list[float], a: float
) -> tuple[datetime, datetime]:
    """The interval ``Calibration.estimate`` gives at miss rate ``a``."""
    n = len(scores)
    lo_i = max(0, math.floor((n + 1) * a / 2) - 1)
    hi_i = min(n - 1, math.ceil((n + 1) * (1 - a / 2)) - 1)

    def at(s: float) -> datetime:
        moment: datetime = cal.advance(site, t, max(0.0, (pred + PAD_S) * math.exp(s) - PAD_S))
        return moment

    return min(at(scores[lo_i]), f), max(at(scores[hi_i]), f)


def flags(snaps: list[dict[str, Any]], finish: dict[str, datetime]) -> dict[str, Any]:
    """The flag as it stands 24 h before the due date (the last prediction by then)."""
    due = {s["order"]: s["due"] for s in snaps}
    late = {o for o, f in finish.items() if o in due and f > due[o]}
    last: dict[str, dict[str, Any]] = {}
    for s in snaps:
        early = s["order"] in finish and s["t"] <= s["due"] - timedelta(hours=24)
        if early and (s["order"] not in last or last[s["order"]]["t"] < s["t"]):
            last[s["order"]] = s
    late_early = late & set(last)
    brier = [
        (s["p_late"] - (1.0 if s["order"] in late else 0.0)) ** 2
        for s in snaps
        if s["order"] in finish
    ]
    sweep = {}
    for th in THRESHOLDS:
        f = {o for o, s in last.items() if s["p_late"] >= th}
        sweep[th] = (len(f), len(f & late_early), len(late_early), len(f - late))
    return {"late": len(late), "late_early": len(late_early), "sweep": sweep,
            "brier": statistics.fmean(brier), "n": len(brier), "last": last}  # fmt: skip


def raw(snaps: list[dict[str, Any]], finish: dict[str, datetime], fl: dict[str, Any]) -> Any:
    """What pooling over seeds needs: each prediction's absolute error ÷ remaining time,
    whether its calibrated interval covered the finish, the Brier terms, the flag counts
    (as ``eta_metrics`` and ``flags`` count them)."""
    err: list[float] = []
    covered: list[int] = []
    by_alpha: dict[str, list[int]] = {str(a): [] for a in ALPHAS}
    for s in snaps:
        actual = finish.get(s["order"])
        remaining = (actual - s["t"]).total_seconds() if actual is not None else 0.0
        if actual is None or remaining <= 0:
            continue
        err.append(round(abs((s["eta"] - actual).total_seconds()) / remaining, 5))
        if s["calibrated"]:
            covered.append(int(s["low"] <= actual <= s["high"]))
            for a, (lo, hi) in s["bounds"].items():
                by_alpha[str(a)].append(int(lo <= actual <= hi))
    return {"err": err, "covered": covered, "by_alpha": by_alpha,
            "brier_sum": fl["brier"] * fl["n"], "brier_n": fl["n"],
            "sweep": {str(k): v for k, v in fl["sweep"].items()}}  # fmt: skip


def pool(seeds: list[int], models: list[str]) -> None:
    """Pooled figures of earlier replays (their raw files), per model."""
    for model in models:
        err: list[float] = []
        covered: list[int] = []
        b_sum = b_n = 0.0
        by_alpha: dict[str, list[int]] = defaultdict(list)
        sweep: dict[str, list[int]] = {}
        for seed in seeds:
            path = RESULTS / f"delivery_dispatch_seed{seed}_{model}.json"
            r = json.loads(path.read_text("utf-8"))
            err += r["err"]
            covered += r["covered"]
            b_sum += r["brier_sum"]
            b_n += r["brier_n"]
            for a, c in r.get("by_alpha", {}).items():
                by_alpha[a] += c
            for th, counts in r["sweep"].items():
                acc = sweep.setdefault(th, [0, 0, 0, 0])
                for i, c in enumerate(counts):
                    acc[i] += c
        print(f"seeds {','.join(map(str, seeds))} {model}: ETA {statistics.median(err):.4f} "
              f"coverage {sum(covered) / len(covered):.4f} Brier {b_sum / b_n:.4f}")  # fmt: skip
        for a, c in by_alpha.items():
            print(f"  interval at miss rate {a}: coverage {sum(c) / len(c):.4f} ({len(c)})")
        for th, (n, hit, of, false) in sweep.items():
            print(f"  p ≥ {float(th):.2f}: flagged {n}, late flagged {hit}/{of} "
                  f"({hit / of:.3f}), false {false} ({false / n if n else 0:.3f})")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", default="2,3")
    ap.add_argument("--models", default="plan,due_date")
    ap.add_argument("--diagnose", action="store_true", help="list the false flags at p ≥ 0.3")
    ap.add_argument("--pool", action="store_true", help="pool earlier replays of the seeds")
    args = ap.parse_args()
    if args.pool:
        pool([int(s) for s in args.seeds.split(",")], args.models.split(","))
        return
    out: dict[str, Any] = {}
    for seed in (int(s) for s in args.seeds.split(",")):
        data = load(seed)
        for model in args.models.split(","):
            started = time.monotonic()
            snaps = replay(data, MODELS[model])
            eta = eta_metrics(snaps, data["finish"])
            fl = flags(snaps, data["finish"])
            row = {"eta_mdae": eta["mdae_share"], "coverage": eta["coverage_80"],
                   "width": eta["median_width_share"], "brier": round(fl["brier"], 4),
                   "late": fl["late"], "late_early": fl["late_early"],
                   "sweep": {str(k): v for k, v in fl["sweep"].items()},
                   "seconds": round(time.monotonic() - started, 1)}  # fmt: skip
            out[f"{seed}:{model}"] = row
            (RESULTS / f"delivery_dispatch_seed{seed}_{model}.json").write_text(
                json.dumps(raw(snaps, data["finish"], fl)), "utf-8"
            )
            print(f"seed {seed} {model}: ETA {row['eta_mdae']} coverage {row['coverage']} "
                  f"width {row['width']} Brier {row['brier']} late {row['late']} "
                  f"({row['late_early']} predictable) {row['seconds']} s")  # fmt: skip
            for th, (n, hit, of, false) in fl["sweep"].items():
                print(f"  p ≥ {th:.2f}: flagged {n}, late flagged {hit}/{of}, false {false}")
            if args.diagnose:
                diagnose(fl["last"], data)
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / "delivery_dispatch.json"
    known = json.loads(path.read_text("utf-8")) if path.exists() else {}
    path.write_text(json.dumps(known | out, indent=1), "utf-8")


def diagnose(last: dict[str, dict[str, Any]], data: dict[str, Any]) -> None:
    """For each flag (p ≥ 0.3) of an order that finished in time: each open stage's
    forecast start and end beside what the floor did."""
    finish, ops = data["finish"], data["ops"]
    for o, s in sorted(last.items(), key=lambda kv: -kv[1]["p_late"]):
        if s["p_late"] < 0.3 or finish[o] > s["due"]:
            continue
        print(f"  {o} p={s['p_late']:.2f} at {s['t']:%m-%d %H:%M} due {s['due']:%m-%d %H:%M} "
              f"eta {s['eta']:%m-%d %H:%M} finished {finish[o]:%m-%d %H:%M}")  # fmt: skip
        for st, f in zip(s["input"].stages, s["fc"].stages, strict=True):
            if st.status == "completed":
                continue
            op = ops.get((o, st.seq))
            a = f"{op.start:%m-%d %H:%M}-{op.end:%m-%d %H:%M} on {op.line}" if op else "?"
            print(f"    stage {st.seq} {st.status} fc {f.start:%m-%d %H:%M}-{f.end:%m-%d %H:%M} "
                  f"on {f.line} queue {f.queue_s / 3600:.1f} h | truth {a}")  # fmt: skip


if __name__ == "__main__":
    main()
