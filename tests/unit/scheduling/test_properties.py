"""Property tests on random small instances, plus progress and cancellation."""

from __future__ import annotations

import random
import threading
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linewise.scheduling.cpsat import SolverParams, solve
from linewise.scheduling.dispatch import RULES, best_dispatch, dispatch
from linewise.scheduling.model import (
    FrozenAssignment,
    Instance,
    Job,
    Mode,
    ObjectiveConfig,
    Operation,
    Resource,
    SetupTime,
    SkillShift,
    SolveStatus,
    Window,
)
from linewise.scheduling.objective import evaluate
from linewise.scheduling.validate import validate

FAMILIES = ("a", "b", "c")


def random_instance(
    seed: int, jobs: int = 5, resources: int = 3, skill_share: float = 0.3
) -> Instance:
    """A small factory: flexible routings, setups, calendars, skills, waits, frozen work."""
    rnd = random.Random(seed)
    res = []
    for r in range(resources):
        calendar = None
        if rnd.random() < 0.5:
            t, windows = 0, []
            while t < 400:
                length = rnd.randint(15, 40)
                windows.append(Window(t, t + length))
                t += length + rnd.randint(1, 10)
            windows.append(Window(t, 10**6))
            calendar = tuple(windows)
        setups = tuple(
            SetupTime(a, b, rnd.randint(0, 6)) for a in FAMILIES for b in FAMILIES if a != b
        )
        res.append(Resource(f"r{r}", calendar, setups if rnd.random() < 0.6 else ()))
    shifts = (
        SkillShift("s", Window(0, 60), 1),
        SkillShift("s", Window(60, 10**6), 2),
    )
    out = []
    for j in range(jobs):
        ops = []
        for k in range(rnd.randint(1, 4)):
            eligible = rnd.sample(range(resources), rnd.randint(1, resources))
            modes = tuple(Mode(f"r{r}", rnd.randint(1, 12)) for r in eligible)
            min_wait = rnd.choice([0, 0, 2])
            # Keep maximum waits satisfiable: longer than any setup, and only on
            # splittable work that never has to wait for a whole calendar window.
            max_wait = min_wait + rnd.randint(7, 30) if k and rnd.random() < 0.3 else None
            ops.append(
                Operation(
                    modes,
                    family=rnd.choice(FAMILIES),
                    skill="s" if rnd.random() < skill_share else None,
                    min_wait=min_wait if k else 0,
                    max_wait=max_wait,
                    splittable=max_wait is not None or rnd.random() < 0.5,
                    material_ready=rnd.choice([0, 0, rnd.randint(0, 40)]),
                )
            )
        release = rnd.choice([0, rnd.randint(0, 30)])
        due = rnd.choice([None, release + rnd.randint(10, 80)])
        out.append(Job(f"j{j}", tuple(ops), rnd.randint(1, 5), release, due))
    # Freeze the first operation of job 0 where the heuristic put it: work in progress.
    inst = Instance(tuple(out), tuple(res), shifts)
    first = dispatch(inst).by_key()[("j0", 0)]
    frozen_op = Operation(
        tuple(m for m in out[0].operations[0].modes),
        family=out[0].operations[0].family,
        skill=out[0].operations[0].skill,
        splittable=out[0].operations[0].splittable,
        frozen=FrozenAssignment(first.resource, first.start),
    )
    out[0] = Job("j0", (frozen_op, *out[0].operations[1:]), out[0].weight, 0, out[0].due)
    return Instance(tuple(out), tuple(res), shifts)


SEEDS = st.integers(min_value=0, max_value=10**6)
CONFIGS = st.sampled_from(
    [
        ObjectiveConfig(),
        ObjectiveConfig(levels=("makespan",)),
        ObjectiveConfig(levels=("weighted_tardiness", "bottleneck_idle", "changeovers")),
    ]
)


@settings(max_examples=40, deadline=None)
@given(SEEDS)
def test_every_heuristic_rule_gives_a_valid_plan(seed: int) -> None:
    inst = random_instance(seed)
    for rule in RULES:
        assert validate(inst, dispatch(inst, rule)) == [], rule


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(SEEDS, CONFIGS)
def test_cpsat_is_valid_and_never_worse_than_its_warm_start(
    seed: int, config: ObjectiveConfig
) -> None:
    inst = random_instance(seed, jobs=4)
    warm, _ = best_dispatch(inst, config)
    result = solve(inst, config, SolverParams(time_limit=1.0, num_workers=2), warm_start=warm)
    assert validate(inst, result.plan) == []
    assert result.objective == evaluate(inst, result.plan, config)
    assert result.objective.key(config) <= evaluate(inst, warm, config).key(config)
    for level in result.levels:
        assert level.bound <= level.value
    if result.status is SolveStatus.OPTIMAL:
        assert result.levels[0].value == result.objective.level(result.levels[0].level)


def test_heuristic_plans_a_few_thousand_operations_validly() -> None:
    # Its speed is measured by bench/factory.py (a timed assertion here would flake on a
    # busy machine); this checks the shortlist and lazy queues keep every operation.
    inst = random_instance(7, jobs=800, resources=20, skill_share=0.002)
    for rule in RULES:
        plan = dispatch(inst, rule)
        assert len(plan.operations) == inst.operation_count
        assert validate(inst, plan) == []


def test_progress_reports_and_cancel_stops_the_search() -> None:
    inst = random_instance(3, jobs=40, resources=5)
    cancel = threading.Event()
    reports: list[tuple[float, float, float, float]] = []

    def on_progress(elapsed: float, objective: float, bound: float, gap: float) -> None:
        reports.append((elapsed, objective, bound, gap))
        cancel.set()

    started = time.monotonic()
    result = solve(inst, params=SolverParams(time_limit=30, on_progress=on_progress, cancel=cancel))
    assert time.monotonic() - started < 15
    assert reports and all(b <= o for _, o, b, _ in reports)
    assert validate(inst, result.plan) == []


def test_cancel_before_start_returns_the_heuristic() -> None:
    inst = random_instance(5)
    cancel = threading.Event()
    cancel.set()
    result = solve(inst, params=SolverParams(time_limit=10, cancel=cancel))
    assert result.status is SolveStatus.FALLBACK_HEURISTIC
    assert validate(inst, result.plan) == []
