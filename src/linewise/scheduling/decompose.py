"""Rolling-horizon decomposition for plans too large for one CP-SAT model.

Jobs are taken in batches by due date (then by their start in the heuristic plan). Each
batch is optimised by CP-SAT while everything already committed stays frozen; then it is
committed in turn. Only committed work that can still interact with the batch is put into
the model: operations ending after the batch's earliest start ``t0`` in the heuristic
plan, plus, per resource, the last one before it (for its setup). Batch operations are
kept at or after ``t0``, so the work left out can never be overlapped. The batch's warm
start is the best heuristic rule run on exactly that situation, so every batch is
feasible from the start.

The result is compared with the heuristic plan of the whole instance and the better one
is returned: decomposition can only help.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

from linewise.scheduling.cpsat import SolverParams, solve
from linewise.scheduling.dispatch import best_dispatch, dispatch
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

Key = tuple[str, int]
# Below this share of the time, a batch is not worth a CP-SAT model: it keeps its warm start.
MIN_BATCH_SECONDS = 0.5


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
) -> SolveResult:
    """A plan for a large instance within ``params.time_limit``, never worse than dispatch.

    The limit is wall-clock time for everything. Each batch gets an equal share of what
    is left; once the time is up, the remaining batches keep their warm starts (the
    heuristic on the committed situation), so the answer always comes in time.
    """
    config = config or ObjectiveConfig()
    params = params or SolverParams()
    started = time.monotonic()
    deadline = started + params.time_limit
    heuristic, rule = best_dispatch(instance, config)
    heuristic_values = evaluate(instance, heuristic, config)
    first_start = {s.job_id: s.start for s in heuristic.operations if s.index == 0}
    order = sorted(
        instance.jobs,
        key=lambda j: (math.inf if j.due is None else j.due, first_start[j.id], j.id),
    )
    batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
    committed: dict[Key, ScheduledOperation] = {}
    for n, batch in enumerate(batches):
        if params.cancel is not None and params.cancel.is_set():
            return _fallback(instance, heuristic, config, started)
        batch_ids = {j.id for j in batch}
        # Work already committed that ends before the batch could start is left out
        # (but for the last operation per resource, for its setup), which keeps each
        # batch as small as the batch itself however far the plan has got. Batch work
        # starts no earlier than in the heuristic plan of the whole instance.
        t0 = min(first_start[j.id] for j in batch)
        raised = tuple(replace(j, release=max(j.release, t0)) for j in batch)
        sub = replace(instance, jobs=(*_context_jobs(instance, committed, t0), *raised))
        warm = dispatch(sub, rule)
        remaining = deadline - time.monotonic()
        budget = remaining / (len(batches) - n)
        if budget >= MIN_BATCH_SECONDS:
            result = solve(sub, config, replace(params, time_limit=budget), warm_start=warm)
            warm = result.plan
        for s in _unpack(warm, batch_ids):
            committed[(s.job_id, s.index)] = s
    plan = Plan(tuple(sorted(committed.values(), key=lambda s: (s.start, s.resource, s.job_id))))
    values = evaluate(instance, plan, config)
    if heuristic_values.key(config) <= values.key(config):
        return _fallback(instance, heuristic, config, started)
    return SolveResult(SolveStatus.FEASIBLE, plan, values, (), time.monotonic() - started)


def _fallback(
    instance: Instance, heuristic: Plan, config: ObjectiveConfig, started: float
) -> SolveResult:
    values = evaluate(instance, heuristic, config)
    return SolveResult(
        SolveStatus.FALLBACK_HEURISTIC, heuristic, values, (), time.monotonic() - started
    )
