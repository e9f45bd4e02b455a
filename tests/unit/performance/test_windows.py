"""The shift a manager means by "current" and "previous", in the calendar's own time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from linewise.core.errors import NotFound
from linewise.domains.performance.windows import relative_shift, resolve_window
from linewise.kpi import CalendarSpec, ShiftSpec

EVERY_DAY = frozenset(range(7))
THREE_SHIFTS = CalendarSpec(
    "Europe/Berlin",
    (
        ShiftSpec("A", time(6), time(14), EVERY_DAY),
        ShiftSpec("B", time(14), time(22), EVERY_DAY),
        ShiftSpec("C", time(22), time(6), EVERY_DAY),
    ),
)
WEEKDAYS = CalendarSpec("Europe/Berlin", (ShiftSpec("A", time(6), time(14)),))


def test_current_is_the_running_shift_and_previous_the_one_before() -> None:
    now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)  # 13:00 in Berlin: shift A runs
    current = relative_shift(THREE_SHIFTS, now, "current")
    previous = relative_shift(THREE_SHIFTS, now, "previous")
    assert current is not None and previous is not None
    assert current.label == "A@2026-12-02"
    assert previous.label == "C@2026-12-01"  # the night shift that started the day before
    assert previous.end == current.start


def test_between_shifts_current_is_the_last_one_that_started() -> None:
    now = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)  # Saturday 10:00: no weekend shift
    current = relative_shift(WEEKDAYS, now, "current")
    previous = relative_shift(WEEKDAYS, now, "previous")
    assert current is not None and previous is not None
    assert (current.code, current.day) == ("A", date(2026, 12, 4))
    assert (previous.code, previous.day) == ("A", date(2026, 12, 3))


def test_the_night_shift_over_the_autumn_change_lasts_nine_hours() -> None:
    now = datetime(2026, 10, 25, 7, 0, tzinfo=UTC)  # 08:00 CET, the morning after
    previous = relative_shift(THREE_SHIFTS, now, "previous")
    assert previous is not None and previous.label == "C@2026-10-24"
    assert (previous.end - previous.start).total_seconds() == 9 * 3600


def test_resolved_current_shift_is_cut_at_now_and_keeps_its_label() -> None:
    now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    window = resolve_window(THREE_SHIFTS, now, shift="current")
    assert window.kind == "shift" and window.label == "A@2026-12-02"
    assert window.window.end == now and window.end_clipped_to_now
    previous = resolve_window(THREE_SHIFTS, now, shift="previous")
    assert not previous.end_clipped_to_now


def test_a_calendar_without_shifts_has_no_current_shift() -> None:
    empty = CalendarSpec("Europe/Berlin", ())
    with pytest.raises(NotFound):
        resolve_window(empty, datetime(2026, 12, 2, tzinfo=UTC), shift="previous")
