#!/usr/bin/env python
"""Late-risk calibrations compared on the replays of ``bench/delivery.py --dump``.

Each replay holds every prediction of a bench run: when it was made, the order, its
product, the predicted remaining working time, the working time to the due date, the
stages still open and, once the order finished, the remaining time that really passed.
Here each calibration method is replayed exactly as the engine would have run it: at a
prediction time, only the predictions of earlier times whose order had finished by then
are residuals. The figures are those of ``bench/delivery.py``: the flag as it stands at
the last prediction at least 24 h before the due date (share of late orders flagged,
share of flags that finished on time), the Brier score, the 80 % interval's coverage.

The method and its flag threshold are chosen on the tuning seed (``--tune 2``) by a rule
fixed before looking at the scored seed: among methods whose interval coverage is within
80 ± 5 %, the lowest Brier score; its threshold is the lowest of the grid with ≥ 90 % of
the late orders flagged and ≤ 10 % false alarms. The scored seed (``--score 1``) is then
evaluated with both, beside the current method (``bands``) at ``LATE_FLAG_P``.

Usage: bench/delivery_risk.py [--tune 2,3] [--score 1]  (after bench/delivery.py --dump
on each seed; tuning seeds are each replayed on their own and their figures pooled)
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "src"), str(REPO)]

from linewise.analytics.delivery import LATE_FLAG_P, PAD_S  # noqa: E402

RESULTS = REPO / "bench" / "results"
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)
ALPHA = 0.2
MIN_CALIBRATION = 10


@dataclass
class Row:
    t: datetime
    order: str
    product: str
    pred: float
    slack: float
    stages_open: int
    actual: float | None
    finish: datetime | None
    due: datetime

    @property
    def log_pred(self) -> float:
        return math.log(self.pred + PAD_S)

    @property
    def residual(self) -> float:
        return score(self.pred, self.actual or 0.0)


def load(seed: int) -> list[Row]:
    raw = json.loads((RESULTS / f"delivery_replay_seed{seed}.json").read_text("utf-8"))
    return [
        Row(
            datetime.fromisoformat(r["t"]), r["order"], r["product"], r["pred_s"], r["slack_s"],
            r["stages_open"], r["actual_s"],
            datetime.fromisoformat(r["finish"]) if r["finish"] else None,
            datetime.fromisoformat(r["due"]),
        )
        for r in raw
    ]  # fmt: skip


def score(pred: float, actual: float) -> float:
    return math.log((max(0.0, actual) + PAD_S) / (max(0.0, pred) + PAD_S))


# A method: given the residual rows available at a time and the rows predicted then,
# the sorted calibration scores each prediction is judged on.
Pool = list[Row]
Method = Callable[[Pool, list[Row]], list[np.ndarray]]


def _sorted(rows: Pool) -> np.ndarray:
    return np.sort(np.array([r.residual for r in rows]))


def bands(bounds_h: tuple[float, ...], min_group: int = 30) -> Method:
    """Mondrian by predicted remaining time (the engine's method with (8, 48, 168))."""

    def group(pred: float) -> int:
        return sum(1 for b in bounds_h if pred / 3600 >= b)

    def run(pool: Pool, rows: list[Row]) -> list[np.ndarray]:
        every = _sorted(pool)
        groups: dict[int, list[Row]] = defaultdict(list)
        for r in pool:
            groups[group(r.pred)].append(r)
        sorted_groups = {g: _sorted(v) for g, v in groups.items()}
        out = []
        for r in rows:
            g = sorted_groups.get(group(r.pred))
            out.append(g if g is not None and len(g) >= min_group else every)
        return out

    return run


def nearest(k: int) -> Method:
    """The ``k`` residuals whose predicted remaining time is nearest (log scale)."""

    def run(pool: Pool, rows: list[Row]) -> list[np.ndarray]:
        if len(pool) <= k:
            every = _sorted(pool)
            return [every for _ in rows]
        order = sorted(pool, key=lambda r: r.log_pred)
        keys = np.array([r.log_pred for r in order])
        scores = np.array([r.residual for r in order])
        out = []
        for r in rows:
            i = int(np.searchsorted(keys, r.log_pred))
            # the k nearest are among the k on either side
            cand = np.arange(max(0, i - k), min(len(keys), i + k))
            near = cand[np.argsort(np.abs(keys[cand] - r.log_pred), kind="stable")[:k]]
            out.append(np.sort(scores[near]))
        return out

    return run


def by_attr(attr: str, min_group: int, inner: Method) -> Method:
    """Mondrian by a row attribute (product, stages open), falling back to ``inner``."""

    def run(pool: Pool, rows: list[Row]) -> list[np.ndarray]:
        groups: dict[Any, list[Row]] = defaultdict(list)
        for r in pool:
            groups[getattr(r, attr)].append(r)
        asked: dict[Any, list[int]] = defaultdict(list)
        for i, r in enumerate(rows):
            key = getattr(r, attr)
            asked[key if len(groups.get(key, [])) >= min_group else None].append(i)
        out: list[np.ndarray] = [np.array([])] * len(rows)
        for key, idx in asked.items():
            got = inner(pool if key is None else groups[key], [rows[i] for i in idx])
            for i, s in zip(idx, got, strict=True):
                out[i] = s
        return out

    return run


def recent(days: float, inner: Method) -> Method:
    """Only residuals of predictions made in the last ``days``."""

    def run(pool: Pool, rows: list[Row]) -> list[np.ndarray]:
        if not rows:
            return []
        cut = rows[0].t - timedelta(days=days)
        return inner([r for r in pool if r.t >= cut], rows)

    return run


def settled(inner: Method) -> Method:
    """Only predictions whose order had finished by then or whose own ETA lies far
    enough back: a prediction made ``h`` ago counts once ``h`` exceeds twice its predicted
    remaining time, so that the pool is not only the orders that happened to finish
    early (censoring)."""

    def run(pool: Pool, rows: list[Row]) -> list[np.ndarray]:
        if not rows:
            return []
        now = rows[0].t
        keep = [r for r in pool if (now - r.t).total_seconds() >= 2 * r.pred]
        return inner(keep or pool, rows)

    return run


METHODS: dict[str, Method] = {
    "bands": bands((8.0, 48.0, 168.0)),
    "bands_fine": bands((2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0)),
    "nearest_100": nearest(100),
    "nearest_300": nearest(300),
    "nearest_1000": nearest(1000),
    "product_bands": by_attr("product", 100, bands((8.0, 48.0, 168.0))),
    "stages_bands": by_attr("stages_open", 100, bands((8.0, 48.0, 168.0))),
    "stages_nearest_300": by_attr("stages_open", 300, nearest(300)),
    "recent7_bands": recent(7, bands((8.0, 48.0, 168.0))),
    "recent7_nearest_300": recent(7, nearest(300)),
    "settled_bands": settled(bands((8.0, 48.0, 168.0))),
    "settled_nearest_300": settled(nearest(300)),
}


def p_late(pred: float, slack: float, scores: np.ndarray) -> float:
    if slack < 0:
        return 1.0
    threshold = math.log((slack + PAD_S) / (pred + PAD_S))
    late = len(scores) - int(np.searchsorted(scores, threshold, side="right"))
    return (late + 0.5) / (len(scores) + 1)


def replay(rows: list[Row], method: Method) -> list[tuple[Row, float, bool | None]]:
    """(row, p_late, covered: None when uncalibrated or unknown) for every prediction."""
    by_t: dict[datetime, list[Row]] = defaultdict(list)
    for r in rows:
        by_t[r.t].append(r)
    history: list[Row] = []
    out: list[tuple[Row, float, bool | None]] = []
    for t in sorted(by_t):
        pool = [h for h in history if h.finish is not None and h.finish <= t]
        now_rows = by_t[t]
        if len(pool) >= MIN_CALIBRATION:
            scores = method(pool, now_rows)
        else:
            default = np.sort(0.5 * np.array([-1.6, -1.2, -0.8, -0.5, -0.25, 0.0, 0.25,
                                              0.5, 0.8, 1.2, 1.6]))  # fmt: skip
            scores = [default for _ in now_rows]
        for r, s in zip(now_rows, scores, strict=True):
            covered: bool | None = None
            known = r.actual is not None and r.finish is not None and r.finish > r.t
            if len(pool) >= MIN_CALIBRATION and known:
                n = len(s)
                lo_i = max(0, math.floor((n + 1) * ALPHA / 2) - 1)
                hi_i = min(n - 1, math.ceil((n + 1) * (1 - ALPHA / 2)) - 1)
                a = r.residual
                covered = min(s[lo_i], 0.0) <= a <= max(s[hi_i], 0.0)
            out.append((r, p_late(r.pred, r.slack, s), covered))
        history.extend(now_rows)
    return out


def metrics(results: list[tuple[Row, float, bool | None]]) -> dict[str, Any]:
    finished = {r.order for r, _p, _c in results if r.finish is not None}
    late = {r.order for r, _p, _c in results if r.finish is not None and r.finish > r.due}
    last: dict[str, tuple[Row, float]] = {}
    brier: list[float] = []
    covered = [c for _r, _p, c in results if c is not None]
    for r, p, _c in results:
        if r.order not in finished:
            continue
        brier.append((p - (1.0 if r.order in late else 0.0)) ** 2)
        if r.t <= r.due - timedelta(hours=24) and (r.order not in last or last[r.order][0].t < r.t):
            last[r.order] = (r, p)
    late_early = late & set(last)
    sweep = {}
    for th in THRESHOLDS:
        flagged = {o for o, (_r, p) in last.items() if p >= th}
        sweep[th] = {
            "flagged": len(flagged),
            "late_flagged": round(len(flagged & late_early) / len(late_early), 4)
            if late_early
            else None,
            "false_alarms": round(1 - len(flagged & late) / len(flagged), 4) if flagged else None,
        }
    return {
        "late": len(late),
        "late_predictable_24h": len(late_early),
        "brier": round(float(np.mean(brier)), 5),
        "coverage": round(sum(covered) / len(covered), 4) if covered else None,
        "sweep": sweep,
    }


def threshold_for(m: dict[str, Any]) -> float | None:
    for th in THRESHOLDS:
        s = m["sweep"][th]
        if (s["late_flagged"] or 0) >= 0.9 and (s["false_alarms"] or 0) <= 0.1:
            return th
    return None


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tune", default="2", help="tuning seeds, pooled (e.g. 2,3)")
    ap.add_argument("--score", type=int, default=1)
    ap.add_argument("--methods", default=",".join(METHODS))
    args = ap.parse_args()
    names = args.methods.split(",")
    tune_seeds = [int(x) for x in args.tune.split(",")]
    runs = {"tune": tune_seeds, "score": [args.score]}
    out: dict[str, Any] = {"tune_seeds": tune_seeds, "score_seed": args.score}
    for role, seeds in runs.items():
        rows = {seed: load(seed) for seed in seeds}
        out[role] = {}
        for name in names:
            results: list[tuple[Row, float, bool | None]] = []
            for seed, seed_rows in rows.items():
                # each run is replayed on its own (its own history); pooled for the figures
                for r, p, c in replay(seed_rows, METHODS[name]):
                    r.order = f"{seed}:{r.order}"
                    results.append((r, p, c))
            m = metrics(results)
            out[role][name] = m
            th = threshold_for(m)
            at = m["sweep"][LATE_FLAG_P]
            print(
                f"{role} {','.join(map(str, seeds))} {name:20s} brier {m['brier']:.5f}"
                f" coverage {m['coverage']} | at {LATE_FLAG_P}: {at['flagged']} flagged,"
                f" late {at['late_flagged']}, false {at['false_alarms']}"
                f" | lowest threshold meeting both: {th}",
                flush=True,
            )
            for r, _p, _c in results:  # the rows are replayed again by the next method
                r.order = r.order.split(":", 1)[1]
    tune = out["tune"]
    eligible = [n for n in names if abs((tune[n]["coverage"] or 0) - 0.8) <= 0.05]
    chosen = min(eligible, key=lambda n: tune[n]["brier"]) if eligible else None
    print(f"\nchosen on seeds {args.tune} (coverage 80 ± 5 %, lowest Brier): {chosen}")
    if chosen is not None:
        th = threshold_for(tune[chosen]) or LATE_FLAG_P
        print(f"its threshold on seeds {args.tune}: {th}")
        for role in runs:
            for name, at in ((chosen, th), ("bands", LATE_FLAG_P)):
                m = out[role][name]
                s = m["sweep"][at]
                print(
                    f"{role} {name} at p ≥ {at}: flagged {s['flagged']}, late flagged"
                    f" {s['late_flagged']}, false alarms {s['false_alarms']},"
                    f" coverage {m['coverage']}, Brier {m['brier']}"
                )
        out["chosen"] = {"method": chosen, "threshold": th}
    name = f"delivery_risk_tune{'-'.join(map(str, tune_seeds))}_score{args.score}.json"
    (RESULTS / name).write_text(json.dumps(out, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
