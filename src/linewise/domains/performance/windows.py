"""Which stretch of time a KPI question is about: from/to, a site-local day, a shift, a week.

People ask in site-local terms ("today", "shift A on Monday", "week 10"); the engine
measures UTC windows. The conversion happens here, once, with the site's time zone.

A window never extends past ``now``: the hours still to come of "today" or "this week"
would count as planned time without data (unknown) and pull availability and OEE down
while the day runs. The asked window is kept for the answer, the computed one ends at
``now`` and the answer says so (``end_clipped_to_now``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from linewise.core.errors import FieldError, NotFound, ValidationProblem
from linewise.kpi import (
    CalendarSpec,
    PlannedShift,
    TimeWindow,
    expand_calendar,
    site_date_of,
    site_day,
)

WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


@dataclass(frozen=True)
class ResolvedWindow:
    window: TimeWindow  # what is computed: never past the instant the question was asked
    kind: str  # range | day | shift | week
    label: str
    asked_end: datetime | None = None  # set when ``window`` was cut at now

    @property
    def end_clipped_to_now(self) -> bool:
        return self.asked_end is not None

    def as_dict(self, timezone: str) -> dict[str, object]:
        """``end`` is the end asked for; ``computed_end`` and ``hours`` what was measured."""
        return {
            "start": self.window.start.isoformat(),
            "end": (self.asked_end or self.window.end).isoformat(),
            "computed_end": self.window.end.isoformat(),
            "end_clipped_to_now": self.end_clipped_to_now,
            "kind": self.kind,
            "label": self.label,
            "timezone": timezone,
            "hours": self.window.duration.total_seconds() / 3600,
        }


def clipped_to_now(resolved: ResolvedWindow, now: datetime) -> ResolvedWindow:
    """The window cut at ``now`` (a window wholly in the future becomes empty)."""
    window = resolved.window
    if window.end <= now:
        return resolved
    end = max(now, window.start)
    return ResolvedWindow(TimeWindow(window.start, end), resolved.kind, resolved.label, window.end)


def parse_week(text: str) -> date:
    """The Monday of ISO week ``YYYY-Www``."""
    match = WEEK.match(text)
    if not match:
        raise ValidationProblem(
            "week must look like 2026-W10", errors=[FieldError("week", "expected YYYY-Www")]
        )
    try:
        return date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError as exc:
        raise ValidationProblem(str(exc), errors=[FieldError("week", str(exc))]) from exc


def resolve_window(
    calendar: CalendarSpec,
    now: datetime,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    day: date | None = None,
    shift: str | None = None,
    week: str | None = None,
) -> ResolvedWindow:
    """One UTC window from the query, cut at ``now``; with nothing given, today so far."""
    return clipped_to_now(
        _asked_window(calendar, now, start=start, end=end, day=day, shift=shift, week=week), now
    )


RELATIVE_SHIFTS = ("current", "previous")


def shifts_around(calendar: CalendarSpec, now: datetime, days: int = 7) -> list[PlannedShift]:
    """The shift occurrences that started in the ``days`` before ``now``, oldest first."""
    around = TimeWindow(now - timedelta(days=days + 1), now + timedelta(days=1))
    return [s for s in expand_calendar(calendar, around).shifts if s.start <= now]


def relative_shift(calendar: CalendarSpec, now: datetime, which: str) -> PlannedShift | None:
    """``current``: the latest shift that has started (running, or the last one if none
    runs now); ``previous``: the one that started before it. Both in the line's calendar."""
    started = shifts_around(calendar, now)
    index = -1 if which == "current" else -2
    return started[index] if len(started) >= -index else None


def _asked_window(
    calendar: CalendarSpec,
    now: datetime,
    *,
    start: datetime | None,
    end: datetime | None,
    day: date | None,
    shift: str | None,
    week: str | None,
) -> ResolvedWindow:
    tz = calendar.timezone
    if start is not None or end is not None:
        if start is None or end is None:
            missing = "from" if start is None else "to"
            raise ValidationProblem(
                "give both 'from' and 'to'", errors=[FieldError(missing, "required with the other")]
            )
        if end <= start:
            raise ValidationProblem(
                "'to' must be after 'from'", errors=[FieldError("to", "<= from")]
            )
        if end - start > timedelta(days=400):
            raise ValidationProblem(
                "a window is at most 400 days", errors=[FieldError("to", "window too long")]
            )
        window = TimeWindow(start, end)
        return ResolvedWindow(window, "range", window.label())
    if week is not None:
        monday = parse_week(week)
        window = TimeWindow(
            site_day(tz, monday).start, site_day(tz, monday + timedelta(days=7)).start
        )
        return ResolvedWindow(window, "week", week)
    if shift in RELATIVE_SHIFTS:
        found = relative_shift(calendar, now, shift)
        if found is None:
            raise NotFound(f"no {shift} shift in the week before now in this calendar")
        return ResolvedWindow(found.window, "shift", found.label)
    local_day = day or site_date_of(tz, now)
    if shift is None:
        return ResolvedWindow(site_day(tz, local_day), "day", local_day.isoformat())
    around = site_day(tz, local_day)
    around = TimeWindow(around.start, around.end + timedelta(days=1))
    for occurrence in expand_calendar(calendar, around).shifts:
        if occurrence.code == shift and occurrence.day == local_day:
            return ResolvedWindow(occurrence.window, "shift", occurrence.label)
    raise NotFound(f"no shift {shift!r} starts on {local_day.isoformat()} in this calendar")
