"""The compiled dispatcher: packing an instance for it and reading its plan back.

``_dispatch_kernel`` (C++, built at install time when a compiler is there) runs the same
list scheduling as ``dispatch._Dispatcher`` step for step and returns the same plan; the
Python class stays the reference and the fallback (``available()`` says which one runs,
``LINEWISE_PURE_PYTHON_DISPATCH=1`` forces Python). At 10,000 orders on 300 lines the
Python version needs several seconds; the kernel plus this packing a small fraction.

Everything the kernel sees is integers (and three floats): resources, calendars, setup
tables, families and skills become indices. Where Python compares strings to break a
tie (resource ids in the event heap, ids when sorting the plan) the kernel gets their
rank in sorted order, so that both break ties alike. Packing costs about as much as a
dispatch in the kernel, so the last instance's packing is kept: ``best_dispatch`` runs a
dozen rules on the same instance.
"""

from __future__ import annotations

import logging
import os
import weakref
from array import array
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from linewise.scheduling.errors import SchedulingError
from linewise.scheduling.model import Instance, Mode, Plan, ScheduledOperation
from linewise.scheduling.skills import label
from linewise.scheduling.timetable import Timetable, frozen_span

_kernel: ModuleType | None
try:
    from linewise.scheduling import _dispatch_kernel as _kernel
except ImportError:  # built without a compiler: the Python dispatcher runs instead
    _kernel = None

_RULE_CODES = {"atcs": 0, "edd": 1, "mwkr": 2}
# Arrays ``pack`` hands the kernel; a kernel built from another version of the .cpp
# (an install not rebuilt after an update) reads a different number and is not used.
_FIELDS = 24
if _kernel is not None and _kernel.FIELDS != _FIELDS:
    logging.getLogger(__name__).warning(
        "compiled dispatcher is stale (%s fields, %s expected): rebuild with `make install`;"
        " dispatching in Python",
        _kernel.FIELDS,
        _FIELDS,
    )
    _kernel = None


def available() -> bool:
    """Whether ``dispatch`` runs in the compiled kernel."""
    return _kernel is not None and os.environ.get("LINEWISE_PURE_PYTHON_DISPATCH", "") in ("", "0")


@dataclass(frozen=True)
class Packed:
    arrays: tuple[array[Any], ...]
    job_ids: list[str]
    op_job: list[int]  # per flattened operation: its job
    op_index: list[int]  # per flattened operation: its index in the job
    resource_ids: list[str]
    set_labels: list[str]
    skill_names: list[str]


_last: tuple[weakref.ref[Instance], Packed] | None = None


def packed(instance: Instance) -> Packed:
    """``pack(instance)``, reusing the last instance's packing."""
    global _last
    if _last is not None and _last[0]() is instance:
        return _last[1]
    result = pack(instance)
    _last = (weakref.ref(instance), result)
    return result


def forget() -> None:
    """Drop the kept packing (benchmarks time a cold dispatch with it)."""
    global _last
    _last = None


def pack(instance: Instance) -> Packed:
    # The Python dispatcher's own starting point: calendars, frozen work and the
    # operators it uses, the time after which nothing changes, the longest setup.
    table = Timetable.for_instance(instance)
    resources = instance.resources
    res_index = {r.id: n for n, r in enumerate(resources)}
    rank = {rid: n for n, rid in enumerate(sorted(res_index))}
    calendar_ids: dict[int, int] = {}  # by id of the CalendarIndex lines share
    table_ids: dict[tuple[object, int], int] = {}
    res = array("q")
    mean_setup = array("d")
    cal_off, cal_always, cal_windows = array("q", [0]), array("q"), array("q")
    table_off, table_default, table_pairs = array("q", [0]), array("q"), array("q")
    families = sorted({op.family for job in instance.jobs for op in job.operations})
    family_id = {f: n for n, f in enumerate(families)}
    for r in resources:
        calendar = table.resources[r.id].calendar
        cid = calendar_ids.get(id(calendar))
        if cid is None:
            cid = calendar_ids[id(calendar)] = len(calendar_ids)
            cal_always.append(1 if calendar.always else 0)
            for start, end in zip(calendar.starts, calendar.ends, strict=True):
                cal_windows.extend((start, end))
            cal_off.append(len(cal_windows) // 2)
        tid = table_ids.get((r.setups, r.default_changeover))
        if tid is None:
            tid = table_ids[(r.setups, r.default_changeover)] = len(table_ids)
            table_default.append(r.default_changeover)
            for s in r.setups:
                # Pairs naming a family no operation has are never looked up.
                if s.before in family_id and s.after in family_id:
                    table_pairs.extend((family_id[s.before], family_id[s.after], s.duration))
            table_off.append(len(table_pairs) // 3)
        res.extend((cid, tid, rank[r.id]))
        mean_setup.append(max(1.0, float(r.longest_setup)))

    board = table.skills
    skill_names = list(board.sets_of)
    skill_id = {s: n for n, s in enumerate(skill_names)}

    parts: dict[tuple[str, ...], int] = {}
    part_off, part_members = array("q", [0]), array("q")
    queues: dict[tuple[str, ...], int] = {}
    queue_off, queue_members = array("q", [0]), array("q")
    modes_off, modes, mparts_off, mparts, mqueue = (
        array("q", [0]),
        array("q"),
        array("q", [0]),
        array("q"),
        array("q"),
    )
    modeset_by_id: dict[int, tuple[tuple[Mode, ...], int]] = {}
    modeset_by_value: dict[tuple[Mode, ...], int] = {}

    def modeset(op_modes: tuple[Mode, ...]) -> int:
        found = modeset_by_value.get(op_modes)
        if found is not None:
            return found
        groups: dict[tuple[int, int], list[str]] = {}
        for m in op_modes:
            modes.extend((res_index[m.resource], m.duration))
            groups.setdefault((m.duration, table.kind_of(m.resource)), []).append(m.resource)
        modes_off.append(len(modes) // 2)
        for (duration, _), members in groups.items():
            key = tuple(sorted(members))
            pid = parts.get(key)
            if pid is None:
                pid = parts[key] = len(parts)
                part_members.extend(res_index[r] for r in key)
                part_off.append(len(part_members))
            mparts.extend((pid, duration))
        mparts_off.append(len(mparts) // 2)
        qkey = tuple(sorted({m.resource for m in op_modes}))
        qid = queues.get(qkey)
        if qid is None:
            qid = queues[qkey] = len(queues)
            queue_members.extend(res_index[r] for r in qkey)
            queue_off.append(len(queue_members))
        mqueue.append(qid)
        n = modeset_by_value[op_modes] = len(mqueue) - 1
        return n

    jobs, ops = array("q"), array("q")
    job_rank = {jid: n for n, jid in enumerate(sorted(j.id for j in instance.jobs))}
    op_job: list[int] = []
    op_index: list[int] = []
    for k, job in enumerate(instance.jobs):
        jobs.extend(
            (
                job.release,
                0 if job.due is None else 1,
                0 if job.due is None else job.due,
                job.weight,
                job_rank[job.id],
                len(op_job),
                len(job.operations),
            )
        )
        for i, op in enumerate(job.operations):
            cached = modeset_by_id.get(id(op.modes))
            if cached is None or cached[0] is not op.modes:
                cached = modeset_by_id[id(op.modes)] = (op.modes, modeset(op.modes))
            frozen_res, frozen_start, frozen_end = -1, 0, 0
            if op.frozen is not None:
                rid = op.frozen.resource
                frozen_start, frozen_end = frozen_span(op, table.resources[rid].calendar)
                frozen_res = res_index[rid]
            skill = -1
            if op.skill is not None:
                skill = skill_id.get(op.skill, -1)
                if skill < 0:
                    skill = skill_id[op.skill] = len(skill_names)
                    skill_names.append(op.skill)
            ops.extend(
                (
                    cached[1],
                    family_id[op.family],
                    skill,
                    op.operators_needed,
                    op.min_wait,
                    -1 if op.max_wait is None else op.max_wait,
                    1 if op.splittable else 0,
                    op.material_ready,
                    frozen_res,
                    frozen_start,
                    frozen_end,
                )
            )
            op_job.append(k)
            op_index.append(i)

    set_off, set_steps = array("q", [0]), array("q")
    for times, free in zip(board.times, board.free, strict=True):
        for t, f in zip(times, free, strict=True):
            set_steps.extend((t, f))
        set_off.append(len(set_steps) // 2)
    sets_of_off, sets_of = array("q", [0]), array("q")
    for name in skill_names:
        sets_of.extend(board.sets_of.get(name, ()))
        sets_of_off.append(len(sets_of))

    scalars = array(
        "q", (table.last_change, table.longest_setup, max(1, len(families)), len(skill_names))
    )
    arrays = (
        scalars,
        res,
        mean_setup,
        cal_off,
        cal_always,
        cal_windows,
        table_off,
        table_default,
        table_pairs,
        part_off,
        part_members,
        modes_off,
        modes,
        mparts_off,
        mparts,
        mqueue,
        queue_off,
        queue_members,
        jobs,
        ops,
        set_off,
        set_steps,
        sets_of_off,
        sets_of,
    )
    assert len(arrays) == _FIELDS
    return Packed(
        arrays,
        [j.id for j in instance.jobs],
        op_job,
        op_index,
        [r.id for r in resources],
        [label(s) for s in board.sets],
        skill_names,
    )


def _message(p: Packed, kind: int, a: int, b: int) -> str:
    """The message Python raises for the kernel's error ``kind`` (see the .cpp)."""
    if kind == 1:
        return f"job {p.job_ids[a]}: no start satisfies its maximum waits"
    if kind == 2:
        return f"job {p.job_ids[a]} operation {b} fits no calendar"
    if kind == 4:
        return f"not enough operators with skill {p.set_labels[a]}"
    if kind == 5:
        return f"not enough operators with skill {p.skill_names[a]}"
    return "placement did not converge"


def dispatch_native(instance: Instance, rule: str, k1: float, k2: float) -> Plan:
    """The plan ``dispatch._Dispatcher(instance, Heuristic(rule, k1, k2)).run()`` returns."""
    if _kernel is None:
        raise RuntimeError("the compiled dispatcher is not built")
    p = packed(instance)
    out = _kernel.run(p.arrays, _RULE_CODES[rule], k1, k2)
    if out[0] != 0:
        raise SchedulingError(_message(p, *out))
    _, resource, start, end, order = out
    res = memoryview(resource).cast("q")
    starts = memoryview(start).cast("q")
    ends = memoryview(end).cast("q")
    ids, job_ids, op_job, op_index = p.resource_ids, p.job_ids, p.op_job, p.op_index
    return Plan(
        tuple(
            ScheduledOperation(job_ids[op_job[o]], op_index[o], ids[res[o]], starts[o], ends[o])
            for o in memoryview(order).cast("q")
        )
    )
