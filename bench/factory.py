#!/usr/bin/env python
"""Scheduling benchmark on the demo factory, through the real database path.

For each size the demo factory (``build_factory``) is sized so that the plan is a
realistic two-week plan: 200 orders on 5 line groups (25 lines), 2,000 on 6 groups (the
30-line factory of the issue), 10,000 on 60 groups (300 lines). Order quantities are then
scaled (same products, dates and mix) so that the bottleneck line type is loaded to
``UTILISATION`` of its shift time over the horizon; unscaled, 2,000 orders would need
months of work and every plan would be mostly lateness past the calendars. The factory
is loaded into a fresh SQLite file,
turned into an engine instance by the planning builder (calendars, setups, skills,
in-progress work frozen), then planned by EDD, ATC(S) and CP-SAT at each time limit
(rolling-horizon decomposition above the runner's size threshold). Every plan is checked
by the independent validator. Each rule is also run by the Python reference dispatcher
in the same run: its time is the baseline for the compiled kernel's, and both plans
must be identical. Reported: weighted tardiness, makespan, changeovers, time
to the first feasible plan, wall time, the benchmark process's peak resident memory so
far, and for CP-SAT the peak of the child process it ran in (as in the server, see
``scheduling/isolation.py``; a crash there costs one row, not the run).
Results go to ``bench/results/factory.json``.

Usage: bench/factory.py [--quick] [--sizes 200,2000,10000] [--limits 10,60] [--workers 2]
(``--limits ""``: heuristics only.)
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from linewise.core.db import make_engine, make_session_factory  # noqa: E402
from linewise.core.migrate import upgrade  # noqa: E402
from linewise.demo.factory import build_factory  # noqa: E402
from linewise.demo.load import load_factory  # noqa: E402
from linewise.domains.planning.builder import build_problem  # noqa: E402
from linewise.scheduling import (  # noqa: E402
    Instance,
    ObjectiveConfig,
    Plan,
    SolverParams,
    best_dispatch,
    dispatch,
    evaluate,
    native,
    validate,
)
from linewise.scheduling.dispatch import dispatch_python, portfolio_for  # noqa: E402
from linewise.scheduling.isolation import (  # noqa: E402
    OptimiserFailed,
    OptimiseTask,
    optimise_isolated,
)
from linewise.scheduling.runner import DECOMPOSE_ABOVE  # noqa: E402
from linewise.simulation.spec import FactorySpec  # noqa: E402

CONFIG = ObjectiveConfig()
NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # a Monday morning: reproducible calendars
HORIZON = timedelta(days=14)
# Processing load of the bottleneck line type over its shift time in the horizon; the
# rest is left for changeovers and for the orders not yet released.
UTILISATION = 0.85
LINE_GROUPS = {200: 5, 2000: 6, 10000: 60}  # 5 lines per group


def line_groups_for(orders: int) -> int:
    return LINE_GROUPS.get(orders, max(1, round(orders / 333)))


def shift_seconds(spec: FactorySpec, start: datetime, horizon: timedelta) -> float:
    """Working seconds of one line in the horizon: shifts on their weekdays, less breaks."""
    total = 0.0
    for day in range(horizon.days):
        weekday = (start + timedelta(days=day)).weekday()
        for shift in spec.shifts:
            if weekday not in shift.weekdays:
                continue
            h0, m0 = map(int, shift.start.split(":"))
            h1, m1 = map(int, shift.end.split(":"))
            total += (h1 * 60 + m1 - h0 * 60 - m0) * 60 - sum(60 * m for _, m in shift.breaks)
    return total


def bottleneck_load(spec: FactorySpec, start: datetime, horizon: timedelta) -> float:
    """Highest ratio of processing time to shift time over the line types."""
    cycles: dict[str, dict[str, float]] = {}  # product -> line type -> mean cycle
    for product in spec.products:
        cycles[product.code] = {
            step.work_center_type: sum(step.cycle_time_s.values()) / len(step.cycle_time_s)
            for step in product.steps
        }
    work: dict[str, float] = {}
    for order in spec.orders:
        for line_type, cycle in cycles[order.product].items():
            work[line_type] = work.get(line_type, 0.0) + cycle * order.quantity
    available = shift_seconds(spec, start, horizon)
    lines = {t: sum(1 for line in spec.lines if line.type == t) for t in work}
    return max(work[t] / (lines[t] * available) for t in work)


def sized_factory(orders: int) -> tuple[FactorySpec, float]:
    """The demo factory with quantities scaled to ``UTILISATION`` at the bottleneck."""
    groups = line_groups_for(orders)
    unscaled = build_factory(NOW, line_groups=groups, orders=orders)
    scale = UTILISATION / bottleneck_load(unscaled, NOW, HORIZON)
    return build_factory(NOW, line_groups=groups, orders=orders, quantity_scale=scale), scale


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def instance_for(orders: int) -> tuple[Instance, dict[str, Any]]:
    started = time.monotonic()
    spec, scale = sized_factory(orders)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        upgrade(url)
        engine = make_engine(url)
        factory = make_session_factory(engine)
        with factory() as db:
            load_factory(db, spec, with_users=False)
            db.commit()
        loaded = time.monotonic()
        with factory() as db:
            problem = build_problem(db, NOW, HORIZON)
        engine.dispose()
    info = {
        "orders": orders,
        "lines": len(problem.instance.resources),
        "jobs": len(problem.instance.jobs),
        "operations": problem.instance.operation_count,
        "quantity_scale": round(scale, 3),
        "bottleneck_utilisation": round(bottleneck_load(spec, NOW, HORIZON), 3),
        "load_s": round(loaded - started, 2),
        "build_s": round(time.monotonic() - loaded, 2),
    }
    return problem.instance, info


def row(instance: Instance, plan: Plan, method: str, **extra: Any) -> dict[str, Any]:
    values = evaluate(instance, plan, CONFIG)
    problems = validate(instance, plan)
    return {
        "method": method,
        "weighted_tardiness": values.weighted_tardiness,
        "makespan_h": round(values.makespan / 3600, 1),
        "changeovers": values.changeovers,
        "valid": not problems,
        "violations": problems[:3],
        "peak_rss_mb": round(peak_rss_mb(), 1),
        **extra,
    }


def run_size(orders: int, limits: list[float], workers: int) -> dict[str, Any]:
    instance, info = instance_for(orders)
    rows = []
    for rule, label in (("edd", "EDD"), ("atcs", "ATC")):
        # Cold: the packing for the compiled kernel is counted in every rule's time.
        native.forget()
        started = time.monotonic()
        plan = dispatch(instance, rule)  # type: ignore[arg-type]
        took = time.monotonic() - started
        # The baseline in the same run: the Python reference, which must agree exactly.
        started = time.monotonic()
        reference = dispatch_python(instance, rule)  # type: ignore[arg-type]
        python_s = time.monotonic() - started
        rows.append(
            row(
                instance,
                plan,
                label,
                first_feasible_s=round(took, 3),
                wall_s=round(took, 3),
                compiled=native.available(),
                python_s=round(python_s, 3),
                speedup=round(python_s / took, 1),
                same_as_python=plan == reference,
            )
        )
    native.forget()
    started = time.monotonic()
    plan, best = best_dispatch(instance, CONFIG)
    took = time.monotonic() - started
    rows.append(
        row(
            instance,
            plan,
            f"portfolio ({len(portfolio_for(instance))} rules)",
            best_rule=str(best),
            first_feasible_s=None,
            wall_s=round(took, 2),
        )
    )
    for limit in limits:
        params = SolverParams(time_limit=limit, num_workers=workers)
        decompose = instance.operation_count > DECOMPOSE_ABOVE
        method = f"CP-SAT decomposed {limit:g}s" if decompose else f"CP-SAT {limit:g}s"
        started = time.monotonic()
        # In a child process, as the runner does: a crash in CP-SAT's native code (see
        # scheduling/isolation.py) then costs one row, not the whole benchmark. The wall
        # time includes handing the instance to the child, as it does in the server.
        task = OptimiseTask(instance, CONFIG, params, decompose, None, None)
        child: dict[str, float] = {}
        try:
            result = optimise_isolated(task, stats=child)
        except OptimiserFailed as exc:
            print(f"{method}: {exc}", file=sys.stderr)
            rows.append({"method": method, "failed": str(exc), "wall_s": None})
            continue
        wall = time.monotonic() - started
        # The warm start (best dispatch) is CP-SAT's first feasible plan when it finds none
        # sooner; decomposition reports no solution times of its own.
        first = result.first_solution_time
        rows.append(
            row(
                instance,
                result.plan,
                method,
                status=str(result.status),
                bound=result.bound,
                first_feasible_s=None if first is None else round(first, 2),
                wall_s=round(wall, 2),
                solver_peak_rss_mb=round(child["peak_rss_mb"], 1),
            )
        )
    return {**info, "results": rows}


def print_table(size: dict[str, Any]) -> None:
    print(
        f"\n{size['orders']} orders, {size['jobs']} jobs, {size['operations']} operations on"
        f" {size['lines']} lines, quantities x{size['quantity_scale']}, bottleneck at"
        f" {size['bottleneck_utilisation']:.0%} (load {size['load_s']} s, build"
        f" {size['build_s']} s)"
    )
    print(
        f"{'method':<26}{'w. tardiness':>14}{'makespan h':>12}{'changeovers':>13}"
        f"{'1st feas s':>12}{'wall s':>9}{'peak MB':>9}{'solver MB':>11}  valid"
    )
    rules = [r for r in size["results"] if "python_s" in r]
    for r in size["results"]:
        if "failed" in r:
            print(f"{r['method']:<26}failed: {r['failed']}")
            continue
        first = "-" if r["first_feasible_s"] is None else f"{r['first_feasible_s']:.2f}"
        print(
            f"{r['method']:<26}{r['weighted_tardiness']:>14}{r['makespan_h']:>12}"
            f"{r['changeovers']:>13}{first:>12}{r['wall_s']:>9}{r['peak_rss_mb']:>9}"
            f"{r.get('solver_peak_rss_mb', '-'):>11}"
            f"  {r['valid']}"
        )
    for r in rules:
        print(
            f"{r['method']} in Python (reference, same run): {r['python_s']:.2f} s,"
            f" compiled {r['wall_s']:.3f} s ({r['speedup']}x), same plan: {r['same_as_python']}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 orders, 5 s: a smoke run")
    parser.add_argument("--sizes", default="200,2000,10000")
    parser.add_argument("--limits", default="10,60")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", default=str(REPO / "bench" / "results" / "factory.json"))
    args = parser.parse_args()
    sizes = [200] if args.quick else [int(s) for s in args.sizes.split(",")]
    limits = [5.0] if args.quick else [float(x) for x in args.limits.split(",") if x]
    results = []
    for orders in sizes:
        size = run_size(orders, limits, args.workers)
        print_table(size)
        results.append(size)
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(
            json.dumps(
                {
                    "now": NOW.isoformat(),
                    "workers": args.workers,
                    "limits": limits,
                    "sizes": results,
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
