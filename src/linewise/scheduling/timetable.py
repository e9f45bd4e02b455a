"""Mutable bookkeeping for list scheduling: resource sequences and skill usage.

Kept apart from the dispatching rules so that ``dispatch.py`` reads as the algorithm.
Every change is recorded in an undo log because a chain of operations linked by a
maximum wait is placed tentatively and rolled back when a later step does not fit.
"""

from __future__ import annotations

from bisect import insort
from dataclasses import dataclass, field

from linewise.scheduling.calendar import CalendarIndex
from linewise.scheduling.errors import SchedulingError
from linewise.scheduling.model import Instance, Mode, Operation, Resource
from linewise.scheduling.skills import SkillBoard

__all__ = ["SchedulingError", "Timetable", "frozen_span"]


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
        states = {r.id: ResourceState(r, CalendarIndex(r.calendar)) for r in instance.resources}
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

    def end_bound(self, op: Operation, mode: Mode, t: int) -> int:
        """A lower bound on the end ``earliest`` finds for ``op`` on ``mode``'s resource."""
        state = self.resources[mode.resource]
        if state.last_family is not None:
            t = max(t, state.free_at + state.resource.setup(state.last_family, op.family))
        return t + mode.duration

    def earliest(self, op: Operation, resource: str, t: int) -> tuple[int, int] | None:
        """Earliest feasible span for ``op`` on ``resource`` starting at or after ``t``."""
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
                later = self.skills.push_needed(op.skill, start, end, op.operators_needed)
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
