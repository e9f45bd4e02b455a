"""Wording helpers shared by the templates and the provenance check: a number is printed
the same way it is later recognised."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f} %"


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "n/a"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def count(value: int | float | None) -> str:
    return "n/a" if value is None else f"{value:,.0f}"


def moment(value: str | None, timezone: str) -> str:
    """An ISO instant as the site reads it: "Tue 08 Dec 14:30 Europe/Berlin"."""
    if not value:
        return "unknown"
    return datetime_phrases(datetime.fromisoformat(value), timezone)[0]


def datetime_phrases(value: datetime, timezone: str) -> list[str]:
    local = value.astimezone(ZoneInfo(timezone))
    return [
        f"{local:%a %d %b %H:%M} {timezone}",
        f"{local:%a %d %b %H:%M}",
        f"{local:%a %d %b}",
        f"{local:%Y-%m-%d}",
    ]
