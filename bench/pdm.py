"""Predictive-maintenance benchmark: the streaming anomaly detector on the Numenta
Anomaly Benchmark (NAB), scored with NAB's rules (``linewise.analytics.nab``).

First the scorer is checked against NAB itself: fed the recorded outputs of two of NAB's
detectors (windowedGaussian, numenta) at the thresholds NAB chose, it must give their
published standard scores (39.65, 70.10). Then our detector (``linewise.analytics.
anomaly``) runs over the whole corpus (58 files) and is scored at the threshold tuned on
the whole corpus (comparable with the scoreboard) and, separately, tuned on half of the
files and scored on the other half (both halves in turn). Its cost per point is measured
beside a bare Python loop over the same points (the baseline of the same run).

The data is not shipped: the data path (``--data``, else the ``LINEWISE_DATA_PATH``
setting) holds ``nab/`` (NAB's ``data/`` as ``corpus/``, ``labels/combined_windows_full.
json``, ``reference/detections/``, ``reference/thresholds.json``).

    python bench/pdm.py [--data PATH] [--quick]   # --quick: 12 of the 58 files
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
RESULTS = ROOT / "bench" / "results"

from linewise.analytics import nab  # noqa: E402
from linewise.analytics.anomaly import StreamingDetector  # noqa: E402

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

    det_scores: list[list[float]] = []
    points = 0
    t0 = time.perf_counter()
    for f in files:
        # As NAB gives every detector: the file's value range and its probationary length.
        v = f["values"]
        rest = nab.probation(len(v)) // 5
        d = StreamingDetector(lo=min(v), hi=max(v), rest=rest)
        det_scores.append([d.update(v) for v in f["values"]])
        points += len(f["values"])
    cost_us = (time.perf_counter() - t0) / points * 1e6
    t0 = time.perf_counter()
    acc = 0.0
    for f in files:
        for v in f["values"]:
            acc += v * 0.5
    base_us = (time.perf_counter() - t0) / points * 1e6

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
        "files": len(files),
        "points": points,
        "scorer_check": {k: {"ours": v, "published": PUBLISHED[k]} for k, v in check.items()},
        "detector": profiles,
        "split_half": halves,
        "split_half_mean": sum(h["score"] for h in halves) / 2,
        "cost_us_per_point": cost_us,
        "baseline_loop_us_per_point": base_us,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=None, help="data path (default: the setting)")
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    from linewise.config import get_settings

    root = Path(args.data) if args.data else get_settings().data_path
    if not (root / "nab").is_dir():
        sys.exit(f"no nab/ under {root}: pass --data or set LINEWISE_DATA_PATH")
    r = run(root / "nab", args.quick)
    std = r["detector"]["standard"]["score"]
    print(f"NAB corpus: {r['files']} files, {r['points']} points")
    print("\nscorer check (standard profile, NAB's recorded detections and thresholds)")
    for k, v in r["scorer_check"].items():
        print(f"  {k:18s} ours {v['ours']:6.2f}   published {v['published']:6.2f}")
    print("\nstandard score, linewise streaming detector vs the NAB scoreboard")
    print(f"  {'detector':26s} {'standard':>8s} {'ours / it':>10s}")
    print(f"  {'linewise (whole corpus)':26s} {std:8.2f} {'':>10s}")
    print(f"  {'linewise (split halves)':26s} {r['split_half_mean']:8.2f} {'':>10s}")
    for name, s in SCOREBOARD.items():
        print(f"  {name:26s} {s:8.1f} {std / s:10.2f}")
    for pname, v in r["detector"].items():
        print(f"  profile {pname:20s} {v['score']:7.2f} (threshold {v['threshold']:.4f})")
    print(f"\ncost per point: {r['cost_us_per_point']:.2f} µs "
          f"(bare loop {r['baseline_loop_us_per_point']:.3f} µs, "
          f"ratio {r['cost_us_per_point'] / r['baseline_loop_us_per_point']:.0f}x)")  # fmt: skip
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "pdm.json"
    out.write_text(json.dumps(r, indent=2))
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
