"""Five-field cron expressions (minute hour day-of-month month day-of-week), evaluated
in a site's time zone.

Our own small parser rather than a dependency: the five fields with ``*``, ranges,
steps, lists and day/month names are all the periodic jobs need, and the evaluation
must be in an IANA zone with an explicit rule for the daylight-saving changes:

- A local time that does not exist (the spring-forward gap) fires at the same UTC
  instant ``zoneinfo`` maps it to (one hour later on the wall clock).
- A local time that happens twice (fall back) fires once, at its first occurrence.

As in classic cron, when both day-of-month and day-of-week are restricted a day
matches if either does.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
# (name, low, high, names) per field
_FIELDS: tuple[tuple[str, int, int, list[str]], ...] = (
    ("minute", 0, 59, []),
    ("hour", 0, 23, []),
    ("day of month", 1, 31, []),
    ("month", 1, 12, _MONTHS),
    ("day of week", 0, 7, _DAYS),
)
# How far back or ahead a search looks: "29 February on a Monday" recurs within 28 years.
_HORIZON_DAYS = 366 * 29


class CronError(ValueError):
    """A cron expression that cannot be read; the message names the field."""


def _number(text: str, low: int, names: list[str], field: str) -> int:
    lowered = text.lower()
    if lowered in names:
        return names.index(lowered) + (1 if field == "month" else 0)
    if not text.isdigit():
        raise CronError(f"{field}: {text!r} is not a number")
    return int(text)


def _parse_field(text: str, field: str, low: int, high: int, names: list[str]) -> frozenset[int]:
    values: set[int] = set()
    for part in text.split(","):
        base, _, step_text = part.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) == 0:
                raise CronError(f"{field}: step {step_text!r} must be a positive number")
            step = int(step_text)
        if base == "*":
            first, last = low, high
        elif "-" in base:
            a, _, b = base.partition("-")
            first, last = _number(a, low, names, field), _number(b, low, names, field)
        else:
            first = _number(base, low, names, field)
            last = high if step_text else first
        if not (low <= first <= high and low <= last <= high) or first > last:
            raise CronError(f"{field}: {part!r} is outside {low}-{high}")
        values.update(range(first, last + 1, step))
    return frozenset(values)


@dataclass(frozen=True)
class Cron:
    expression: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Sunday
    any_day: bool  # day-of-month is "*"
    any_weekday: bool  # day-of-week is "*"

    def day_matches(self, day: date) -> bool:
        if day.month not in self.months:
            return False
        dom = day.day in self.days
        dow = day.isoweekday() % 7 in self.weekdays
        if self.any_day or self.any_weekday:
            return dom and dow
        return dom or dow

    def _times(self) -> list[tuple[int, int]]:
        return sorted((h, m) for h in self.hours for m in self.minutes)

    def _local(self, day: date, hm: tuple[int, int], zone: ZoneInfo) -> datetime:
        local = datetime(day.year, day.month, day.day, hm[0], hm[1], tzinfo=zone)
        return local.astimezone(UTC)

    def previous(self, at: datetime, zone: str) -> datetime | None:
        """The latest fire time at or before ``at`` (UTC), or None within the horizon."""
        tz = ZoneInfo(zone)
        day = at.astimezone(tz).date()
        times = self._times()[::-1]
        for _ in range(_HORIZON_DAYS):
            if self.day_matches(day):
                for hm in times:
                    fire = self._local(day, hm, tz)
                    if fire <= at:
                        return fire
            day -= timedelta(days=1)
        return None

    def following(self, after: datetime, zone: str) -> Iterator[datetime]:
        """Fire times strictly after ``after`` (UTC), in order."""
        tz = ZoneInfo(zone)
        day = after.astimezone(tz).date() - timedelta(days=1)  # a gap may move a time back
        times = self._times()
        for _ in range(_HORIZON_DAYS):
            if self.day_matches(day):
                for hm in times:
                    fire = self._local(day, hm, tz)
                    if fire > after:
                        after = fire
                        yield fire
            day += timedelta(days=1)

    def count_between(self, after: datetime, until: datetime, zone: str, cap: int = 1000) -> int:
        """How many fire times lie in (after, until], at most ``cap``."""
        n = 0
        for fire in self.following(after, zone):
            if fire > until or n >= cap:
                break
            n += 1
        return n


def parse(expression: str) -> Cron:
    parts = expression.split()
    if len(parts) != 5:
        raise CronError(
            f"cron needs 5 fields (minute hour day-of-month month day-of-week), got {len(parts)}"
        )
    sets = [
        _parse_field(text, field, low, high, names)
        for text, (field, low, high, names) in zip(parts, _FIELDS, strict=True)
    ]
    weekdays = frozenset(d % 7 for d in sets[4])  # 7 is Sunday too
    return Cron(
        expression, sets[0], sets[1], sets[2], sets[3], weekdays, parts[2] == "*", parts[4] == "*"
    )
