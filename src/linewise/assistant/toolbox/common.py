"""What several tools share: a KPI scope and its window, as the KPI routes resolve them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, Field

from linewise.assistant.tools import ToolContext
from linewise.domains.performance.service import Scope, resolve_scope
from linewise.domains.performance.windows import ResolvedWindow, resolve_window
from linewise.kpi import CalendarSpec

ScopeKindName = Literal["machine", "line", "area", "site"]


class WindowParams(BaseModel):
    """The KPI routes' window: day (site-local), shift (current/previous) or week
    (YYYY-Www), or from/to; nothing: today so far."""

    day: date | None = None
    shift: str | None = Field(None, max_length=40)
    week: str | None = Field(None, max_length=8)
    start: AwareDatetime | None = Field(None, description="from (with to)")
    end: AwareDatetime | None = Field(None, description="to (with from)")


class ScopedParams(WindowParams):
    scope: ScopeKindName = Field(description="machine, line, area or site")
    id: int = Field(description="the scope's id")


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
    """The window as people read it, in the site's time zone, labelled with the zone."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(timezone)
    start = resolved.window.start.astimezone(zone)
    end = resolved.window.end.astimezone(zone)
    so_far = " so far" if resolved.end_clipped_to_now else ""
    if start.date() == end.date() or ((end - start).total_seconds() <= 86400 and end.hour == 0):
        span = f"{start:%a %d %b %H:%M}–{end:%H:%M}"
    else:
        span = f"{start:%a %d %b %H:%M}–{end:%a %d %b %H:%M}"
    if resolved.kind == "range":
        return f"{span}{so_far} {timezone}"
    return f"{resolved.label}{so_far} ({span} {timezone})"


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


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+", "%2B")


def rounded(value: Any, digits: int = 4) -> Any:
    return round(value, digits) if isinstance(value, float) else value
