"""Operators in use per skill, against the capacity the skill shifts provide.

Used by the list-scheduling heuristic (through ``Timetable``) to check whether an
operation's operators are free over a span; kept in its own module because the skill
model is the part most likely to grow (crews, multi-skilled operators).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict

from linewise.scheduling.errors import SchedulingError
from linewise.scheduling.model import Instance


class SkillBoard:
    """Operators in use per skill against the capacity given by the skill shifts."""

    def __init__(self, instance: Instance) -> None:
        deltas: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        for shift in instance.skill_shifts:
            deltas[shift.skill][shift.window.start] += shift.capacity
            deltas[shift.skill][shift.window.end] -= shift.capacity
        self.cap_times: dict[str, list[int]] = {}
        self.cap_values: dict[str, list[int]] = {}
        for skill, changes in deltas.items():
            level, times, values = 0, [], []
            for t in sorted(changes):
                level += changes[t]
                times.append(t)
                values.append(level)
            self.cap_times[skill], self.cap_values[skill] = times, values
        self.use_starts: dict[str, list[int]] = defaultdict(list)
        self.use: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
        self.longest: dict[str, int] = defaultdict(int)

    def capacity(self, skill: str, t: int) -> int:
        times = self.cap_times.get(skill, [])
        i = bisect_right(times, t) - 1
        return self.cap_values[skill][i] if i >= 0 else 0

    def _overlapping(self, skill: str, start: int, end: int) -> list[tuple[int, int, int]]:
        starts, uses = self.use_starts[skill], self.use[skill]
        lo = bisect_left(starts, start - self.longest[skill])
        hi = bisect_left(starts, end)
        return [u for u in uses[lo:hi] if u[1] > start]

    def push_needed(self, skill: str, start: int, end: int, demand: int) -> int | None:
        """``None`` if ``demand`` fits over ``[start, end)``, else a later start to try.

        Raises when the capacity never becomes sufficient again.
        """
        overlapping = self._overlapping(skill, start, end)
        times = self.cap_times.get(skill, [])
        points = {start}
        points.update(p for u in overlapping for p in u[:2] if start < p < end)
        points.update(t for t in times if start < t < end)
        for p in sorted(points):
            used = sum(u[2] for u in overlapping if u[0] <= p < u[1])
            if used + demand > self.capacity(skill, p):
                later = [u[1] for u in overlapping if u[1] > p] + [t for t in times if t > p]
                if not later:
                    raise SchedulingError(f"not enough operators with skill {skill}")
                return min(later)
        return None

    def add(self, skill: str, start: int, end: int, demand: int) -> None:
        i = bisect_right(self.use_starts[skill], start)
        self.use_starts[skill].insert(i, start)
        self.use[skill].insert(i, (start, end, demand))
        self.longest[skill] = max(self.longest[skill], end - start)

    def remove(self, skill: str, start: int, end: int, demand: int) -> None:
        i = self.use[skill].index((start, end, demand))
        del self.use_starts[skill][i]
        del self.use[skill][i]
