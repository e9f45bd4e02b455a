"""Mutable bookkeeping for list scheduling: resource sequences and skill usage.

Kept apart from the dispatching rules so that ``dispatch.py`` reads as the algorithm.
Every change is recorded in an undo log because a chain of operations linked by a
maximum wait is placed tentatively and rolled back when a later step does not fit.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, insort
from collections.abc import Iterator
from dataclasses import dataclass, field

from linewise.scheduling.calendar import CalendarIndex
from linewise.scheduling.errors import SchedulingError
from linewise.scheduling.model import Instance, Operation, Resource, Window
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
    # The ``Timetable.by_free_at`` lists this resource is in, kept sorted as it is booked.
    orders: list[list[tuple[int, str]]] = field(default_factory=list)

    def set_free_at(self, t: int) -> None:
        for order in self.orders:
            del order[bisect_left(order, (self.free_at, self.resource.id))]
            insort(order, (t, self.resource.id))
        self.free_at = t


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
    # Per set of eligible lines (an operation's ``resources``): (free_at, line), sorted.
    by_free_at: dict[tuple[str, ...], list[tuple[int, str]]] = field(default_factory=dict)

    @classmethod
    def for_instance(cls, instance: Instance) -> Timetable:
        # Lines with the same calendar share one index, so that a placement can look the
        # calendar up once for all of them (``lines_by_bound``).
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

    def _free_at_order(self, op: Operation) -> list[tuple[int, str]]:
        key = op.resources
        order = self.by_free_at.get(key)
        if order is None:
            order = self.by_free_at[key] = sorted((self.resources[r].free_at, r) for r in key)
            for r in key:
                self.resources[r].orders.append(order)
        return order

    def lines_by_bound(self, op: Operation, t: int) -> Iterator[tuple[int, int, str]]:
        """``op``'s eligible lines by a lower bound on the end ``earliest`` finds starting
        at or after ``t``, as ``(bound, setup, line)``, smallest ``(bound, setup)`` first.

        Setup and calendar are counted, frozen work and operators not (they can only
        delay). Called for every placement with up to a hundred eligible lines, and the
        caller stops after the first few, so lines are looked at lazily: in order of the
        time they are free (kept sorted as they are booked), and the calendar only for
        lines that could still come first. Idle lines with one calendar share a start:
        the calendar is looked up once for them.
        """
        family, splittable, states = op.family, op.splittable, self.resources
        durations, positions, shortest = op.durations, op.positions, op.shortest
        order = self._free_at_order(op)
        # Two stages, in the order a full sort would give: ``loose`` holds visited lines
        # by (setup + duration bound, setup, start, position), ``tight`` the lines whose
        # calendar was looked up, by (bound, setup, position). A line is visited while
        # its free time plus the shortest duration is no later than the loose top;
        # unvisited lines can then only come after it.
        loose: list[tuple[int, int, int, int]] = []
        tight: list[tuple[int, int, int]] = []
        ends: dict[tuple[int, int, int], int] = {}
        i = 0
        while True:
            while i < len(order) and (not loose or max(t, order[i][0]) + shortest <= loose[0][0]):
                free_at, line = order[i]
                i += 1
                state = states[line]
                start, setup = t, 0
                if state.last_family is not None:
                    setup = state.resource.setup(state.last_family, family)
                    start = max(t, free_at + setup)
                heapq.heappush(loose, (start + durations[line], setup, start, positions[line]))
            if loose and (not tight or loose[0][:2] < tight[0][:2]):
                _, setup, start, n = heapq.heappop(loose)
                resource = op.modes[n].resource
                duration = durations[resource]
                calendar = states[resource].calendar
                key = (id(calendar), start, duration)
                end = ends.get(key)
                if end is None:
                    fit = calendar.earliest_fit(start, duration, splittable)
                    end = ends[key] = NEVER if fit is None else fit[1]
                heapq.heappush(tight, (end, setup, n))
                continue
            if not tight:
                return
            end, setup, n = heapq.heappop(tight)
            yield end, setup, op.modes[n].resource

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
        state.set_free_at(end)
        state.last_family = op.family

    def mark(self) -> int:
        return len(self.undo_log)

    def rollback(self, mark: int) -> None:
        while len(self.undo_log) > mark:
            state, free_at, family, skill_use = self.undo_log.pop()
            state.set_free_at(free_at)
            state.last_family = family
            if skill_use is not None:
                self.skills.remove(*skill_use)
