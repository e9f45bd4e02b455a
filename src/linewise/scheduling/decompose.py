"""Rolling-horizon decomposition for plans too large for one CP-SAT model.

Jobs are taken in batches by due date (then by their start in the heuristic plan). Each
batch is optimised by CP-SAT while everything already committed stays frozen; then it is
committed in turn. Only committed work that can still interact with the batch is put into
the model: operations ending after the batch's earliest start ``t0`` in the heuristic
plan, plus, per resource, the last one before it (for its setup). Batch operations are
kept at or after ``t0``, so the work left out can never be overlapped. The batch's warm
start is the best heuristic rule run on exactly that situation, so every batch is
feasible from the start.

The batches get half of the time after the heuristics; window search (``improve.py``)
re-sequences lines in the rest, from the better of the batches' plan and the heuristic
plan. Batches move whole jobs and so gain on tardiness; windows gain on changeovers.
Where batch models are too large to improve in their seconds (three in a row without
a gain), the batches are given up and windows get all the time. The result is never
worse than the heuristic plan of the whole instance: decomposition can only help.
"""

from __future__ import annotations

import itertools
import logging
import math
import time
from dataclasses import replace

from linewise.scheduling.cpsat import SolverParams, solve
from linewise.scheduling.dispatch import Heuristic, best_dispatch, dispatch
from linewise.scheduling.improve import improve
from linewise.scheduling.model import (
    FrozenAssignment,
    Instance,
    Job,
    ObjectiveConfig,
    Plan,
    ScheduledOperation,
    SolveResult,
    SolveStatus,
)
from linewise.scheduling.objective import evaluate
from linewise.scheduling.validate import validate

log = logging.getLogger(__name__)

Key = tuple[str, int]
# Below this many seconds, a batch is not worth a CP-SAT model: it keeps its warm start.
MIN_BATCH_SECONDS = 0.5
# Share of the time limit the heuristic rules may take on the whole instance.
HEURISTIC_SHARE = 0.25
# Share of the time after the heuristics for the batches; window search (``improve``)
# gets the rest. Batches move whole jobs (tardiness), windows re-sequence lines
# (changeovers): on the demo factory at 200 orders each gains on its own level.
BATCH_SHARE = 0.5
# Batches are given up for window search when this many in a row gained nothing.
GIVE_UP_AFTER = 3
# Below this many seconds left, window search is not started.
MIN_WINDOW_SECONDS = 1.0
# Margin on the estimated dispatch time still needed (contexts grow, the machine is busy).
SAFETY = 1.5
# Time kept back for validating window search's result, per operation: 1.73 s for the
# 35,626 operations of the demo factory at 10,000 orders on a 2-core machine (49 us),
# rounded up and with the SAFETY margin. Without it the 60 s benchmark at that size
# ended after 63.6 s, most of the overrun being this check.
VALIDATE_SECONDS_PER_OP = SAFETY * 50e-6


def _context_jobs(
    instance: Instance, committed: dict[Key, ScheduledOperation], t0: int | None
) -> list[Job]:
    """Committed operations as single-operation frozen jobs (only the relevant ones)."""
    ops = {(j.id, i): op for j in instance.jobs for i, op in enumerate(j.operations)}
    keep = set(committed)
    if t0 is not None:
        last_before: dict[str, ScheduledOperation] = {}
        for s in committed.values():
            if s.end <= t0 and (
                s.resource not in last_before or s.end > last_before[s.resource].end
            ):
                last_before[s.resource] = s
        keep = {k for k, s in committed.items() if s.end > t0}
        keep |= {(s.job_id, s.index) for s in last_before.values()}
    jobs = []
    for key in sorted(keep):
        s = committed[key]
        frozen = replace(
            ops[key], frozen=FrozenAssignment(s.resource, s.start), min_wait=0, max_wait=None
        )
        jobs.append(Job(f"{key[0]}\x00{key[1]}", (frozen,), weight=0))
    return jobs


def _unpack(plan: Plan, batch_ids: set[str]) -> list[ScheduledOperation]:
    return [s for s in plan.operations if s.job_id in batch_ids]


def solve_decomposed(
    instance: Instance,
    config: ObjectiveConfig | None = None,
    params: SolverParams | None = None,
    batch_size: int = 100,
    warm_start: tuple[Plan, Heuristic] | None = None,
) -> SolveResult:
    """A plan for a large instance within ``params.time_limit``, never worse than dispatch.

    The limit is wall-clock time for everything. ``warm_start`` is the heuristic plan of
    the whole instance and the rule that made it, if the caller has it already;
    otherwise the rules run here, within ``HEURISTIC_SHARE`` of the limit.

    Every batch needs its own dispatch run (its warm start) whatever happens, so that
    time is reserved first, estimated from the slowest dispatch per operation seen so
    far; CP-SAT gets an equal share of what is left per remaining batch, and a batch
    whose share is below ``MIN_BATCH_SECONDS`` keeps its warm start. If the run falls
    behind even so, the rest is dispatched in one go, and if that cannot finish in time
    either, the heuristic plan of the whole instance is returned. So the answer always
    comes within the limit (up to one batch's overrun on a badly misjudged estimate).
    """
    config = config or ObjectiveConfig()
    params = params or SolverParams()
    started = time.monotonic()
    deadline = started + params.time_limit
    if warm_start is None:
        budget = params.time_limit * HEURISTIC_SHARE
        began = time.monotonic()
        heuristic, rule = best_dispatch(instance, config, time_budget=budget)
        per_op = (time.monotonic() - began) / max(1, instance.operation_count)
    else:
        heuristic, rule = warm_start
        per_op = 0.0  # learnt from the first batch
    heuristic_values = evaluate(instance, heuristic, config)
    # The batches get their share of what is left; window search the rest.
    batch_deadline = time.monotonic() + (deadline - time.monotonic()) * BATCH_SHARE
    first_start = {s.job_id: s.start for s in heuristic.operations if s.index == 0}
    order = sorted(
        instance.jobs,
        key=lambda j: (math.inf if j.due is None else j.due, first_start[j.id], j.id),
    )
    batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    ops_from = list(
        itertools.accumulate(
            (sum(len(j.operations) for j in b) for b in reversed(batches)), initial=0
        )
    )[::-1]  # ops_from[n]: operations in batches n and later
    committed: dict[Key, ScheduledOperation] = {}
    solved = gained = 0
    for n, batch in enumerate(batches):
        if params.cancel is not None and params.cancel.is_set():
            return _fallback(instance, heuristic, config, started)
        left = batch_deadline - time.monotonic()
        reserve = SAFETY * per_op * ops_from[n]
        if n and left < reserve:
            rest = [job for later in batches[n:] for job in later]
            if left < per_op * ops_from[n]:  # not even one dispatch of the rest fits
                committed = {}
                break
            committed.update(_dispatch_batch(instance, committed, rest, first_start, rule)[0])
            break
        began = time.monotonic()
        placed, sub, warm = _dispatch_batch(instance, committed, batch, first_start, rule)
        sub_ops = sub.operation_count
        per_op = max(per_op, (time.monotonic() - began) / max(1, sub_ops))
        left = batch_deadline - time.monotonic()
        budget = (left - SAFETY * per_op * ops_from[n + 1]) / (len(batches) - n)
        if budget >= MIN_BATCH_SECONDS:
            inner = replace(params, time_limit=budget, on_progress=None)
            result = solve(sub, config, inner, warm_start=warm)
            batch_ids = {j.id for j in batch}
            placed = {(s.job_id, s.index): s for s in _unpack(result.plan, batch_ids)}
            solved += 1
            gained += result.objective.key(config) < evaluate(sub, warm, config).key(config)
            if solved >= GIVE_UP_AFTER and not gained:
                # Batch models too large to improve in their seconds (orders that flow
                # for days keep most of the plan in every batch's context): the time
                # is worth more to window search, from the heuristic plan.
                committed = {}
                break
        committed.update(placed)
        if params.on_progress is not None:
            _report(instance, committed, heuristic, config, params, started)
    best, best_values = heuristic, heuristic_values
    if len(committed) == instance.operation_count:
        plan = Plan(tuple(sorted(committed.values(), key=lambda s: (s.start, s.resource))))
        values = evaluate(instance, plan, config)
        if values.key(config) < best_values.key(config):
            best, best_values = plan, values
    left = deadline - time.monotonic() - VALIDATE_SECONDS_PER_OP * instance.operation_count
    if left >= MIN_WINDOW_SECONDS and not (params.cancel is not None and params.cancel.is_set()):
        improved, values, _stats = improve(instance, best, config, replace(params, time_limit=left))
        if values.key(config) < best_values.key(config):
            problems = validate(instance, improved)
            if problems:  # a bug in window search must not reach a plan
                log.error("window search made an invalid plan, kept the last: %s", problems[:3])
            else:
                best, best_values = improved, values
    if best is heuristic:
        return _fallback(instance, heuristic, config, started)
    return SolveResult(SolveStatus.FEASIBLE, best, best_values, (), time.monotonic() - started)


def _dispatch_batch(
    instance: Instance,
    committed: dict[Key, ScheduledOperation],
    batch: list[Job],
    first_start: dict[str, int],
    rule: Heuristic,
) -> tuple[dict[Key, ScheduledOperation], Instance, Plan]:
    """The batch planned by ``rule`` around the committed work: its operations, the
    sub-instance and the sub-instance's plan (the warm start for CP-SAT).

    Work already committed that ends before the batch could start is left out (but for
    the last operation per resource, for its setup), which keeps each sub-instance as
    small as the batch itself however far the plan has got. Batch work starts no
    earlier than in the heuristic plan of the whole instance.
    """
    t0 = min(first_start[j.id] for j in batch)
    raised = tuple(replace(j, release=max(j.release, t0)) for j in batch)
    sub = replace(instance, jobs=(*_context_jobs(instance, committed, t0), *raised))
    warm = dispatch(sub, rule)
    batch_ids = {j.id for j in batch}
    return {(s.job_id, s.index): s for s in _unpack(warm, batch_ids)}, sub, warm


def _report(
    instance: Instance,
    committed: dict[Key, ScheduledOperation],
    heuristic: Plan,
    config: ObjectiveConfig,
    params: SolverParams,
    started: float,
) -> None:
    """Progress after a batch: the first objective level over the committed batches plus
    the heuristic's plan for the jobs not committed yet (a projection, not a plan).

    Only tardiness and makespan depend on job ends alone and are cheap to project; for
    the other levels nothing is reported until the end.
    """
    assert params.on_progress is not None
    level = config.levels[0]
    if level not in ("weighted_tardiness", "makespan"):
        return
    ends = {s.job_id: s.end for s in heuristic.operations}  # last operation wins below
    for s in heuristic.operations:
        ends[s.job_id] = max(ends[s.job_id], s.end)
    last = {j.id: len(j.operations) - 1 for j in instance.jobs}
    for (job_id, index), s in committed.items():
        if index == last[job_id]:
            ends[job_id] = s.end
    if level == "makespan":
        value = float(max(ends.values(), default=0))
    else:
        value = float(
            sum(j.weight * max(0, ends[j.id] - j.due) for j in instance.jobs if j.due is not None)
        )
    params.on_progress(time.monotonic() - started, value, 0.0, 1.0 if value > 0 else 0.0)


def _fallback(
    instance: Instance, heuristic: Plan, config: ObjectiveConfig, started: float
) -> SolveResult:
    values = evaluate(instance, heuristic, config)
    return SolveResult(
        SolveStatus.FALLBACK_HEURISTIC, heuristic, values, (), time.monotonic() - started
    )
