"""Shift calendars in site-local time, expanded into planned time in UTC.

Calendars are kept the way people write them (weekly shifts "06:00–14:00 Mon–Fri" in the
site's wall-clock time, breaks, holidays) and turned into UTC intervals only here, so that
midnight and daylight-saving changes are handled in one place: a shift is anchored to the
site-local date it starts on and its start and end are converted separately, so the night
shift of a DST change is 7 or 9 hours long, exactly as the people on it experience it.

Rules where real calendars are ambiguous:
- ``end <= start`` means the shift ends on the next day (``end == start``: a 24 h shift).
- A holiday removes the shifts that *start* on that site-local date.
- A break belongs to the shift it is written in; a break clock time earlier than the shift
  start is on the next day (night shifts). Breaks last their minutes of real time and are
  clipped to their shift.
- A wall-clock time that does not exist (skipped by a spring-forward change) is read with
  the offset in force before the change; a repeated time (autumn) means its first occurrence.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from linewise.kpi.intervals import TimeWindow, as_utc

BREAK = "break"
MAINTENANCE = "maintenance"


def parse_hhmm(value: str | time) -> time:
    """Read the stored "HH:MM" clock time."""
    if isinstance(value, time):
        return value
    hours, _, minutes = value.partition(":")
    return time(int(hours), int(minutes or 0))


def local_to_utc(zone: ZoneInfo, day: date, clock: time) -> datetime:
    """The UTC instant of wall-clock ``clock`` on ``day`` at the site."""
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class BreakSpec:
    start: time
    minutes: int

    def __post_init__(self) -> None:
        if self.minutes <= 0:
            raise ValueError("a break lasts at least one minute")


@dataclass(frozen=True, slots=True)
class ShiftSpec:
    """A weekly recurring shift in site-local time; weekdays 0 = Monday."""

    code: str
    start: time
    end: time
    weekdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    breaks: tuple[BreakSpec, ...] = ()

    def __post_init__(self) -> None:
        if any(d < 0 or d > 6 for d in self.weekdays):
            raise ValueError("weekdays are 0 (Monday) .. 6 (Sunday)")

    @classmethod
    def from_record(cls, record: Mapping[str, object]) -> ShiftSpec:
        """Build from a stored pattern: code, start/end "HH:MM", weekdays, breaks."""
        breaks = record.get("breaks") or []
        weekdays = record.get("weekdays")
        if not isinstance(breaks, list) or not isinstance(weekdays, (list, tuple, set)):
            raise ValueError("a shift pattern needs a list of weekdays and a list of breaks")
        return cls(
            code=str(record["code"]),
            start=parse_hhmm(str(record["start"])),
            end=parse_hhmm(str(record["end"])),
            weekdays=frozenset(int(d) for d in weekdays),
            breaks=tuple(
                BreakSpec(parse_hhmm(str(b["start"])), int(str(b["minutes"]))) for b in breaks
            ),
        )


@dataclass(frozen=True, slots=True)
class CalendarSpec:
    """A site's (or line's) working time: shifts, holidays and the site's IANA time zone."""

    timezone: str
    shifts: tuple[ShiftSpec, ...]
    holidays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        ZoneInfo(self.timezone)  # fail early on an unknown zone name

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @classmethod
    def from_records(
        cls,
        timezone: str,
        patterns: Iterable[Mapping[str, object]],
        holidays: Iterable[date] = (),
    ) -> CalendarSpec:
        """Build from stored shift patterns and holiday dates (plain dicts, no ORM)."""
        return cls(timezone, tuple(ShiftSpec.from_record(p) for p in patterns), frozenset(holidays))


@dataclass(frozen=True, slots=True)
class PlannedStop:
    """Planned down time (a break, planned maintenance, no plan) as a UTC interval."""

    start: datetime
    end: datetime
    kind: str = MAINTENANCE
    id: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", as_utc(self.start, "planned stop start"))
        object.__setattr__(self, "end", as_utc(self.end, "planned stop end"))
        if self.end < self.start:
            raise ValueError("a planned stop ends before it starts")

    @property
    def window(self) -> TimeWindow:
        return TimeWindow(self.start, self.end)

    @property
    def label(self) -> str:
        return self.id or f"{self.kind}:{self.window.label()}"


@dataclass(frozen=True, slots=True)
class PlannedShift:
    """One occurrence of a shift: its code, the site-local date it starts on, UTC bounds."""

    code: str
    day: date
    start: datetime
    end: datetime
    breaks: tuple[PlannedStop, ...] = ()

    @property
    def window(self) -> TimeWindow:
        return TimeWindow(self.start, self.end)

    @property
    def label(self) -> str:
        return f"{self.code}@{self.day.isoformat()}"


@dataclass(frozen=True, slots=True)
class PlannedTime:
    """The calendar over a window: planned shifts and planned stops, all in UTC.

    Shifts are kept whole (not clipped) so their labels and lengths stay true; whoever
    measures clips them to the window.
    """

    window: TimeWindow
    shifts: tuple[PlannedShift, ...]
    planned_stops: tuple[PlannedStop, ...] = field(default=())

    def with_planned_stops(self, extra: Iterable[PlannedStop]) -> PlannedTime:
        """Add e.g. one machine's planned maintenance windows."""
        return PlannedTime(self.window, self.shifts, self.planned_stops + tuple(extra))

    def with_extra_shifts(self, extra: Iterable[PlannedShift]) -> PlannedTime:
        """Add overtime: extra shift occurrences (and their breaks) overlapping the window."""
        added = tuple(s for s in extra if s.window.overlap(self.window))
        if not added:
            return self
        shifts = tuple(sorted(self.shifts + added, key=lambda s: (s.start, s.code)))
        breaks = tuple(b for s in added for b in s.breaks)
        return PlannedTime(self.window, shifts, self.planned_stops + breaks)


def _occurrence(zone: ZoneInfo, spec: ShiftSpec, day: date) -> PlannedShift:
    end_day = day + timedelta(days=1) if spec.end <= spec.start else day
    start = local_to_utc(zone, day, spec.start)
    end = local_to_utc(zone, end_day, spec.end)
    breaks: list[PlannedStop] = []
    for b in spec.breaks:
        break_day = day if b.start >= spec.start else day + timedelta(days=1)
        b_start = local_to_utc(zone, break_day, b.start)
        b_end = b_start + timedelta(minutes=b.minutes)
        clipped = TimeWindow(b_start, b_end).overlap(TimeWindow(start, end))
        if clipped:
            breaks.append(
                PlannedStop(
                    clipped.start,
                    clipped.end,
                    BREAK,
                    f"{spec.code}@{day.isoformat()}/break {b.start.strftime('%H:%M')}",
                )
            )
    return PlannedShift(spec.code, day, start, end, tuple(breaks))


def expand_calendar(
    calendar: CalendarSpec,
    window: TimeWindow,
    planned_stops: Sequence[PlannedStop] = (),
) -> PlannedTime:
    """Shifts overlapping ``window`` with their breaks, plus extra planned stops.

    ``planned_stops`` (e.g. planned maintenance) only lower planned busy time where they
    fall inside a shift; outside the calendar nothing was planned to begin with.
    """
    zone = calendar.zone
    first = window.start.astimezone(zone).date() - timedelta(days=1)
    last = window.end.astimezone(zone).date()
    shifts: list[PlannedShift] = []
    day = first
    while day <= last:
        if day not in calendar.holidays:
            for spec in calendar.shifts:
                if day.weekday() in spec.weekdays:
                    shift = _occurrence(zone, spec, day)
                    if shift.window.overlap(window):
                        shifts.append(shift)
        day += timedelta(days=1)
    shifts.sort(key=lambda s: (s.start, s.code))
    stops = [b for s in shifts for b in s.breaks]
    stops.extend(p for p in planned_stops if p.window.overlap(window))
    return PlannedTime(window, tuple(shifts), tuple(stops))


def site_day(timezone: str, day: date) -> TimeWindow:
    """Site-local day ``day`` as a UTC window (23 or 25 hours on DST change days)."""
    zone = ZoneInfo(timezone)
    return TimeWindow(
        local_to_utc(zone, day, time(0)), local_to_utc(zone, day + timedelta(days=1), time(0))
    )


def site_date_of(timezone: str, instant: datetime) -> date:
    """The site-local date on which ``instant`` falls."""
    return as_utc(instant).astimezone(ZoneInfo(timezone)).date()


@dataclass(frozen=True, slots=True)
class CurrentPeriod:
    """What "this shift" means at an instant: the running shift, else the site-local day."""

    code: str | None  # the shift's code; None when no shift is running
    window: TimeWindow


def current_period(calendar: CalendarSpec, instant: datetime) -> CurrentPeriod:
    """The shift containing ``instant``, else the site-local day it falls on."""
    shift = shift_containing(calendar, instant)
    if shift is not None:
        return CurrentPeriod(shift.code, shift.window)
    return CurrentPeriod(
        None, site_day(calendar.timezone, site_date_of(calendar.timezone, instant))
    )


def shift_containing(calendar: CalendarSpec, instant: datetime) -> PlannedShift | None:
    """The shift occurrence that contains ``instant``; the latest-starting one if several."""
    instant = as_utc(instant)
    around = TimeWindow(instant - timedelta(days=2), instant + timedelta(days=1))
    found = [s for s in expand_calendar(calendar, around).shifts if s.window.contains(instant)]
    return max(found, key=lambda s: s.start) if found else None


# Working time as integer seconds from an origin: the scheduler's view of a calendar.
Span = tuple[int, int]


def merge_spans(spans: Iterable[Span]) -> list[Span]:
    """Sorted, disjoint spans covering the same time (touching spans are joined)."""
    out: list[Span] = []
    for a, b in sorted(s for s in spans if s[1] > s[0]):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def subtract_span(spans: Sequence[Span], cut: Span) -> list[Span]:
    """``spans`` less the time in ``cut``."""
    out: list[Span] = []
    for a, b in spans:
        if cut[1] <= a or b <= cut[0]:
            out.append((a, b))
            continue
        if a < cut[0]:
            out.append((a, cut[0]))
        if cut[1] < b:
            out.append((cut[1], b))
    return out


def seconds_since(origin: datetime, instant: datetime) -> int:
    """Whole seconds from ``origin`` to ``instant``, never before the origin."""
    return max(0, int((instant - origin).total_seconds()))


def available_spans(planned: PlannedTime, origin: datetime) -> list[Span]:
    """Time available for work: the shifts less breaks and planned stops, from ``origin``.

    This is the same planned busy time the KPIs count (shifts minus planned stops), so
    the scheduler plans exactly on the time the KPIs measure against.
    """
    spans = merge_spans(
        (seconds_since(origin, s.start), seconds_since(origin, s.end)) for s in planned.shifts
    )
    for stop in planned.planned_stops:
        spans = subtract_span(
            spans, (seconds_since(origin, stop.start), seconds_since(origin, stop.end))
        )
    return spans


def shift_spans(planned: PlannedTime, origin: datetime) -> list[tuple[str, Span]]:
    """Each shift occurrence as (code, span) from ``origin``; those wholly before it left out."""
    out = []
    for s in planned.shifts:
        span = (seconds_since(origin, s.start), seconds_since(origin, s.end))
        if span[1] > span[0]:
            out.append((s.code, span))
    return out
