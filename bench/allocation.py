"""Idle time benchmark: reallocation proposals, idle-risk model, a simulated week.

1. CP-SAT proposal time at 30 machines / 50 operators and 300 / 500 (random floors,
   p50 and p95 over repeats) beside a greedy nearest-operator baseline timed in the
   same run, with the idle minutes each saves.
2. Idle-risk precision and recall per horizon on held-out simulated days (another week,
   another seed) beside the persistence baseline (idle now -> idle later).
3. The demo factory for a week with operators (12 % absence per shift), once as planned
   and once with the suggestions applied automatically every 15 minutes, same seed:
   idle minutes by cause, output and lateness side by side.

    python bench/allocation.py            # all three (about two minutes on 2 cores)
    python bench/allocation.py --quick    # fewer repeats, two simulated days
    python bench/allocation.py --train    # refit the risk model, rewrite its coefficients
    python bench/allocation.py --train-operators  # refit the operators' model likewise

Writes bench/results/allocation.json.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from linewise.allocation import training
from linewise.allocation.causes import CAUSES, NO_ASSIGNMENT, WAITING_FOR_SETUP
from linewise.allocation.policy import suggestion_policy
from linewise.allocation.proposal import Person, Rules, Station, propose
from linewise.allocation.risk import shipped_model, shipped_operator_model
from linewise.demo.factory import build_factory
from linewise.simulation import SimParams, Simulation
from linewise.simulation.ground_truth import GroundTruth
from linewise.simulation.spec import FactorySpec

RESULTS = Path(__file__).parent / "results" / "allocation.json"
COEFFICIENTS = (
    Path(__file__).parent.parent / "src" / "linewise" / "allocation" / "risk_coefficients.py"
)
OPERATOR_COEFFICIENTS = COEFFICIENTS.with_name("operator_risk_coefficients.py")
MONDAY = datetime(2026, 11, 16, 5, 0, tzinfo=UTC)  # 06:00 in Berlin, the early shift starts
PARAMS = SimParams(operators=True, telemetry_interval_s=3600)


# -- 1. proposals ---------------------------------------------------------------------------


def random_floor(machines: int, operators: int, seed: int) -> tuple[list[Station], list[Person]]:
    rng = random.Random(seed)
    areas = [f"A{k}" for k in range(max(1, machines // 60))]
    skills = [f"s{k}" for k in range(len(areas))]
    stations = []
    for i in range(machines):
        k = i % len(areas)
        need = rng.choice((1, 1, 2))
        present = rng.choice((0, need, need, need + 1))
        stations.append(Station(f"M{i}", areas[k], skills[k], need, present, rng.random() < 0.8))
    people = []
    for j in range(operators):
        k = j % len(areas)
        extra = (skills[(k + 1) % len(skills)],) if rng.random() < 0.3 else ()
        home = f"M{rng.randrange(machines)}"
        people.append(Person(f"P{j}", (skills[k], *extra), (areas[k],), home, rng.random() < 0.9))
    return stations, people


def greedy(stations: list[Station], people: list[Person], rules: Rules) -> tuple[float, float]:
    """The baseline: the most valuable short station first takes the nearest free eligible
    operator from a station with slack or without work. Returns (seconds, gain)."""
    started = time.perf_counter()
    by_code = {s.code: s for s in stations}
    spare = {s.code: (s.present - s.need if s.has_work else s.present) for s in stations}
    used: set[str] = set()
    gain = 0.0
    short = sorted(
        (s for s in stations if s.has_work and s.present < s.need),
        key=lambda s: -(s.gain_min or rules.horizon_min * s.machines),
    )
    for s in short:
        picked = []
        for p in people:
            if len(picked) == s.need - s.present:
                break
            here = by_code.get(p.station or "")
            if (
                p.code in used
                or not p.available
                or s.skill not in p.skills
                or here is None
                or spare[here.code] <= 0
            ):
                continue
            picked.append(p)
        if len(picked) < s.need - s.present:
            continue
        for p in picked:
            used.add(p.code)
            here = by_code[p.station or ""]
            spare[here.code] -= 1
            walk = rules.walk_same_area_min if here.area == s.area else rules.walk_other_area_min
            gain -= walk * s.machines
        gain += s.gain_min or rules.horizon_min * s.machines
    return time.perf_counter() - started, gain


def bench_proposals(repeat: int) -> list[dict[str, Any]]:
    out = []
    rules = Rules()
    for machines, operators in ((30, 50), (300, 500)):
        times, gains, base_times, base_gains, moves = [], [], [], [], []
        for seed in range(repeat):
            stations, people = random_floor(machines, operators, seed)
            proposal = propose(stations, people, rules)
            times.append(proposal.seconds)
            gains.append(proposal.gain_min)
            moves.append(len(proposal.moves))
            seconds, gain = greedy(stations, people, rules)
            base_times.append(seconds)
            base_gains.append(gain)
        p95 = sorted(times)[max(0, round(0.95 * len(times)) - 1)]
        out.append(
            {
                "machines": machines,
                "operators": operators,
                "repeats": repeat,
                "p50_s": round(statistics.median(times), 4),
                "p95_s": round(p95, 4),
                "greedy_p50_s": round(statistics.median(base_times), 5),
                "moves_mean": round(statistics.mean(moves), 1),
                "gain_min_mean": round(statistics.mean(gains), 1),
                "greedy_gain_min_mean": round(statistics.mean(base_gains), 1),
                "gain_ratio": round(
                    statistics.mean(gains) / max(1e-9, statistics.mean(base_gains)), 3
                ),
            }
        )
    return out


# -- 2. risk --------------------------------------------------------------------------------


def simulate(spec: FactorySpec, start: datetime, days: float, seed: int, **kw: Any) -> Simulation:
    sim = Simulation(spec, start, timedelta(days=days), seed=seed, params=PARAMS, **kw)
    sim.ground_truth()
    return sim


def train(days: float) -> dict[int, tuple[float, ...]]:
    spec = build_factory(MONDAY, orders=60)
    truth = simulate(spec, MONDAY, days, seed=1).ground_truth()
    coefficients = training.fit(training.samples(spec, truth))
    note = f"{days:g} simulated days of the demo factory with operators (seed 1)"
    COEFFICIENTS.write_text(training.coefficients_module(coefficients, note), encoding="utf-8")
    return coefficients


def train_operators(days: float) -> dict[int, tuple[float, ...]]:
    trained = simulate(build_factory(MONDAY, orders=60), MONDAY, days, seed=1)
    coefficients = training.fit(
        training.operator_samples(trained.operator_activities, trained.start)
    )
    note = f"{days:g} simulated days of the demo factory's operators (seed 1)"
    OPERATOR_COEFFICIENTS.write_text(
        training.coefficients_module(
            coefficients, note, of="Operator idle-risk", flag="--train-operators"
        ),
        encoding="utf-8",
    )
    return coefficients


def bench_risk(days: float) -> dict[str, list[dict[str, Any]]]:
    """The shipped machine and operator models on held-out simulated days."""
    start = MONDAY + timedelta(days=7)  # another week, another seed: held out
    spec = build_factory(start, orders=60)
    held_out = simulate(spec, start, days, seed=2)
    data = training.samples(spec, held_out.ground_truth())
    machines = _rows(training.evaluate(shipped_model().coefficients, data))
    ops = training.operator_samples(held_out.operator_activities, held_out.start)
    operators = _rows(training.evaluate(shipped_operator_model().coefficients, ops))
    return {"machines": machines, "operators": operators}


def _rows(scores: list[training.Score]) -> list[dict[str, Any]]:
    return [
        {
            "horizon_min": s.horizon,
            "precision": round(s.precision, 3),
            "recall": round(s.recall, 3),
            "persistence_precision": round(s.baseline_precision, 3),
            "persistence_recall": round(s.baseline_recall, 3),
            "positives": s.positives,
            "samples": s.samples,
        }
        for s in scores
    ]


# -- 3. the simulated week ------------------------------------------------------------------


def outcome(spec: FactorySpec, truth: GroundTruth) -> dict[str, Any]:
    idle = Counter[str]()
    for e in truth.idle:
        if e.subject == "machine":
            idle[e.cause] += e.minutes
    operator_idle = sum(m["idle"] for m in truth.operator_minutes.values())
    last_step = {p.code: p.steps[-1].seq for p in spec.products if p.steps}
    finished: dict[str, datetime] = {}
    output = 0
    for op in truth.operations:
        if op.operation == last_step.get(op.product):
            output += op.good
            if op.end is not None:
                finished[op.order] = op.end
    late, late_h = 0, 0.0
    for order in spec.orders:
        if order.due >= truth.end:
            continue
        end = finished.get(order.number, truth.end)
        if end > order.due:
            late += 1
            late_h += (end - order.due).total_seconds() / 3600
    return {
        "machine_idle_min": round(sum(idle.values())),
        "by_cause_min": {c: round(idle.get(c, 0.0)) for c in CAUSES},
        "staffing_idle_min": round(idle.get(NO_ASSIGNMENT, 0.0) + idle.get(WAITING_FOR_SETUP, 0.0)),
        "operator_idle_min": round(operator_idle),
        "output_units": output,
        "late_orders": late,
        "lateness_h": round(late_h, 1),
    }


def bench_week(days: float) -> dict[str, Any]:
    spec = build_factory(MONDAY)
    machines = {line.code: len(line.machines) for line in spec.lines}
    started = time.perf_counter()
    planned = simulate(spec, MONDAY, days, seed=7)
    t_planned = time.perf_counter() - started
    started = time.perf_counter()
    helped = simulate(spec, MONDAY, days, seed=7, policy=suggestion_policy(machines))
    t_helped = time.perf_counter() - started
    a, b = outcome(spec, planned.ground_truth()), outcome(spec, helped.ground_truth())
    return {
        "days": days,
        "planned": {**a, "seconds": round(t_planned, 1)},
        "with_suggestions": {**b, "moves": helped.moves, "seconds": round(t_helped, 1)},
        "idle_reduction": round(1 - b["machine_idle_min"] / max(1, a["machine_idle_min"]), 3),
        "staffing_idle_reduction": round(
            1 - b["staffing_idle_min"] / max(1, a["staffing_idle_min"]), 3
        ),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats, shorter runs")
    parser.add_argument("--train", action="store_true", help="refit the risk model first")
    parser.add_argument(
        "--train-operators", action="store_true", help="refit the operators' risk model first"
    )
    args = parser.parse_args()
    repeat, risk_days, week_days = (5, 1.0, 2.0) if args.quick else (20, 2.0, 7.0)
    out: dict[str, Any] = {"python": sys.version.split()[0], "quick": args.quick}
    if args.train:
        out["trained"] = {str(h): w for h, w in train(3.0).items()}
        print(f"wrote {COEFFICIENTS.name}")
    if args.train_operators:
        out["trained_operators"] = {str(h): w for h, w in train_operators(3.0).items()}
        print(f"wrote {OPERATOR_COEFFICIENTS.name}")
    out["proposals"] = bench_proposals(repeat)
    print("\nCP-SAT proposal (random floors)")
    print(
        f"{'machines':>8} {'operators':>9} {'p50 s':>7} {'p95 s':>7} {'greedy s':>9} "
        f"{'moves':>6} {'gain min':>9} {'greedy gain':>11} {'ratio':>6}"
    )
    for r in out["proposals"]:
        print(
            f"{r['machines']:>8} {r['operators']:>9} {r['p50_s']:>7} {r['p95_s']:>7} "
            f"{r['greedy_p50_s']:>9} {r['moves_mean']:>6} {r['gain_min_mean']:>9} "
            f"{r['greedy_gain_min_mean']:>11} {r['gain_ratio']:>6}"
        )
    out["risk"] = bench_risk(risk_days)
    for who, rows in out["risk"].items():
        print(f"\nIdle risk of {who} on {risk_days:g} held-out simulated days (threshold 0.5)")
        print(
            f"{'horizon':>7} {'precision':>9} {'recall':>7} {'persist. P':>10} "
            f"{'persist. R':>10} {'positives':>9} {'samples':>7}"
        )
        for r in rows:
            print(
                f"{r['horizon_min']:>7} {r['precision']:>9} {r['recall']:>7} "
                f"{r['persistence_precision']:>10} {r['persistence_recall']:>10} "
                f"{r['positives']:>9} {r['samples']:>7}"
            )
    out["week"] = bench_week(week_days)
    w = out["week"]
    print(f"\nDemo factory, {week_days:g} simulated days with operators, same seed")
    print(f"{'':>26} {'as planned':>11} {'suggestions':>12}")
    for key in (
        "machine_idle_min",
        "staffing_idle_min",
        "operator_idle_min",
        "output_units",
        "late_orders",
        "lateness_h",
    ):
        print(f"{key:>26} {w['planned'][key]:>11} {w['with_suggestions'][key]:>12}")
    for cause in CAUSES:
        print(
            f"{'  ' + cause:>26} {w['planned']['by_cause_min'][cause]:>11} "
            f"{w['with_suggestions']['by_cause_min'][cause]:>12}"
        )
    print(f"{'moves':>26} {'':>11} {w['with_suggestions']['moves']:>12}")
    print(
        f"idle reduction {w['idle_reduction']:.1%}, "
        f"staffing idle reduction {w['staffing_idle_reduction']:.1%}"
    )
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
