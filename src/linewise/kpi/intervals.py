"""UTC time windows and the few set operations the KPI engine needs.

Every measurement is made on half-open UTC intervals ``[start, end)``: intervals that only
touch do not overlap, so adjacent shifts, states or buckets never count a moment twice and
sums over any partition of time add up exactly. Durations are kept as ``timedelta``
(integer microseconds) for the same reason; seconds as floats appear only in KPI values.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

ZERO = timedelta(0)


def as_utc(value: datetime, what: str = "timestamp") -> datetime:
    """Return ``value`` in UTC; a naive datetime is refused because its zone is a guess."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} {value.isoformat()} has no time zone: give a UTC instant")
    return value.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """A half-open UTC interval ``[start, end)``."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        start = as_utc(self.start, "window start")
        end = as_utc(self.end, "window end")
        if end < start:
            raise ValueError(
                f"window ends ({end.isoformat()}) before it starts ({start.isoformat()})"
            )
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    def contains(self, instant: datetime) -> bool:
        return self.start <= instant < self.end

    def overlap(self, other: TimeWindow) -> TimeWindow | None:
        """The common part, or None when the two share no instant."""
        start = max(self.start, other.start)
        end = min(self.end, other.end)
        return TimeWindow(start, end) if start < end else None

    def overlap_duration(self, other: TimeWindow) -> timedelta:
        common = self.overlap(other)
        return common.duration if common else ZERO

    def label(self) -> str:
        return f"{self.start.isoformat()}/{self.end.isoformat()}"


def merge_windows(windows: Iterable[TimeWindow]) -> tuple[TimeWindow, ...]:
    """Union of windows as sorted, disjoint windows (touching ones are joined)."""
    merged: list[TimeWindow] = []
    for w in sorted((w for w in windows if w.duration > ZERO), key=lambda w: w.start):
        if merged and w.start <= merged[-1].end:
            if w.end > merged[-1].end:
                merged[-1] = TimeWindow(merged[-1].start, w.end)
        else:
            merged.append(w)
    return tuple(merged)


def hull(windows: Iterable[TimeWindow]) -> TimeWindow:
    """The smallest window holding all of ``windows``."""
    items = list(windows)
    if not items:
        raise ValueError("hull of no windows")
    return TimeWindow(min(w.start for w in items), max(w.end for w in items))


class DisjointIndex:
    """Answers "is instant t covered?" over sorted disjoint windows in O(log n)."""

    def __init__(self, windows: Sequence[TimeWindow]) -> None:
        self._windows = merge_windows(windows)
        self._starts = [w.start for w in self._windows]

    @property
    def windows(self) -> tuple[TimeWindow, ...]:
        return self._windows

    def covers(self, instant: datetime) -> bool:
        i = bisect_right(self._starts, instant) - 1
        return i >= 0 and instant < self._windows[i].end
