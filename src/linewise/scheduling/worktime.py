"""Working time: the factory's shared calendar taken out of the CP-SAT model.

When every resource works the same shifts (the usual case: one site calendar), the
calendar can be removed from the model by measuring time in *working seconds* instead of
wall-clock seconds: breaks, nights, weekends and holidays simply vanish, and a
splittable operation becomes one plain interval of its processing time. With the
calendar in the model, every operation needs one optional interval per window it may
start in, which for a two-week plan and a long calendar is hundreds of alternatives per
operation and gigabytes of model; in working time it needs one per eligible resource.

The working-time problem is a close, conservative stand-in: a setup or a minimum wait
measured in working seconds is at least as long in wall-clock seconds, so it never
shortens one; tardiness is measured against the due date mapped to working time, which
orders plans the same way lateness does. It is only used to choose resources and
sequences: ``decode`` then times that choice exactly in wall-clock time with the same
timetable the heuristic uses, so every plan that leaves the engine obeys the real
calendar, setups and skills, and is checked against the heuristic on the real objective.

Not applicable (``to_working_time`` returns ``None``) when calendars differ between
resources, an operation must fit into a single window, or a maximum wait exists (a
maximum wait in working time could be longer than allowed in wall-clock time).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import replace
from itertools import accumulate

from linewise.scheduling.model import (
    FrozenAssignment,
    Instance,
    Job,
    Plan,
    ScheduledOperation,
    Window,
)
from linewise.scheduling.timetable import SchedulingError, Timetable, frozen_span


class WorkClock:
    """Wall-clock seconds → working seconds of one calendar.

    Beyond the last window, time runs on as if always available, so that the mapping is
    defined everywhere and stays monotone (which is all the model needs: plans go back
    to wall-clock time through ``decode``, not through an inverse).
    """

    def __init__(self, windows: tuple[Window, ...]) -> None:
        self.starts = [w.start for w in windows]
        self.ends = [w.end for w in windows]
        self.before = [0, *accumulate(w.end - w.start for w in windows)]

    def work(self, t: int) -> int:
        """Working seconds between the first window's start and ``t``."""
        i = bisect_right(self.starts, t) - 1
        if i < 0:
            return 0
        if t < self.ends[i]:
            return self.before[i] + t - self.starts[i]
        beyond = t - self.ends[i] if i == len(self.starts) - 1 else 0
        return self.before[i + 1] + beyond


def shared_calendar(instance: Instance) -> tuple[Window, ...] | None:
    calendars = {r.calendar for r in instance.resources}
    if len(calendars) != 1:
        return None
    (calendar,) = calendars
    return calendar if calendar else None


def to_working_time(instance: Instance) -> tuple[Instance, WorkClock] | None:
    """The same problem in working time, or ``None`` where that is not exact enough."""
    calendar = shared_calendar(instance)
    if calendar is None:
        return None
    for job in instance.jobs:
        for op in job.operations:
            if op.max_wait is not None or (op.frozen is None and not op.splittable):
                return None
    clock = WorkClock(calendar)
    jobs = []
    for job in instance.jobs:
        ops = []
        for op in job.operations:
            frozen = op.frozen
            if frozen is not None:
                frozen = FrozenAssignment(frozen.resource, clock.work(frozen.start))
            ops.append(replace(op, frozen=frozen, material_ready=clock.work(op.material_ready)))
        jobs.append(
            Job(
                job.id,
                tuple(ops),
                weight=job.weight,
                release=clock.work(job.release),
                due=None if job.due is None else clock.work(job.due),
            )
        )
    shifts = []
    for shift in instance.skill_shifts:
        start, end = clock.work(shift.window.start), clock.work(shift.window.end)
        if end > start:  # a shift over a night or weekend has no working time
            shifts.append(replace(shift, window=Window(start, end)))
    resources = tuple(replace(r, calendar=None) for r in instance.resources)
    return Instance(tuple(jobs), resources, tuple(shifts), instance.name), clock


def to_work_plan(plan: Plan, clock: WorkClock) -> Plan:
    """A wall-clock plan's order and resources in working time (times approximate)."""
    return Plan(
        tuple(
            ScheduledOperation(
                s.job_id, s.index, s.resource, clock.work(s.start), clock.work(s.end)
            )
            for s in plan.operations
        )
    )


def decode(instance: Instance, choice: Plan) -> Plan:
    """Exact times for the resources and the order of ``choice``.

    Operations are placed one by one in the order of their start in ``choice``, each at
    the earliest moment its job predecessor, its resource (calendar, setup after the
    previous operation there, frozen work) and its skill allow. Only the order and the
    resources of ``choice`` matter, so it may come from a relaxed or differently timed
    model. Raises ``SchedulingError`` if an operation fits nowhere (as the heuristic
    would). Maximum waits are not handled: callers only decode instances without them.
    """
    table = Timetable.for_instance(instance)
    jobs = {j.id: j for j in instance.jobs}
    placed: dict[tuple[str, int], ScheduledOperation] = {}
    for job in instance.jobs:
        for i, op in enumerate(job.operations):
            if op.frozen is not None:
                calendar = table.resources[op.frozen.resource].calendar
                start, end = frozen_span(op, calendar)
                placed[(job.id, i)] = ScheduledOperation(job.id, i, op.frozen.resource, start, end)
    for s in sorted(choice.operations, key=lambda s: (s.start, s.index, s.job_id)):
        if (s.job_id, s.index) in placed:
            continue
        job = jobs[s.job_id]
        op = job.operations[s.index]
        ready = max(job.release, op.material_ready)
        if s.index > 0:
            ready = max(ready, placed[(s.job_id, s.index - 1)].end + op.min_wait)
        fit = table.earliest(op, s.resource, ready)
        if fit is None:
            raise SchedulingError(f"job {s.job_id} operation {s.index} fits no calendar")
        table.commit(op, s.resource, *fit)
        placed[(s.job_id, s.index)] = ScheduledOperation(s.job_id, s.index, s.resource, *fit)
    ops = sorted(placed.values(), key=lambda s: (s.start, s.resource, s.job_id, s.index))
    return Plan(tuple(ops))
