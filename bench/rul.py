"""Remaining useful life on NASA C-MAPSS FD001: RMSE and the PHM08 score on the official
test set (the RUL at the last observed cycle of each of the 100 test engines).

Features per engine and cycle, from its past only (``linewise.analytics.rul``): the 14
informative sensors averaged over the last 5 cycles, their change since the engine's
first 20 cycles, their least-squares slope over the whole history so far (up to 400
cycles), and the cycle count. Target: the remaining cycles capped at 130 (the usual
piecewise-linear target). Model: gradient-boosted depth-4 regression trees on quantile
bins (numpy), 300 rounds at 0.05, each tree on a random half of the rows, averaged over
5 seeds. Baseline in the same run: ridge regression on the same features.

Every choice (windows, cap, trees) was made by 5-fold cross-validation on the 100
training engines, grouped by engine: the held-out engines are scored at every cycle
whose true remaining life is 150 or less, against the uncapped truth (the test engines
stop at some point before failure; 150 covers the range the literature's caps aim at).
``--search`` reruns that cross-validation for every configuration tried (``TRIED``);
the test set is scored once, for ``CHOSEN``.

    python bench/rul.py [--data PATH] [--search]   # PATH holds cmapss/ (default: the setting)
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
RESULTS = ROOT / "bench" / "results"

from linewise.analytics.rul import (  # noqa: E402
    BoostedTrees,
    FeatureSpec,
    fleet_features,
    phm08,
    remaining_life,
    rmse,
)

Arr = NDArray[np.float64]
SENSORS = [2, 3, 4, 7, 8, 9, 11, 12, 13, 14, 15, 17, 20, 21]  # 1-based; the rest are flat
PUBLISHED = {"CNN": (18.45, None), "LSTM": (16.14, None), "DCNN": (12.61, None),
             "STAR": (10.61, 169.0)}  # fmt: skip
HORIZON = 150.0  # cross-validation scores held-out cycles with at most this many left
FOLDS, FOLD_SEED = 5, 7


@dataclass(frozen=True)
class Config:
    features: FeatureSpec
    cap: float = 125.0
    trees: dict[str, Any] = field(default_factory=dict)  # BoostedTrees arguments
    seeds: tuple[int, ...] = (0,)

    def describe(self) -> str:
        f = self.features
        return (f"means {list(f.means)} ewm {list(f.ewm_alphas)} slopes {list(f.slopes)} "
                f"since start {f.since_start} cap {self.cap:g} trees {self.trees} "
                f"seeds {len(self.seeds)}")  # fmt: skip


# Every configuration cross-validated, in the order tried, with its CV RMSE / PHM08 per
# 100 predictions as measured. The first is the earlier bench/rul.py. The first six
# were measured with a first harness whose slope on an engine's second cycle was half of
# this one's (slopes over 60: 12.68 / 237 there, 12.65 / 235 here); the rest with this
# code. Rule, fixed after the first seven: the lowest CV RMSE with a CV PHM08 of 250 or less.
SUB3 = {"seeds": (0, 1, 2), "trees": {"subsample": 0.5}}
TRIED: list[tuple[Config, str]] = [
    (Config(FeatureSpec((5,), (), (30,)), trees={"min_child": 10}), "15.59 / 415"),
    (Config(FeatureSpec((10,), (), (30,))), "15.73 / 422"),
    (Config(FeatureSpec((20,), (), (30,))), "15.90 / 425"),
    (Config(FeatureSpec((5,), (), (60,))), "12.68 / 237"),
    (Config(FeatureSpec((5, 20), (), (15, 30, 60))), "12.90 / 247"),
    (Config(FeatureSpec((), (0.1,), (30,))), "15.75 / 413"),
    (Config(FeatureSpec((5,), (), (100,))), "12.42 / 231"),
    (Config(FeatureSpec((5,), (), (400,))), "12.17 / 227"),
    (Config(FeatureSpec((5,), (), (60,))), "12.65 / 235"),
    (Config(FeatureSpec((5,), (), (60,)), cap=130), "12.41 / 248"),
    (Config(FeatureSpec((5,), (), (60,)), cap=120), "13.13 / 233"),
    (Config(FeatureSpec((5,), (), (100, 400))), "12.16 / 224"),
    (Config(FeatureSpec((5,), (0.05,), (400,))), "12.20 / 230"),
    (Config(FeatureSpec((15,), (), (400,))), "12.22 / 225"),
    (Config(FeatureSpec((5,), (), (400,)), trees={"depth": 5}), "12.15 / 222"),
    (Config(FeatureSpec((5,), (), (400,)), **SUB3), "12.04 / 221"),
    (Config(FeatureSpec((5,), (), (400,)), cap=130), "11.88 / 238"),
    (Config(FeatureSpec((5,), (), (400,)), trees={"depth": 3, "rounds": 500}), "12.30 / 230"),
    (Config(FeatureSpec((5,), (), (400,), 20)), "11.85 / 211"),
    (Config(FeatureSpec((10,), (), (400,), 30)), "12.03 / 214"),
    (Config(FeatureSpec((5,), (), (400,), 20), **SUB3), "11.79 / 209"),
    (Config(FeatureSpec((5,), (), (400,), 20), cap=130), "11.58 / 225"),
    (Config(FeatureSpec((5,), (), (400,), 40)), "11.89 / 212"),
    (Config(FeatureSpec((5,), (), (400,), 20), cap=130, **SUB3), "11.46 / 217"),
    (Config(FeatureSpec((5,), (), (400,), 20), cap=135, **SUB3), "11.44 / 241"),
    (
        Config(
            FeatureSpec((5,), (), (400,), 20), seeds=(0, 1, 2), trees={"subsample": 0.5, "depth": 5}
        ),
        "11.77 / 208",
    ),
    (Config(FeatureSpec((5,), (), (400,), 10)), "12.04 / 214"),
    (
        Config(
            FeatureSpec((5,), (), (400,), 20),
            cap=130,
            seeds=(0, 1, 2, 3, 4),
            trees={"subsample": 0.5},
        ),
        "11.43 / 217",
    ),
]
CHOSEN = TRIED[-1][0]  # the lowest CV RMSE (11.43), its PHM08 217


def _read(path: Path) -> Arr:
    return np.loadtxt(path)


def _features(rows: Arr, spec: FeatureSpec) -> Arr:
    """Columns: unit, cycle, 3 settings, then sensor 1 at index 5."""
    return fleet_features(rows[:, 0], rows[:, 1], rows[:, [4 + s for s in SENSORS]], spec)


def fit_predict(cfg: Config, xtr: Arr, ytr: Arr, xte: Arr) -> Arr:
    preds = [BoostedTrees(seed=s, **cfg.trees).fit(xtr, ytr).predict(xte) for s in cfg.seeds]
    return np.asarray(np.clip(np.mean(preds, 0), 0, None), dtype=np.float64)


def cross_validate(cfg: Config, train: Arr) -> tuple[float, float]:
    """(RMSE, PHM08 per 100 predictions) over the held-out engines' cycles with at most
    ``HORIZON`` cycles left, folds grouped by engine."""
    x = _features(train, cfg.features)
    units = train[:, 0]
    life = remaining_life(units, train[:, 1])
    order = np.random.default_rng(FOLD_SEED).permutation(np.unique(units))
    pred = np.zeros(len(life))
    for k in range(FOLDS):
        held = np.isin(units, order[k::FOLDS])
        pred[held] = fit_predict(cfg, x[~held], np.minimum(life[~held], cfg.cap), x[held])
    m = life <= HORIZON
    return rmse(pred[m], life[m]), phm08(pred[m], life[m]) / m.sum() * 100


def ridge(xtr: Arr, ytr: Arr, xte: Arr, lam: float = 1.0) -> Arr:
    mu, sd = xtr.mean(0), xtr.std(0) + 1e-9
    a = np.column_stack([(xtr - mu) / sd, np.ones(len(xtr))])
    c = np.column_stack([(xte - mu) / sd, np.ones(len(xte))])
    w = np.linalg.solve(a.T @ a + lam * np.eye(a.shape[1]), a.T @ ytr)
    return np.asarray(c @ w, dtype=np.float64)


def scores(pred: Arr, true: Arr) -> tuple[float, float]:
    return rmse(pred, true), phm08(pred, true)


def run(root: Path, cv: bool = True, cfg: Config = CHOSEN) -> dict[str, Any]:
    train, test = _read(root / "train_FD001.txt"), _read(root / "test_FD001.txt")
    true = _read(root / "RUL_FD001.txt")
    out: dict[str, Any] = {"config": cfg.describe()}
    if cv:
        t0 = time.perf_counter()
        out["cv_rmse"], out["cv_phm08_per_100"] = cross_validate(cfg, train)
        out["cv_s"] = time.perf_counter() - t0
    else:
        out["cv_rmse"] = out["cv_phm08_per_100"] = float("nan")
    t0, c0 = time.perf_counter(), time.process_time()
    xtr = _features(train, cfg.features)
    ytr = np.minimum(cfg.cap, remaining_life(train[:, 0], train[:, 1]))
    xte_all = _features(test, cfg.features)
    last = np.r_[test[1:, 0] != test[:-1, 0], True]  # each engine's last observed cycle
    xte = xte_all[last]
    pred = fit_predict(cfg, xtr, ytr, xte)
    train_s, train_cpu_s = time.perf_counter() - t0, time.process_time() - c0
    base = np.clip(ridge(xtr, ytr, xte), 0, None)
    r, phm = scores(pred, true)
    br, bphm = scores(base, true)
    out.update({"engines": len(true), "rmse": r, "phm08": phm, "train_s": train_s,
                "train_cpu_s": train_cpu_s, "baseline_ridge_rmse": br,
                "baseline_ridge_phm08": bphm})  # fmt: skip
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--data", default=None, help="data path (default: the setting)")
    ap.add_argument("--search", action="store_true", help="cross-validate every TRIED")
    args = ap.parse_args()
    from linewise.config import get_settings

    root = (Path(args.data) if args.data else get_settings().data_path) / "cmapss"
    if args.search:
        train = _read(root / "train_FD001.txt")
        for cfg, recorded in TRIED:
            t0 = time.perf_counter()
            r, p = cross_validate(cfg, train)
            took = time.perf_counter() - t0
            print(f"  CV {r:6.2f} / {p:4.0f} (recorded {recorded}) {took:4.0f} s  {cfg.describe()}")
        return
    r = run(root)
    print(f"C-MAPSS FD001 test set, {r['engines']} engines (RUL at the last cycle)")
    print(f"  {r['config']}")
    print(f"  cross-validation on the training engines: RMSE {r['cv_rmse']:.2f}, "
          f"PHM08 {r['cv_phm08_per_100']:.0f} per 100 predictions")  # fmt: skip
    print(f"  {'model':34s} {'RMSE':>6s} {'PHM08':>8s} {'RMSE ratio':>10s}")
    print(f"  {'boosted trees (linewise)':34s} {r['rmse']:6.2f} {r['phm08']:8.0f}")
    b_rmse, b_phm = r["baseline_ridge_rmse"], r["baseline_ridge_phm08"]
    ratio = r["rmse"] / b_rmse
    print(f"  {'ridge regression (same run)':34s} {b_rmse:6.2f} {b_phm:8.0f} {ratio:10.2f}")
    for name, (rm, phm) in PUBLISHED.items():
        shown = "" if phm is None else f"{phm:.0f}"
        print(f"  {name + ' (published)':34s} {rm:6.2f} {shown:>8s} {r['rmse'] / rm:10.2f}")
    print(f"  training (features and model): {r['train_s']:.1f} s wall, "
          f"{r['train_cpu_s']:.1f} s CPU")  # fmt: skip
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "rul.json").write_text(json.dumps(r, indent=2))


if __name__ == "__main__":
    main()
