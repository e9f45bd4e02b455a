"""The one calendar provider: the working time of a line (or machine) over a window.

The scheduler, the KPIs and the live floor all ask here, so that they plan, measure and
show the same shifts. Rules:

- A line works in its own calendar if it has one, else in its site's calendar; either
  is read in the time zone of the line's site. A site has at most one calendar and a line
  at most one (the API and a database index refuse a second), so there is nothing left
  to choose between.
- Working time over a window is that calendar's shifts (breaks, holidays, nights and
  daylight-saving changes are handled by the pure engine in ``linewise.kpi.calendar``)
  plus what registered sources add per line: overtime (extra shift occurrences) and
  planned outages such as maintenance windows. A module registers a
  ``WorkingTimeSource`` and every reader sees its windows: the scheduler's line windows,
  the KPI evaluations over a window (``WorkingTime.planned`` / ``adjusted``) and the KPI
  day rollups (which also apply ``adjusted``). The first source is maintenance
  (``domains/maintenance/calendar.py``: scheduled and done preventive windows); it marks
  the rollups stale when its windows change, and so must any later source.
  What-if changes of a scenario (a line down, an extra shift) stay with the scheduler:
  they are not facts of the factory.
- Without any calendar a line has no planned time. The KPIs then count nothing as
  planned; the scheduler treats such a line as always available (``LineCalendar.found``).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from linewise.core.errors import NotFound
from linewise.domains.people import repository as repo
from linewise.domains.people.models import ShiftCalendar
from linewise.kpi.calendar import (
    CalendarSpec,
    CurrentPeriod,
    PlannedShift,
    PlannedStop,
    PlannedTime,
    current_period,
    expand_calendar,
)
from linewise.kpi.intervals import TimeWindow


@dataclass(frozen=True)
class LineCalendar:
    """The calendar a line works in, resolved (its own, else its site's)."""

    line_id: int
    site_id: int
    spec: CalendarSpec  # no shifts when neither the line nor its site has a calendar
    calendar_id: int | None  # the stored calendar; None when there is none
    own: bool  # True: the line's own calendar; False: its site's (or none)

    @property
    def timezone(self) -> str:
        return self.spec.timezone

    @property
    def found(self) -> bool:
        return self.calendar_id is not None


@dataclass(frozen=True)
class SiteCalendars:
    """A site's calendar and the own calendars of its lines, in the site's time zone."""

    site_id: int
    timezone: str
    site: CalendarSpec
    lines: Mapping[int, CalendarSpec]
    has_site_calendar: bool

    def of_line(self, line_id: int) -> CalendarSpec:
        return self.lines.get(line_id, self.site)


@dataclass(frozen=True)
class Adjustments:
    """What a source adds to one line's calendar over a window."""

    extra_shifts: tuple[PlannedShift, ...] = ()  # overtime
    planned_stops: tuple[PlannedStop, ...] = ()  # planned outages, e.g. maintenance


class WorkingTimeSource(Protocol):
    """Adds overtime and planned outages of some lines over a window (per line id)."""

    def __call__(
        self, db: Session, line_ids: Collection[int], window: TimeWindow
    ) -> Mapping[int, Adjustments]: ...


_sources: list[WorkingTimeSource] = []


def register_source(source: WorkingTimeSource) -> None:
    """Let every reader of working time see what ``source`` adds (once per source)."""
    if source not in _sources:
        _sources.append(source)


def unregister_source(source: WorkingTimeSource) -> None:
    if source in _sources:
        _sources.remove(source)


def calendar_spec(cal: ShiftCalendar, timezone: str) -> CalendarSpec:
    """A stored calendar as the pure engine's ``CalendarSpec`` in ``timezone``."""
    patterns = [
        {
            "code": p.code,
            "start": p.start,
            "end": p.end,
            "weekdays": list(p.weekdays),
            "breaks": list(p.breaks),
        }
        for p in cal.patterns
    ]
    return CalendarSpec.from_records(timezone, patterns, [h.day for h in cal.holidays])


@dataclass
class WorkingTime:
    """Calendars of some sites, read once and resolved per line; see the module rules."""

    db: Session
    timezones: dict[int, str]  # site id -> IANA zone
    site_of: dict[int, int]  # line id -> site id
    site_calendars: dict[int, ShiftCalendar]
    line_calendars: dict[int, ShiftCalendar]
    _specs: dict[tuple[int, str], CalendarSpec] = field(default_factory=dict)

    @classmethod
    def load(cls, db: Session, site_ids: Collection[int] | None = None) -> WorkingTime:
        """The calendars of ``site_ids`` (all sites when None) and their lines."""
        places = repo.line_places(db, site_ids)
        site_cal: dict[int, ShiftCalendar] = {}
        line_cal: dict[int, ShiftCalendar] = {}
        for cal in repo.calendars(db, site_ids):
            # At most one of each is allowed; should old data hold more, the first (by
            # id) wins for every reader alike.
            if cal.line_id is None:
                site_cal.setdefault(cal.site_id, cal)
            else:
                line_cal.setdefault(cal.line_id, cal)
        return cls(
            db,
            repo.site_timezones(db, site_ids),
            {p.line_id: p.site_id for p in places},
            site_cal,
            line_cal,
        )

    @classmethod
    def for_lines(cls, db: Session, line_ids: Collection[int]) -> WorkingTime:
        return cls.load(db, repo.sites_of_lines(db, line_ids))

    def _spec(self, cal: ShiftCalendar, timezone: str) -> CalendarSpec:
        key = (cal.id, timezone)
        if key not in self._specs:
            self._specs[key] = calendar_spec(cal, timezone)
        return self._specs[key]

    def timezone(self, site_id: int) -> str:
        if site_id not in self.timezones:
            raise NotFound(f"site {site_id} not found")
        return self.timezones[site_id]

    def site_spec(self, site_id: int) -> CalendarSpec | None:
        """The site's own calendar, None when it has none (crews follow site shifts)."""
        cal = self.site_calendars.get(site_id)
        return None if cal is None else self._spec(cal, self.timezone(site_id))

    def of_line(self, line_id: int) -> LineCalendar:
        if line_id not in self.site_of:
            raise NotFound(f"line {line_id} not found")
        site_id = self.site_of[line_id]
        tz = self.timezone(site_id)
        own = self.line_calendars.get(line_id)
        cal = own or self.site_calendars.get(site_id)
        spec = CalendarSpec(tz, ()) if cal is None else self._spec(cal, tz)
        return LineCalendar(
            line_id, site_id, spec, None if cal is None else cal.id, own is not None
        )

    def site(self, site_id: int) -> SiteCalendars:
        """What a site-wide reader (KPIs of a site, area or line scope) needs."""
        tz = self.timezone(site_id)
        site_spec = self.site_spec(site_id)
        lines = {
            line_id: self._spec(cal, tz)
            for line_id, cal in self.line_calendars.items()
            if self.site_of.get(line_id) == site_id
        }
        return SiteCalendars(
            site_id, tz, site_spec or CalendarSpec(tz, ()), lines, site_spec is not None
        )

    def planned(self, line_ids: Iterable[int], window: TimeWindow) -> dict[int, PlannedTime]:
        """Each line's working time over ``window``: shifts, breaks, overtime, outages."""
        ids = sorted(set(line_ids))
        out = {lid: expand_calendar(self.of_line(lid).spec, window) for lid in ids}
        return adjusted(self.db, out, window)

    def current(self, line_ids: Iterable[int], now: datetime) -> dict[int, CurrentPeriod]:
        """Each line's "this shift" at ``now`` (its site-local day when no shift runs)."""
        return {lid: current_period(self.of_line(lid).spec, now) for lid in set(line_ids)}


def adjusted(
    db: Session, planned: Mapping[int, PlannedTime], window: TimeWindow
) -> dict[int, PlannedTime]:
    """``planned`` per line with what the registered sources add over ``window``."""
    out = dict(planned)
    for source in list(_sources):
        for line_id, adj in source(db, list(out), window).items():
            if line_id in out:
                out[line_id] = (
                    out[line_id]
                    .with_extra_shifts(adj.extra_shifts)
                    .with_planned_stops(p for p in adj.planned_stops if p.window.overlap(window))
                )
    return out


def working_time(db: Session, line_id: int, window: TimeWindow) -> PlannedTime:
    """One line's working time over ``window`` (see the module rules)."""
    return WorkingTime.for_lines(db, [line_id]).planned([line_id], window)[line_id]


def machine_calendars(db: Session, machine_ids: Sequence[int]) -> dict[int, LineCalendar]:
    """Each machine's calendar: the one of the line it stands on."""
    line_of = repo.lines_of_machines(db, machine_ids)
    provider = WorkingTime.for_lines(db, set(line_of.values()))
    return {mid: provider.of_line(lid) for mid, lid in line_of.items()}
