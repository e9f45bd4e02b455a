"""Operators as agents in the simulator: crews, absence, walking, the policy hook, and the
idle ground truth per machine and per operator."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from linewise.allocation.policy import suggestion_policy
from linewise.demo.factory import build_factory
from linewise.simulation import SimParams, Simulation
from linewise.simulation.ground_truth import GroundTruth, load_ground_truth
from linewise.simulation.operators import planned_assignment

MONDAY = datetime(2026, 3, 2, tzinfo=UTC)
PARAMS = SimParams(operators=True, absence_rate=0.0, telemetry_interval_s=3600)


def _idle(truth: GroundTruth, subject: str, cause: str, prefix: str = "") -> float:
    return sum(
        e.minutes
        for e in truth.idle
        if e.subject == subject and e.cause == cause and e.code.startswith(prefix)
    )


def _produced(truth: GroundTruth, line: str) -> int:
    return sum(m.counts.produced for m in truth.machines.values() if m.line == line)


def _run(assignment: dict[str, str | None] | None = None, **kw: object) -> Simulation:
    spec = build_factory(MONDAY)
    sim = Simulation(
        spec, MONDAY, timedelta(days=1), seed=3, params=PARAMS, assignment=assignment, **kw
    )  # type: ignore[arg-type]
    sim.ground_truth()
    return sim


def test_off_by_default_and_machine_idle_episodes_tile_the_idle_intervals() -> None:
    spec = build_factory(MONDAY)
    plain = Simulation(spec, MONDAY, timedelta(days=1), seed=3, params=SimParams()).ground_truth()
    assert plain.operator_minutes == {}
    assert all(e.subject == "machine" for e in plain.idle)
    for code, m in plain.machines.items():
        idle_states = sum(
            (i.end - i.start).total_seconds() / 60
            for i in m.intervals
            if i.state in ("idle", "down")
        )
        assert sum(e.minutes for e in plain.idle if e.code == code) == pytest.approx(idle_states)


def test_a_line_without_its_crew_waits_with_no_assignment() -> None:
    spec = build_factory(MONDAY)
    plan = planned_assignment(spec)
    assert {plan[o.code] for o in spec.operators if "smt_operator" in o.skills[:1]} == {
        "SMT-1",
        "SMT-2",
    }
    staffed = _run(plan).ground_truth()
    unstaffed = _run({k: (None if v == "SMT-1" else v) for k, v in plan.items()}).ground_truth()
    assert _produced(staffed, "SMT-1") > 0
    assert _produced(unstaffed, "SMT-1") == 0
    assert _idle(unstaffed, "machine", "no_assignment", "SMT-1-") > 8 * 60  # a shift at least
    assert _idle(staffed, "machine", "no_assignment", "SMT-1-") == 0
    # the operators taken off the line are idle without an assignment while on shift
    moved = [k for k, v in plan.items() if v == "SMT-1"]
    op_idle = sum(
        e.minutes
        for e in unstaffed.idle
        if e.subject == "operator" and e.code in moved and e.cause == "no_assignment"
    )
    assert op_idle > 0
    assert op_idle == pytest.approx(sum(unstaffed.operator_minutes[c]["idle"] for c in moved))


def test_operator_minutes_cover_their_shift_without_breaks() -> None:
    truth = _run().ground_truth()
    spec = build_factory(MONDAY)
    for op in spec.operators:
        minutes = truth.operator_minutes[op.code]
        # Monday, one 8-hour shift with a 30-minute break, no absence
        assert sum(minutes.values()) == pytest.approx(450)
        assert minutes["working"] > 0


def test_absence_is_seeded_per_operator_and_shift() -> None:
    spec = build_factory(MONDAY)
    params = replace(PARAMS, absence_rate=0.5)
    a = Simulation(spec, MONDAY, timedelta(days=1), seed=3, params=params).ground_truth()
    b = Simulation(spec, MONDAY, timedelta(days=1), seed=3, params=params).ground_truth()
    c = Simulation(spec, MONDAY, timedelta(days=1), seed=4, params=params).ground_truth()
    present = {code: sum(m.values()) for code, m in a.operator_minutes.items()}
    assert present == {code: sum(m.values()) for code, m in b.operator_minutes.items()}
    assert present != {code: sum(m.values()) for code, m in c.operator_minutes.items()}
    assert 0 < sum(1 for v in present.values() if v == 0) < len(present)


def test_the_policy_moves_operators_who_walk_and_the_line_runs(tmp_path: object) -> None:
    spec = build_factory(MONDAY)
    plan = planned_assignment(spec)
    # SMT-1's crew is put on SMT-2: the plan leaves SMT-1 empty, SMT-2 overstaffed
    crowded = {k: ("SMT-2" if v == "SMT-1" else v) for k, v in plan.items()}
    machines = {line.code: len(line.machines) for line in spec.lines}
    planned = _run(crowded)
    helped = _run(crowded, policy=suggestion_policy(machines))
    assert planned.moves == 0 and helped.moves > 0
    before, after = planned.ground_truth(), helped.ground_truth()
    assert _produced(after, "SMT-1") > 0 == _produced(before, "SMT-1")
    lost = _idle(before, "machine", "no_assignment", "SMT-1-")
    assert _idle(after, "machine", "no_assignment", "SMT-1-") < lost / 4
    assert sum(m["walking"] for m in after.operator_minutes.values()) > 0
    # the truth survives a round trip through its JSON form
    path = f"{tmp_path}/truth.json"
    after.write(path)
    assert load_ground_truth(path).idle == after.idle
