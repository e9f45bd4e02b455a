"""Learning the idle-risk model from simulator history, and scoring it.

Samples every ``step_min`` minutes per machine on working time (not in a planned stop):
the ``Snapshot`` the product could have seen, and for each horizon whether an idle
episode of at least 5 minutes (touching idle/down intervals, any cause) overlaps the
next ``h`` minutes. The running operation's expected end uses learned durations only
(setup plus quantity times the ideal cycle, stretched by the mean loss factor), never
its actual end. Fitting is a hand-rolled L2 logistic regression (Newton steps) in numpy:
scikit-learn is not a dependency and ten weights do not need it.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from linewise.allocation.risk import HORIZONS, MIN_EPISODE_MIN, Snapshot, features, persistence
from linewise.simulation.ground_truth import GroundTruth
from linewise.simulation.operators import Activity
from linewise.simulation.spec import FactorySpec

IDLE_STATES = ("idle", "down")
STRETCH = 1.3  # actual over ideal duration of an operation, learned on the history


@dataclass
class Samples:
    snapshots: list[Snapshot]
    labels: dict[int, list[bool]]


def samples(spec: FactorySpec, truth: GroundTruth, step_min: float = 5.0) -> Samples:
    cycles = {
        (p.code, s.seq): (s.cycle_time_s, s.setup_time_s) for p in spec.products for s in p.steps
    }
    ops_by_line: dict[str, list[tuple[float, float, float]]] = {}
    t0 = truth.start.timestamp()
    for op in truth.operations:
        if op.start is None:
            continue
        cycle, setup = cycles[(op.product, op.operation)]
        expected_s = (setup + op.available * cycle.get(op.line, 0.0)) * STRETCH
        start = (op.start.timestamp() - t0) / 60.0
        end = (op.end.timestamp() - t0) / 60.0 if op.end else 1e12
        ops_by_line.setdefault(op.line, []).append((start, end, expected_s))
    horizon_end = (truth.end.timestamp() - t0) / 60.0
    out = Samples([], {h: [] for h in HORIZONS})
    for m in truth.machines.values():
        iv = [
            (
                (i.start.timestamp() - t0) / 60.0,
                (i.end.timestamp() - t0) / 60.0,
                i.state,
            )
            for i in m.intervals
        ]
        if not iv:
            continue
        starts = [a for a, _b, _s in iv]
        # idle episodes (touching idle/down) of at least 5 minutes
        episodes: list[tuple[float, float]] = []
        for a, b, state in iv:
            if state not in IDLE_STATES:
                continue
            if episodes and episodes[-1][1] == a:
                episodes[-1] = (episodes[-1][0], b)
            else:
                episodes.append((a, b))
        long_eps = [e for e in episodes if e[1] - e[0] >= MIN_EPISODE_MIN]
        # cumulative idle minutes at each interval start, for the last-hour share
        cum = [0.0]
        for a, b, state in iv:
            cum.append(cum[-1] + (b - a if state in IDLE_STATES else 0.0))
        stops = [a for a, _b, state in iv if state == "planned_stop"]
        line_ops = sorted(ops_by_line.get(m.line, []))
        t = 60.0
        while t < horizon_end - max(HORIZONS):
            k = bisect_right(starts, t) - 1
            a, b, state = iv[k]
            if state == "planned_stop":
                t += step_min
                continue
            j = k
            while j > 0 and iv[j - 1][2] == state:
                j -= 1
            in_state = t - iv[j][0]
            share = (_idle_upto(iv, starts, cum, t) - _idle_upto(iv, starts, cum, t - 60.0)) / 60.0
            to_end: float | None = None
            for oa, ob, expected_s in line_ops:
                if oa <= t < ob:
                    to_end = max(0.0, oa + expected_s / 60.0 - t)
                    break
            n = bisect_right(stops, t)
            to_stop = stops[n] - t if n < len(stops) else None
            out.snapshots.append(Snapshot(state, in_state, share, to_end, to_stop))
            for h in HORIZONS:
                out.labels[h].append(any(ea < t + h and eb > t for ea, eb in long_eps))
            t += step_min
    return out


OPERATOR_STATE = {"working": "producing", "walking": "setup", "idle": "idle"}


def operator_samples(
    activities: dict[str, list[Activity]], start: datetime, step_min: float = 5.0
) -> Samples:
    """The same question for simulated operators: will they stand idle for 5 minutes or
    more soon? Their activity maps onto the machine states (working as producing,
    walking as setup); the end of their present stretch (a break, the shift end) is the
    planned stop; there is no operation end."""
    t0 = start.timestamp() * 1000.0
    out = Samples([], {h: [] for h in HORIZONS})
    for acts in activities.values():
        if not acts:
            continue
        iv = [((a.start - t0) / 60_000.0, (a.end - t0) / 60_000.0, a.kind) for a in acts]
        starts = [a for a, _b, _k in iv]
        cum = [0.0]
        for a, b, kind in iv:
            cum.append(cum[-1] + (b - a if kind == "idle" else 0.0))
        episodes: list[tuple[float, float]] = []
        for a, b, kind in iv:
            if kind != "idle":
                continue
            if episodes and episodes[-1][1] == a:
                episodes[-1] = (episodes[-1][0], b)
            else:
                episodes.append((a, b))
        long_eps = [e for e in episodes if e[1] - e[0] >= MIN_EPISODE_MIN]
        for k, (a, b, kind) in enumerate(iv):
            # the present stretch this activity belongs to ends where the next gap is
            j = k
            while j + 1 < len(iv) and iv[j + 1][0] == iv[j][1]:
                j += 1
            stretch_end = iv[j][1]
            first = k
            while first > 0 and iv[first - 1][2] == kind and iv[first - 1][1] == iv[first][0]:
                first -= 1
            t = a + (-a % step_min)
            while t < b:
                share = (
                    _idle_upto(iv, starts, cum, t) - _idle_upto(iv, starts, cum, t - 60)
                ) / 60.0
                out.snapshots.append(
                    Snapshot(OPERATOR_STATE[kind], t - iv[first][0], share, None, stretch_end - t)
                )
                for h in HORIZONS:
                    out.labels[h].append(any(ea < t + h and eb > t for ea, eb in long_eps))
                t += step_min
    return out


def _idle_upto(
    iv: list[tuple[float, float, str]], starts: list[float], cum: list[float], x: float
) -> float:
    """Idle minutes from the first interval's start up to ``x``."""
    q = max(0, bisect_right(starts, x) - 1)
    qa, qb, qs = iv[q]
    return cum[q] + (min(x, qb) - qa if qs in IDLE_STATES and x > qa else 0.0)


def fit(data: Samples, l2: float = 1.0, iterations: int = 25) -> dict[int, tuple[float, ...]]:
    """One L2-regularized logistic regression per horizon, by Newton's method."""
    out: dict[int, tuple[float, ...]] = {}
    for h in HORIZONS:
        x = np.array([features(s, h) for s in data.snapshots], dtype=float)
        y = np.array(data.labels[h], dtype=float)
        w = np.zeros(x.shape[1])
        reg = l2 * np.eye(x.shape[1])
        reg[0, 0] = 0.0  # the bias is not shrunk
        for _ in range(iterations):
            p = 1.0 / (1.0 + np.exp(-(x @ w)))
            grad = x.T @ (p - y) + reg @ w
            hess = (x * (p * (1 - p))[:, None]).T @ x + reg
            step = np.linalg.solve(hess, grad)
            w -= step
            if float(np.abs(step).max()) < 1e-8:
                break
        out[h] = tuple(round(float(v), 6) for v in w)
    return out


@dataclass(frozen=True)
class Score:
    horizon: int
    precision: float
    recall: float
    baseline_precision: float
    baseline_recall: float
    positives: int
    samples: int


def _pr(pred: list[bool], truth: list[bool]) -> tuple[float, float]:
    tp = sum(p and t for p, t in zip(pred, truth, strict=True))
    fp = sum(p and not t for p, t in zip(pred, truth, strict=True))
    fn = sum(t and not p for p, t in zip(pred, truth, strict=True))
    return (tp / (tp + fp) if tp + fp else 0.0, tp / (tp + fn) if tp + fn else 0.0)


def evaluate(
    coefficients: dict[int, tuple[float, ...]], data: Samples, threshold: float = 0.5
) -> list[Score]:
    from linewise.allocation.risk import RiskModel

    model = RiskModel(coefficients)
    base = [persistence(s) for s in data.snapshots]
    scores = []
    for h in HORIZONS:
        pred = [model.risk(s, h) >= threshold for s in data.snapshots]
        p, r = _pr(pred, data.labels[h])
        bp, br = _pr(base, data.labels[h])
        scores.append(Score(h, p, r, bp, br, sum(data.labels[h]), len(pred)))
    return scores


def coefficients_module(
    coefficients: dict[int, tuple[float, ...]],
    note: str,
    of: str = "Idle-risk",
    flag: str = "--train",
) -> str:
    """The source of a coefficients module (``risk_coefficients.py`` or
    ``operator_risk_coefficients.py``), ruff-formatted."""
    lines = [
        f'"""{of} weights per horizon (minutes), in the order of ``risk.FEATURES``.',
        "",
        f"Generated by ``python bench/allocation.py {flag}``; do not edit by hand.",
        f"Trained on {note}.",
        '"""',
        "",
        "COEFFICIENTS: dict[int, tuple[float, ...]] = {",
    ]
    for h, w in sorted(coefficients.items()):
        lines.append(f"    {h}: (")
        lines.extend(f"        {v!r}," for v in w)
        lines.append("    ),")
    lines.append("}")
    return "\n".join(lines) + "\n"
