"""Which stretch of time a KPI question is about: from/to, a site-local day, a shift, a week.

People ask in site-local terms ("today", "shift A on Monday", "week 10"); the engine
measures UTC windows. The conversion happens here, once, with the site's time zone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from linewise.core.errors import FieldError, NotFound, ValidationProblem
from linewise.kpi import CalendarSpec, TimeWindow, expand_calendar, site_date_of, site_day

WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


@dataclass(frozen=True)
class ResolvedWindow:
    window: TimeWindow
    kind: str  # range | day | shift | week
    label: str

    def as_dict(self, timezone: str) -> dict[str, object]:
        return {
            "start": self.window.start.isoformat(),
            "end": self.window.end.isoformat(),
            "kind": self.kind,
            "label": self.label,
            "timezone": timezone,
            "hours": self.window.duration.total_seconds() / 3600,
        }


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
    """One UTC window from the query; with nothing given, today in the site's zone."""
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
    local_day = day or site_date_of(tz, now)
    if shift is None:
        return ResolvedWindow(site_day(tz, local_day), "day", local_day.isoformat())
    around = site_day(tz, local_day)
    around = TimeWindow(around.start, around.end + timedelta(days=1))
    for occurrence in expand_calendar(calendar, around).shifts:
        if occurrence.code == shift and occurrence.day == local_day:
            return ResolvedWindow(occurrence.window, "shift", occurrence.label)
    raise NotFound(f"no shift {shift!r} starts on {local_day.isoformat()} in this calendar")
