"""Small builders so that test cases read like the timelines they describe."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from linewise.kpi import (
    BreakSpec,
    CalendarSpec,
    CountRecord,
    MachineState,
    ShiftSpec,
    StateInterval,
    TimeWindow,
)

BERLIN = "Europe/Berlin"
ALL_DAYS = frozenset(range(7))


def utc(day: str, clock: str) -> datetime:
    """``utc("2026-03-02", "05:00")``."""
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=UTC)


def window(day: str, start: str, end: str, end_day: str | None = None) -> TimeWindow:
    return TimeWindow(utc(day, start), utc(end_day or day, end))


def timeline(day: str, *rows: tuple[str, str, str, str | None]) -> tuple[StateInterval, ...]:
    """Rows of (start, end, state, reason) in UTC on ``day``; ids are s1, s2, ..."""
    result = []
    for n, (start, end, state, reason) in enumerate(rows, 1):
        end_at = utc(day, end)
        start_at = utc(day, start)
        if end_at <= start_at:
            end_at += timedelta(days=1)
        result.append(StateInterval(start_at, end_at, MachineState(state), reason, None, f"s{n}"))
    return tuple(result)


def shift(
    code: str, start: str, end: str, days: frozenset[int] = ALL_DAYS, **breaks: int
) -> ShiftSpec:
    """``shift("A", "06:00", "14:00", b1000=30)``: a break at 10:00 for 30 minutes."""
    specs = tuple(
        BreakSpec(time(int(k[1:3]), int(k[3:5])), minutes) for k, minutes in breaks.items()
    )
    return ShiftSpec(code, time.fromisoformat(start), time.fromisoformat(end), days, specs)


def calendar(*shifts: ShiftSpec, tz: str = BERLIN) -> CalendarSpec:
    return CalendarSpec(tz, shifts)


def count(day: str, clock: str, product: str, produced: int, good: int, **more: int) -> CountRecord:
    return CountRecord(utc(day, clock), product, produced, good, id=f"c-{product}-{clock}", **more)


def minutes(value: timedelta) -> float:
    return value.total_seconds() / 60
