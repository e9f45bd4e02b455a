"""Operators with several skills are one person each: counted once, by every part.

Crews (``SkillShift`` with several skills) against the heuristic, the CP-SAT model, the
validator and a brute-force assignment of individual operators.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from functools import cache
from itertools import combinations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from linewise.scheduling.cpsat import SolverParams, _extract, solve
from linewise.scheduling.cpsat_model import build_model
from linewise.scheduling.dispatch import RULES, best_dispatch, dispatch
from linewise.scheduling.model import (
    Instance,
    Job,
    Mode,
    ObjectiveConfig,
    Operation,
    Plan,
    Resource,
    ScheduledOperation,
    SkillShift,
    Window,
)
from linewise.scheduling.objective import evaluate
from linewise.scheduling.skills import MAX_HALL_SETS, SkillBoard, skill_pools
from linewise.scheduling.validate import validate
from tests.unit.scheduling.builders import job, op

MAKESPAN = ObjectiveConfig(levels=("makespan",))
SKILLS = ("a", "b", "c", "d")


def heuristic(instance: Instance) -> Plan:
    return best_dispatch(instance)[0]


def cpsat(instance: Instance) -> Plan:
    return solve(instance, MAKESPAN, SolverParams(time_limit=3, num_workers=1)).plan


def cpsat_model(instance: Instance) -> Plan:
    """A plan straight from the CP-SAT model (not the heuristic ``solve`` may fall back on)."""
    warm = dispatch(instance)
    shop = build_model(instance, MAKESPAN, evaluate(instance, warm, MAKESPAN).makespan)
    shop.model.minimize(shop.objectives["makespan"])
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = 3
    solver.parameters.num_workers = 1
    assert solver.solve(shop.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    return _extract(shop, solver)


SOLVERS = [
    pytest.param(heuristic, id="heuristic"),
    pytest.param(cpsat, id="cpsat"),
    pytest.param(cpsat_model, id="cpsat-model"),
]
Solver = Callable[[Instance], Plan]


def overlap(a: ScheduledOperation, b: ScheduledOperation) -> bool:
    return a.start < b.end and b.start < a.end


def parallel_ops(skills: str, shifts: tuple[SkillShift, ...], duration: int = 5) -> Instance:
    """One operation per letter of ``skills``, each on its own machine."""
    jobs = tuple(job(f"j{i}", op((f"m{i}", duration), skill=s)) for i, s in enumerate(skills))
    return Instance(jobs, tuple(Resource(f"m{i}") for i in range(len(skills))), shifts)


# --- hand cases --------------------------------------------------------------------------


@pytest.mark.parametrize("solver", SOLVERS)
def test_one_operator_with_two_skills_never_runs_two_operations(solver: Solver) -> None:
    inst = parallel_ops("ab", (SkillShift(("a", "b"), Window(0, 100), 1),))
    plan = solver(inst)
    assert validate(inst, plan) == []
    x, y = plan.by_key()[("j0", 0)], plan.by_key()[("j1", 0)]
    assert not overlap(x, y)


def test_validator_flags_one_operator_on_two_operations() -> None:
    inst = parallel_ops("ab", (SkillShift(("a", "b"), Window(0, 100), 1),))
    both = Plan((ScheduledOperation("j0", 0, "m0", 0, 5), ScheduledOperation("j1", 0, "m1", 3, 8)))
    assert validate(inst, both) == ["skills a+b: 2 operators needed at 3, 1 present who hold them"]
    apart = Plan(
        (ScheduledOperation("j0", 0, "m0", 0, 5), ScheduledOperation("j1", 0, "m1", 5, 10))
    )
    assert validate(inst, apart) == []


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_versatile_and_a_specialist_operator_work_in_parallel(solver: Solver) -> None:
    crews = (SkillShift(("a", "b"), Window(0, 100), 1), SkillShift("b", Window(0, 100), 1))
    inst = parallel_ops("ab", crews)
    plan = solver(inst)
    assert validate(inst, plan) == []
    assert evaluate(inst, plan, MAKESPAN).makespan == 5


@pytest.mark.parametrize("solver", SOLVERS)
def test_three_skills_two_operators_is_caught_only_by_the_whole_set(solver: Solver) -> None:
    # Any two of the operations can run together; all three need three people.
    crews = (SkillShift(("a", "b"), Window(0, 100), 1), SkillShift(("b", "c"), Window(0, 100), 1))
    inst = parallel_ops("abc", crews)
    plan = solver(inst)
    assert validate(inst, plan) == []
    spans = plan.operations
    assert max(s.start for s in spans) >= min(s.end for s in spans)  # never all three
    assert evaluate(inst, plan, MAKESPAN).makespan == 10


def test_validator_names_the_set_that_cannot_be_staffed() -> None:
    crews = (SkillShift(("a", "b"), Window(0, 100), 1), SkillShift(("b", "c"), Window(0, 100), 1))
    inst = parallel_ops("abc", crews)
    together = Plan(tuple(ScheduledOperation(f"j{i}", 0, f"m{i}", 0, 5) for i in range(3)))
    assert validate(inst, together) == [
        "skills a+b+c: 3 operators needed at 0, 2 present who hold them"
    ]


def test_single_skill_crews_give_the_single_skills() -> None:
    inst = parallel_ops("ab", (SkillShift("a", Window(0, 9), 2), SkillShift("b", Window(0, 9), 1)))
    pools = skill_pools(inst)
    assert set(pools.sets) == {frozenset("a"), frozenset("b")}
    assert not pools.narrowed


def test_skills_held_by_the_same_operators_make_one_set() -> None:
    inst = parallel_ops("abc", (SkillShift(tuple("abc"), Window(0, 9), 2),))
    assert skill_pools(inst).sets == (frozenset("abc"),)


def test_crews_are_narrowed_beyond_the_cap_and_plans_stay_valid() -> None:
    skills = [f"s{i}" for i in range(9)]
    pairs = tuple(
        SkillShift((x, y), Window(0, 1000), 1) for x, y in combinations(skills, 2)
    )  # every pair: 2^9 - 1 linked sets, far beyond the cap
    jobs = tuple(job(f"j{i}", op((f"m{i % 4}", 3), skill=s)) for i, s in enumerate(skills * 2))
    inst = Instance(jobs, tuple(Resource(f"m{i}") for i in range(4)), pairs)
    pools = skill_pools(inst)
    assert pools.narrowed == frozenset(skills)
    assert len(pools.sets) == len(skills) < MAX_HALL_SETS
    assert all(len(c.skills) == 1 for c in pools.crews)
    for rule in RULES:
        assert validate(inst, dispatch(inst, rule)) == [], rule
    assert validate(inst, cpsat_model(inst)) == []


def test_board_capacity_counts_everyone_holding_the_skill() -> None:
    crews = (SkillShift(("a", "b"), Window(0, 10), 1), SkillShift("b", Window(5, 10), 2))
    board = SkillBoard(parallel_ops("ab", crews))
    assert [board.capacity("b", t) for t in (0, 5, 10)] == [1, 3, 0]
    assert board.capacity("a", 7) == 1


# --- random instances --------------------------------------------------------------------


def random_instance(seed: int) -> Instance:
    """Small shops whose operations need one of a few skills, staffed by random crews."""
    rnd = random.Random(seed)
    resources = []
    for r in range(rnd.randint(2, 4)):
        calendar = None
        if rnd.random() < 0.3:
            t, windows = 0, []
            while t < 60:
                length = rnd.randint(8, 20)
                windows.append(Window(t, t + length))
                t += length + rnd.randint(1, 6)
            windows.append(Window(t, 10**6))
            calendar = tuple(windows)
        resources.append(Resource(f"r{r}", calendar))
    skills = SKILLS[: rnd.randint(2, 4)]
    crews = []
    for _ in range(rnd.randint(1, 4)):
        held = rnd.sample(skills, rnd.randint(1, len(skills)))
        start = rnd.randint(0, 40)
        end = rnd.choice([start + rnd.randint(5, 40), 10**6])
        crews.append(SkillShift(held, Window(start, end), rnd.randint(1, 2)))
    for skill in skills:  # in the end, two operators of every skill
        if sum(c.capacity for c in crews if skill in c.skills and c.window.end == 10**6) < 2:
            crews.append(SkillShift(skill, Window(rnd.randint(0, 60), 10**6), 2))
    jobs = []
    for j in range(rnd.randint(2, 5)):
        ops = []
        for _ in range(rnd.randint(1, 3)):
            eligible = rnd.sample(range(len(resources)), rnd.randint(1, len(resources)))
            ops.append(
                Operation(
                    tuple(Mode(f"r{r}", rnd.randint(1, 10)) for r in eligible),
                    skill=rnd.choice([*skills, None]),
                    operators=rnd.choice([1, 1, 2]),
                    splittable=rnd.random() < 0.5,
                )
            )
        jobs.append(Job(f"j{j}", tuple(ops), due=rnd.choice([None, rnd.randint(10, 60)])))
    return Instance(tuple(jobs), tuple(resources), tuple(crews))


def random_plan(instance: Instance, seed: int) -> Plan:
    """Operations anywhere: many overlaps, many of them beyond the operators present."""
    rnd = random.Random(seed)
    ops = []
    for j in instance.jobs:
        for i, operation in enumerate(j.operations):
            mode = rnd.choice(operation.modes)
            start = rnd.randint(0, 40)
            ops.append(ScheduledOperation(j.id, i, mode.resource, start, start + mode.duration))
    return Plan(tuple(ops))


def staffable(needs: list[tuple[str, int]], people: list[frozenset[str]]) -> bool:
    """Brute force: give each operation its operators, trying every choice of people."""
    kinds = sorted(set(people), key=sorted)
    counts = tuple(people.count(k) for k in kinds)

    @cache
    def assign(i: int, left: tuple[int, ...]) -> bool:
        if i == len(needs):
            return True
        skill, n = needs[i]
        able = [k for k, kind in enumerate(kinds) if skill in kind and left[k]]
        options: list[tuple[int, ...]] = [()]
        for k in able:  # how many of each able kind: every split of n over them
            options = [(*o, c) for o in options for c in range(min(n, left[k]) + 1)]
        for take in options:
            if sum(take) != n:
                continue
            rest = list(left)
            for k, c in zip(able, take, strict=True):
                rest[k] -= c
            if assign(i + 1, tuple(rest)):
                return True
        return False

    return assign(0, counts)


def brute_force_short(instance: Instance, plan: Plan) -> set[int]:
    """Instants (where anything changes) at which the running operations cannot be staffed."""
    ops = {(j.id, i): op for j in instance.jobs for i, op in enumerate(j.operations)}
    uses = [
        (s.start, s.end, ops[(s.job_id, s.index)])
        for s in plan.operations
        if ops[(s.job_id, s.index)].skill is not None
    ]
    instants = {t for s, e, _ in uses for t in (s, e)}
    instants |= {t for c in instance.skill_shifts for t in (c.window.start, c.window.end)}
    short = set()
    for t in instants:
        needs = [(o.skill, o.operators) for s, e, o in uses if s <= t < e and o.skill]
        people = [
            c.skills
            for c in instance.skill_shifts
            if c.window.start <= t < c.window.end
            for _ in range(c.capacity)
        ]
        if not staffable(needs, people):
            short.add(t)
    return short


SKILL_PROBLEM = re.compile(r"^skills? (\S+): (\d+) operators needed at (\d+), (\d+) present")


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10**6), st.integers(0, 10**6))
def test_validator_agrees_with_brute_force(seed: int, plan_seed: int) -> None:
    inst = random_instance(seed)
    plan = random_plan(inst, plan_seed)
    found = [m for p in validate(inst, plan) if (m := SKILL_PROBLEM.match(p))]
    assert {int(m.group(3)) for m in found} == brute_force_short(inst, plan)
    placed = plan.by_key()
    for m in found:  # the set named really is short of operators at that instant
        skills, need, t, have = set(m.group(1).split("+")), *map(int, m.group(2, 3, 4))
        running = [
            op
            for j in inst.jobs
            for i, op in enumerate(j.operations)
            if op.skill in skills and placed[(j.id, i)].start <= t < placed[(j.id, i)].end
        ]
        present = [c for c in inst.skill_shifts if c.window.start <= t < c.window.end]
        assert need == sum(op.operators for op in running)
        assert have == sum(c.capacity for c in present if c.skills & skills)
        assert need > have


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 10**6))
def test_every_heuristic_plan_is_valid(seed: int) -> None:
    inst = random_instance(seed)
    for rule in RULES:
        plan = dispatch(inst, rule)
        assert validate(inst, plan) == [], rule
        assert not brute_force_short(inst, plan), rule


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10**6))
def test_every_cpsat_plan_is_valid(seed: int) -> None:
    inst = random_instance(seed)
    for plan in (cpsat_model(inst), solve(inst, params=SolverParams(time_limit=1.0)).plan):
        assert validate(inst, plan) == []
        assert not brute_force_short(inst, plan)
