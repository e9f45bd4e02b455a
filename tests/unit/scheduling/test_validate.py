"""The validator catches each kind of violation in deliberately broken plans."""

from __future__ import annotations

import dataclasses

from linewise.scheduling.model import (
    FrozenAssignment,
    Instance,
    Plan,
    Resource,
    ScheduledOperation,
    SetupTime,
    SkillShift,
    Window,
)
from linewise.scheduling.validate import validate
from tests.unit.scheduling.builders import job, op

INSTANCE = Instance(
    (
        job("a", op(("m", 4), ("n", 6), family="x"), op(("m", 2), max_wait=5, min_wait=1)),
        job("b", op(("m", 3), family="y", skill="smt"), release=2),
        job("c", op(("n", 2), skill="smt", material_ready=1)),
        job("d", op(("n", 5), splittable=True)),
    ),
    (
        Resource("m", setups=(SetupTime("x", "y", 2),)),
        Resource("n", calendar=(Window(0, 20), Window(30, 100))),
    ),
    skill_shifts=(SkillShift("smt", Window(0, 100), 1),),
)
GOOD = Plan(
    (
        ScheduledOperation("a", 0, "m", 0, 4),
        ScheduledOperation("b", 0, "m", 6, 9),
        ScheduledOperation("a", 1, "m", 9, 11),
        ScheduledOperation("c", 0, "n", 1, 3),
        ScheduledOperation("d", 0, "n", 17, 32),
    )
)


def broken(job_id: str, index: int, **changes: object) -> Plan:
    ops = [
        dataclasses.replace(s, **changes) if (s.job_id, s.index) == (job_id, index) else s  # type: ignore[arg-type]
        for s in GOOD.operations
    ]
    return Plan(tuple(ops))


def only(problems: list[str], fragment: str) -> None:
    assert problems, "expected a violation"
    assert any(fragment in p for p in problems), problems


def test_good_plan_is_clean() -> None:
    assert validate(INSTANCE, GOOD) == []


def test_missing_and_duplicate_and_unknown_operations() -> None:
    only(validate(INSTANCE, Plan(GOOD.operations[1:])), "job a op 0 is not scheduled")
    only(validate(INSTANCE, Plan((*GOOD.operations, GOOD.operations[0]))), "more than once")
    extra = ScheduledOperation("zz", 0, "m", 50, 51)
    only(validate(INSTANCE, Plan((*GOOD.operations, extra))), "not part of the instance")


def test_ineligible_resource_and_wrong_duration() -> None:
    only(validate(INSTANCE, broken("b", 0, resource="n")), "not eligible")
    only(validate(INSTANCE, broken("a", 0, end=3)), "expected 4")


def test_precedence_and_waits() -> None:
    only(validate(INSTANCE, broken("a", 1, start=4, end=6)), "min 1")
    only(validate(INSTANCE, broken("a", 1, start=20, end=22)), "max 5")


def test_overlap_and_setup() -> None:
    only(validate(INSTANCE, broken("b", 0, start=3, end=6)), "overlap")
    only(validate(INSTANCE, broken("b", 0, start=5, end=8)), "setup x->y needs 2")


def test_calendar_violations() -> None:
    only(validate(INSTANCE, broken("c", 0, start=19, end=21)), "does not fit one window")
    only(validate(INSTANCE, broken("d", 0, start=17, end=22)), "needs 5")
    only(validate(INSTANCE, broken("d", 0, start=22, end=35)), "outside the calendar")


def test_release_and_material() -> None:
    only(validate(INSTANCE, broken("b", 0, start=1, end=4)), "before the release 2")
    only(validate(INSTANCE, broken("c", 0, start=0, end=2)), "before material at 1")


def test_skill_capacity() -> None:
    only(validate(INSTANCE, broken("c", 0, start=7, end=9)), "skill smt: 2 operators")


def test_skill_missing_outside_shifts() -> None:
    inst = dataclasses.replace(INSTANCE, skill_shifts=(SkillShift("smt", Window(5, 100), 1),))
    only(validate(inst, GOOD), "1 operators needed at 1, 0 present")


def test_frozen_operation_moved() -> None:
    ops = list(INSTANCE.jobs[2].operations)
    ops[0] = dataclasses.replace(ops[0], frozen=FrozenAssignment("n", 3))
    inst = dataclasses.replace(
        INSTANCE,
        jobs=(
            *INSTANCE.jobs[:2],
            dataclasses.replace(INSTANCE.jobs[2], operations=tuple(ops)),
            INSTANCE.jobs[3],
        ),
    )
    only(validate(inst, GOOD), "frozen at n@3")
