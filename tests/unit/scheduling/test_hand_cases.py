"""Small cases whose optimal plans can be checked by hand, for heuristic and CP-SAT."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from linewise.scheduling.cpsat import SolverParams, solve
from linewise.scheduling.dispatch import RULES, best_dispatch, dispatch
from linewise.scheduling.model import (
    FrozenAssignment,
    Instance,
    ObjectiveConfig,
    Plan,
    Resource,
    SetupTime,
    SkillShift,
    SolveStatus,
    Window,
)
from linewise.scheduling.objective import evaluate
from linewise.scheduling.validate import validate
from tests.unit.scheduling.builders import job, op

FAST = SolverParams(time_limit=5, num_workers=1, random_seed=1)
Solver = Callable[[Instance], Plan]


def heuristic(instance: Instance) -> Plan:
    return best_dispatch(instance)[0]


def cpsat(instance: Instance) -> Plan:
    return solve(instance, params=FAST).plan


SOLVERS = [pytest.param(heuristic, id="heuristic"), pytest.param(cpsat, id="cpsat")]


def checked(solver: Solver, instance: Instance) -> dict[tuple[str, int], tuple[str, int, int]]:
    plan = solver(instance)
    assert validate(instance, plan) == []
    return {k: (s.resource, s.start, s.end) for k, s in plan.by_key().items()}


@pytest.mark.parametrize("solver", SOLVERS)
def test_precedence_within_a_job(solver: Solver) -> None:
    inst = Instance((job("a", op(("m1", 3)), op(("m2", 2))),), (Resource("m1"), Resource("m2")))
    assert checked(solver, inst) == {("a", 0): ("m1", 0, 3), ("a", 1): ("m2", 3, 5)}


@pytest.mark.parametrize("solver", SOLVERS)
def test_release_material_and_min_wait(solver: Solver) -> None:
    inst = Instance(
        (job("a", op(("m", 2), material_ready=7), op(("m", 2), min_wait=4), release=5),),
        (Resource("m"),),
    )
    assert checked(solver, inst) == {("a", 0): ("m", 7, 9), ("a", 1): ("m", 13, 15)}


@pytest.mark.parametrize("solver", SOLVERS)
def test_calendar_gap_pushes_non_splittable_and_stretches_splittable(solver: Solver) -> None:
    cal = (Window(0, 10), Window(20, 40))
    inst = Instance(
        (job("a", op(("m", 6))), job("b", op(("m", 6))), job("c", op(("n", 12), splittable=True))),
        (Resource("m", calendar=cal), Resource("n", calendar=cal)),
    )
    plan = checked(solver, inst)
    assert sorted(plan[(j, 0)][1] for j in "ab") == [0, 20]  # second one waits for the shift
    assert plan[("c", 0)] == ("n", 0, 22)  # 10 before the break, 2 after


@pytest.mark.parametrize("solver", SOLVERS)
def test_frozen_operation_stays_and_others_fit_around(solver: Solver) -> None:
    inst = Instance(
        (
            job("wip", op(("m", 5), frozen=FrozenAssignment("m", 3)), op(("m", 1))),
            job("new", op(("m", 2))),
        ),
        (Resource("m"),),
    )
    plan = checked(solver, inst)
    assert plan[("wip", 0)] == ("m", 3, 8)
    assert plan[("new", 0)][1] in (0, 1, 8, 9)


@pytest.mark.parametrize("solver", SOLVERS)
def test_skill_capacity_serialises_work(solver: Solver) -> None:
    jobs = tuple(job(f"j{i}", op((f"m{i}", 4), skill="smt")) for i in range(3))
    inst = Instance(
        jobs,
        tuple(Resource(f"m{i}") for i in range(3)),
        skill_shifts=(SkillShift("smt", Window(0, 100), 2),),
    )
    plan = checked(solver, inst)
    assert sorted(s for _, s, _ in plan.values()) == [0, 0, 4]


@pytest.mark.parametrize("solver", SOLVERS)
def test_skill_shift_limits_when_work_can_happen(solver: Solver) -> None:
    inst = Instance(
        (job("a", op(("m", 4), skill="test", operators=2)),),
        (Resource("m"),),
        skill_shifts=(SkillShift("test", Window(0, 10), 1), SkillShift("test", Window(10, 50), 2)),
    )
    assert checked(solver, inst) == {("a", 0): ("m", 10, 14)}


def test_cpsat_groups_families_to_save_setups() -> None:
    families = ["red", "blue", "red", "blue"]
    inst = Instance(
        tuple(job(f"j{i}", op(("m", 2), family=f)) for i, f in enumerate(families)),
        (Resource("m", setups=(SetupTime("red", "blue", 5), SetupTime("blue", "red", 5))),),
    )
    result = solve(inst, params=FAST)
    assert validate(inst, result.plan) == []
    assert result.objective.makespan == 4 * 2 + 5
    assert result.objective.changeovers == 1
    assert result.status is SolveStatus.OPTIMAL


def test_default_changeover_applies_between_different_families() -> None:
    inst = Instance(
        (job("a", op(("m", 2), family="x")), job("b", op(("m", 2), family="y"))),
        (Resource("m", default_changeover=3),),
    )
    for plan in (heuristic(inst), cpsat(inst)):
        assert validate(inst, plan) == []
        assert evaluate(inst, plan, ObjectiveConfig()).makespan == 7


@pytest.mark.parametrize("rule", RULES)
def test_dispatch_prefers_the_line_without_changeover_when_ends_tie(rule: str) -> None:
    # Both lines end their shift at 10; the next job can only start at 100 on either,
    # so both would finish it at 110, but only line b already runs its family.
    cal = (Window(0, 10), Window(100, 200))
    setups = (SetupTime("red", "blue", 1),)
    inst = Instance(
        (
            job("x", op(("a", 5), family="red")),
            job("y", op(("b", 8), family="blue")),
            job("z", op(("a", 10), ("b", 10), family="blue"), release=10),
        ),
        (Resource("a", calendar=cal, setups=setups), Resource("b", calendar=cal, setups=setups)),
    )
    plan = dispatch(inst, rule)  # type: ignore[arg-type]
    assert validate(inst, plan) == []
    assert plan.by_key()[("z", 0)].resource == "b"
    assert evaluate(inst, plan, ObjectiveConfig()).changeovers == 0


def test_flexible_routing_uses_the_faster_line() -> None:
    inst = Instance(
        (job("a", op(("slow", 10), ("fast", 4))), job("b", op(("slow", 10), ("fast", 4)))),
        (Resource("slow"), Resource("fast")),
    )
    result = solve(inst, params=FAST)
    assert result.objective.makespan == 8
    assert {s.resource for s in result.plan.operations} == {"fast"}


def test_max_wait_is_respected_by_delaying_the_predecessor() -> None:
    # a's second step must start within 1 of its first ending, while b wants m2 at 2.
    inst = Instance(
        (
            job("b", op(("m2", 10)), release=2),
            job("a", op(("m1", 2)), op(("m2", 2), max_wait=1)),
        ),
        (Resource("m1"), Resource("m2")),
    )
    for plan in (heuristic(inst), cpsat(inst)):
        assert validate(inst, plan) == []
    # Either a goes first (0..2, 2..4, then b 4..14) or a waits for b: makespan 14.
    assert evaluate(inst, cpsat(inst), ObjectiveConfig()).makespan == 14


def test_max_wait_after_frozen_work_takes_the_line_that_keeps_it() -> None:
    # a's first step is running (frozen, ends at 10); its second must start by 12. The
    # fast line would finish it first (20..22) but only after other frozen work, so the
    # slow line, free at once, is the one that keeps the wait.
    inst = Instance(
        (
            job(
                "a",
                op(("m", 10), frozen=FrozenAssignment("m", 0)),
                op(("fast", 2), ("slow", 15), max_wait=2),
            ),
            job("other", op(("fast", 10), frozen=FrozenAssignment("fast", 10))),
        ),
        (Resource("m"), Resource("fast"), Resource("slow")),
    )
    for plan in (heuristic(inst), cpsat(inst)):
        assert validate(inst, plan) == []
        assert plan.by_key()[("a", 1)].resource == "slow"


def test_lexicographic_tardiness_before_makespan() -> None:
    # Urgent job u (due 3, weight 10) must go first although that lengthens the makespan.
    inst = Instance(
        (
            job("long", op(("m", 5)), op(("n", 5))),
            job("u", op(("n", 3)), due=3, weight=10),
        ),
        (Resource("m"), Resource("n")),
    )
    tardiness_first = solve(inst, params=FAST)
    assert tardiness_first.objective.weighted_tardiness == 0
    assert tardiness_first.objective.makespan == 10
    makespan_only = solve(inst, ObjectiveConfig(levels=("makespan",)), FAST)
    assert makespan_only.objective.makespan == 10
    late = Instance(
        (job("long", op(("n", 5)), due=5), job("u", op(("n", 3)), due=3, weight=10)),
        (Resource("n"),),
    )
    result = solve(late, params=FAST)
    assert result.objective.weighted_tardiness == 3  # u first (0..3), long late by 3
    assert [lv.level for lv in result.levels] == ["weighted_tardiness", "makespan"]


def test_changeovers_break_ties_after_makespan() -> None:
    fams = ["a", "b", "a", "b"]
    inst = Instance(
        tuple(job(f"j{i}", op(("m", 1), family=f)) for i, f in enumerate(fams)),
        (Resource("m"),),
    )
    result = solve(inst, params=FAST)
    assert result.objective.makespan == 4
    assert result.objective.changeovers == 1


def test_bottleneck_idle_objective() -> None:
    inst = Instance(
        (job("a", op(("pre", 4)), op(("bn", 2))), job("b", op(("pre", 1)), op(("bn", 2)))),
        (Resource("pre"), Resource("bn")),
    )
    config = ObjectiveConfig(levels=("bottleneck_idle", "makespan"), bottleneck="bn")
    result = solve(inst, config, FAST)
    assert result.objective.bottleneck_idle == 0
    assert validate(inst, result.plan) == []
