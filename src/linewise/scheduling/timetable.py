"""Mutable bookkeeping for list scheduling: resource sequences and skill usage.

Kept apart from the dispatching rules so that ``dispatch.py`` reads as the algorithm.
Every change is recorded in an undo log because a chain of operations linked by a
maximum wait is placed tentatively and rolled back when a later step does not fit.
"""

from __future__ import annotations

import heapq
from bisect import insort
from collections.abc import Generator
from dataclasses import dataclass, field

from linewise.scheduling.calendar import CalendarIndex
from linewise.scheduling.errors import SchedulingError
from linewise.scheduling.model import Instance, Mode, Operation, Resource, SetupTime, Window
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
    order: int = 0  # position in the instance: breaks ties between equal lines
    parts: list[_Part] = field(default_factory=list)


@dataclass
class _Part:
    """Eligible lines of some operations that differ only by their state: the same
    duration, calendar and setup table (at 10,000 orders on 300 lines an SMT step has
    120 eligible lines in two or three parts). ``heaps`` holds, per last family (None:
    nothing run yet), the members as ``(free_at, order, resource)``; entries are dropped
    lazily once a member's state has moved on."""

    calendar: CalendarIndex
    heaps: dict[str | None, list[tuple[int, int, str]]]


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
    _kind: dict[str, int] = field(default_factory=dict)  # equal ids: interchangeable lines
    _parts: dict[tuple[str, ...], _Part] = field(default_factory=dict)
    _parts_cache: dict[int, tuple[tuple[Mode, ...], list[tuple[_Part, int, Resource]]]] = field(
        default_factory=dict
    )
    _durations: dict[int, tuple[tuple[Mode, ...], dict[str, int]]] = field(default_factory=dict)

    @classmethod
    def for_instance(cls, instance: Instance) -> Timetable:
        # Lines with the same calendar share one index, so that a placement can look the
        # calendar up once for all of them (``end_bounds``).
        indexes: dict[tuple[Window, ...] | None, CalendarIndex] = {}
        for r in instance.resources:
            if r.calendar not in indexes:
                indexes[r.calendar] = CalendarIndex(r.calendar)
        states = {
            r.id: ResourceState(r, indexes[r.calendar], order=n)
            for n, r in enumerate(instance.resources)
        }
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
        kinds: dict[tuple[int, tuple[SetupTime, ...], int], int] = {}
        for r in instance.resources:
            kind = (id(states[r.id].calendar), r.setups, r.default_changeover)
            table._kind[r.id] = kinds.setdefault(kind, len(kinds))
        finite = [w.start for r in instance.resources for w in r.calendar or ()]
        shifts = [t for sh in instance.skill_shifts for t in (sh.window.start, sh.window.end)]
        frozen = [f[1] for st in states.values() for f in st.frozen]
        releases = [j.release for j in instance.jobs] + [
            op.material_ready for j in instance.jobs for op in j.operations
        ]
        table.last_change = max([0, *finite, *shifts, *frozen, *releases])
        table.longest_setup = max([0, *(r.longest_setup for r in instance.resources)])
        return table

    def kind_of(self, resource: str) -> int:
        """Lines of one kind share calendar and setups: equal durations make them
        interchangeable (``parts_of``)."""
        return self._kind[resource]

    def lines_by_bound(
        self, op: Operation, t: int
    ) -> Generator[tuple[int, int, str, int], None, None]:
        """``op``'s eligible lines by a lower bound on the end ``earliest`` finds starting
        at or after ``t``, as ``(bound, setup, resource, duration)``, smallest
        ``(bound, setup)`` first.

        Setup and calendar are counted, frozen work and operators not (they can only
        delay). Called for every placement with dozens of eligible lines, and the caller
        stops after the first few, so lines are not looked at one by one: the eligible
        lines fall into parts that differ only by their state (``_Part``), and within a
        part those with the same last family are kept in a heap by free time, so each
        step looks only at a few heap tops. The calendar is looked up lazily, once per
        distinct start. Close the iterator when done: lines passed over are put back then.
        """
        family, parts = op.family, self.parts_of(op)
        loose: list[tuple[int, int, int, int, int, str | None]] = []
        for pi, (part, duration, rep) in enumerate(parts):
            for last, heap in part.heaps.items():
                entry = self._valid_top(heap, last)
                if entry is None:
                    continue
                if last is None:
                    loose.append((t + duration, 0, t, entry[1], pi, last))
                else:
                    setup = rep.setup(last, family)
                    start = max(t, entry[0] + setup)
                    loose.append((start + duration, setup, start, entry[1], pi, last))
        heapq.heapify(loose)
        ends: dict[tuple[int, int, int], int] = {}
        tight: list[tuple[int, int, int, int, str | None]] = []  # (bound, setup, order, ...)
        taken: list[tuple[list[tuple[int, int, str]], tuple[int, int, str]]] = []
        seen: set[str] = set()
        try:
            while True:
                while loose and (not tight or loose[0][:2] < tight[0][:2]):
                    _, setup, start, order, pi, last = heapq.heappop(loose)
                    part, duration, _ = parts[pi]
                    key = (id(part.calendar), start, duration)
                    end = ends.get(key)
                    if end is None:
                        fit = part.calendar.earliest_fit(start, duration, op.splittable)
                        end = ends[key] = NEVER if fit is None else fit[1]
                    heapq.heappush(tight, (end, setup, order, pi, last))
                if not tight:
                    return
                end, setup, _, pi, last = heapq.heappop(tight)
                part, duration, rep = parts[pi]
                heap = part.heaps[last]
                entry = heapq.heappop(heap)
                taken.append((heap, entry))
                if entry[2] not in seen:
                    seen.add(entry[2])
                    yield end, setup, entry[2], duration
                # The next line of the same heap, if any, competes from here on.
                nxt = self._valid_top(heap, last)
                if nxt is not None:
                    setup = 0 if last is None else rep.setup(last, family)
                    start = t if last is None else max(t, nxt[0] + setup)
                    heapq.heappush(loose, (start + duration, setup, start, nxt[1], pi, last))
        finally:
            for heap, entry in taken:
                heapq.heappush(heap, entry)

    def _valid_top(
        self, heap: list[tuple[int, int, str]], last: str | None
    ) -> tuple[int, int, str] | None:
        """The heap's first entry that matches its line's state (stale ones are dropped)."""
        states = self.resources
        while heap:
            free_at, _, resource = heap[0]
            state = states[resource]
            if state.free_at == free_at and state.last_family == last:
                return heap[0]
            heapq.heappop(heap)
        return None

    def parts_of(self, op: Operation) -> list[tuple[_Part, int, Resource]]:
        """``op``'s eligible lines split into parts of interchangeable lines (same
        duration, calendar and setups), as ``(part, duration, a member)``.

        Cached by the modes tuple: orders of one product and quantity share it when the
        instance builder shares it, and then this costs nothing per operation.
        """
        cached = self._parts_cache.get(id(op.modes))
        if cached is not None and cached[0] is op.modes:
            return cached[1]
        groups: dict[tuple[int, int], list[str]] = {}
        for mode in op.modes:
            groups.setdefault((mode.duration, self._kind[mode.resource]), []).append(mode.resource)
        parts = []
        for (duration, _), members in groups.items():
            key = tuple(sorted(members))
            part = self._parts.get(key)
            if part is None:
                part = self._parts[key] = self._new_part(key)
            parts.append((part, duration, self.resources[key[0]].resource))
        self._parts_cache[id(op.modes)] = (op.modes, parts)
        return parts

    def _new_part(self, members: tuple[str, ...]) -> _Part:
        part = _Part(self.resources[members[0]].calendar, {})
        for r in members:
            state = self.resources[r]
            state.parts.append(part)
            part.heaps.setdefault(state.last_family, []).append((state.free_at, state.order, r))
        for heap in part.heaps.values():
            heapq.heapify(heap)
        return part

    def durations(self, op: Operation) -> dict[str, int]:
        """``op``'s duration per eligible line, in a table shared by equal modes."""
        cached = self._durations.get(id(op.modes))
        if cached is None or cached[0] is not op.modes:
            cached = self._durations[id(op.modes)] = (
                op.modes,
                {m.resource: m.duration for m in op.modes},
            )
        return cached[1]

    def duration_on(self, op: Operation, resource: str) -> int:
        return self.durations(op)[resource]

    def _moved(self, state: ResourceState) -> None:
        """Tell the parts holding the line about its new free time or last family."""
        entry = (state.free_at, state.order, state.resource.id)
        for part in state.parts:
            heapq.heappush(part.heaps.setdefault(state.last_family, []), entry)

    def earliest(
        self,
        op: Operation,
        resource: str,
        t: int,
        skill_memo: dict[tuple[int, int], int | None] | None = None,
        duration: int | None = None,
    ) -> tuple[int, int] | None:
        """Earliest feasible span for ``op`` on ``resource`` starting at or after ``t``.

        ``skill_memo`` caches operator checks by span while one operation is tried on
        several lines (the check does not depend on the line); ``duration`` saves looking
        up the operation's duration on ``resource`` when the caller knows it.
        """
        state = self.resources[resource]
        res, family = state.resource, op.family
        if duration is None:
            duration = self.duration_on(op, resource)
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
        self._moved(state)

    def mark(self) -> int:
        return len(self.undo_log)

    def rollback(self, mark: int) -> None:
        while len(self.undo_log) > mark:
            state, free_at, family, skill_use = self.undo_log.pop()
            state.free_at, state.last_family = free_at, family
            self._moved(state)
            if skill_use is not None:
                self.skills.remove(*skill_use)
