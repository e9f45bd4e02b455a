"""Predictive-maintenance benchmarks in one table (and ``bench/results/pdm.json``):

- the streaming anomaly detector on the Numenta Anomaly Benchmark (NAB), scored with
  NAB's rules (``linewise.analytics.nab``), beside NAB's scoreboard, and its cost per
  point;
- remaining useful life on C-MAPSS FD001 beside the published models (``bench/rul.py``);
- failure prediction on AI4I 2020, PR-AUC (``bench/ai4i.py``);
- early warnings on the simulated factory, the lead-time table (``bench/pdm_sim.py``).

NAB: first the scorer is checked against NAB itself: fed the recorded outputs of two of
NAB's detectors (windowedGaussian, numenta) at the thresholds NAB chose, it must give
their published standard scores (39.65, 70.10). Then our detectors run over the whole
corpus (58 files): the fuzzy ART one (``linewise.analytics.art``, after ARTime; an
anomaly scores 1, and graded by ARTime's confidence for comparison), the contextual
novelty one (``linewise.analytics.anomaly``) and the machine detector's combination of
the two (a new ART cluster counts where novelty saw a new context in the same block).
Each is scored at the threshold tuned on the whole corpus (comparable with the
scoreboard) and, separately, tuned on half of the files and scored on the other half
(both halves in turn). Their cost per point is measured beside a bare
Python loop over the same points (the baseline of the same run).

The data is not shipped: the data path (``--data``, else the ``LINEWISE_DATA_PATH``
setting) holds ``nab/`` (NAB's ``data/`` as ``corpus/``, ``labels/combined_windows_full.
json``, ``reference/detections/``, ``reference/thresholds.json``), ``cmapss/`` and
``ai4i2020/``.

    python bench/pdm.py [--data PATH] [--only nab,rul,ai4i,sim] [--weeks 4] [--seeds 1,2,3]
    python bench/pdm.py --quick   # 12 of the 58 NAB files, one simulated week, no RUL CV
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
RESULTS = ROOT / "bench" / "results"

from bench import ai4i, pdm_sim, rul  # noqa: E402
from linewise.analytics import nab  # noqa: E402
from linewise.analytics.anomaly import (  # noqa: E402
    ART_CATEGORIES,
    MachineDetector,
    StreamingDetector,
)
from linewise.analytics.art import ArtDetector  # noqa: E402

# NAB's scoreboard (README, "as of NAB v1.0"), standard profile.
SCOREBOARD = {
    "ARTime": 74.9,
    "Numenta HTM": 70.1,
    "CAD OSE": 69.9,
    "earthgecko Skyline": 58.2,
    "KNN CAD": 58.0,
    "Relative Entropy": 54.6,
    "Random Cut Forest": 51.7,
    "Twitter ADVec": 47.1,
    "Windowed Gaussian": 39.6,
    "Etsy Skyline": 35.7,
    "Bayesian Changepoint": 17.7,
    "EXPoSE": 16.4,
    "Random": 11.0,
}
PUBLISHED = {"windowedGaussian": 39.65, "numenta": 70.10}


def _read(path: Path) -> tuple[list[str], list[float]]:
    ts, vs = [], []
    with path.open() as fh:
        for row in csv.DictReader(fh):
            ts.append(row["timestamp"][:19])
            vs.append(float(row.get("value") or row.get("anomaly_score") or 0.0))
    return ts, vs


def load(nab_dir: Path, quick: bool) -> list[dict[str, Any]]:
    windows = json.loads((nab_dir / "labels" / "combined_windows_full.json").read_text())
    names = sorted(windows)
    if quick:
        names = names[::5]
    out = []
    for name in names:
        ts, values = _read(nab_dir / "corpus" / name)
        index = {t: i for i, t in enumerate(ts)}
        wins = [(index[a[:19]], index[b[:19]]) for a, b in windows[name]]
        out.append({"name": name, "ts": ts, "values": values,
                    "scored": nab.prepare(len(ts), wins)})  # fmt: skip
    return out


def recorded(nab_dir: Path, detector: str, files: list[dict[str, Any]]) -> list[list[float]]:
    out = []
    for f in files:
        cat, base = f["name"].split("/")
        _, scores = _read(
            nab_dir / "reference" / "detections" / detector / cat / f"{detector}_{base}"
        )
        out.append(scores)
    return out


def candidates(scores: list[list[float]]) -> list[float]:
    vals = sorted({round(s, 4) for sc in scores for s in sc if s > 0.3}, reverse=True)
    step = max(1, len(vals) // 400)
    return [*vals[::step], 1.0]


def run(nab_dir: Path, quick: bool) -> dict[str, Any]:
    files = load(nab_dir, quick)
    scored = [f["scored"] for f in files]
    std = nab.PROFILES["standard"]
    thresholds = json.loads((nab_dir / "reference" / "thresholds.json").read_text())
    check = {}
    for det in PUBLISHED:
        th = thresholds[det]["standard"]["threshold"]
        check[det] = nab.corpus_score(scored, recorded(nab_dir, det, files), th, std)

    points = sum(len(f["values"]) for f in files)
    t0 = time.perf_counter()
    acc = 0.0
    for f in files:
        for v in f["values"]:
            acc += v * 0.5
    base_us = (time.perf_counter() - t0) / points * 1e6
    out: dict[str, Any] = {
        "files": len(files),
        "points": points,
        "scorer_check": {k: {"ours": v, "published": PUBLISHED[k]} for k, v in check.items()},
        "baseline_loop_us_per_point": base_us,
    }
    # As NAB gives every detector: the file's value range and its probationary length.
    # The novelty detector rests a fifth of the probation after an alarm (CAD OSE's choice).
    makers: dict[str, Callable[[list[float]], Any]] = {
        "novelty": lambda v: StreamingDetector(
            lo=min(v), hi=max(v), rest=nab.probation(len(v)) // 5
        ),
        "art": lambda v: ArtDetector(
            lo=min(v), hi=max(v), probation=nab.probation(len(v)), max_categories=ART_CATEGORIES
        ),
        "art_graded": lambda v: ArtDetector(
            lo=min(v), hi=max(v), probation=nab.probation(len(v)), graded=True
        ),
        # the product's default live detector (LINEWISE_ANOMALY_DETECTOR=art): novelty or
        # any new ART cluster, then the machine holds a fifth of the probation
        "both": _Machine,
    }
    for key, make in makers.items():
        out[key] = score_detector(files, make)
        out[key].pop("_scores")
    return out


class _Machine:
    """The product's default machine detector (``machine_detector("art")``: novelty, ART
    ungated, the machine's hold) on one NAB file, with what NAB gives every detector: the
    value range, the probation, and the hold a fifth of it as the novelty detector's rest
    (the factory's six hours are no NAB length). The threshold 0.5 makes every novelty
    score an alarm that starts the hold, as ``bench/pdm_frontier.py`` measured it."""

    def __init__(self, v: list[float]) -> None:
        p = nab.probation(len(v))
        self.m = MachineDetector(
            ranges={"v": (min(v), max(v))},
            rest=p // 5,
            learn=p,
            threshold=0.5,
            art={},
            hold=p // 5,
        )

    def update(self, value: float) -> float:
        return self.m.update({"v": value})[0]


def score_detector(
    files: list[dict[str, Any]],
    make: Callable[[list[float]], Any] | None,
    given: list[list[float]] | None = None,
) -> dict[str, Any]:
    """One detector over the corpus: its scores, the corpus score per profile at the
    threshold tuned on the whole corpus, the split-half scores, its cost per point."""
    scored = [f["scored"] for f in files]
    std = nab.PROFILES["standard"]
    det_scores: list[list[float]] = []
    points = 0
    t0, c0 = time.perf_counter(), time.process_time()
    if given is not None:
        det_scores = given
    else:
        assert make is not None
        for f in files:
            d = make(f["values"])
            det_scores.append([d.update(v) for v in f["values"]])
            points += len(f["values"])
    cost_us = (time.perf_counter() - t0) / points * 1e6 if points else None
    # CPU time as well: on a shared machine the wall clock also counts the waits
    cpu_us = (time.process_time() - c0) / points * 1e6 if points else None

    cand = candidates(det_scores)
    profiles = {}
    for pname, prof in nab.PROFILES.items():
        th, score = nab.best_threshold(scored, det_scores, prof, cand)
        profiles[pname] = {"threshold": th, "score": score}
    # Tuned on one half of the files, scored on the other (both ways), standard profile.
    halves = []
    idx = list(range(len(files)))
    a, b = idx[0::2], idx[1::2]
    for tune, test in ((a, b), (b, a)):
        th, _ = nab.best_threshold([scored[i] for i in tune], [det_scores[i] for i in tune],
                                   std, cand)  # fmt: skip
        s = nab.corpus_score([scored[i] for i in test], [det_scores[i] for i in test], th, std)
        halves.append({"threshold": th, "score": s})
    return {
        "detector": profiles,
        "split_half": halves,
        "split_half_mean": sum(h["score"] for h in halves) / 2,
        "cost_us_per_point": cost_us,
        "cpu_us_per_point": cpu_us,
        "_scores": det_scores,
    }


def _f(v: Any, fmt: str = ".2f") -> str:
    return "-" if v is None else format(v, fmt)


def table(r: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    """One table of every figure: (benchmark, measure, model, value, ours / it). The
    ratio column compares linewise's figure with the row's (the row's aim direction:
    higher is better for NAB and PR-AUC, lower for RMSE, PHM08, cost and false alarms)."""
    rows: list[tuple[str, str, str, str, str]] = []
    if "nab" in r:
        n = r["nab"]
        bench = f"NAB ({n['files']} files)"
        for det, v in n["scorer_check"].items():
            rows.append(
                (
                    bench,
                    "scorer check, standard",
                    f"{det}: ours / published",
                    f"{v['ours']:.2f} / {v['published']:.2f}",
                    "",
                )
            )
        names = {
            "both": "linewise default (novelty + ART, hold)",
            "art": "linewise ART",
            "art_graded": "linewise ART, graded by its confidence",
            "novelty": "linewise contextual novelty",
        }
        for key, label in names.items():
            d = n[key]
            std = d["detector"]["standard"]["score"]
            halves = " and ".join(f"{h['score']:.2f}" for h in d["split_half"])
            rows.append((bench, "standard, tuned on the corpus", label, f"{std:.2f}", ""))
            rows.append(
                (
                    bench,
                    "standard, tuned on half, scored on the other",
                    label,
                    f"{d['split_half_mean']:.2f} ({halves})",
                    "",
                )
            )
            lo_fp = d["detector"]["reward_low_FP_rate"]["score"]
            lo_fn = d["detector"]["reward_low_FN_rate"]["score"]
            rows.append((bench, "low FP / low FN, tuned on the corpus", label,
                         f"{lo_fp:.2f} / {lo_fn:.2f}", ""))  # fmt: skip
            if d["cost_us_per_point"] is not None:
                rows.append(
                    (
                        bench,
                        "cost per point (aim < 50 µs)",
                        label,
                        f"{d['cost_us_per_point']:.2f} µs ({d['cpu_us_per_point']:.2f} CPU)",
                        f"{d['cost_us_per_point'] / n['baseline_loop_us_per_point']:.0f}",
                    )
                )
        std = n["art"]["detector"]["standard"]["score"]
        for name, sb in SCOREBOARD.items():
            rows.append(
                (bench, "standard score", f"{name} (scoreboard)", f"{sb:.1f}", f"{std / sb:.2f}")
            )
        rows.append(
            (
                bench,
                "cost per point",
                "bare Python loop (same run)",
                f"{n['baseline_loop_us_per_point']:.3f} µs",
                "",
            )
        )
    if "rul" in r:
        u = r["rul"]
        bench = f"C-MAPSS FD001 ({u['engines']} test engines)"
        rows.append(
            (
                bench,
                "RMSE / PHM08 (aim 12.0 / 250)",
                "linewise boosted trees",
                f"{u['rmse']:.2f} / {u['phm08']:.0f}",
                "",
            )
        )
        rows.append(
            (
                bench,
                "RMSE / PHM08, CV on training engines",
                "linewise boosted trees",
                f"{u['cv_rmse']:.2f} / {u['cv_phm08_per_100']:.0f}",
                "",
            )
        )
        rows.append(
            (
                bench,
                "RMSE / PHM08",
                "ridge regression (same run)",
                f"{u['baseline_ridge_rmse']:.2f} / {u['baseline_ridge_phm08']:.0f}",
                f"{u['rmse'] / u['baseline_ridge_rmse']:.2f}",
            )
        )
        for name, (rmse, phm) in rul.PUBLISHED.items():
            rows.append(
                (
                    bench,
                    "RMSE / PHM08",
                    f"{name} (published)",
                    f"{rmse:.2f} / {_f(phm, '.0f')}",
                    f"{u['rmse'] / rmse:.2f}",
                )
            )
        rows.append(
            (
                bench,
                "training time (aim < 60 s)",
                "linewise boosted trees",
                f"{u['train_s']:.1f} s wall, {u['train_cpu_s']:.1f} s CPU",
                "",
            )
        )
    if "ai4i" in r:
        a = r["ai4i"]
        bench = f"AI4I 2020 ({a['rows']} rows)"
        for name, key in (
            ("linewise boosted trees (aim 0.90)", "pr_auc_boosted"),
            ("logistic regression, raw inputs", "pr_auc_logistic_baseline"),
            ("no skill (prevalence)", "pr_auc_prevalence"),
        ):
            ratio = "" if key == "pr_auc_boosted" else f"{a['pr_auc_boosted'] / a[key]:.2f}"
            rows.append((bench, "PR-AUC, 5-fold CV", name, f"{a[key]:.3f}", ratio))
    for s in r.get("sim", []):
        bench = f"simulated factory, seed {s['seed']} ({s['weeks']:g} weeks)"
        o, b = s["ours"], s["static_limits"]
        rows.append(
            (
                bench,
                "failures with drift / without",
                "ground truth",
                f"{o['failures_with_drift']} / {o['failures_without_drift']}",
                "",
            )
        )
        named = [("linewise default (art)", s["with_art"]), ("linewise novelty setting", o)]
        for name, x in [*named, ("static limits ±4σ (baseline)", b)]:
            rows.append(
                (
                    bench,
                    "warned / median lead h / false per machine-week",
                    name,
                    f"{_f(x['warned_share'], '.0%')} / {_f(x['lead_h_median'], '.1f')}"
                    f" / {x['false_per_machine_week']:.2f}",
                    "",
                )
            )
        rows.append(
            (
                bench,
                "cost per machine sample",
                "linewise detector / + ART",
                f"{s['detector_us_per_machine_sample']:.1f} µs"
                f" / {s['with_art_us_per_machine_sample']:.1f} µs",
                "",
            )
        )
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=None, help="data path (default: the setting)")
    ap.add_argument(
        "--quick",
        action="store_true",
        help="12 NAB files, one simulated week, no RUL cross-validation",
    )
    ap.add_argument(
        "--only",
        default="nab,rul,ai4i,sim",
        help="comma-separated parts to run (nab, rul, ai4i, sim)",
    )
    ap.add_argument("--weeks", type=float, default=4.0, help="simulated weeks per seed")
    ap.add_argument("--seeds", default="1,2,3", help="simulation seeds")
    args = ap.parse_args()
    from linewise.config import get_settings

    root = Path(args.data) if args.data else get_settings().data_path
    parts = set(args.only.split(","))
    r: dict[str, Any] = {}
    timings: dict[str, float] = {}
    for part, folder in (("nab", "nab"), ("rul", "cmapss"), ("ai4i", "ai4i2020")):
        if part in parts and not (root / folder).is_dir():
            sys.exit(f"no {folder}/ under {root}: pass --data or set LINEWISE_DATA_PATH")
    if "nab" in parts:
        t0 = time.perf_counter()
        r["nab"] = run(root / "nab", args.quick)
        timings["nab"] = time.perf_counter() - t0
    if "rul" in parts:
        t0 = time.perf_counter()
        r["rul"] = rul.run(root / "cmapss", cv=not args.quick)
        timings["rul"] = time.perf_counter() - t0
    if "ai4i" in parts:
        t0 = time.perf_counter()
        r["ai4i"] = ai4i.run(root / "ai4i2020" / "ai4i2020.csv")
        timings["ai4i"] = time.perf_counter() - t0
    if "sim" in parts:
        t0 = time.perf_counter()
        weeks = 1.0 if args.quick else args.weeks
        seeds = [1] if args.quick else [int(x) for x in args.seeds.split(",")]
        r["sim"] = [pdm_sim.run(weeks, seed) for seed in seeds]
        timings["sim"] = time.perf_counter() - t0
    rows = table(r)
    widths = [max(len(row[i]) for row in rows) for i in range(5)] if rows else [0] * 5
    heads = ("benchmark", "measure", "model", "value", "ours / it")
    widths = [max(w, len(h)) for w, h in zip(widths, heads, strict=True)]
    print("  ".join(h.ljust(w) for h, w in zip(heads, widths, strict=True)))
    last = None
    for row in rows:
        shown = ("" if row[0] == last else row[0], *row[1:])
        last = row[0]
        print("  ".join(c.ljust(w) for c, w in zip(shown, widths, strict=True)).rstrip())
    print("run time: " + ", ".join(f"{k} {v:.0f} s" for k, v in timings.items()))
    r["table"] = [dict(zip(heads, row, strict=True)) for row in rows]
    r["run_s"] = timings
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "pdm.json"
    out.write_text(json.dumps(r, indent=2, default=str))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
