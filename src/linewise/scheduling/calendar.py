"""Placing work into a resource's available windows.

A non-splittable operation must fit entirely inside one window. A splittable operation
starts inside a window and, when the window closes, resumes at the start of the next one;
its span ``[start, end)`` therefore stretches across the gaps. For a fixed start window
and a fixed number of gaps crossed, the span length is a constant, which is what lets
CP-SAT model every choice as an optional fixed-size interval (see ``placement_options``).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from linewise.scheduling.model import Window


@dataclass(frozen=True)
class PlacementOption:
    """Start anywhere in ``[earliest, latest]``; the span is then exactly ``length`` long."""

    earliest: int
    latest: int
    length: int


class CalendarIndex:
    """A resource calendar prepared for fast lookups (``None`` = always available)."""

    def __init__(self, windows: tuple[Window, ...] | None) -> None:
        self.always = windows is None
        self.starts = [w.start for w in windows or ()]
        self.ends = [w.end for w in windows or ()]

    def _first_window_ending_after(self, t: int) -> int:
        """Index of the first window with ``end > t`` (windows are sorted and disjoint)."""
        return bisect_right(self.ends, t)

    def _finish(self, i: int, start: int, duration: int) -> int | None:
        """End of splittable work of ``duration`` started at ``start`` inside window i."""
        remaining = duration - (self.ends[i] - start)
        while remaining > 0:
            i += 1
            if i >= len(self.starts):
                return None
            remaining -= self.ends[i] - self.starts[i]
        return self.ends[i] + remaining

    def earliest_fit(self, t: int, duration: int, splittable: bool) -> tuple[int, int] | None:
        """The earliest ``(start, end)`` with ``start >= t``; ``None`` if nothing fits."""
        if self.always:
            return t, t + duration
        i = self._first_window_ending_after(t)
        while i < len(self.starts):
            start = max(t, self.starts[i])
            if splittable:
                end = self._finish(i, start, duration)
                return None if end is None else (start, end)
            if start + duration <= self.ends[i]:
                return start, start + duration
            i += 1
        return None

    def placement_options(
        self, duration: int, splittable: bool, earliest: int, latest: int
    ) -> list[PlacementOption]:
        """All ways to place the work with a start in ``[earliest, latest]``."""
        if self.always:
            return [PlacementOption(earliest, latest, duration)] if earliest <= latest else []
        options: list[PlacementOption] = []
        for i in range(self._first_window_ending_after(earliest), len(self.starts)):
            a, b = self.starts[i], self.ends[i]
            if a > latest:
                break
            if not splittable:
                lo, hi = max(a, earliest), min(b - duration, latest)
                if lo <= hi:
                    options.append(PlacementOption(lo, hi, duration))
                continue
            options.extend(self._split_options(i, duration, earliest, latest))
        return options

    def _split_options(
        self, i: int, duration: int, earliest: int, latest: int
    ) -> list[PlacementOption]:
        """Segments of start times in window i that cross the same number of gaps."""
        a, b = self.starts[i], self.ends[i]
        options: list[PlacementOption] = []
        # k = 0: finishes inside window i.
        lo, hi = max(a, earliest), min(b - duration, latest, b - 1)
        if lo <= hi:
            options.append(PlacementOption(lo, hi, duration))
        work_between = 0  # available time in windows i+1 .. i+k-1
        for j in range(i + 1, len(self.starts)):
            # Ends in window j: the work through window j-1 is short, through j enough.
            seg_lo = b + work_between - duration + 1
            seg_hi = b + work_between + (self.ends[j] - self.starts[j]) - duration
            lo, hi = max(a, earliest, seg_lo), min(b - 1, latest, seg_hi)
            if lo <= hi:
                gaps = (self.starts[j] - b) - work_between
                options.append(PlacementOption(lo, hi, duration + gaps))
            work_between += self.ends[j] - self.starts[j]
            if b + work_between - duration + 1 > min(b - 1, latest):
                break
        return options
