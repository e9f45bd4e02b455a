"""The site's shift calendar as a timeline of working and non-working segments (UTC ms).

Kept separate from the KPI engine's calendar on purpose: the simulator is the ground
truth the KPI engine is checked against, so it must not share its code paths.
"""

from __future__ import annotations

import itertools
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from linewise.simulation.spec import ShiftSpec
from linewise.simulation.timefmt import from_ms, to_ms

WORK = "work"
BREAK = "break"
NO_SHIFT = "no_shift"


@dataclass(frozen=True, slots=True)
class Segment:
    start: int
    end: int
    kind: str  # WORK, BREAK (inside a shift) or NO_SHIFT


def _hhmm(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def _local(zone: ZoneInfo, day: date, clock: time) -> int:
    return to_ms(datetime.combine(day, clock, tzinfo=zone))


def _shift_pieces(
    zone: ZoneInfo, shift: ShiftSpec, day: date
) -> tuple[tuple[int, int], list[tuple[int, int]]]:
    """The shift's span on ``day`` and its breaks, in UTC ms."""
    start_clock, end_clock = _hhmm(shift.start), _hhmm(shift.end)
    end_day = day + timedelta(days=1) if end_clock <= start_clock else day
    span = (_local(zone, day, start_clock), _local(zone, end_day, end_clock))
    breaks = []
    for clock_text, minutes in shift.breaks:
        clock = _hhmm(clock_text)
        break_day = day + timedelta(days=1) if clock < start_clock else day
        begin = _local(zone, break_day, clock)
        breaks.append((max(begin, span[0]), min(begin + minutes * 60_000, span[1])))
    return span, breaks


class ShiftTimeline:
    """Which segment (working, break, no shift) a moment falls into, and where it ends."""

    def __init__(
        self,
        timezone: str,
        shifts: tuple[ShiftSpec, ...],
        holidays: tuple[tuple[str, str], ...],
        start_ms: int,
        end_ms: int,
    ) -> None:
        zone = ZoneInfo(timezone)
        off_days = {date.fromisoformat(day) for day, _name in holidays}
        first = from_ms(start_ms).astimezone(zone).date() - timedelta(days=2)
        last = from_ms(end_ms).astimezone(zone).date() + timedelta(days=2)
        spans: list[tuple[int, int]] = []
        pauses: list[tuple[int, int]] = []
        day = first
        while day <= last:
            if day not in off_days:
                for shift in shifts:
                    if day.weekday() in shift.weekdays:
                        span, breaks = _shift_pieces(zone, shift, day)
                        spans.append(span)
                        pauses.extend(b for b in breaks if b[1] > b[0])
            day += timedelta(days=1)
        lo = to_ms(datetime.combine(first, time(), zone))
        hi = to_ms(datetime.combine(last, time(), zone))
        self.segments = _segments(spans, pauses, lo, hi)
        self._starts = [s.start for s in self.segments]

    def at(self, ms: int) -> Segment:
        index = bisect_right(self._starts, ms) - 1
        if index < 0:
            return Segment(ms - 1, self.segments[0].start, NO_SHIFT)
        segment = self.segments[index]
        if ms >= segment.end:  # beyond the expanded horizon
            return Segment(segment.end, ms + 365 * 86_400_000, NO_SHIFT)
        return segment


def _segments(
    spans: list[tuple[int, int]], pauses: list[tuple[int, int]], lo: int, hi: int
) -> list[Segment]:
    """Non-overlapping segments covering [lo, hi): shift time minus breaks is WORK."""
    edges = sorted({lo, hi, *(t for s in spans for t in s), *(t for p in pauses for t in p)})
    edges = [t for t in edges if lo <= t <= hi]

    def inside(ms: int, ranges: list[tuple[int, int]]) -> bool:
        return any(a <= ms < b for a, b in ranges)

    out: list[Segment] = []
    for a, b in itertools.pairwise(edges):
        if not inside(a, spans):
            kind = NO_SHIFT
        elif inside(a, pauses):
            kind = BREAK
        else:
            kind = WORK
        if out and out[-1].kind == kind and out[-1].end == a:
            out[-1] = Segment(out[-1].start, b, kind)
        else:
            out.append(Segment(a, b, kind))
    return out


def shift_spans(
    timezone: str,
    shift: ShiftSpec,
    holidays: tuple[tuple[str, str], ...],
    start_ms: int,
    end_ms: int,
) -> list[tuple[date, int, int]]:
    """Each occurrence of ``shift`` touching ``[start_ms, end_ms)``: (its day, start, end)."""
    zone = ZoneInfo(timezone)
    off_days = {date.fromisoformat(day) for day, _name in holidays}
    day = from_ms(start_ms).astimezone(zone).date() - timedelta(days=1)
    last = from_ms(end_ms).astimezone(zone).date()
    out = []
    while day <= last:
        if day not in off_days and day.weekday() in shift.weekdays:
            (a, b), _breaks = _shift_pieces(zone, shift, day)
            if b > start_ms and a < end_ms:
                out.append((day, a, b))
        day += timedelta(days=1)
    return out
