"""What the order, plan, delivery and people tools share: the line a question is about
(area-checked as the floor routes check it), the site's time zone, and how a list of
order numbers is said."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from linewise.api.deps import Principal
from linewise.assistant.intents import Asked, CannotAnswer
from linewise.assistant.repository import Named
from linewise.assistant.tools import ToolRefused
from linewise.core.errors import Forbidden
from linewise.domains.equipment.models import Line
from linewise.domains.equipment.repository import line_by_id
from linewise.domains.performance.windows import parse_week
from linewise.domains.production import repository as orders_repo
from linewise.kpi import TimeWindow, site_date_of, site_day

SHOWN = 5  # order numbers said in a sentence; the rest are counted ("and 3 more")


def site_zone(db: Any, line_ids: list[int] | None = None) -> str:
    """The site's time zone as the order pages use it (the first line's site, else the
    first site's), UTC in an empty factory."""
    return orders_repo.site_timezone(db, line_ids or []) or "UTC"


def line_for(db: Any, principal: Principal, line_id: int) -> Line:
    """The line, refused as the floor and next-work routes refuse a line outside the
    caller's areas."""
    line = line_by_id(db, line_id)
    if line is None:
        raise Forbidden(f"line {line_id} does not exist")
    if not principal.may_touch_area(line.area_id):
        raise Forbidden(f"line {line.code} is outside your areas")
    return line


def line_of(asked: Asked) -> Named:
    """The line a question names, directly or through one of its machines."""
    line = asked.mentions.first("line")
    if line is not None:
        return line
    machine = asked.mentions.first("machine")
    if machine is not None and machine.line_id is not None:
        return Named("line", machine.line_id, machine.code, machine.name, machine.area_id)
    raise CannotAnswer("which line? Name it, for example SMT-1")


def day_or_week(
    timezone: str,
    now: datetime,
    day: date | None = None,
    week: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> tuple[TimeWindow, str]:
    """A whole site-local day or ISO week (or a from/to range), never cut at now: "due
    today" includes the rest of today; nothing given: today. A window that cannot be
    (to before from, a day beyond the calendar) is a refusal, not an error."""
    try:
        if start is not None and end is not None:
            return TimeWindow(start, end), "from–to"
        if week is not None:
            monday = parse_week(week)
            window = TimeWindow(
                site_day(timezone, monday).start,
                site_day(timezone, monday + timedelta(days=7)).start,
            )
            return window, f"week {week}"
        local = day or site_date_of(timezone, now)
        return site_day(timezone, local), local.isoformat()
    except (ValueError, OverflowError) as exc:
        raise ToolRefused(f"no such window: {exc}") from exc


def span_words(window: TimeWindow, label: str, timezone: str) -> str:
    """A day or week window in the site's zone, labelled with the zone."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(timezone)
    start, end = window.start.astimezone(zone), window.end.astimezone(zone)
    return f"{label} ({start:%a %d %b %H:%M}–{end:%a %d %b %H:%M} {timezone})"


def numbers_said(numbers: list[str], total: int) -> str:
    """ "PO-1, PO-2 and PO-3" or "PO-1, PO-2, PO-3, PO-4, PO-5 and 7 more" (``total - 5``
    is a fact of the tool: ``more``)."""
    shown = numbers[:SHOWN]
    if not shown:
        return "none"
    rest = total - len(shown)
    if rest > 0:
        return ", ".join(shown) + f" and {rest} more"
    if len(shown) == 1:
        return shown[0]
    return ", ".join(shown[:-1]) + f" and {shown[-1]}"
