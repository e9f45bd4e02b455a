"""What a report says: the figures come from the KPI services, the same code that answers
``/kpi/line/{id}/shift-report`` and ``/kpi/line/{id}``, so a mailed figure is the one
the page and the API show for the same line and window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from linewise.domains.performance.service import figures, resolve_scope
from linewise.domains.performance.shift_report import shift_report
from linewise.domains.performance.windows import resolve_window, shifts_around
from linewise.domains.reports.models import ReportKind
from linewise.kpi import Convention

CONVENTION = Convention.ISO_22400
# The daily report covers the shifts that ended in the day before it runs.
DAILY_SPAN = timedelta(days=1)


@dataclass(frozen=True)
class Section:
    """One line's part of a report: a shift report, or a week's figures."""

    line_id: int
    line_code: str
    line_name: str
    timezone: str
    label: str  # the shift ("A@2026-11-23") or the week ("2026-W47")
    start: datetime
    end: datetime
    body: dict[str, Any]  # the API's answer for this line and window


@dataclass(frozen=True)
class ReportContent:
    kind: ReportKind
    as_of: datetime
    sections: list[Section]


def local(ts: datetime, zone: str) -> str:
    return ts.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


def daily_sections(db: Session, line_id: int, as_of: datetime) -> list[Section]:
    """A shift report for each shift of the line's calendar that ended in the day before
    ``as_of`` (a line on three shifts gets three)."""
    scope = resolve_scope(db, "line", line_id, None)
    calendar = scope.calendars.of_line(line_id)
    out = []
    for s in shifts_around(calendar, as_of, days=2):
        if not as_of - DAILY_SPAN < s.end <= as_of:
            continue
        resolved = resolve_window(calendar, as_of, day=s.day, shift=s.code)
        body = shift_report(db, scope, resolved, CONVENTION, as_of)
        out.append(
            Section(line_id, scope.row.code, scope.row.name, calendar.timezone,
                    resolved.label, s.start, s.end, body)
        )  # fmt: skip
    return out


def previous_week(as_of: datetime, zone: str) -> str:
    """The ISO week before the one ``as_of`` falls in, in the site's zone."""
    year, week, _ = (as_of.astimezone(ZoneInfo(zone)) - timedelta(days=7)).isocalendar()
    return f"{year}-W{week:02d}"


def weekly_section(db: Session, line_id: int, as_of: datetime) -> Section:
    scope = resolve_scope(db, "line", line_id, None)
    calendar = scope.calendars.of_line(line_id)
    resolved = resolve_window(calendar, as_of, week=previous_week(as_of, calendar.timezone))
    body = figures(db, scope, resolved, CONVENTION, as_of)
    w = resolved.window
    return Section(line_id, scope.row.code, scope.row.name, calendar.timezone,
                   resolved.label, w.start, w.end, body)  # fmt: skip


def content(db: Session, kind: ReportKind, line_ids: list[int], as_of: datetime) -> ReportContent:
    sections: list[Section] = []
    for line_id in line_ids:
        if kind is ReportKind.SHIFT_DAILY:
            sections.extend(daily_sections(db, line_id, as_of))
        else:
            sections.append(weekly_section(db, line_id, as_of))
    return ReportContent(kind, as_of, sections)
