"""Large-neighbourhood search around a complete plan, for plans too large for one model.

The rolling-horizon batches of ``decompose.py`` re-plan whole jobs and must see every
committed operation that ends after a batch starts; on a factory where orders flow for
days, that is most of the plan, and a batch re-dispatched around it can come out worse
than the heuristic plan of the whole instance. This search instead starts from the best
complete plan and only ever keeps changes that are no worse:

1. A *neighbourhood* is a window of consecutive operations (by start) on one group of
   interchangeable resources (resources linked by shared eligible operations).
2. Everything else stays where it is. The sub-instance holds the window's operations as
   free work and, as frozen single-operation jobs, what they can meet: the fixed work on
   the group's resources inside the window's span (plus the one before it, for its
   setup); a *wall* per group resource from the first fixed operation after the span
   on, standing in for all later work there (without a setup of its own: in working
   time a real setup across a break looks longer than it is, so the setup into that
   operation is checked in wall-clock time when the result is put back); and the fixed
   work that needs operators during the span where operators are tight for the window
   (``_tight_spans``), on stand-in resources without setups.
3. A free operation starts no earlier than the window and after its routing predecessor;
   if its successor is fixed, it must end in time for it: a due date with a weight larger
   than the whole window's tardiness, so that CP-SAT's first level, capped at the warm
   start's value, cannot trade a missed successor for anything.
4. CP-SAT re-sequences and re-assigns the window, warm-started from the current plan;
   the result is put back and kept if it still fits its fixed neighbours (routing and
   the setup into each wall, checked directly, whatever the objective levels are) and
   the whole plan's objective is no worse.

Operations tied to a neighbour by a maximum wait are left alone. The caller validates
the final plan independently (``validate``) and keeps the starting plan otherwise.

Used by ``solve_decomposed`` (so by the runner on large plans) after, or instead of,
its rolling-horizon batches. Tested for what it guarantees (every window's warm start is
a valid plan of its sub-instance; the result is valid and never worse). A window is
solved in wall-clock time with the calendars in the model (``solve``'s ``free_until``):
in working time, a setup that a break absorbs in the plan takes working seconds, so
the warm start was not a solution there, and repairing it pushed work past the walls.
"""

from __future__ import annotations

import time
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, replace

from linewise.scheduling.cpsat import SolverParams, solve
from linewise.scheduling.model import (
    FrozenAssignment,
    Instance,
    Job,
    Mode,
    ObjectiveConfig,
    ObjectiveValues,
    Operation,
    Plan,
    Resource,
    ScheduledOperation,
    SetupTime,
)
from linewise.scheduling.objective import evaluate
from linewise.scheduling.skills import SkillPools, skill_pools

Key = tuple[str, int]
SEP = "\x00"
# A neighbourhood: this many consecutive operations on this many lines, re-planned in
# this many seconds. Measured on the demo factory at 2,000 orders, 30 s of windows from
# the best dispatch plan (1,697 changeovers): 30 on one line in 2 s reached 1,670; 30 on
# two lines 1,683; 40 on three lines in 3 s 1,689; 50 on one line in 3 s nothing (most
# such windows ran out of time before CP-SAT proved or improved anything).
WINDOW_OPS = 30
LINES_PER_WINDOW = 1
# Fewer than MIN_SECONDS left ends the search.
WINDOW_SECONDS = 2.0
MIN_SECONDS = 1.0
GHOST = "ghost" + SEP
# A wall's family: no setup into it. A setup measured in working time (the model's time
# when all resources share a calendar) can be longer than the wall-clock gap the plan
# really has before the next operation, which made the warm start itself infeasible.
WALL = "wall" + SEP


@dataclass(frozen=True)
class ImproveStats:
    windows: int
    accepted: int
    improved: int


def resource_groups(instance: Instance) -> list[tuple[str, ...]]:
    """Resources linked by operations eligible on both (union-find), largest first."""
    parent = {r.id: r.id for r in instance.resources}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for job in instance.jobs:
        for op in job.operations:
            first = find(op.modes[0].resource)
            for mode in op.modes[1:]:
                parent[find(mode.resource)] = first
    groups: dict[str, list[str]] = defaultdict(list)
    for r in instance.resources:
        groups[find(r.id)].append(r.id)
    return sorted((tuple(g) for g in groups.values()), key=lambda g: (-len(g), g))


def _wall(resource: Resource, at: int, until: int) -> tuple[int, int, int]:
    """Start, end and length (available seconds) of a wall covering ``[at, until)``.

    Durations are available time, so the length is the calendar's time in the span; a
    wall that would start in a gap starts at the next window instead (nothing can run
    in the gap, and whatever follows there starts no earlier), and it ends where its
    last window in the span ends.
    """
    if resource.calendar is None:
        return at, max(at + 1, until), max(1, until - at)
    inside = [w for w in resource.calendar if w.end > at and w.start < until]
    if not inside:
        return at, at + 1, 1
    at = max(at, inside[0].start)
    end = min(until, inside[-1].end)
    available = sum(min(end, w.end) - max(at, w.start) for w in inside)
    return at, end, max(1, available)


Spans = dict[str, list[tuple[int, int]]]  # by skill: sorted, disjoint (start, end)


def _tight_spans(
    pools: SkillPools,
    free: list[ScheduledOperation],
    fixed: list[ScheduledOperation],
    jobs: dict[str, Job],
    lines: int,
) -> Spans:
    """Per skill, when fixed work leaves too few operators for the window's own work.

    The window's free operations run on ``lines`` lines, at most one at a time on each,
    so in a Hall set S they need at most D(S), the ``lines`` largest demands among them.
    Where the operators present for S less those the fixed work uses are at least D(S),
    no placement of the window can break S; only where they fall short does the fixed
    work there matter. A fixed operation that needs operators only outside those spans
    (for every set holding its skill) can be left out of the window's model without
    allowing anything the full plan would not: at 10,000 orders a window on one line
    met about 8,000 such operations, and building their model took most of each window's
    time. Returned per skill: the tight spans of all sets holding it, merged.
    """

    def needs(s: ScheduledOperation) -> tuple[str, int] | None:
        op = jobs[s.job_id].operations[s.index]
        if op.skill is None or op.operators_needed <= 0 or s.end <= s.start:
            return None
        return op.skill, op.operators_needed

    free_needs = [n for s in free if (n := needs(s)) is not None]
    fixed_needs = [(s, n) for s in fixed if (n := needs(s)) is not None]
    if not fixed_needs:
        return {}
    lo = min(s.start for s, _ in fixed_needs)
    hi = max(s.end for s, _ in fixed_needs)
    spans: Spans = defaultdict(list)
    for skills in pools.sets:
        demands = sorted((d for skill, d in free_needs if skill in skills), reverse=True)
        most = sum(demands[:lines])
        if most == 0:
            continue  # the window needs nobody of this set: it cannot break it
        change: dict[int, int] = defaultdict(int)  # change of headroom at t
        for t, level in _level_changes(pools.capacity_steps(skills)):
            change[t] += level
        for s, (skill, demand) in fixed_needs:
            if skill in skills:
                change[s.start] -= demand
                change[s.end] += demand
        headroom, open_at = 0, None
        found: list[tuple[int, int]] = []
        for t in sorted(change):
            headroom += change[t]
            if headroom < most and open_at is None:
                open_at = t
            elif headroom >= most and open_at is not None:
                found.append((open_at, t))
                open_at = None
        if open_at is not None:
            found.append((open_at, max(hi, open_at + 1)))
        found = [(a, b) for a, b in found if b > lo and a < hi]
        for skill in skills:
            spans[skill].extend(found)
    for skill, found in spans.items():
        merged: list[tuple[int, int]] = []
        for a, b in sorted(found):
            if merged and a <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], b))
            else:
                merged.append((a, b))
        spans[skill] = merged
    return spans


def _level_changes(steps: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``(t, level from t on)`` steps as ``(t, change at t)``."""
    out, level = [], 0
    for t, new in steps:
        out.append((t, new - level))
        level = new
    return out


def _meets(s: ScheduledOperation, spans: Spans, jobs: dict[str, Job]) -> bool:
    """Whether ``s`` runs during a tight span of its skill."""
    skill = jobs[s.job_id].operations[s.index].skill
    found = spans.get(skill) if skill is not None else None
    if not found:
        return False
    # Disjoint and sorted: only the last span starting before s ends can reach into it.
    i = bisect_left(found, (s.end,))
    return i > 0 and found[i - 1][1] > s.start


def _movable(job: Job, index: int) -> bool:
    op = job.operations[index]
    if op.frozen is not None or op.max_wait is not None:
        return False
    nxt = index + 1
    return not (nxt < len(job.operations) and job.operations[nxt].max_wait is not None)


class _Neighbourhood:
    """The sub-instance for one window and how to map its plan back."""

    def __init__(
        self,
        instance: Instance,
        plan: dict[Key, ScheduledOperation],
        free: set[Key],
        pools: SkillPools | None = None,
    ) -> None:
        self.jobs = {j.id: j for j in instance.jobs}
        group = {plan[k].resource for k in free}
        start = min(plan[k].start for k in free)
        end = max(plan[k].end for k in free)
        fixed = [s for k, s in plan.items() if k not in free]
        on_group: dict[str, list[ScheduledOperation]] = defaultdict(list)
        for s in fixed:
            if s.resource in group:
                on_group[s.resource].append(s)
        # Walls end where the plan ends: past that there is nothing left to collide with.
        self.horizon = max(s.end for s in plan.values()) + 1
        by_id = {r.id: r for r in instance.resources}
        context: list[ScheduledOperation] = []
        walls: dict[str, int] = {}  # resource -> where its wall starts
        # The fixed operation each wall stands in front of: the setup into it is checked
        # in wall-clock time when a result is put back (see the module doc).
        self.next_on: dict[str, ScheduledOperation] = {}
        for resource in group:
            ops = sorted(on_group[resource], key=lambda s: s.start)
            # Kept in the model: the last operation before the window (for its setup) and
            # everything up to the first operation that starts once the window's own
            # work has ended; the wall stands in for that one and all after it.
            first_after = next((s for s in ops if s.start >= end), None)
            kept = [
                s
                for s in ops
                if s.end > start and (first_after is None or s.start < first_after.start)
            ]
            earlier = [s for s in ops if s.end <= start]
            if earlier:
                kept.append(max(earlier, key=lambda s: s.end))
            context.extend(kept)
            if first_after is not None:
                walls[resource] = first_after.start
                self.next_on[resource] = first_after
            else:
                # Nothing follows: a wall where the work kept here ends keeps the window
                # bounded in time.
                walls[resource] = max([end, *(s.end for s in kept)])
        reach = max(walls.values())
        kept_keys = {(s.job_id, s.index) for s in context}
        ghosts: list[ScheduledOperation] = []
        for s in fixed:
            op = self.jobs[s.job_id].operations[s.index]
            if op.skill is None or s.end <= start or s.start >= reach:
                continue
            if (s.job_id, s.index) not in kept_keys:
                # Needs operators while the window's work runs (elsewhere, or behind its
                # resource's wall): kept on a stand-in resource without setups.
                ghosts.append(s)
        if pools is not None and ghosts:
            tight = _tight_spans(
                pools, [plan[k] for k in free], [*context, *ghosts], self.jobs, len(group)
            )
            ghosts = [s for s in ghosts if _meets(s, tight, self.jobs)]
        sub_jobs = [self._frozen_job(s, s.resource) for s in context]
        sub_jobs += [self._frozen_job(s, GHOST + s.resource) for s in ghosts]
        extra = tuple(
            Resource(GHOST + r, by_id[r].calendar) for r in sorted({s.resource for s in ghosts})
        )
        families = sorted({op.family for j in instance.jobs for op in j.operations})
        resources = tuple(
            replace(r, setups=(*r.setups, *(SetupTime(f, WALL, 0) for f in families)))
            if r.id in group
            else r
            for r in instance.resources
        )
        self.walls: dict[str, int] = {}
        self.wall_ends: dict[str, int] = {}
        for resource, at in walls.items():
            at, wall_end, length = _wall(by_id[resource], at, self.horizon)
            self.walls[resource] = at
            self.wall_ends[resource] = wall_end
            wall = Operation(
                (Mode(resource, length),),
                family=WALL,
                splittable=True,
                frozen=FrozenAssignment(resource, at),
                name="wall",
            )
            sub_jobs.append(Job(f"wall{SEP}{resource}", (wall,), weight=0))
        # Nothing free can start once every wall has begun.
        self.free_until = max(self.walls.values())
        self.runs: dict[str, Key] = {}  # sub-job id -> (job id, first index)
        self.lengths: dict[str, int] = {}
        runs = self._runs(free)
        real_tardiness = 0
        for job_id, _first, last in runs:
            job = self.jobs[job_id]
            if last == len(job.operations) - 1 and job.due is not None:
                real_tardiness += job.weight * max(0, plan[(job_id, last)].end - job.due)
        deadline_weight = real_tardiness + 1
        for job_id, first, last in runs:
            job = self.jobs[job_id]
            release = max(job.release, start)
            if first > 0:
                prev = plan[(job_id, first - 1)]
                release = max(release, prev.end + job.operations[first].min_wait)
            # Only onto the window's lines: the others hold fixed work the sub-instance
            # does not show.
            steps = tuple(
                replace(
                    job.operations[i],
                    min_wait=job.operations[i].min_wait if i > first else 0,
                    modes=tuple(m for m in job.operations[i].modes if m.resource in group),
                )
                for i in range(first, last + 1)
            )
            if last + 1 < len(job.operations):
                successor = plan[(job_id, last + 1)]
                due: int | None = successor.start - job.operations[last + 1].min_wait
                weight = deadline_weight
            else:
                due, weight = job.due, job.weight
            sub_id = f"run{SEP}{job_id}{SEP}{first}"
            self.runs[sub_id] = (job_id, first)
            self.lengths[sub_id] = len(steps)
            sub_jobs.append(Job(sub_id, steps, weight, release, due))
        resources = (*resources, *extra)
        self.instance = replace(instance, jobs=tuple(sub_jobs), resources=resources, name="")
        self.warm = Plan(tuple(self._warm(plan, context, ghosts)))

    def _frozen_job(self, s: ScheduledOperation, resource: str) -> Job:
        op = self.jobs[s.job_id].operations[s.index]
        duration = op.duration_on(s.resource)
        frozen = replace(
            op,
            modes=(Mode(resource, duration),),
            frozen=FrozenAssignment(resource, s.start),
            min_wait=0,
            max_wait=None,
        )
        return Job(f"ctx{SEP}{s.job_id}{SEP}{s.index}", (frozen,), weight=0)

    def _runs(self, free: set[Key]) -> list[tuple[str, int, int]]:
        """Maximal runs of consecutive free operations per job: (job, first, last)."""
        runs: list[tuple[str, int, int]] = []
        for job_id, index in sorted(free):
            if runs and runs[-1][0] == job_id and runs[-1][2] == index - 1:
                runs[-1] = (job_id, runs[-1][1], index)
            else:
                runs.append((job_id, index, index))
        return runs

    def _warm(
        self,
        plan: dict[Key, ScheduledOperation],
        context: list[ScheduledOperation],
        ghosts: list[ScheduledOperation],
    ) -> list[ScheduledOperation]:
        """The current plan in the sub-instance's terms: CP-SAT's warm start."""
        ops = [
            ScheduledOperation(f"ctx{SEP}{s.job_id}{SEP}{s.index}", 0, s.resource, s.start, s.end)
            for s in context
        ]
        ops += [
            ScheduledOperation(
                f"ctx{SEP}{s.job_id}{SEP}{s.index}", 0, GHOST + s.resource, s.start, s.end
            )
            for s in ghosts
        ]
        ops += [
            ScheduledOperation(f"wall{SEP}{r}", 0, r, at, self.wall_ends[r])
            for r, at in self.walls.items()
        ]
        for sub_id, (job_id, first) in self.runs.items():
            for k in range(self.lengths[sub_id]):
                s = plan[(job_id, first + k)]
                ops.append(ScheduledOperation(sub_id, k, s.resource, s.start, s.end))
        return ops

    def fits(self, instance: Instance, merged: dict[Key, ScheduledOperation]) -> bool:
        """Whether the window's new work fits the fixed work around it: each run after
        its routing predecessor and before its successor (their minimum waits kept), and
        the setup before the operation behind each wall.

        Successors are enforced in the model only through due dates, which count only
        when tardiness is an objective level; this check holds for every configuration.
        """
        for sub_id, (job_id, first) in self.runs.items():
            steps = self.jobs[job_id].operations
            last = first + self.lengths[sub_id] - 1
            if first > 0:
                prev, head = merged[(job_id, first - 1)], merged[(job_id, first)]
                if prev.end + steps[first].min_wait > head.start:
                    return False
            if last + 1 < len(steps):
                tail, nxt = merged[(job_id, last)], merged[(job_id, last + 1)]
                if tail.end + steps[last + 1].min_wait > nxt.start:
                    return False
        by_id = {r.id: r for r in instance.resources}
        for resource, nxt in self.next_on.items():
            ahead = [s for s in merged.values() if s.resource == resource and s.end <= nxt.start]
            if not ahead:
                continue
            prev = max(ahead, key=lambda s: s.end)
            before = self.jobs[prev.job_id].operations[prev.index].family
            after = self.jobs[nxt.job_id].operations[nxt.index].family
            if prev.end + by_id[resource].setup(before, after) > nxt.start:
                return False
        return True

    def placed(self, sub_plan: Plan) -> dict[Key, ScheduledOperation]:
        out = {}
        for s in sub_plan.operations:
            found = self.runs.get(s.job_id)
            if found is not None:
                job_id, first = found
                key = (job_id, first + s.index)
                out[key] = ScheduledOperation(job_id, key[1], s.resource, s.start, s.end)
        return out


def _line_sets(groups: list[tuple[str, ...]], size: int, shift: int) -> list[tuple[str, ...]]:
    """Each resource group cut into sets of ``size`` neighbouring lines, starting
    ``shift`` lines in (wrapping around), so that passes pair lines differently."""
    sets = []
    for group in groups:
        if len(group) <= size:
            sets.append(group)
            continue
        at = shift % len(group)
        turned = group[at:] + group[:at]
        sets += [turned[i : i + size] for i in range(0, len(turned), size)]
    return sets


def improve(
    instance: Instance,
    plan: Plan,
    config: ObjectiveConfig,
    params: SolverParams,
    window_ops: int = WINDOW_OPS,
    lines_per_window: int = LINES_PER_WINDOW,
) -> tuple[Plan, ObjectiveValues, ImproveStats]:
    """Improve ``plan`` window by window until ``params.time_limit`` is spent."""
    started = time.monotonic()
    deadline = started + params.time_limit
    current = plan.by_key()
    values = evaluate(instance, plan, config)
    jobs = {j.id: j for j in instance.jobs}
    groups = resource_groups(instance)
    pools = skill_pools(instance)
    windows = accepted = improved = 0
    turn = 0
    sets: list[tuple[str, ...]] = []
    offsets: dict[tuple[str, ...], int] = {}
    while deadline - time.monotonic() >= MIN_SECONDS and groups:
        if params.cancel is not None and params.cancel.is_set():
            break
        if not sets:
            # A new pass: line sets shifted by one line, so that every pair of
            # neighbouring lines shares a set now and then.
            sets = _line_sets(groups, lines_per_window, shift=turn)
            turn += 1
        group = sets.pop(0)
        members = set(group)
        on_group = sorted(
            (s for k, s in current.items() if s.resource in members and _movable(jobs[k[0]], k[1])),
            key=lambda s: (s.start, s.resource),
        )
        if len(on_group) < 2:
            continue
        at = offsets.get(group, 0) % len(on_group)
        chosen = on_group[at : at + window_ops]
        offsets[group] = at + max(1, window_ops // 2) if at + window_ops < len(on_group) else 0
        free = {(s.job_id, s.index) for s in chosen}
        hood = _Neighbourhood(instance, current, free, pools)
        budget = min(WINDOW_SECONDS, deadline - time.monotonic())
        inner = replace(params, time_limit=budget, on_progress=None)
        result = solve(hood.instance, config, inner, hood.warm, hood.free_until)
        windows += 1
        candidate = dict(current)
        candidate.update(hood.placed(result.plan))
        if not hood.fits(instance, candidate):
            continue
        new_plan = Plan(tuple(candidate.values()))
        new_values = evaluate(instance, new_plan, config)
        if new_values.key(config) <= values.key(config):
            accepted += 1
            improved += new_values.key(config) < values.key(config)
            current, values = candidate, new_values
            if params.on_progress is not None:
                first = float(values.level(config.levels[0]))
                params.on_progress(time.monotonic() - started, first, 0.0, 1.0 if first else 0.0)
    ordered = sorted(current.values(), key=lambda s: (s.start, s.resource, s.job_id, s.index))
    return Plan(tuple(ordered)), values, ImproveStats(windows, accepted, improved)
