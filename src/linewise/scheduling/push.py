"""Right-shifting the work that follows a manually moved operation ("push").

A planner drags one operation to a new start (perhaps on another resource). Rather than
refusing because it now overlaps the next operations on that resource, or ends after its
routing successor starts, the following operations are shifted right — transitively,
along resource sequences and routings — each to the earliest start that respects its
predecessor on the resource (end plus setup), its predecessor in the routing (end plus
minimum wait), its resource's calendar and its skill's operators. Sequences are kept:
nothing overtakes anything, nothing moves earlier, and nothing but the dragged operation
changes resource.

The dragged operation goes in front of the work it overlaps on its new resource (that
work is pushed after it) rather than being refused for the overlap; only its own earlier
stages stay in front of it. Where the work left in front of it ends too late for it
(an earlier stage, or the setup after the previous operation), it starts as soon as that
allows, in its calendar.

Work that must stay put (frozen in the instance, or pinned by the caller: in progress on
the floor) stops a push: ``PushRefused`` names it. So does a push that would have to move
the dragged operation itself (a cycle through resources and routings), stretch a maximum
wait, or runs out of calendar or operators.

The dragged operation's own placement is not judged here (its calendar window,
eligibility, the work before it, its release): the caller checks the result with the
independent ``validate``, as for any edited plan.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from dataclasses import dataclass
from itertools import pairwise

from linewise.scheduling.calendar import CalendarIndex
from linewise.scheduling.errors import SchedulingError
from linewise.scheduling.model import Instance, Operation, Plan, ScheduledOperation
from linewise.scheduling.skills import SkillBoard

Key = tuple[str, int]

# Attempts to place one operation (calendar window, then skill capacity) before giving up.
_PLACEMENT_TRIES = 100_000


@dataclass(frozen=True)
class Shift:
    """One operation moved later by a push, on its own resource."""

    job_id: str
    index: int
    resource: str
    old_start: int
    old_end: int
    new_start: int
    new_end: int

    @property
    def delay(self) -> int:
        return self.new_start - self.old_start


@dataclass(frozen=True)
class PushResult:
    plan: Plan
    moved: ScheduledOperation  # the dragged operation where it was put
    pushed: tuple[Shift, ...]  # the others that moved, by new start


class PushRefused(SchedulingError):
    """The push cannot be done; ``rule`` says why, ``blocking`` which operation stops it.

    ``rule`` is one of ``frozen``, ``cycle``, ``max_wait``, ``calendar``, ``skills``. The
    message names operations as ``job J op I`` and times in solver seconds (``a..b``,
    ``@t``, ``N s``), like the validator's sentences, so callers translate both alike.
    """

    def __init__(self, message: str, rule: str, blocking: Key | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.rule = rule
        self.blocking = blocking


def span_at(op: Operation, resource: str, start: int, calendar: CalendarIndex) -> tuple[int, int]:
    """The span of ``op`` started exactly at ``start`` (stretched over gaps if splittable).

    Where it does not fit the calendar at that start, plainly ``start + duration``: the
    validator then names the calendar problem.
    """
    duration = op.duration_on(resource) if resource in op.resources else 1
    fit = calendar.earliest_fit(start, duration, op.splittable)
    if fit is not None and fit[0] == start:
        return fit
    return start, start + duration


def _name(key: Key) -> str:
    return f"job {key[0]} op {key[1]}"


class _Pusher:
    def __init__(self, instance: Instance, plan: Plan, pinned: frozenset[Key]) -> None:
        self.ops: dict[Key, Operation] = {
            (j.id, i): op for j in instance.jobs for i, op in enumerate(j.operations)
        }
        self.resources = {r.id: r for r in instance.resources}
        self.calendars = {r.id: CalendarIndex(r.calendar) for r in instance.resources}
        self.before = plan.by_key()
        self.now = dict(self.before)
        self.fixed = pinned | {k for k, op in self.ops.items() if op.frozen is not None}
        self.board = SkillBoard(instance)
        self.prev_on: dict[Key, Key] = {}
        self.next_on: dict[Key, Key] = {}

    # --- structure ------------------------------------------------------------------

    def sequence(self, moved: ScheduledOperation) -> Key | None:
        """Resource sequences with ``moved`` re-inserted; the key that followed it before."""
        key = (moved.job_id, moved.index)
        by_resource: dict[str, list[ScheduledOperation]] = defaultdict(list)
        for s in self.before.values():
            by_resource[s.resource].append(s)
        old_next: Key | None = None
        for items in by_resource.values():
            items.sort(key=lambda s: (s.start, s.end, s.job_id, s.index))
        old = self.before[key]
        items = by_resource[old.resource]
        at = items.index(old)
        if at + 1 < len(items):
            old_next = (items[at + 1].job_id, items[at + 1].index)
        del items[at]
        target = by_resource[moved.resource]
        # In front of the first operation it would overlap (ends after its start), unless
        # that is an earlier stage of its own order, which keeps its place before it.
        at = next(
            (
                i
                for i, s in enumerate(target)
                if s.end > moved.start and not (s.job_id == moved.job_id and s.index < moved.index)
            ),
            len(target),
        )
        target.insert(at, moved)
        for items in by_resource.values():
            for a, b in pairwise(items):
                ka, kb = (a.job_id, a.index), (b.job_id, b.index)
                self.next_on[ka], self.prev_on[kb] = kb, ka
        return old_next

    def after_what_stays_before(self, moved: ScheduledOperation) -> ScheduledOperation:
        """``moved`` started no earlier than the work left in front of it on its resource
        allows (its end plus the setup), in its calendar; unchanged where it fits."""
        key = (moved.job_id, moved.index)
        prev = self.prev_on.get(key)
        if prev is None:
            return moved
        op = self.ops[key]
        resource = self.resources[moved.resource]
        bound = self.before[prev].end + resource.setup(self.ops[prev].family, op.family)
        if prev == (key[0], key[1] - 1):
            bound += op.min_wait
        if bound <= moved.start:
            return moved
        fit = self.calendars[moved.resource].earliest_fit(
            bound, op.duration_on(moved.resource), op.splittable
        )
        if fit is None:
            raise PushRefused(
                f"{_name(key)} finds no window of {moved.resource} from @{bound} on",
                "calendar",
                key,
            )
        return ScheduledOperation(key[0], key[1], moved.resource, *fit)

    def job_next(self, key: Key) -> Key | None:
        nxt = (key[0], key[1] + 1)
        return nxt if nxt in self.ops else None

    # --- timing -----------------------------------------------------------------------

    def earliest(self, key: Key) -> int:
        """The earliest start its predecessors (resource and routing) allow now."""
        op, s = self.ops[key], self.now[key]
        bound = 0
        prev = self.prev_on.get(key)
        if prev is not None:
            setup = self.resources[s.resource].setup(self.ops[prev].family, op.family)
            bound = self.now[prev].end + setup
        if key[1] > 0:
            bound = max(bound, self.now[(key[0], key[1] - 1)].end + op.min_wait)
        return bound

    def _skill_use(self, key: Key) -> tuple[str, int] | None:
        op = self.ops[key]
        if op.skill is None or op.operators_needed <= 0:
            return None
        return op.skill, op.operators_needed

    def book(self, key: Key) -> None:
        use = self._skill_use(key)
        if use is not None:
            s = self.now[key]
            self.board.add(use[0], s.start, s.end, use[1])

    def unbook(self, key: Key) -> None:
        use = self._skill_use(key)
        if use is not None:
            s = self.now[key]
            self.board.remove(use[0], s.start, s.end, use[1])

    def place(self, key: Key, t: int) -> ScheduledOperation:
        """The earliest span from ``t`` on in its calendar with its operators free."""
        op, s = self.ops[key], self.now[key]
        duration = op.duration_on(s.resource)
        use = self._skill_use(key)
        for _ in range(_PLACEMENT_TRIES):
            fit = self.calendars[s.resource].earliest_fit(t, duration, op.splittable)
            if fit is None:
                raise PushRefused(
                    f"{_name(key)} finds no window of {s.resource} from @{t} on",
                    "calendar",
                    key,
                )
            if use is not None:
                try:
                    later = self.board.push_needed(use[0], fit[0], fit[1], use[1])
                except SchedulingError as exc:
                    raise PushRefused(
                        f"not enough operators with skill {use[0]} for {_name(key)} from @{t} on",
                        "skills",
                        key,
                    ) from exc
                if later is not None:
                    t = max(t + 1, later)
                    continue
            return ScheduledOperation(key[0], key[1], s.resource, fit[0], fit[1])
        raise PushRefused(f"no place found for {_name(key)} from @{t} on", "calendar", key)

    # --- the push ---------------------------------------------------------------------

    def run(self, moved: ScheduledOperation, seeds: list[Key]) -> None:
        key = (moved.job_id, moved.index)
        self.now[key] = moved
        for k in sorted(self.now, key=lambda k: self.now[k].start):
            self.book(k)  # in start order: each booking appends
        # A dragged operation already too early for the work before it is the caller's
        # (validator's) business; only a push coming back around to it is refused here.
        own_bound = max(moved.start, self.earliest(key))
        queue = [(self.now[k].start, k) for k in seeds]
        heapq.heapify(queue)
        budget = 50 * (len(self.now) + 1)
        while queue:
            budget -= 1
            if budget < 0:
                raise PushRefused(f"the push after {_name(key)} does not settle", "cycle", key)
            _, k = heapq.heappop(queue)
            bound = self.earliest(k)
            current = self.now[k]
            if k == key:
                if bound > own_bound:
                    raise PushRefused(
                        f"making room would push {_name(key)} (the moved operation) itself"
                        f" {bound - moved.start} s later, around a loop of routings and lines",
                        "cycle",
                        key,
                    )
                continue
            if bound <= current.start:
                continue
            if k in self.fixed:
                raise PushRefused(
                    f"{_name(k)} is frozen (in progress) in {current.start}..{current.end}"
                    f" and cannot make room: the push needs it {bound - current.start} s"
                    " later",
                    "frozen",
                    k,
                )
            self.unbook(k)
            self.now[k] = self.place(k, bound)
            self.book(k)
            for nxt in (self.next_on.get(k), self.job_next(k)):
                if nxt is not None:
                    heapq.heappush(queue, (self.now[nxt].start, nxt))

    def check_max_waits(self, key: Key) -> None:
        """A wait that grew past its maximum is refused (earlier work is never moved)."""
        changed = {k for k, s in self.now.items() if s != self.before[k]} | {key}
        arcs = {(k[0], k[1] + 1) for k in changed} | changed
        for k in sorted(a for a in arcs if a in self.ops and a[1] > 0):
            op = self.ops[k]
            if op.max_wait is None:
                continue
            prev = (k[0], k[1] - 1)
            wait = self.now[k].start - self.now[prev].end
            was = self.before[k].start - self.before[prev].end
            if wait > op.max_wait and wait > was:
                raise PushRefused(
                    f"{_name(k)} would start {wait} s after op {prev[1]} ends, max {op.max_wait}",
                    "max_wait",
                    k,
                )


def push(
    instance: Instance,
    plan: Plan,
    key: Key,
    resource: str,
    start: int,
    pinned: frozenset[Key] = frozenset(),
) -> PushResult:
    """Put operation ``key`` on ``resource`` at ``start`` and right-shift what follows.

    ``plan`` must schedule every operation of ``instance``; ``pinned`` adds operations
    that must not move (beyond the instance's frozen ones). Raises ``PushRefused``.
    """
    pusher = _Pusher(instance, plan, pinned)
    if key not in pusher.before or key not in pusher.ops:
        raise KeyError(f"{_name(key)} is not scheduled in the plan")
    op = pusher.ops[key]
    span = span_at(op, resource, start, pusher.calendars[resource])
    moved = ScheduledOperation(key[0], key[1], resource, *span)
    old_next = pusher.sequence(moved)
    moved = pusher.after_what_stays_before(moved)
    seeds = [k for k in (pusher.next_on.get(key), pusher.job_next(key), old_next) if k]
    pusher.run(moved, seeds)
    pusher.check_max_waits(key)
    ops = sorted(pusher.now.values(), key=lambda s: (s.start, s.resource, s.job_id, s.index))
    pushed = [
        Shift(k[0], k[1], s.resource, pusher.before[k].start, pusher.before[k].end, s.start, s.end)
        for k, s in pusher.now.items()
        if k != key and s != pusher.before[k]
    ]
    pushed.sort(key=lambda sh: (sh.new_start, sh.job_id, sh.index))
    return PushResult(Plan(tuple(ops)), moved, tuple(pushed))
