#!/usr/bin/env python
"""Job-shop (JSSP) and flexible job-shop (FJSP) benchmark of the scheduling engine.

Prints, per instance, the best known bounds, the heuristic makespan and its gap, CP-SAT's
makespan and gap at each time limit and its time to first solution; then mean gaps per
family. Every plan is checked by the independent validator. Results go to
``bench/results/jssp.json`` (or ``--out``).

Usage: bench/jssp.py [--quick] [--instances GLOB] [--limits 10,60] [--workers 2]
                     [--data PATH] [--out FILE]
The data path defaults to the ``LINEWISE_DATA_PATH`` setting (``../shared/data``,
relative to the repository).
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from linewise.config import get_settings  # noqa: E402
from linewise.scheduling.benchmarks import Bounds, read_bounds, read_fjsp, read_jssp  # noqa: E402
from linewise.scheduling.cpsat import SolverParams, solve  # noqa: E402
from linewise.scheduling.dispatch import best_dispatch  # noqa: E402
from linewise.scheduling.model import Instance, ObjectiveConfig  # noqa: E402
from linewise.scheduling.objective import evaluate  # noqa: E402
from linewise.scheduling.validate import validate  # noqa: E402

MAKESPAN = ObjectiveConfig(levels=("makespan",))
QUICK = ["ft06", "la01", "la02", "ft10", "mk01", "mk02"]
QUICK_LIMIT = 5.0


def data_root(option: str | None) -> Path:
    path = Path(option) if option else get_settings().data_path
    return path if path.is_absolute() else (REPO / path).resolve()


def gap(value: int, bounds: Bounds) -> float:
    return 100.0 * (value - bounds.ub) / bounds.ub


def run_instance(
    instance: Instance, bounds: Bounds, limits: list[float], workers: int
) -> dict[str, Any]:
    started = time.monotonic()
    heuristic, rule = best_dispatch(instance, MAKESPAN)
    heuristic_time = time.monotonic() - started
    assert validate(instance, heuristic) == [], f"{instance.name}: invalid heuristic plan"
    h = evaluate(instance, heuristic, MAKESPAN).makespan
    row: dict[str, Any] = {
        "instance": instance.name,
        "lb": bounds.lb,
        "ub": bounds.ub,
        "heuristic": h,
        "heuristic_rule": str(rule),
        "heuristic_gap_pct": gap(h, bounds),
        "heuristic_seconds": heuristic_time,
        "cpsat": {},
    }
    for limit in limits:
        params = SolverParams(time_limit=limit, num_workers=workers)
        result = solve(instance, MAKESPAN, params, warm_start=heuristic)
        problems = validate(instance, result.plan)
        row["cpsat"][str(limit)] = {
            "makespan": result.objective.makespan,
            "bound": result.bound,
            "gap_pct": gap(result.objective.makespan, bounds),
            "status": str(result.status),
            "first_solution_s": result.first_solution_time,
            "wall_s": result.wall_time,
            "valid": not problems,
        }
    return row


def print_row(row: dict[str, Any], limits: list[float]) -> None:
    cells = [
        f"{row['instance']:<6}",
        f"{row['lb']:>5}/{row['ub']:<5}",
        f"{row['heuristic']:>6} {row['heuristic_gap_pct']:6.1f}%",
    ]
    for limit in limits:
        c = row["cpsat"][str(limit)]
        first = c["first_solution_s"]
        cells.append(
            f"{c['makespan']:>6} {c['gap_pct']:5.1f}% "
            f"{'*' if c['status'] == 'optimal' else ' '}{'' if c['valid'] else '!INVALID'}"
            f" t1={first if first is None else round(first, 2)}"
        )
    print("  ".join(cells), flush=True)


def summarise(rows: list[dict[str, Any]], limits: list[float]) -> dict[str, Any]:
    groups: dict[str, Callable[[str], bool]] = {
        "ft": lambda n: n.startswith("ft"),
        "la01-la40": lambda n: n.startswith("la"),
        "ta01-ta80": lambda n: n.startswith("ta"),
        "mk01-mk10": lambda n: n.startswith("mk"),
        "other": lambda n: not n.startswith(("ft", "la", "ta", "mk")),
        "all": lambda n: True,
    }
    summary: dict[str, Any] = {}
    for name, member in groups.items():
        chosen = [r for r in rows if member(r["instance"])]
        if not chosen:
            continue
        entry: dict[str, Any] = {
            "count": len(chosen),
            "heuristic_mean_gap_pct": statistics.mean(r["heuristic_gap_pct"] for r in chosen),
        }
        for limit in limits:
            cells = [r["cpsat"][str(limit)] for r in chosen]
            entry[f"cpsat_{limit}s_mean_gap_pct"] = statistics.mean(c["gap_pct"] for c in cells)
            entry[f"cpsat_{limit}s_at_best_known"] = sum(c["gap_pct"] <= 0 for c in cells)
        summary[name] = entry
        parts = [f"{k}={v:.2f}" if isinstance(v, float) else f"{k}={v}" for k, v in entry.items()]
        print(f"mean {name:<10} " + "  ".join(parts))
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few small instances, 5 s")
    parser.add_argument("--instances", default=None, help="glob over names, e.g. 'la0*'")
    parser.add_argument("--limits", default="10,60", help="CP-SAT time limits in seconds")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--data", default=None, help="data path (default: the setting)")
    parser.add_argument("--out", default=str(REPO / "bench" / "results" / "jssp.json"))
    args = parser.parse_args()
    root = data_root(args.data)
    limits = [QUICK_LIMIT] if args.quick else [float(x) for x in args.limits.split(",") if x]
    jssp_bounds = read_bounds(root / "jssp" / "bounds.csv")
    fjsp_bounds = read_bounds(root / "fjsp" / "bounds.csv")
    catalogue: list[tuple[str, Path, Bounds, bool]] = [
        (n, root / "jssp" / "instances" / f"{n}.txt", b, False) for n, b in jssp_bounds.items()
    ] + [(n, root / "fjsp" / "instances" / f"{n}.txt", b, True) for n, b in fjsp_bounds.items()]
    if args.quick:
        catalogue = [c for c in catalogue if c[0] in QUICK]
    elif args.instances:
        catalogue = [c for c in catalogue if fnmatch.fnmatch(c[0], args.instances)]
    else:
        catalogue = [c for c in catalogue if c[0].startswith(("ft", "la", "mk"))]
    print(f"{len(catalogue)} instances, limits {limits} s, {args.workers} workers")
    print("name    lb/ub        heuristic gap   " + "  ".join(f"cpsat@{x:g}s gap" for x in limits))
    rows = []
    for _name, path, bounds, flexible in catalogue:
        instance = read_fjsp(path) if flexible else read_jssp(path)
        row = run_instance(instance, bounds, limits, args.workers)
        print_row(row, limits)
        rows.append(row)
    summary = summarise(rows, limits)
    out = Path(args.out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    payload = {"limits": limits, "workers": args.workers, "rows": rows, "summary": summary}
    out.write_text(json.dumps(payload, indent=2))
    print(f"wrote {out}")
    invalid = [r["instance"] for r in rows for c in r["cpsat"].values() if not c["valid"]]
    return 1 if invalid else 0


if __name__ == "__main__":
    raise SystemExit(main())
