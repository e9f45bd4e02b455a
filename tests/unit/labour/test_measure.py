"""The labour rules without a database: work segments, APWT/APAT and idle causes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from linewise.domains.labour.measure import (
    Action,
    IdleCause,
    StateSpan,
    operator_labour,
    work_segments,
)
from linewise.kpi.intervals import TimeWindow

T0 = datetime(2026, 12, 1, 6, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def w(a: int, b: int) -> TimeWindow:
    return TimeWindow(at(a), at(b))


def test_anyones_hold_ends_everyones_work_and_a_supervisors_start_counts_for_nobody() -> None:
    segs = work_segments(
        [
            Action(at(0), "start", 1, operator_id=7),
            Action(at(5), "resume", 1, operator_id=8),
            Action(at(20), "hold", 1, operator_id=None),
            Action(at(30), "start", 2, operator_id=None),
            Action(at(40), "resume", 1, operator_id=7),
        ],
        until=at(60),
    )
    assert segs == {7: [(1, w(0, 20)), (1, w(40, 60))], 8: [(1, w(5, 20))]}


def test_work_outside_attendance_is_not_counted_and_overlapping_operations_count_once() -> None:
    result = operator_labour(
        7, w(0, 480), [w(0, 60)], [(1, w(-30, 30)), (2, w(20, 40))], True, [], []
    )
    assert result.attendance_s == 3600
    assert result.work_s == 40 * 60  # 0-40, the overlap of 20-30 once
    assert result.operations_s == {1: 30 * 60, 2: 20 * 60}
    assert result.efficiency == 40 / 60
    assert result.idle_s == {IdleCause.NO_ASSIGNMENT: 20 * 60}


def test_idle_cause_order_down_before_material_before_setup() -> None:
    states = [
        StateSpan(w(0, 20), "down"),
        StateSpan(w(10, 30), "setup"),
        StateSpan(w(30, 40), "idle", "blocked"),
    ]
    result = operator_labour(7, w(0, 480), [w(0, 50)], [], True, states, [w(15, 35)])
    assert result.idle_s == {
        IdleCause.MACHINE_DOWN: 20 * 60,
        IdleCause.NO_MATERIAL: 15 * 60,
        IdleCause.BLOCKED: 5 * 60,
        IdleCause.NO_ASSIGNMENT: 10 * 60,
    }
    # Not on the board: whatever the machine does, the cause is no assignment.
    unassigned = operator_labour(7, w(0, 480), [w(0, 50)], [], False, states, [])
    assert unassigned.idle_s == {IdleCause.NO_ASSIGNMENT: 50 * 60}
    assert operator_labour(7, w(0, 480), [], [], True, [], []).efficiency is None
