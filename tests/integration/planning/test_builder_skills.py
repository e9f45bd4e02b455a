"""Skills from the database: an operator with two skills is one crew member, not two."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from linewise.domains.people.models import Operator, ShiftCalendar, ShiftPattern
from linewise.domains.planning import problem as snapshot
from linewise.domains.planning.builder import build_problem
from linewise.domains.planning.changes import Changes, OperatorAbsence
from linewise.domains.production.service import create_order
from linewise.scheduling import Instance, validate
from linewise.scheduling.dispatch import best_dispatch
from tests.conftest import World

NOW = datetime.now(UTC).replace(second=0, microsecond=0)
HORIZON = timedelta(days=7)
SMT, TEST = "P1/smt_operator", "P1/test_technician"


def _staffed_world(db: Session, world: World) -> int:
    """Shifts A and B every day; A: one operator with both skills and one specialist of
    each; B: one SMT operator; an inactive one. Returns the versatile operator's id."""
    calendar = ShiftCalendar(code="CAL", name="Two shifts", site_id=world.site_id)
    every_day = [0, 1, 2, 3, 4, 5, 6]
    calendar.patterns = [
        ShiftPattern(code="A", name="Early", start="06:00", end="14:00", weekdays=every_day),
        ShiftPattern(code="B", name="Late", start="14:00", end="22:00", weekdays=every_day),
    ]
    versatile = Operator(
        code="OP-1", name="Both", skills=["smt_operator", "test_technician"], shift_code="A"
    )
    db.add_all(
        [
            calendar,
            versatile,
            Operator(code="OP-2", name="Smt", skills=["smt_operator"], shift_code="A"),
            Operator(code="OP-3", name="Test", skills=["test_technician"], shift_code="A"),
            Operator(code="OP-4", name="Late", skills=["smt_operator"], shift_code="B"),
            Operator(
                code="OP-5", name="Gone", skills=["smt_operator"], shift_code="A", active=False
            ),
        ]
    )
    db.flush()
    for n in range(3):
        create_order(
            db,
            {
                "number": f"PO-{n}",
                "product_id": world.product_id,
                "quantity": 100,
                "due_date": NOW + timedelta(days=n + 1),
                "priority": 3,
            },
        )
    db.commit()
    return versatile.id


def _crews_present(instance: Instance) -> list[Counter[frozenset[str]]]:
    """The crews present at each instant where a crew starts."""
    out = []
    for t in sorted({s.window.start for s in instance.skill_shifts}):
        present: Counter[frozenset[str]] = Counter()
        for s in instance.skill_shifts:
            if s.window.start <= t < s.window.end:
                present[s.skills] += s.capacity
        out.append(+present)
    return out


def test_an_operator_with_two_skills_is_one_crew_member(db: Session, world: World) -> None:
    _staffed_world(db, world)
    problem = build_problem(db, NOW, HORIZON)
    early = Counter({frozenset((SMT, TEST)): 1, frozenset((SMT,)): 1, frozenset((TEST,)): 1})
    late = Counter({frozenset((SMT,)): 1})
    crews = _crews_present(problem.instance)
    # Every moment has one shift's crew (or, across the night, the smaller one): the
    # versatile operator is never counted once for SMT and again for test.
    assert all(c in (early, late) for c in crews), crews
    assert early in crews and late in crews
    skills = {op.skill for j in problem.instance.jobs for op in j.operations}
    assert skills == {SMT, TEST}
    # The stored problem keeps the crews.
    loaded = snapshot.load(snapshot.dump(problem))
    assert loaded.instance.skill_shifts == problem.instance.skill_shifts
    plan, _rule = best_dispatch(problem.instance)
    assert validate(problem.instance, plan) == []


def test_an_absent_operator_leaves_his_crew(db: Session, world: World) -> None:
    versatile = _staffed_world(db, world)
    away = Changes(absences=(OperatorAbsence(versatile, NOW, NOW + timedelta(days=400)),))
    problem = build_problem(db, NOW, HORIZON, away)
    early = Counter({frozenset((SMT,)): 1, frozenset((TEST,)): 1})
    late = Counter({frozenset((SMT,)): 1})
    crews = _crews_present(problem.instance)
    assert all(c in (early, late) for c in crews), crews
    assert early in crews
