"""Time windows as people say them: today, yesterday, this week, last shift, Monday,
on 3 December, 2026-12-01. Read relative to the question's instant in the site's time
zone, and handed to the KPI window resolver as the API would get them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY_ABBR = {d[:3]: i for i, d in enumerate(WEEKDAYS)}
MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_MONTH_ABBR = {m[:3]: i + 1 for i, m in enumerate(MONTHS)}


@dataclass(frozen=True)
class When:
    """A window asked for, not yet placed in a time zone.

    ``days_ago``: a whole local day (0 today); ``weekday``: the latest such day up to
    today; ``on``: a calendar date; ``weeks_ago``: an ISO week (0 this week); ``shift``:
    ``current`` or ``previous``; ``days``: the last N days up to now."""

    phrase: str
    days_ago: int | None = None
    weekday: int | None = None
    on: date | None = None
    weeks_ago: int | None = None
    shift: str | None = None
    days: int | None = None

    def query(self, timezone: str, now: datetime) -> dict[str, object]:
        """Keyword arguments for ``resolve_window`` (day, shift, week, start/end)."""
        local = now.astimezone(ZoneInfo(timezone))
        today = local.date()
        if self.shift is not None:
            out: dict[str, object] = {"shift": self.shift}
            return out
        if self.days_ago is not None:
            return {"day": today - timedelta(days=self.days_ago)}
        if self.weekday is not None:
            back = (today.weekday() - self.weekday) % 7
            return {"day": today - timedelta(days=back)}
        if self.on is not None:
            return {"day": self.on}
        if self.weeks_ago is not None:
            year, week, _ = (today - timedelta(weeks=self.weeks_ago)).isocalendar()
            return {"week": f"{year}-W{week:02d}"}
        if self.days is not None:
            start = datetime.combine(
                today - timedelta(days=self.days - 1), datetime.min.time(), ZoneInfo(timezone)
            )
            return {"start": start, "end": now}
        return {"day": today}


TODAY = When("today", days_ago=0)

_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\bday before yesterday\b"), "days_ago:2"),
    (re.compile(r"\byesterday\b|\byday\b|\bystd\b"), "days_ago:1"),
    (re.compile(r"\btoday\b|\btoday's\b|\bthis morning\b|\btonight\b"), "days_ago:0"),
    (re.compile(r"\b(?:last|previous|prev|past) shift\b|\bshift before\b"), "shift:previous"),
    (
        re.compile(r"\b(?:this|current|the current|ongoing|running) shift\b|\bthis shift\b"),
        "shift:current",
    ),
    (re.compile(r"\b(?:last|previous|past) week\b|\blast wk\b"), "weeks_ago:1"),
    (re.compile(r"\bthis week\b|\bcurrent week\b|\bthis wk\b|\bweek so far\b"), "weeks_ago:0"),
    (re.compile(r"\b(?:last|past) (\d{1,2}) days\b"), "days:N"),
]
_ISO_DATE = re.compile(r"\b(\d{4})-(\d\d)-(\d\d)\b")
_DAY_MONTH = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)? (?:of )?([a-z]{3,9})\b")
_MONTH_DAY = re.compile(r"\b([a-z]{3,9}) (\d{1,2})(?:st|nd|rd|th)?\b")
_WEEKDAY = re.compile(
    r"\b(?:on |last |this )?(mon|tue|wed|thu|fri|sat|sun)(?:day|s|sday|nesday|rsday|urday|r|rs)?\b"
)


def _month(word: str) -> int | None:
    return (
        _MONTH_ABBR.get(word[:3])
        if word[:3] in _MONTH_ABBR and (word in MONTHS or len(word) <= 4)
        else None
    )


def find_when(text: str, today: date | None = None) -> When | None:
    """The window a (normalized, lower-case) question names, or None."""
    for pattern, meaning in _PATTERNS:
        match = pattern.search(text)
        if not match:
            continue
        key, value = meaning.split(":")
        phrase = match.group(0)
        if key == "days":
            return When(phrase, days=max(1, min(int(match.group(1)), 31)))
        if key == "shift":
            return When(phrase, shift=value)
        if key == "weeks_ago":
            return When(phrase, weeks_ago=int(value))
        return When(phrase, days_ago=int(value))
    if m := _ISO_DATE.search(text):
        try:
            return When(m.group(0), on=date(int(m[1]), int(m[2]), int(m[3])))
        except ValueError:
            return None
    year = (today or date.today()).year
    for pattern, day_group, month_group in ((_DAY_MONTH, 1, 2), (_MONTH_DAY, 2, 1)):
        for m in pattern.finditer(text):
            month = _month(m.group(month_group))
            if month is None:
                continue
            try:
                on = date(year, month, int(m.group(day_group)))
            except ValueError:
                continue
            if today is not None and on > today:
                on = on.replace(year=year - 1)
            return When(m.group(0), on=on)
    if m := _WEEKDAY.search(text):
        return When(m.group(0), weekday=_WEEKDAY_ABBR[m.group(1)])
    return None
