"""Objective components of a plan, computed the same way for every solver.

Comparing the heuristic, CP-SAT and decomposed plans on one yardstick is what makes
"CP-SAT is never worse than its warm start" checkable.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise

from linewise.scheduling.calendar import CalendarIndex
from linewise.scheduling.model import Instance, Level, ObjectiveConfig, ObjectiveValues, Plan
from linewise.scheduling.timetable import frozen_span


def bottleneck_of(instance: Instance, config: ObjectiveConfig) -> str:
    """The configured bottleneck, else the resource with the largest expected load.

    An operation with several eligible resources spreads its load evenly over them, which
    is a cheap, stable estimate that does not depend on any particular plan.
    """
    if config.bottleneck is not None:
        return config.bottleneck
    load: dict[str, float] = {r.id: 0.0 for r in instance.resources}
    for job in instance.jobs:
        for op in job.operations:
            for mode in op.modes:
                load[mode.resource] += mode.duration / len(op.modes)
    return max(sorted(load), key=lambda r: load[r])


def evaluate(instance: Instance, plan: Plan, config: ObjectiveConfig) -> ObjectiveValues:
    families = {(j.id, i): op.family for j in instance.jobs for i, op in enumerate(j.operations)}
    by_resource: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    completion: dict[str, int] = {}
    for s in plan.operations:
        by_resource[s.resource].append((s.start, s.end, families[(s.job_id, s.index)]))
        completion[s.job_id] = max(completion.get(s.job_id, s.end), s.end)
    tardiness = sum(
        job.weight * max(0, completion[job.id] - job.due)
        for job in instance.jobs
        if job.due is not None and job.id in completion
    )
    changeovers = 0
    for ops in by_resource.values():
        ops.sort()
        changeovers += sum(1 for a, b in pairwise(ops) if a[2] != b[2])
    idle = 0
    if "bottleneck_idle" in config.levels:
        ops = by_resource.get(bottleneck_of(instance, config), [])
        if ops:
            idle = max(e for _, e, _ in ops) - ops[0][0] - sum(e - s for s, e, _ in ops)
    makespan = max((s.end for s in plan.operations), default=0)
    return ObjectiveValues(tardiness, makespan, idle, changeovers)


def lower_bound(instance: Instance, level: Level) -> int:
    """A bound no plan can beat, cheap enough to check before starting a solver.

    Zero for the sums; for the makespan, where no resource has a calendar, the latest
    end of any job's routing run back to back from its release, materials and minimum
    waits on its fastest resources (frozen work as it stands); with calendars, the
    latest end of frozen work (breaks could stretch any chain). A solver whose warm start
    already meets this bound has nothing to do on that level; in rolling-horizon batches
    that is common (no tardiness, makespan set by frozen work), and skipping the level
    saves a presolve that can take most of a batch's seconds.
    """
    if level != "makespan":
        return 0
    if any(r.calendar is not None for r in instance.resources):
        # With calendars only the frozen work is cheap to time exactly; window search
        # freezes the end of the plan, so this is often already the makespan.
        calendars = {r.id: CalendarIndex(r.calendar) for r in instance.resources}
        return max(
            (
                frozen_span(op, calendars[op.frozen.resource])[1]
                for job in instance.jobs
                for op in job.operations
                if op.frozen is not None
            ),
            default=0,
        )
    bound = 0
    for job in instance.jobs:
        t = job.release
        for i, op in enumerate(job.operations):
            if op.frozen is not None:
                t = op.frozen.start + op.duration_on(op.frozen.resource)
                continue
            earliest = max(t + (op.min_wait if i else 0), op.material_ready, job.release)
            t = earliest + min(m.duration for m in op.modes)
        bound = max(bound, t)
    return bound
