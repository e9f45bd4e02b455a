"""Mutable bookkeeping for list scheduling: resource sequences and skill usage.

Kept apart from the dispatching rules so that ``dispatch.py`` reads as the algorithm.
Every change is recorded in an undo log because a chain of operations linked by a
maximum wait is placed tentatively and rolled back when a later step does not fit.
"""

from __future__ import annotations

import heapq
from bisect import insort
from collections.abc import Iterator
from dataclasses import dataclass, field

from linewise.scheduling.calendar import CalendarIndex
from linewise.scheduling.errors import SchedulingError
from linewise.scheduling.model import Instance, Mode, Operation, Resource, Window
from linewise.scheduling.skills import SkillBoard

__all__ = ["NEVER", "SchedulingError", "Timetable", "frozen_span"]

NEVER = 2**62  # an end bound for work that fits no window


@dataclass
class ResourceState:
    resource: Resource
    calendar: CalendarIndex
    free_at: int = 0
    last_family: str | None = None
    # Frozen work as (start, end, family), sorted; new work is fitted around it.
    frozen: list[tuple[int, int, str]] = field(default_factory=list)


def frozen_span(op: Operation, calendar: CalendarIndex) -> tuple[int, int]:
    """Span of an operation frozen at its recorded start.

    If it does not fit the calendar at that start (work begun in overtime, say), it is
    taken as plain ``start + duration``; the validator will point out the conflict.
    """
    assert op.frozen is not None
    start, duration = op.frozen.start, op.duration_on(op.frozen.resource)
    fit = calendar.earliest_fit(start, duration, op.splittable)
    if fit is not None and fit[0] == start:
        return fit
    return start, start + duration


@dataclass
class Timetable:
    """The partial plan: resource states, skill usage, and how to undo placements."""

    resources: dict[str, ResourceState]
    skills: SkillBoard
    undo_log: list[tuple[ResourceState, int, str | None, tuple[str, int, int, int] | None]] = field(
        default_factory=list
    )

    last_change: int = 0  # after this, calendars, shifts and frozen work are steady
    longest_setup: int = 0

    @classmethod
    def for_instance(cls, instance: Instance) -> Timetable:
        # Lines with the same calendar share one index, so that a placement can look the
        # calendar up once for all of them (``end_bounds``).
        indexes: dict[tuple[Window, ...] | None, CalendarIndex] = {}
        for r in instance.resources:
            if r.calendar not in indexes:
                indexes[r.calendar] = CalendarIndex(r.calendar)
        states = {r.id: ResourceState(r, indexes[r.calendar]) for r in instance.resources}
        board = SkillBoard(instance)
        for job in instance.jobs:
            for op in job.operations:
                if op.frozen is None:
                    continue
                state = states[op.frozen.resource]
                start, end = frozen_span(op, state.calendar)
                insort(state.frozen, (start, end, op.family))
                if op.skill is not None:
                    board.add(op.skill, start, end, op.operators_needed)
        table = cls(states, board)
        finite = [w.start for r in instance.resources for w in r.calendar or ()]
        shifts = [t for sh in instance.skill_shifts for t in (sh.window.start, sh.window.end)]
        frozen = [f[1] for st in states.values() for f in st.frozen]
        releases = [j.release for j in instance.jobs] + [
            op.material_ready for j in instance.jobs for op in j.operations
        ]
        table.last_change = max([0, *finite, *shifts, *frozen, *releases])
        table.longest_setup = max(
            [0, *(r.default_changeover for r in instance.resources)]
            + [s.duration for r in instance.resources for s in r.setups]
        )
        return table

    def lines_by_bound(self, op: Operation, t: int) -> Iterator[tuple[int, int, Mode]]:
        """``op``'s modes by a lower bound on the end ``earliest`` finds starting at or
        after ``t``, as ``(bound, setup, mode)``, smallest ``(bound, setup)`` first.

        Setup and calendar are counted, frozen work and operators not (they can only
        delay). Called for every placement with dozens of eligible lines, and the caller
        stops after the first few, so the calendar is only looked up lazily: lines come
        in order of setup + duration alone (a weaker bound) and are moved to a heap of
        calendar bounds while they could still come first. Idle lines with one calendar
        share a start: the calendar is looked up once for them.
        """
        family, splittable, states = op.family, op.splittable, self.resources
        loose: list[tuple[int, int, int, int]] = []  # (bound, setup, start, mode index)
        for n, mode in enumerate(op.modes):
            state = states[mode.resource]
            start, setup = t, 0
            if state.last_family is not None:
                setup = state.resource.setup(state.last_family, family)
                start = max(t, state.free_at + setup)
            loose.append((start + mode.duration, setup, start, n))
        loose.sort()
        ends: dict[tuple[int, int, int], int] = {}
        tight: list[tuple[int, int, int]] = []  # (bound, setup, mode index)
        i = 0
        while True:
            while i < len(loose) and (not tight or loose[i][:2] < tight[0][:2]):
                _, setup, start, n = loose[i]
                i += 1
                mode = op.modes[n]
                calendar = states[mode.resource].calendar
                key = (id(calendar), start, mode.duration)
                end = ends.get(key)
                if end is None:
                    fit = calendar.earliest_fit(start, mode.duration, splittable)
                    end = ends[key] = NEVER if fit is None else fit[1]
                heapq.heappush(tight, (end, setup, n))
            if not tight:
                return
            end, setup, n = heapq.heappop(tight)
            yield end, setup, op.modes[n]

    def earliest(
        self,
        op: Operation,
        resource: str,
        t: int,
        skill_memo: dict[tuple[int, int], int | None] | None = None,
    ) -> tuple[int, int] | None:
        """Earliest feasible span for ``op`` on ``resource`` starting at or after ``t``.

        ``skill_memo`` caches operator checks by span while one operation is tried on
        several lines (the check does not depend on the line).
        """
        state = self.resources[resource]
        res, duration, family = state.resource, op.duration_on(resource), op.family
        if state.last_family is not None:
            t = max(t, state.free_at + res.setup(state.last_family, family))
        for _ in range(100_000):
            fit = state.calendar.earliest_fit(t, duration, op.splittable)
            if fit is None:
                return None
            start, end = fit
            clash = next(
                (
                    f
                    for f in state.frozen
                    if f[0] < end + res.setup(family, f[2])
                    and f[1] + res.setup(f[2], family) > start
                ),
                None,
            )
            if clash is not None:
                t = max(t + 1, clash[1] + res.setup(clash[2], family))
                continue
            if op.skill is not None:
                if skill_memo is None:
                    later = self.skills.push_needed(op.skill, start, end, op.operators_needed)
                elif (start, end) in skill_memo:
                    later = skill_memo[(start, end)]
                else:
                    later = self.skills.push_needed(op.skill, start, end, op.operators_needed)
                    skill_memo[(start, end)] = later
                if later is not None:
                    t = max(t + 1, later)
                    continue
            return start, end
        raise SchedulingError("placement did not converge")

    def commit(self, op: Operation, resource: str, start: int, end: int) -> None:
        state = self.resources[resource]
        skill_use = None
        if op.skill is not None:
            skill_use = (op.skill, start, end, op.operators_needed)
            self.skills.add(*skill_use)
        self.undo_log.append((state, state.free_at, state.last_family, skill_use))
        state.free_at, state.last_family = end, op.family

    def mark(self) -> int:
        return len(self.undo_log)

    def rollback(self, mark: int) -> None:
        while len(self.undo_log) > mark:
            state, free_at, family, skill_use = self.undo_log.pop()
            state.free_at, state.last_family = free_at, family
            if skill_use is not None:
                self.skills.remove(*skill_use)
