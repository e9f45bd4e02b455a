from __future__ import annotations

import random

from linewise.scheduling.cpsat import SolverParams
from linewise.scheduling.decompose import solve_decomposed
from linewise.scheduling.dispatch import Heuristic, best_dispatch
from linewise.scheduling.model import (
    Instance,
    Job,
    Mode,
    ObjectiveConfig,
    Operation,
    Resource,
    SolveStatus,
)
from linewise.scheduling.objective import evaluate
from linewise.scheduling.validate import validate


def factory(orders: int, lines: int, seed: int = 1) -> Instance:
    """Orders through 4 stages (SMT, THT, test, pack), each stage a group of lines."""
    rnd = random.Random(seed)
    stages = [[f"s{k}l{i}" for i in range(k * lines // 4, (k + 1) * lines // 4)] for k in range(4)]
    resources = tuple(Resource(r, default_changeover=rnd.randint(5, 20)) for g in stages for r in g)
    jobs = []
    for j in range(orders):
        family = rnd.choice("ABCD")
        ops = tuple(
            Operation(
                tuple(Mode(r, rnd.randint(20, 90)) for r in rnd.sample(g, min(2, len(g)))),
                family=family,
            )
            for g in stages
        )
        release = rnd.randint(0, orders * 10)
        jobs.append(Job(f"o{j}", ops, rnd.randint(1, 3), release, release + rnd.randint(200, 900)))
    return Instance(tuple(jobs), resources)


def test_decomposition_is_valid_and_not_worse_than_the_heuristic() -> None:
    inst = factory(orders=60, lines=8)
    config = ObjectiveConfig()
    result = solve_decomposed(
        inst, config, SolverParams(time_limit=6, num_workers=2), batch_size=20
    )
    assert validate(inst, result.plan) == []
    heuristic, _ = best_dispatch(inst, config)
    assert result.objective.key(config) <= evaluate(inst, heuristic, config).key(config)
    assert result.status in (SolveStatus.FEASIBLE, SolveStatus.FALLBACK_HEURISTIC)


def test_time_budget_runs_only_the_first_rule_when_exhausted() -> None:
    inst = factory(orders=30, lines=8)
    _plan, rule = best_dispatch(inst, ObjectiveConfig(), time_budget=0.0)
    assert rule == Heuristic("atcs")


def test_decomposition_keeps_a_short_time_limit_and_reports_progress() -> None:
    # 600 orders in batches of 20: 30 batches, each needing its own dispatch; with a
    # 1.5 s limit there is no time for CP-SAT in most of them, and the run must still
    # answer (near) the limit with a valid plan instead of dispatching batch after batch.
    inst = factory(orders=600, lines=12, seed=3)
    seen: list[float] = []
    params = SolverParams(
        time_limit=1.5, num_workers=2, on_progress=lambda t, obj, b, g: seen.append(obj)
    )
    result = solve_decomposed(inst, ObjectiveConfig(), params, batch_size=20)
    assert validate(inst, result.plan) == []
    assert result.wall_time < 1.5 + 1.0
    assert seen, "a decomposed run reports progress after its batches"
