"""Lower bounds that let the solver skip a level its warm start already meets."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings

from linewise.scheduling.cpsat import SolverParams, solve
from linewise.scheduling.dispatch import RULES, dispatch
from linewise.scheduling.model import (
    FrozenAssignment,
    Instance,
    Job,
    Mode,
    ObjectiveConfig,
    Operation,
    Resource,
    SolveStatus,
    Window,
)
from linewise.scheduling.objective import evaluate, lower_bound
from tests.unit.scheduling.test_properties import SEEDS, random_instance


def without_calendars(inst: Instance) -> Instance:
    return replace(inst, resources=tuple(replace(r, calendar=None) for r in inst.resources))


@settings(max_examples=40, deadline=None)
@given(SEEDS)
def test_makespan_bound_never_exceeds_a_feasible_plan(seed: int) -> None:
    inst = without_calendars(random_instance(seed, jobs=6))
    bound = lower_bound(inst, "makespan")
    assert bound > 0
    for rule in RULES:
        assert bound <= evaluate(inst, dispatch(inst, rule), ObjectiveConfig()).makespan


def test_bound_is_the_longest_routing_from_release_material_and_frozen_work() -> None:
    a, b = Resource("a"), Resource("b")
    jobs = (
        # release 5, then 10 (fastest of 10/20), min wait 3, material at 30, then 4: 34
        Job(
            "x",
            (
                Operation((Mode("a", 10), Mode("b", 20))),
                Operation((Mode("b", 4),), min_wait=3, material_ready=30),
            ),
            release=5,
        ),
        # frozen at 40 on b for 7: ends 47, then 2 more
        Job(
            "y",
            (
                Operation((Mode("b", 7),), frozen=FrozenAssignment("b", 40)),
                Operation((Mode("a", 2),)),
            ),
        ),
    )
    inst = Instance(jobs, (a, b))
    assert lower_bound(inst, "makespan") == 49
    assert lower_bound(inst, "weighted_tardiness") == 0
    calendared = replace(inst, resources=(Resource("a", (Window(0, 100),)), b))
    # Breaks could stretch any chain; only frozen work (y, 40 to 47) is sure.
    assert lower_bound(calendared, "makespan") == 47


def test_a_warm_start_at_every_bound_is_proven_optimal_without_searching() -> None:
    chain = Job("j", tuple(Operation((Mode(f"m{i}", 5 + i),), family="f") for i in range(3)))
    other = Job("k", (Operation((Mode("m0", 2),), family="f"),), release=100, due=200)
    inst = Instance((chain, other), tuple(Resource(f"m{i}") for i in range(3)))
    result = solve(inst, ObjectiveConfig(), SolverParams(time_limit=5.0))
    assert result.status is SolveStatus.OPTIMAL
    makespan = next(level for level in result.levels if level.level == "makespan")
    assert makespan.value == makespan.bound == 102
    assert all(level.optimal and level.value == level.bound for level in result.levels)
    assert result.objective == evaluate(inst, result.plan, ObjectiveConfig())
