"""Remaining useful life on NASA C-MAPSS FD001: RMSE and the PHM08 score on the official
test set (the RUL at the last observed cycle of each of the 100 test engines).

Features per engine and cycle, from its past only: the 14 informative sensors averaged
over the last 5 cycles, their least-squares slope over the last 30, and the cycle count.
Target: the remaining cycles capped at 125 (the usual piecewise-linear target). Model:
gradient-boosted depth-4 regression trees on quantile bins (numpy, the trees of
``bench/ai4i.py``). Baseline in the same run: ridge regression on the same features.

    python bench/rul.py [--data PATH]   # PATH holds cmapss/ (default: the setting)
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
RESULTS = ROOT / "bench" / "results"

from bench.ai4i import grow_tree, predict_tree, quantile_bins  # noqa: E402

Arr = NDArray[np.float64]
SENSORS = [2, 3, 4, 7, 8, 9, 11, 12, 13, 14, 15, 17, 20, 21]  # 1-based; the rest are flat
CAP = 125.0
PUBLISHED = {"CNN": (18.45, None), "LSTM": (16.14, None), "DCNN": (12.61, None),
             "STAR": (10.61, 169.0)}  # fmt: skip


def _read(path: Path) -> Arr:
    return np.loadtxt(path)


def features(rows: Arr) -> tuple[Arr, Arr, Arr]:
    """(features, unit, cycle) per row, each from that unit's past rows only."""
    out, units, cycles = [], [], []
    cols = [4 + s for s in SENSORS]  # unit, cycle, 3 settings, then sensor 1 at index 5
    for u in np.unique(rows[:, 0]):
        r = rows[rows[:, 0] == u]
        s = r[:, cols]
        for i in range(len(r)):
            recent = s[max(0, i - 4) : i + 1].mean(0)
            w = s[max(0, i - 29) : i + 1]
            t = np.arange(len(w)) - (len(w) - 1) / 2
            slope = (t @ (w - w.mean(0))) / max(1.0, float(t @ t))
            out.append(np.concatenate([recent, slope, [r[i, 1]]]))
            units.append(u)
            cycles.append(r[i, 1])
    return np.array(out), np.array(units), np.array(cycles)


def boosted(xtr: Arr, ytr: Arr, xte: Arr, rounds: int = 300, lr: float = 0.05) -> Arr:
    btr, edges = quantile_bins(xtr, 256)
    bte = np.column_stack(
        [np.searchsorted(e, col) for e, col in zip(edges, xte.T, strict=True)]
    ).astype(np.int64)
    ftr, fte = np.full(len(ytr), ytr.mean()), np.full(len(xte), ytr.mean())
    ones = np.ones(len(ytr))
    for _ in range(rounds):
        tree = grow_tree(btr, ftr - ytr, ones, 4, 1.0)
        ftr += lr * predict_tree(tree, btr)
        fte += lr * predict_tree(tree, bte)
    return np.asarray(fte, dtype=np.float64)


def ridge(xtr: Arr, ytr: Arr, xte: Arr, lam: float = 1.0) -> Arr:
    mu, sd = xtr.mean(0), xtr.std(0) + 1e-9
    a = np.column_stack([(xtr - mu) / sd, np.ones(len(xtr))])
    c = np.column_stack([(xte - mu) / sd, np.ones(len(xte))])
    w = np.linalg.solve(a.T @ a + lam * np.eye(a.shape[1]), a.T @ ytr)
    return np.asarray(c @ w, dtype=np.float64)


def scores(pred: Arr, true: Arr) -> tuple[float, float]:
    d = pred - true
    rmse = float(np.sqrt(np.mean(d**2)))
    phm = float(np.sum(np.where(d < 0, np.exp(-d / 13) - 1, np.exp(d / 10) - 1)))
    return rmse, phm


def run(root: Path) -> dict[str, Any]:
    train, test = _read(root / "train_FD001.txt"), _read(root / "test_FD001.txt")
    true = _read(root / "RUL_FD001.txt")
    xtr, utr, ctr = features(train)
    last = {u: ctr[utr == u].max() for u in np.unique(utr)}
    ytr = np.minimum(CAP, np.array([last[u] - c for u, c in zip(utr, ctr, strict=True)]))
    xte_all, ute, _ = features(test)
    pick = [np.flatnonzero(ute == u)[-1] for u in np.unique(ute)]
    xte = xte_all[pick]
    t0 = time.perf_counter()
    pred = np.clip(boosted(xtr, ytr, xte), 0, None)
    train_s = time.perf_counter() - t0
    base = np.clip(ridge(xtr, ytr, xte), 0, None)
    rmse, phm = scores(pred, true)
    brmse, bphm = scores(base, true)
    return {"engines": len(true), "rmse": rmse, "phm08": phm, "train_s": train_s,
            "baseline_ridge_rmse": brmse, "baseline_ridge_phm08": bphm}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--data", default=None, help="data path (default: the setting)")
    args = ap.parse_args()
    from linewise.config import get_settings

    root = Path(args.data) if args.data else get_settings().data_path
    r = run(root / "cmapss")
    print(f"C-MAPSS FD001 test set, {r['engines']} engines (RUL at the last cycle)")
    print(f"  {'model':34s} {'RMSE':>6s} {'PHM08':>8s} {'RMSE ratio':>10s}")
    print(f"  {'boosted trees (linewise)':34s} {r['rmse']:6.2f} {r['phm08']:8.0f}")
    b_rmse, b_phm = r["baseline_ridge_rmse"], r["baseline_ridge_phm08"]
    ratio = r["rmse"] / b_rmse
    print(f"  {'ridge regression (same run)':34s} {b_rmse:6.2f} {b_phm:8.0f} {ratio:10.2f}")
    for name, (rmse, phm) in PUBLISHED.items():
        shown = "" if phm is None else f"{phm:.0f}"
        print(f"  {name + ' (published)':34s} {rmse:6.2f} {shown:>8s} {r['rmse'] / rmse:10.2f}")
    print(f"  training: {r['train_s']:.1f} s")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "rul.json").write_text(json.dumps(r, indent=2))


if __name__ == "__main__":
    main()
