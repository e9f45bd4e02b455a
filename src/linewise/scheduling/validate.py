"""An independent check of a plan against its instance.

Deliberately shares no code with the solvers (not even the calendar helpers): a bug in
the shared code would otherwise be invisible to the check meant to catch it. Every
problem found is reported as one human-readable sentence; an empty list means the plan is
feasible.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from itertools import pairwise

from linewise.scheduling.model import (
    Instance,
    Operation,
    Plan,
    Resource,
    ScheduledOperation,
    Window,
)


class _Windows:
    """A resource's calendar with its window ends for bisection (``Resource`` keeps
    windows sorted and disjoint), so a check reads the few windows near an operation
    instead of all of them: at 10,000 orders, scanning every window of two weeks for
    each operation was half of the validator's time."""

    def __init__(self, resource: Resource) -> None:
        self.always = resource.calendar is None
        self.windows = resource.calendar or ()
        self.ends = [w.end for w in self.windows]

    def near(self, start: int, end: int) -> tuple[Window, ...]:
        """The windows that overlap or touch ``[start, end]``."""
        i = bisect_left(self.ends, start)
        j = i
        while j < len(self.windows) and self.windows[j].start <= end:
            j += 1
        return self.windows[i:j]

    def overlap(self, start: int, end: int) -> int:
        if self.always:
            return end - start
        return sum(max(0, min(end, w.end) - max(start, w.start)) for w in self.near(start, end))

    def starts_at(self, t: int) -> bool:
        return self.always or any(w.start <= t < w.end for w in self.near(t, t))

    def ends_at(self, t: int) -> bool:
        return self.always or any(w.start < t <= w.end for w in self.near(t, t))

    def holds(self, start: int, end: int) -> bool:
        return self.always or any(w.start <= start and end <= w.end for w in self.near(start, end))


def _check_calendar(
    name: str, op: Operation, calendar: _Windows, s: ScheduledOperation, duration: int
) -> list[str]:
    if op.splittable:
        work = calendar.overlap(s.start, s.end)
        problems = []
        if work != duration:
            problems.append(
                f"{name} gets {work} s of available time on {s.resource} in {s.start}..{s.end},"
                f" needs {duration}"
            )
        if not (calendar.starts_at(s.start) and calendar.ends_at(s.end)):
            problems.append(f"{name} starts or ends outside the calendar of {s.resource}")
        return problems
    if s.end - s.start != duration:
        return [f"{name} lasts {s.end - s.start} s on {s.resource}, expected {duration}"]
    if not calendar.holds(s.start, s.end):
        return [f"{name} ({s.start}..{s.end}) does not fit one window of {s.resource}"]
    return []


def _check_operations(instance: Instance, plan: Plan) -> list[str]:
    problems: list[str] = []
    seen: dict[tuple[str, int], ScheduledOperation] = {}
    ops = {(j.id, i): op for j in instance.jobs for i, op in enumerate(j.operations)}
    calendars = {r.id: _Windows(r) for r in instance.resources}
    for s in plan.operations:
        key = (s.job_id, s.index)
        name = f"job {s.job_id} op {s.index}"
        if key not in ops:
            problems.append(f"{name} is not part of the instance")
            continue
        if key in seen:
            problems.append(f"{name} is scheduled more than once")
            continue
        seen[key] = s
        op = ops[key]
        durations = {m.resource: m.duration for m in op.modes}
        if s.resource not in durations:
            problems.append(f"{name} runs on {s.resource}, which is not eligible")
            continue
        if op.frozen is not None and (s.resource, s.start) != (op.frozen.resource, op.frozen.start):
            problems.append(
                f"{name} is frozen at {op.frozen.resource}@{op.frozen.start}"
                f" but planned at {s.resource}@{s.start}"
            )
        problems += _check_calendar(name, op, calendars[s.resource], s, durations[s.resource])
    for key in ops.keys() - seen.keys():
        problems.append(f"job {key[0]} op {key[1]} is not scheduled")
    return problems


def _check_job_timing(instance: Instance, plan: Plan) -> list[str]:
    problems: list[str] = []
    placed = {(s.job_id, s.index): s for s in plan.operations}
    for job in instance.jobs:
        for i, op in enumerate(job.operations):
            s = placed.get((job.id, i))
            if s is None:
                continue
            name = f"job {job.id} op {i}"
            if s.start < job.release and op.frozen is None:
                problems.append(f"{name} starts at {s.start}, before the release {job.release}")
            if s.start < op.material_ready and op.frozen is None:
                problems.append(
                    f"{name} starts at {s.start}, before material at {op.material_ready}"
                )
            prev = placed.get((job.id, i - 1)) if i > 0 else None
            if prev is None:
                continue
            wait = s.start - prev.end
            if wait < op.min_wait:
                problems.append(f"{name} starts {wait} s after op {i - 1} ends, min {op.min_wait}")
            if op.max_wait is not None and wait > op.max_wait:
                problems.append(f"{name} starts {wait} s after op {i - 1} ends, max {op.max_wait}")
    return problems


def _check_resources(instance: Instance, plan: Plan) -> list[str]:
    problems: list[str] = []
    family = {(j.id, i): op.family for j in instance.jobs for i, op in enumerate(j.operations)}
    by_resource: dict[str, list[ScheduledOperation]] = defaultdict(list)
    for s in plan.operations:
        by_resource[s.resource].append(s)
    resources = {r.id: r for r in instance.resources}
    for rid, items in by_resource.items():
        if rid not in resources:
            continue
        items.sort(key=lambda s: (s.start, s.end))
        for a, b in pairwise(items):
            fa, fb = family.get((a.job_id, a.index), ""), family.get((b.job_id, b.index), "")
            needed = resources[rid].setup(fa, fb)
            if b.start < a.end:
                problems.append(
                    f"{rid}: job {a.job_id} op {a.index} and job {b.job_id} op {b.index} overlap"
                )
            elif b.start - a.end < needed:
                problems.append(
                    f"{rid}: only {b.start - a.end} s between job {a.job_id} op {a.index} and"
                    f" job {b.job_id} op {b.index}, setup {fa}->{fb} needs {needed}"
                )
    return problems


def _short_of_operators(
    needed: dict[str, int], present: dict[frozenset[str], int]
) -> tuple[set[str], int, int] | None:
    """``None`` if every operator needed can be given a present operator with the skill.

    Otherwise a set of skills that cannot be staffed, with the operators needed for it and
    those present who hold one of its skills. A max-flow from the skills (as much as
    needed) through the crews holding them (each crew as many as present): the skills
    still reachable in the residual graph at the end are such a set (Hall's theorem).
    """
    skills, crews = sorted(needed), sorted(present, key=sorted)
    source, sink = 0, 1
    node_of_skill = {skill: 2 + i for i, skill in enumerate(skills)}
    residual: list[dict[int, int]] = [{} for _ in range(2 + len(skills) + len(crews))]

    def edge(a: int, b: int, cap: int) -> None:
        residual[a][b] = residual[a].get(b, 0) + cap
        residual[b].setdefault(a, 0)

    total = sum(needed.values())
    for skill in skills:
        edge(source, node_of_skill[skill], needed[skill])
    for i, crew in enumerate(crews):
        node = 2 + len(skills) + i
        edge(node, sink, present[crew])
        for skill in sorted(crew & needed.keys()):
            edge(node_of_skill[skill], node, total)
    flow = 0
    while True:
        came_from = {source: source}
        queue = [source]
        for a in queue:
            for b, cap in residual[a].items():
                if cap > 0 and b not in came_from:
                    came_from[b] = a
                    queue.append(b)
        if sink not in came_from:
            break
        path, b = [], sink
        while b != source:
            path.append((came_from[b], b))
            b = came_from[b]
        push = min(residual[a][b] for a, b in path)
        for a, b in path:
            residual[a][b] -= push
            residual[b][a] += push
        flow += push
    if flow == total:
        return None
    short = {skill for skill in skills if node_of_skill[skill] in came_from}
    have = sum(n for crew, n in present.items() if crew & short)
    return short, sum(needed[s] for s in short), have


def _check_skills(instance: Instance, plan: Plan) -> list[str]:
    problems: list[str] = []
    ops = {(j.id, i): op for j in instance.jobs for i, op in enumerate(j.operations)}
    # (time, skill or crew, change): usage and presence only change at these instants.
    changes: dict[int, list[tuple[str | frozenset[str], int]]] = defaultdict(list)
    for s in plan.operations:
        op = ops.get((s.job_id, s.index))
        if op is not None and op.skill is not None and op.operators > 0 and s.end > s.start:
            changes[s.start].append((op.skill, op.operators))
            changes[s.end].append((op.skill, -op.operators))
    for sh in instance.skill_shifts:
        if sh.window.end > sh.window.start and sh.capacity > 0:
            changes[sh.window.start].append((sh.skills, sh.capacity))
            changes[sh.window.end].append((sh.skills, -sh.capacity))
    needed: dict[str, int] = defaultdict(int)
    present: dict[frozenset[str], int] = defaultdict(int)
    # The same operators needed and present recur at thousands of instants of a large
    # plan (a few skills, a few crews): each distinct situation gets one max-flow.
    verdicts: dict[tuple[object, ...], tuple[set[str], int, int] | None] = {}
    for t in sorted(changes):
        for what, n in changes[t]:
            if isinstance(what, str):
                needed[what] += n
            else:
                present[what] += n
        running = {skill: n for skill, n in needed.items() if n > 0}
        if not running:
            continue
        crews = {c: n for c, n in present.items() if n > 0}
        situation = (
            *sorted(running.items()),
            None,
            *sorted(crews.items(), key=lambda c: sorted(c[0])),
        )
        if situation not in verdicts:
            verdicts[situation] = _short_of_operators(running, crews)
        short = verdicts[situation]
        if short is not None:
            skills, need, have = short
            if len(skills) == 1:
                problems.append(
                    f"skill {min(skills)}: {need} operators needed at {t}, {have} present"
                )
            else:
                problems.append(
                    f"skills {'+'.join(sorted(skills))}: {need} operators needed at {t},"
                    f" {have} present who hold them"
                )
    return problems


def validate(instance: Instance, plan: Plan) -> list[str]:
    """All violations of ``plan`` against ``instance``; empty when the plan is feasible."""
    return (
        _check_operations(instance, plan)
        + _check_job_timing(instance, plan)
        + _check_resources(instance, plan)
        + _check_skills(instance, plan)
    )
