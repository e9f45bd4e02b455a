"""Operators with one or more skills: which skill sets to watch, and their use over time.

A skill shift is a *crew*: operators present in a window who hold a set of skills. One
person runs one operation at a time, so at any instant the question is an assignment
(operators needed by the running operations ↔ present operators holding their skill).
By Hall's theorem (with demands) an assignment exists iff for every set S of skills, the
operators needed by running operations of a skill in S are at most the operators present
who hold at least one skill of S. The heuristic (``SkillBoard``) and CP-SAT (one
``Cumulative`` per set, ``cpsat_model.py``) constrain these *Hall sets*; the validator
checks the assignment itself with a max-flow of its own.

Few sets are needed:

- skills no operation needs are left out of the crews;
- S must be *connected* through shared crews: if it splits into parts no crew links,
  the operators of the parts are different people and the parts' constraints add up to
  S's;
- S must be *closed*: if every crew holding skill x also holds a skill of S, then
  S ∪ {x} has the same operators present and at least the demand, so its constraint
  implies S's. (Everyone holding both "a" and "b" gives the one set {a, b}.)

With single-skill crews only, the sets are the single skills: the per-skill capacity.

Guard: a group of linked skills with more than ``MAX_HALL_SETS`` such sets (about seven
skills cross-trained in every combination) would give too many constraints. Its crews
are then *narrowed*: each crew is counted for one of its skills only (specialists
first, then each crew for the skill with the least operators per unit of work needing
it so far), and the group falls apart into single skills. That never allows an
infeasible plan (every operator still does one thing at a time) but may miss plans that
need the operators' versatility. Heuristic and CP-SAT narrow alike, so they stay
consistent; ``SkillPools.narrowed`` tells which skills were affected.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from itertools import repeat
from operator import sub

from linewise.scheduling.errors import SchedulingError
from linewise.scheduling.model import Instance, SkillShift

# Earlier than any time in a plan (times are seconds from the horizon start).
_NEVER = -(2**62)

# Per group of linked skills; beyond it the group's crews are narrowed (see above).
MAX_HALL_SETS = 64

Skills = frozenset[str]


@dataclass(frozen=True)
class SkillPools:
    """The Hall sets to constrain and the crews as counted for them."""

    sets: tuple[Skills, ...]
    crews: tuple[SkillShift, ...]  # only needed skills; narrowed groups hold one skill
    narrowed: Skills = frozenset()

    def capacity_steps(self, skills: Skills) -> list[tuple[int, int]]:
        """``(t, operators present from t on who hold one of skills)``, by time."""
        changes: dict[int, int] = defaultdict(int)
        for crew in self.crews:
            if not crew.skills.isdisjoint(skills):
                changes[crew.window.start] += crew.capacity
                changes[crew.window.end] -= crew.capacity
        level, steps = 0, []
        for t in sorted(changes):
            level += changes[t]
            steps.append((t, level))
        return steps


def label(skills: Iterable[str]) -> str:
    return "+".join(sorted(skills))


def _needed_work(instance: Instance) -> dict[str, int]:
    """Operator-seconds needed per skill (shortest mode), for the skills operations need."""
    work: dict[str, int] = defaultdict(int)
    shortest: dict[int, int] = {}  # by id of a modes tuple, which orders often share
    for job in instance.jobs:
        for op in job.operations:
            if op.skill is not None and op.operators_needed > 0:
                found = shortest.get(id(op.modes))
                if found is None:
                    found = shortest[id(op.modes)] = min(m.duration for m in op.modes)
                work[op.skill] += op.operators_needed * found
    return dict(work)


def _groups(skills: list[str], neighbours: dict[str, set[str]]) -> list[list[str]]:
    seen: set[str] = set()
    groups = []
    for skill in skills:
        if skill in seen:
            continue
        group, todo = [], [skill]
        seen.add(skill)
        while todo:
            s = todo.pop()
            group.append(s)
            for n in neighbours[s] - seen:
                seen.add(n)
                todo.append(n)
        groups.append(sorted(group))
    return groups


def _closed_sets(
    group: list[str], holders: dict[str, set[Skills]], neighbours: dict[str, set[str]]
) -> list[Skills] | None:
    """The connected, closed skill sets of a group; ``None`` beyond ``MAX_HALL_SETS``.

    Every one is reached from the closure of a single skill by repeatedly adding a
    linked skill and closing again (closing keeps a set connected and within any closed
    set containing it).
    """

    def closure(skills: Skills) -> Skills:
        crews: set[Skills] = set()
        for s in skills:
            crews |= holders[s]
        return frozenset(x for x in group if holders[x] <= crews)

    found = {closure(frozenset((s,))) for s in group}
    if len(found) > MAX_HALL_SETS:
        return None
    todo = list(found)
    while todo:
        current = todo.pop()
        linked: set[str] = set()
        for s in current:
            linked |= neighbours[s]
        for t in sorted(linked - current):
            bigger = closure(current | {t})
            if bigger not in found:
                if len(found) >= MAX_HALL_SETS:
                    return None
                found.add(bigger)
                todo.append(bigger)
    return sorted(found, key=lambda s: (len(s), sorted(s)))


def _narrowed(crews: list[SkillShift], group: list[str], work: dict[str, int]) -> list[SkillShift]:
    """The group's crews, each counted for one of its skills only (see the module doc)."""
    members = set(group)
    weight: dict[Skills, int] = defaultdict(int)
    for crew in crews:
        if crew.skills <= members:
            weight[crew.skills] += crew.capacity
    supply = dict.fromkeys(group, 0)
    choice: dict[Skills, str] = {}
    for kind in sorted(weight, key=lambda k: (len(k), sorted(k))):
        keep = min(sorted(kind), key=lambda s: supply[s] / work[s])
        choice[kind] = keep
        supply[keep] += weight[kind]
    return [
        replace(c, skills=frozenset((choice[c.skills],))) if c.skills in choice else c
        for c in crews
    ]


def skill_pools(instance: Instance) -> SkillPools:
    """The Hall sets of ``instance`` and the crews restricted to the skills needed."""
    work = _needed_work(instance)
    crews = [
        replace(sh, skills=sh.skills.intersection(work))
        for sh in instance.skill_shifts
        if not sh.skills.isdisjoint(work.keys()) and sh.capacity > 0
    ]
    holders: dict[str, set[Skills]] = {s: set() for s in work}
    neighbours: dict[str, set[str]] = {s: set() for s in work}
    for crew in crews:
        for s in crew.skills:
            holders[s].add(crew.skills)
            neighbours[s] |= crew.skills - {s}
    sets: list[Skills] = []
    narrowed: set[str] = set()
    for group in _groups(sorted(work), neighbours):
        found = _closed_sets(group, holders, neighbours) if len(group) > 1 else None
        if found is None and len(group) > 1:
            crews = _narrowed(crews, group, work)
            narrowed.update(group)
        sets += found if found is not None else [frozenset((s,)) for s in group]
    return SkillPools(tuple(sets), tuple(crews), frozenset(narrowed))


class SkillBoard:
    """Free operators over time per Hall set: the operators present who may do the work,
    less those already in use.

    Each set keeps one step function of its headroom (sorted breakpoints and the free
    operators from each on), so a check looks only at the steps its span overlaps and a
    placement only touches the steps it covers; scanning the operations in use instead
    cost seconds on plans of thousands. Placing an operation of skill s only has to
    respect the sets containing s: the others are unchanged by it.
    """

    def __init__(self, instance: Instance) -> None:
        pools = skill_pools(instance)
        self.sets = pools.sets
        self.times: list[list[int]] = []
        self.free: list[list[int]] = []
        self.sets_of: dict[str, list[int]] = defaultdict(list)
        for k, skills in enumerate(pools.sets):
            steps = pools.capacity_steps(skills)
            # Before the first shift nobody is there: a leading step of zero at -inf.
            self.times.append([_NEVER, *(t for t, _ in steps)])
            self.free.append([0, *(v for _, v in steps)])
            for s in sorted(skills):
                self.sets_of[s].append(k)
        self.single = {s: pools.capacity_steps(frozenset((s,))) for s in self.sets_of}
        self.single_times = {s: [t for t, _ in steps] for s, steps in self.single.items()}

    def capacity(self, skill: str, t: int) -> int:
        """Operators present at ``t`` who hold ``skill`` (whatever else they are doing)."""
        i = bisect_right(self.single_times.get(skill, []), t) - 1
        return self.single[skill][i][1] if i >= 0 else 0

    def _push_set(self, k: int, start: int, end: int, demand: int) -> int | None:
        times, free = self.times[k], self.free[k]
        lo = bisect_right(times, start) - 1
        hi = bisect_left(times, end, lo + 1)
        if min(free[lo:hi]) >= demand:  # the common case, without a Python-level loop
            return None
        i = next(i for i in range(lo, hi) if free[i] < demand)
        # Every start before the next step with enough headroom would cover this step
        # (it starts in a short step itself, or spans into this one).
        for j in range(i + 1, len(times)):
            if free[j] >= demand:
                return times[j]
        raise SchedulingError(f"not enough operators with skill {label(self.sets[k])}")

    def push_needed(self, skill: str, start: int, end: int, demand: int) -> int | None:
        """``None`` if ``demand`` fits over ``[start, end)``, else a later start to try.

        Raises when the capacity never becomes sufficient again.
        """
        if demand <= 0:
            return None
        if skill not in self.sets_of:
            raise SchedulingError(f"not enough operators with skill {skill}")
        for k in self.sets_of[skill]:
            later = self._push_set(k, start, end, demand)
            if later is not None:
                return later
        return None

    def _take(self, skill: str, start: int, end: int, demand: int) -> None:
        # Called for every placement on every Hall set of its skill (eight per placement
        # on the large demo factory), so the step splits are inlined and the update is a
        # C-level map rather than a Python loop over the covered steps.
        for k in self.sets_of.get(skill, ()):
            times, free = self.times[k], self.free[k]
            lo = bisect_left(times, start)
            if lo == len(times) or times[lo] != start:
                times.insert(lo, start)
                free.insert(lo, free[lo - 1])
            hi = bisect_left(times, end, lo)
            if hi == len(times) or times[hi] != end:
                times.insert(hi, end)
                free.insert(hi, free[hi - 1])
            free[lo:hi] = map(sub, free[lo:hi], repeat(demand, hi - lo))

    def add(self, skill: str, start: int, end: int, demand: int) -> None:
        if demand > 0 and end > start:
            self._take(skill, start, end, demand)

    def remove(self, skill: str, start: int, end: int, demand: int) -> None:
        if demand > 0 and end > start:
            self._take(skill, start, end, -demand)
