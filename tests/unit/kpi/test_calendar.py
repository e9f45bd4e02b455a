from __future__ import annotations

from datetime import date, timedelta

import pytest

from linewise.kpi import (
    CalendarSpec,
    PlannedStop,
    TimeWindow,
    expand_calendar,
    shift_containing,
    site_date_of,
    site_day,
)
from tests.unit.kpi.builders import BERLIN, calendar, shift, utc, window

HOUR = timedelta(hours=1)


def test_day_shift_with_break_in_winter_time() -> None:
    cal = calendar(shift("A", "06:00", "14:00", frozenset({0, 1, 2, 3, 4}), b1000=30))
    planned = expand_calendar(cal, window("2026-03-02", "00:00", "00:00", "2026-03-03"))
    (a,) = planned.shifts
    assert (a.start, a.end) == (utc("2026-03-02", "05:00"), utc("2026-03-02", "13:00"))
    assert a.label == "A@2026-03-02"
    (brk,) = planned.planned_stops
    assert (brk.start, brk.end, brk.kind) == (
        utc("2026-03-02", "09:00"),
        utc("2026-03-02", "09:30"),
        "break",
    )


def test_night_shift_crosses_midnight_and_its_break_is_next_day() -> None:
    cal = calendar(shift("N", "22:00", "06:00", frozenset({0}), b0200=30))
    planned = expand_calendar(cal, window("2026-03-02", "12:00", "12:00", "2026-03-03"))
    (n,) = planned.shifts
    assert (n.start, n.end) == (utc("2026-03-02", "21:00"), utc("2026-03-03", "05:00"))
    assert n.day == date(2026, 3, 2)
    (brk,) = n.breaks
    assert brk.start == utc("2026-03-03", "01:00")


@pytest.mark.parametrize(
    ("night_of", "hours", "start", "end"),
    [
        ("2026-03-28", 7, ("2026-03-28", "21:00"), ("2026-03-29", "04:00")),
        ("2026-10-24", 9, ("2026-10-24", "20:00"), ("2026-10-25", "05:00")),
        ("2026-03-21", 8, ("2026-03-21", "21:00"), ("2026-03-22", "05:00")),
    ],
)
def test_night_shift_on_dst_change_is_7_or_9_hours(
    night_of: str, hours: int, start: tuple[str, str], end: tuple[str, str]
) -> None:
    cal = calendar(shift("N", "22:00", "06:00"))
    d = date.fromisoformat(night_of)
    planned = expand_calendar(cal, site_day(BERLIN, d))
    night = next(s for s in planned.shifts if s.day == d)
    assert (night.start, night.end) == (utc(*start), utc(*end))
    assert night.window.duration == hours * HOUR


def test_site_day_is_23_or_25_hours_on_dst_days() -> None:
    assert site_day(BERLIN, date(2026, 3, 29)).duration == 23 * HOUR
    assert site_day(BERLIN, date(2026, 10, 25)).duration == 25 * HOUR
    assert site_day(BERLIN, date(2026, 3, 30)).duration == 24 * HOUR
    assert site_day(BERLIN, date(2026, 3, 30)).start == utc("2026-03-29", "22:00")
    assert site_date_of(BERLIN, utc("2026-03-29", "22:30")) == date(2026, 3, 30)


def test_holidays_remove_shifts_starting_that_day() -> None:
    base = calendar(shift("A", "06:00", "14:00"), shift("N", "22:00", "06:00"))
    cal = CalendarSpec(BERLIN, base.shifts, frozenset({date(2026, 5, 1)}))
    planned = expand_calendar(cal, site_day(BERLIN, date(2026, 5, 1)))
    labels = [s.label for s in planned.shifts]
    # The night shift of 30 April runs into 1 May and stays; nothing starts on 1 May.
    assert labels == ["N@2026-04-30"]


def test_shift_containing_and_weekdays() -> None:
    cal = calendar(
        shift("A", "06:00", "14:00", frozenset({0, 1, 2, 3, 4})),
        shift("B", "14:00", "22:00", frozenset({0, 1, 2, 3, 4})),
    )
    found = shift_containing(cal, utc("2026-03-02", "13:00"))  # 14:00 local: B starts
    assert found is not None and found.label == "B@2026-03-02"
    assert shift_containing(cal, utc("2026-03-07", "10:00")) is None  # Saturday


def test_planned_maintenance_only_counts_where_it_overlaps_the_window() -> None:
    cal = calendar(shift("A", "06:00", "14:00"))
    pm = PlannedStop(utc("2026-03-02", "06:00"), utc("2026-03-02", "07:00"), id="pm-1")
    far = PlannedStop(utc("2026-03-09", "06:00"), utc("2026-03-09", "07:00"), id="pm-2")
    planned = expand_calendar(cal, window("2026-03-02", "05:00", "13:00"), [pm, far])
    assert [p.label for p in planned.planned_stops] == ["pm-1"]


def test_from_records_reads_the_stored_shape() -> None:
    cal = CalendarSpec.from_records(
        BERLIN,
        [
            {
                "code": "A",
                "start": "06:00",
                "end": "14:00",
                "weekdays": [0, 1],
                "breaks": [{"start": "10:00", "minutes": 15}],
            }
        ],
        [date(2026, 1, 1)],
    )
    assert cal.shifts[0].breaks[0].minutes == 15
    assert cal.holidays == frozenset({date(2026, 1, 1)})


def test_naive_datetimes_and_unknown_zones_are_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        TimeWindow(utc("2026-03-02", "05:00").replace(tzinfo=None), utc("2026-03-02", "06:00"))
    with pytest.raises(Exception):  # noqa: B017 - zoneinfo raises its own error type
        CalendarSpec("Mars/Olympus", ())


def test_current_period_is_the_running_shift_else_the_site_day() -> None:
    from linewise.kpi import current_period

    cal = calendar(shift("A", "06:00", "14:00", frozenset({0, 1, 2, 3, 4})))
    running = current_period(cal, utc("2026-03-02", "08:00"))  # Monday 09:00 Berlin
    assert (running.code, running.window.start) == ("A", utc("2026-03-02", "05:00"))
    evening = current_period(cal, utc("2026-03-02", "20:00"))
    assert evening.code is None
    assert evening.window == site_day(BERLIN, date(2026, 3, 2))


def test_working_spans_are_shifts_less_breaks_stops_and_plus_overtime() -> None:
    from linewise.kpi.calendar import PlannedShift, available_spans

    cal = calendar(shift("A", "06:00", "14:00", frozenset({0}), b1000=30))
    origin = utc("2026-03-02", "00:00")
    planned = expand_calendar(cal, window("2026-03-02", "00:00", "00:00", "2026-03-03"))
    maintenance = PlannedStop(utc("2026-03-02", "12:00"), utc("2026-03-02", "13:00"))
    overtime = PlannedShift(
        "OT", date(2026, 3, 2), utc("2026-03-02", "13:00"), utc("2026-03-02", "15:00")
    )
    spans = available_spans(
        planned.with_planned_stops([maintenance]).with_extra_shifts([overtime]), origin
    )
    h = 3600
    # 05:00-09:00, break, 09:30-12:00, maintenance, 13:00-15:00 (shift end joined by overtime)
    assert spans == [(5 * h, 9 * h), (9 * h + 1800, 12 * h), (13 * h, 15 * h)]
