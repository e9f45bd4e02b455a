"""The demo's simulated past is seeded: the same seed gives the same history."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from linewise.demo.factory import build_factory
from linewise.demo.history import HISTORY_PARAMS
from linewise.simulation.engine import Simulation

NOW = datetime(2026, 12, 6, 22, 0, tzinfo=UTC)


def _past_day(seed: int) -> list[dict[str, object]]:
    spec = build_factory(NOW, around_the_clock=True, history_days=2)
    past = replace(spec, orders=spec.history)
    sim = Simulation(past, NOW - timedelta(days=1), timedelta(days=1), seed, HISTORY_PARAMS)
    return list(sim.run())


def test_history_orders_are_seeded_and_leave_the_open_orders_alone() -> None:
    with_history = build_factory(NOW, around_the_clock=True, history_days=28)
    assert with_history == build_factory(NOW, around_the_clock=True, history_days=28)
    assert with_history.orders == build_factory(NOW).orders
    assert len(with_history.history) == 126
    assert all(o.due <= NOW + timedelta(days=5) and o.release < NOW for o in with_history.history)
    assert not {o.number for o in with_history.history} & {o.number for o in with_history.orders}


def test_the_same_seed_gives_the_same_events() -> None:
    first = _past_day(1)
    assert first and first == _past_day(1)
    assert first != _past_day(2)


def test_around_the_clock_adds_a_night_shift_and_its_crew_only() -> None:
    demo, plain = build_factory(NOW, around_the_clock=True), build_factory(NOW)
    assert [s.code for s in demo.shifts] == ["A", "B", "C"]
    assert all(s.weekdays == (0, 1, 2, 3, 4, 5, 6) for s in demo.shifts)
    assert demo.holidays == () and plain.holidays
    day_crew = tuple(op for op in demo.operators if op.shift_code != "C")
    assert len(demo.operators) == 36 and day_crew == plain.operators
    assert len({op.code for op in demo.operators}) == 36
    same = replace(demo, shifts=plain.shifts, holidays=plain.holidays, operators=day_crew)
    assert same == plain
