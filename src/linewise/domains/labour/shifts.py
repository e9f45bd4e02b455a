"""The shifts the allocation board and the labour figures are kept per.

A board belongs to one site and one shift occurrence of the site's calendar, keyed
``CODE@YYYY-MM-DD`` (the site-local day the shift starts on). A site without a calendar
works in site-local days, keyed ``day@YYYY-MM-DD``. Lines with a calendar of their own
still share the site's board: one crew plan per shift is what a supervisor hands out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from linewise.core.errors import FieldError, ValidationProblem
from linewise.domains.people.working_time import WorkingTime
from linewise.kpi.calendar import (
    CalendarSpec,
    expand_calendar,
    shift_containing,
    site_date_of,
    site_day,
)
from linewise.kpi.intervals import TimeWindow

DAY_CODE = "day"
KEY = re.compile(r"^(?P<code>[A-Za-z0-9_\-]{1,40})@(?P<day>\d{4}-\d{2}-\d{2})$")


@dataclass(frozen=True)
class ShiftRef:
    key: str
    code: str
    day: date
    window: TimeWindow
    timezone: str


def _spec(db: Session, site_id: int) -> tuple[str, CalendarSpec | None]:
    provider = WorkingTime.load(db, [site_id])
    return provider.timezone(site_id), provider.site_spec(site_id)


def _day_ref(tz: str, day: date) -> ShiftRef:
    return ShiftRef(f"{DAY_CODE}@{day.isoformat()}", DAY_CODE, day, site_day(tz, day), tz)


def current_and_next(db: Session, site_id: int, now: datetime) -> tuple[ShiftRef, ShiftRef]:
    """The shift running at ``now`` (else the next one to start) and the one after it."""
    tz, spec = _spec(db, site_id)
    if spec is None or not spec.shifts:
        today = site_date_of(tz, now)
        return _day_ref(tz, today), _day_ref(tz, today + timedelta(days=1))
    shifts = expand_calendar(
        spec, TimeWindow(now - timedelta(days=1), now + timedelta(days=15))
    ).shifts
    running = shift_containing(spec, now)
    upcoming = sorted((s for s in shifts if s.start > now), key=lambda s: s.start)
    first = running or (upcoming.pop(0) if upcoming else None)
    if first is None:
        today = site_date_of(tz, now)
        return _day_ref(tz, today), _day_ref(tz, today + timedelta(days=1))
    after = [s for s in upcoming if s.start >= first.end] or [
        s for s in upcoming if s.start > first.start
    ]
    refs = [ShiftRef(s.label, s.code, s.day, s.window, tz) for s in (first, *after[:1])]
    if len(refs) == 1:
        refs.append(_day_ref(tz, first.day + timedelta(days=1)))
    return refs[0], refs[1]


def resolve(db: Session, site_id: int, key: str, field: str = "shift_key") -> ShiftRef:
    """The shift occurrence named ``key`` at the site; 422 naming ``field`` if none."""
    m = KEY.match(key)
    if m is None:
        raise ValidationProblem(
            f"{key!r} is not a shift key", errors=[FieldError(field, "expected CODE@YYYY-MM-DD")]
        )
    try:
        day = date.fromisoformat(m["day"])
    except ValueError:
        raise ValidationProblem(
            f"{key!r} has no valid date", errors=[FieldError(field, "invalid date")]
        ) from None
    tz, spec = _spec(db, site_id)
    if m["code"] == DAY_CODE and (spec is None or not spec.shifts):
        return _day_ref(tz, day)
    if spec is not None:
        start = site_day(tz, day).start
        for s in expand_calendar(spec, TimeWindow(start, start + timedelta(days=2))).shifts:
            if s.label == key:
                return ShiftRef(s.label, s.code, s.day, s.window, tz)
    raise ValidationProblem(
        f"the site's calendar has no shift {key}", errors=[FieldError(field, "no such shift")]
    )
