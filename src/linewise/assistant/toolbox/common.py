"""What several tools share: a KPI scope and its window, as the KPI routes resolve them."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field

from linewise.assistant.tools import ToolContext
from linewise.domains.performance.service import Scope, resolve_scope
from linewise.domains.performance.windows import ResolvedWindow, resolve_window
from linewise.kpi import CalendarSpec

ScopeKindName = Literal["machine", "line", "area", "site"]
# Days a window may name: the KPI calendar converts them to UTC, which the far ends of the
# date range do not survive ("0001-01-01" at +01:00).
EARLIEST = date(1970, 1, 1)
LATEST = date(9998, 12, 31)


class WindowParams(BaseModel):
    """The KPI routes' window: day (site-local), shift (current/previous) or week
    (YYYY-Www), or from/to; nothing: today so far."""

    day: date | None = Field(None, ge=EARLIEST, le=LATEST)
    shift: str | None = Field(None, max_length=40)
    week: str | None = Field(None, max_length=8)
    start: AwareDatetime | None = Field(None, description="from (with to)")
    end: AwareDatetime | None = Field(None, description="to (with from)")


class ScopedParams(WindowParams):
    scope: ScopeKindName = Field(description="machine, line, area or site")
    id: int = Field(description="the scope's id", ge=1, le=2_147_483_647)


def areas_of(ctx: ToolContext) -> frozenset[int] | None:
    return ctx.principal.area_ids if ctx.principal.area_scoped else None


def calendar_of(sc: Scope, kind: str) -> CalendarSpec:
    """As the KPI routes: a machine's or line's own calendar; the site's otherwise."""
    if sc.machines and kind in ("machine", "line"):
        return sc.calendars.of_line(sc.machines[0].line_id)
    return sc.calendars.site


def scope_and_window(ctx: ToolContext, p: ScopedParams) -> tuple[Scope, ResolvedWindow, str]:
    """The scope (area-checked as the API checks it), its window and its time zone."""
    sc = resolve_scope(ctx.db, p.scope, p.id, areas_of(ctx))
    calendar = calendar_of(sc, p.scope)
    resolved = resolve_window(
        calendar, ctx.now, start=p.start, end=p.end, day=p.day, shift=p.shift, week=p.week
    )
    return sc, resolved, calendar.timezone


def window_words(resolved: ResolvedWindow, timezone: str) -> str:
    """The window as people read it, in the site's time zone, labelled with the zone:
    "Mon 23 Nov (Europe/Berlin)", "Sun 06 Dec until 17:26 (Europe/Berlin)", "week
    2026-W49, Mon 30 Nov–Sun 06 Dec (...)", "shift A@2026-12-06, Sun 06 Dec 06:00–14:00"."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(timezone)
    start = resolved.window.start.astimezone(zone)
    end = resolved.window.end.astimezone(zone)
    last_day = (end - timedelta(microseconds=1)) if end.time() == time(0) else end
    until = f" until {end:%H:%M}" if resolved.end_clipped_to_now else ""
    if resolved.kind == "day":
        return f"{start:%a %d %b}{until} ({timezone})"
    if resolved.kind == "week":
        asked_end = (resolved.asked_end or resolved.window.end).astimezone(zone)
        sunday = asked_end - timedelta(microseconds=1)
        return f"week {resolved.label}, {start:%a %d %b}–{sunday:%a %d %b}{until} ({timezone})"
    if resolved.kind == "shift":
        return f"shift {resolved.label}, {start:%a %d %b %H:%M}–{end:%H:%M} ({timezone})"
    if start.date() == last_day.date():
        return f"{start:%a %d %b %H:%M}–{end:%H:%M} ({timezone})"
    return f"{start:%a %d %b %H:%M}–{end:%a %d %b %H:%M} ({timezone})"


def kpi_page(scope: str, sc: Scope, resolved: ResolvedWindow, p: WindowParams, tz: str) -> str:
    """The KPI page showing the same scope and window (it shows sites and lines; a
    machine's figures are on its line's page)."""
    from zoneinfo import ZoneInfo

    if scope == "line":
        scope_param = f"line:{sc.row.id}"
    elif scope == "machine" and sc.machines:
        scope_param = f"line:{sc.machines[0].line_id}"
    else:
        scope_param = "site"
    if p.shift in ("current", "previous"):
        period = f"shift:{p.shift}"
    else:
        zone = ZoneInfo(tz)
        first = resolved.window.start.astimezone(zone).date()
        asked_end = (resolved.asked_end or resolved.window.end).astimezone(zone)
        last = (asked_end - timedelta(microseconds=1)).date()
        period = f"range:{first}..{last}"
    return f"/kpis?scope={scope_param}&period={period}"


def window_facts(resolved: ResolvedWindow) -> dict[str, str]:
    """The window measured, as instants: a window cut at now ends at the moment asked."""
    return {
        "window_start": resolved.window.start.isoformat(),
        "window_end": resolved.window.end.isoformat(),
    }


def window_query(p: WindowParams) -> str:
    """The window as the API's query string (for the answer's source)."""
    parts: list[str] = []
    for key, value in (("day", p.day), ("shift", p.shift), ("week", p.week)):
        if value is not None:
            parts.append(f"{key}={value}")
    if p.start is not None and p.end is not None:
        parts.append(f"from={_iso(p.start)}&to={_iso(p.end)}")
    return "&".join(parts)


def iso(value: datetime | None) -> str | None:
    """An instant for the facts (ISO 8601), or None."""
    return value.isoformat() if value is not None else None


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+", "%2B")
