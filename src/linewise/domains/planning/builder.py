"""From the database to an engine ``Problem``: orders, routings, calendars, skills.

Decisions made here, because the data leaves room for them:
- Open orders (planned, released, in progress) released before the horizon end; their
  pending and in-progress operations. Completed work is gone, so in-progress operations
  only carry the quantity still to make.
- A line works in its own shift calendar, else its site's; without any calendar it is
  always available. Calendars reach well past the horizon, so work that does not fit
  the horizon is still placed (late) instead of making the problem infeasible; how far
  depends on the open work, but never beyond ``MAX_CALENDAR_REACH`` (so that a calendar
  with almost no working time cannot make the build expand shifts for centuries).
- A line whose calendar gives no working time at all over that reach (a calendar
  without shift patterns, say) is left out of the operations that can run elsewhere,
  with a warning; if some open work can run only there (its only eligible lines, or an
  operation in progress on it), the problem is refused with ``NoWorkingTime``, naming
  the line and its calendar: the engines are never asked to place work where no time
  ever comes.
- Skills: per shift occurrence, the active operators of that shift code (less absent
  ones) as crews, one per set of skills held: an operator with two skills is one person
  who runs one operation at a time, and the engine counts him so. Across the gaps
  between shifts the smaller neighbouring crew stands in. An extra shift has a regular
  shift's largest crew, or the operators it names per skill (one skill each). A skill
  nobody has is dropped from the operations with a warning, rather than blocking them
  forever.
- Setups: changing to a family costs the setup time of its routing step on that line.
- One in-progress operation per line is frozen on it (from the first moment the line is
  available); further in-progress operations on the same line stay on that line but
  may be sequenced.
- Order priority 1 (most urgent) .. 5 becomes the tardiness weight 5 .. 1.
- Material: an order's first open operation starts no earlier than its BOM is covered
  by stock and open receipts; a short order is planned from the horizon end, with a
  warning (rules in ``materials.py``).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from itertools import pairwise

from sqlalchemy.orm import Session

from linewise.core.errors import FieldError, ValidationProblem
from linewise.domains.equipment.models import Line
from linewise.domains.people.models import Operator
from linewise.domains.people.working_time import WorkingTime
from linewise.domains.planning import repository as repo
from linewise.domains.planning.changes import Changes, ExtraShift
from linewise.domains.planning.materials import check_materials
from linewise.domains.planning.problem import Key, LineRef, OpRef, Problem
from linewise.domains.production.models import (
    OperationStatus,
    OrderOperation,
    Product,
    ProductionOrder,
    RoutingStep,
)
from linewise.kpi.calendar import (
    PlannedTime,
    Span,
    available_spans,
    expand_calendar,
    merge_spans,
    shift_spans,
    subtract_span,
)
from linewise.kpi.intervals import TimeWindow
from linewise.scheduling import (
    FrozenAssignment,
    Instance,
    Job,
    Mode,
    Operation,
    Resource,
    SetupTime,
    SkillShift,
    Window,
)
from linewise.scheduling.calendar import CalendarIndex

# Calendars (and so the latest possible end of work) reach this far past the horizon.
CALENDAR_OVERFLOW = timedelta(days=60)
# ... and never further than this, however much open work there is: expanding shifts is
# linear in the reach (a 400-day reach of the demo factory builds in about a second).
MAX_CALENDAR_REACH = timedelta(days=400)


class NoWorkingTime(ValidationProblem):
    """Open work can run only on lines whose calendars give no working time."""

    def __init__(self, blocked: dict[str, tuple[str, list[str]]]) -> None:
        # blocked: line code -> (why it has no time, the orders that need it)
        reasons = [why for why, _orders in blocked.values()]
        super().__init__(
            "; ".join(reasons) + ": give the calendar shift patterns (or the line another "
            "calendar) before planning",
            errors=[
                FieldError(
                    "line_id",
                    why,
                    line_code=code,
                    orders=sorted(orders)[:20],
                )
                for code, (why, orders) in sorted(blocked.items())
            ],
        )


@dataclass
class _Shift:
    code: str
    site_id: int
    span: Span


@dataclass
class _Context:
    start: datetime
    end: datetime
    calendar_end: int
    lines: dict[int, Line]
    resource_of: dict[int, str]
    line_windows: dict[int, list[Span] | None]
    site_shifts: list[_Shift]
    skills: dict[str, int]  # skill key -> operators who have it
    warnings: list[str]
    # Lines that get no working time over the calendar reach -> why, for messages.
    idle: dict[int, str] = field(default_factory=dict)
    # Of those, the ones some open work needs: line id -> the orders that need it.
    blocked: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    # Lines left out of operations that can run elsewhere.
    passed_over: set[int] = field(default_factory=set)
    # Orders of one product and quantity share one modes tuple: the engine caches its
    # per-operation line tables by it, and a big plan takes less memory.
    modes_cache: dict[tuple[int, int, int | None], tuple[Mode, ...]] = field(default_factory=dict)

    def sec(self, instant: datetime) -> int:
        return int((instant - self.start).total_seconds())


def _context(
    db: Session, start: datetime, end: datetime, changes: Changes, overflow: timedelta
) -> _Context:
    until = end + overflow
    lines = {line.id: line for line in repo.lines(db)}
    calendars = WorkingTime.load(db)
    reach = TimeWindow(start, until)
    planned = calendars.planned(lines, reach)
    ctx = _Context(
        start,
        end,
        int((until - start).total_seconds()),
        lines,
        {lid: line.code for lid, line in lines.items()},
        {},
        [],
        {},
        [],
    )
    site_shifts_done: set[int] = set()
    for lid, line in lines.items():
        site = line.area.site
        # The line's working time from the one calendar provider: the KPIs count the same.
        found = calendars.of_line(lid).found
        ctx.line_windows[lid] = available_spans(planned[lid], start) if found else None
        site_spec = calendars.site_spec(site.id)
        if site.id not in site_shifts_done and site_spec is not None:
            # Operators belong to the site's shifts (their shift code), line calendars aside.
            site_shifts_done.add(site.id)
            shifts = shift_spans(expand_calendar(site_spec, reach), start)
            ctx.site_shifts += [_Shift(code, site.id, span) for code, span in shifts]
    for down in changes.downs:
        cut = (ctx.sec(down.start), ctx.sec(down.end))
        current = ctx.line_windows.get(down.line_id, [])
        ctx.line_windows[down.line_id] = subtract_span(
            current if current is not None else [(0, ctx.calendar_end)], cut
        )
    for extra in changes.extra_shifts:
        for lid in extra.line_ids or tuple(lines):
            current = ctx.line_windows.get(lid)
            if current is not None:
                span = (max(0, ctx.sec(extra.start)), ctx.sec(extra.end))
                ctx.line_windows[lid] = merge_spans([*current, span])
    codes = {
        c.id: c.code
        for c in (*calendars.line_calendars.values(), *calendars.site_calendars.values())
    }
    for lid, windows in ctx.line_windows.items():
        if windows is not None and not any(a < b for a, b in windows):
            ctx.idle[lid] = _idle_reason(lines[lid], codes, calendars, planned.get(lid), reach)
    return ctx


def _idle_reason(
    line: Line,
    codes: dict[int, str],
    calendars: WorkingTime,
    planned: PlannedTime | None,
    reach: TimeWindow,
) -> str:
    """Why a line has no working time: its calendar, or (in a scenario) a line down."""
    until = f"{reach.end:%Y-%m-%d}"
    if planned is not None and available_spans(planned, reach.start):
        return f"line {line.code} is down for the whole planning horizon and until {until}"
    resolved = calendars.of_line(line.id)
    whose = "calendar" if resolved.own else "site calendar"
    code = codes.get(resolved.calendar_id or 0, str(resolved.calendar_id))
    return (
        f"line {line.code}'s {whose} '{code}' has no working time in the planning horizon "
        f"(nor until {until})"
    )


def _skill_key(site_code: str, skill: str) -> str:
    return f"{site_code}/{skill}"


Crew = dict[frozenset[str], int]  # the skill keys operators hold -> operators present


def _skill_shifts(
    ctx: _Context, operators: Sequence[Operator], changes: Changes
) -> list[SkillShift]:
    """Crews per shift occurrence, less absent operators.

    Operators holding the same skills form one crew, so that an operator with two skills
    is one person the engine gives one operation at a time (``scheduling/skills.py``).
    """
    site_codes = {line.area.site.id: line.area.site.code for line in ctx.lines.values()}
    absent: dict[int, list[Span]] = defaultdict(list)
    for a in changes.absences:
        absent[a.operator_id].append((ctx.sec(a.start), ctx.sec(a.end)))
    by_site: dict[int, list[tuple[Span, Crew]]] = defaultdict(list)
    for shift in ctx.site_shifts:
        present: Crew = defaultdict(int)
        code = site_codes[shift.site_id]
        for op in operators:
            if op.shift_code != shift.code or not op.skills:
                continue
            if any(a < shift.span[1] and shift.span[0] < b for a, b in absent[op.id]):
                continue
            present[frozenset(_skill_key(code, skill) for skill in op.skills)] += 1
        by_site[shift.site_id].append((shift.span, dict(present)))
    out: list[SkillShift] = []
    regular: Crew = {}
    for occurrences in by_site.values():
        for span, crew in occurrences:
            out += [SkillShift(skills, Window(*span), n) for skills, n in crew.items()]
        out += _bridges(occurrences)
        largest: Crew = max((crew for _span, crew in occurrences), key=_size)
        regular.update(largest)
    for op in operators:
        for skill in op.skills:
            for code in site_codes.values():
                ctx.skills[_skill_key(code, skill)] = ctx.skills.get(_skill_key(code, skill), 0) + 1
    for extra in changes.extra_shifts:
        out += _extra_crew(ctx, extra, regular, site_codes)
    return out


def _size(crew: Crew) -> int:
    return sum(crew.values())


def _crew_at(occurrences: list[tuple[Span, Crew]], t: int) -> Crew:
    present: Crew = defaultdict(int)
    for (a, b), crew in occurrences:
        if a <= t < b:
            for skills, n in crew.items():
                present[skills] += n
    return dict(present)


def _bridges(occurrences: list[tuple[Span, Crew]]) -> list[SkillShift]:
    """Crews across the gaps between a site's shifts: the smaller crew of the two sides.

    The engine counts an operator busy over the whole span of an operation, also across
    the night or weekend it is stretched over; without this a splittable operation longer
    than one shift could never be placed. The crew in force just before or just after the
    gap, whichever has fewer operators, stands in for it: an operation stretched over
    the gap runs on both sides, so that crew can staff it whenever both sides can. The
    line calendar still keeps work itself out of the gaps.
    """
    spans = merge_spans(span for span, _crew in occurrences)
    if not spans:
        return []
    gaps: list[tuple[Span, Crew]] = []
    if spans[0][0] > 0:
        gaps.append(((0, spans[0][0]), _crew_at(occurrences, spans[0][0])))
    for (_a, gap_start), (gap_end, _b) in pairwise(spans):
        before, after = _crew_at(occurrences, gap_start - 1), _crew_at(occurrences, gap_end)
        smaller = before if _size(before) <= _size(after) else after
        gaps.append(((gap_start, gap_end), smaller))
    return [
        SkillShift(skills, Window(*span), n) for span, crew in gaps for skills, n in crew.items()
    ]


def _extra_crew(
    ctx: _Context, extra: ExtraShift, regular: Crew, site_codes: dict[int, str]
) -> list[SkillShift]:
    """An extra shift's crew: a regular shift's largest, or operators of one skill each."""
    span = Window(max(0, ctx.sec(extra.start)), ctx.sec(extra.end))
    if extra.crew is None:
        return [SkillShift(skills, span, n) for skills, n in regular.items()]
    return [
        SkillShift(_skill_key(code, skill), span, n)
        for skill, n in extra.crew.items()
        for code in site_codes.values()
    ]


def _resources(ctx: _Context, products: Iterable[Product]) -> list[Resource]:
    setups: dict[int, dict[str, int]] = defaultdict(dict)
    for product in products:
        for step in product.steps:
            family = step.setup_family or product.family
            for e in step.eligible:
                known = setups[e.line_id].get(family, 0)
                setups[e.line_id][family] = max(known, round(step.setup_time_s))
    out = []
    for lid in sorted(ctx.lines, key=lambda i: ctx.resource_of[i]):
        spans = ctx.line_windows.get(lid)
        calendar = None if spans is None else tuple(Window(a, b) for a, b in spans)
        by_family = setups.get(lid, {})
        values = set(by_family.values())
        if len(values) <= 1:
            out.append(Resource(ctx.resource_of[lid], calendar, (), max(values, default=0)))
            continue
        table = tuple(SetupTime(a, b, t) for a in by_family for b, t in by_family.items() if a != b)
        out.append(Resource(ctx.resource_of[lid], calendar, table, max(values)))
    return out


@dataclass(frozen=True)
class _OpenOp:
    """An operation to plan: the DB row (None for rush orders), the step, the quantity."""

    row: OrderOperation | None
    step: RoutingStep
    quantity: int


def _modes(ctx: _Context, op: _OpenOp, only_line: int | None) -> tuple[Mode, ...]:
    key = (op.step.id, op.quantity, only_line)
    cached = ctx.modes_cache.get(key)
    if cached is None:
        cached = ctx.modes_cache[key] = _new_modes(ctx, op, only_line)
    return cached


def _new_modes(ctx: _Context, op: _OpenOp, only_line: int | None) -> tuple[Mode, ...]:
    modes = []
    idle: list[int] = []
    for e in op.step.eligible:
        if only_line is not None and e.line_id != only_line:
            continue
        if e.line_id in ctx.idle and only_line is None:
            idle.append(e.line_id)
            continue
        if e.line_id in ctx.resource_of:
            duration = max(1, math.ceil(op.quantity * e.cycle_time_s))
            modes.append(Mode(ctx.resource_of[e.line_id], duration))
    if not modes and only_line is not None and op.step.eligible:
        # The line it runs on is no longer eligible: plan it there at the first cycle time.
        cycle = op.step.eligible[0].cycle_time_s
        modes.append(Mode(ctx.resource_of[only_line], max(1, math.ceil(op.quantity * cycle))))
    if modes:
        ctx.passed_over.update(idle)
    return tuple(modes)


def _needs_idle_line(ctx: _Context, op: _OpenOp, only_line: int | None) -> list[int]:
    """The idle lines that ``op`` can run on only: none when it has a line with time."""
    if only_line is not None:
        return [only_line] if only_line in ctx.idle else []
    lines = [e.line_id for e in op.step.eligible if e.line_id in ctx.resource_of]
    return lines if lines and all(lid in ctx.idle for lid in lines) else []


def _frozen_start(ctx: _Context, resource: Resource, op: Operation) -> int:
    duration = op.duration_on(resource.id)
    fit = CalendarIndex(resource.calendar).earliest_fit(0, duration, op.splittable)
    return 0 if fit is None else fit[0]


class _JobBuilder:
    def __init__(self, ctx: _Context, resources: dict[str, Resource]) -> None:
        self.ctx, self.resources = ctx, resources
        self.busy_lines: set[int] = set()
        self.refs: dict[Key, OpRef] = {}
        self.order_key = ""  # the order being built, for messages

    def _site_code(self, op: _OpenOp) -> str | None:
        """The site of the lines the step runs on: its crews work that site's shifts."""
        for e in op.step.eligible:
            if e.line_id in self.ctx.lines:
                return self.ctx.lines[e.line_id].area.site.code
        return None

    def operation(self, product: Product, op: _OpenOp, head: bool) -> Operation | None:
        row = op.row
        running = row is not None and row.status == OperationStatus.IN_PROGRESS
        pinned = row.line_id if running and row is not None else None
        needed = _needs_idle_line(self.ctx, op, pinned)
        if needed:
            for lid in needed:
                self.ctx.blocked[lid].append(self.order_key)
            return None
        modes = _modes(self.ctx, op, pinned)
        if not modes:
            return None
        skill = None
        site = self._site_code(op)
        if op.step.skill and site is not None:
            key = _skill_key(site, op.step.skill)
            if self.ctx.skills.get(key):
                skill = key
        operation = Operation(
            modes=modes,
            family=op.step.setup_family or product.family,
            skill=skill,
            min_wait=round(op.step.min_wait_s),
            max_wait=None if op.step.max_wait_s is None else round(op.step.max_wait_s),
            splittable=op.step.splittable,
            name=op.step.name,
        )
        if pinned is not None and head and pinned not in self.busy_lines:
            self.busy_lines.add(pinned)
            resource = self.resources[self.ctx.resource_of[pinned]]
            start = _frozen_start(self.ctx, resource, operation)
            frozen = FrozenAssignment(resource.id, start)
            operation = replace(operation, frozen=frozen)
        return operation

    def job(
        self,
        key: str,
        order: ProductionOrder | None,
        product: Product,
        ops: list[_OpenOp],
        weights: tuple[int, datetime | None, datetime],
    ) -> Job | None:
        priority, release, due = weights
        built: list[Operation] = []
        self.order_key = key
        for op in ops:
            operation = self.operation(product, op, head=not built)
            if operation is None and self.ctx.blocked:
                continue  # the problem is refused anyway (see ``_build``)
            if operation is None:
                self.ctx.warnings.append(f"{key}: {op.step.name} has no eligible line; skipped")
                continue
            self.refs[(key, len(built))] = OpRef(
                op.row.id if op.row is not None else None,
                order.id if order is not None else None,
                key,
                product.code,
                op.step.seq,
                op.step.name,
                due,
            )
            built.append(operation)
        if not built:
            return None
        rel = 0 if release is None else max(0, self.ctx.sec(release))
        return Job(key, tuple(built), weight=6 - priority, release=rel, due=self.ctx.sec(due))


def _open_ops(order: ProductionOrder, steps: dict[int, RoutingStep]) -> list[_OpenOp]:
    out = []
    for row in order.operations:
        if row.status not in repo.OPEN_OPERATION_STATES or row.step_id not in steps:
            continue
        done = row.good_qty + row.scrap_qty if row.status == OperationStatus.IN_PROGRESS else 0
        out.append(_OpenOp(row, steps[row.step_id], max(1, row.quantity - done)))
    return out


def _overflow_needed(problem: Problem) -> timedelta:
    """How far calendars must reach so that an overloaded factory still gets a plan.

    Per line: its expected load (work spread evenly over eligible lines) over the
    available time per day in the first week of its calendar, with half again as margin
    for setups and precedence waits.
    """
    load: dict[str, float] = defaultdict(float)
    for job in problem.instance.jobs:
        for op in job.operations:
            for mode in op.modes:
                load[mode.resource] += mode.duration / len(op.modes)
    week = 7 * 86400
    days = 0.0
    for r in problem.instance.resources:
        if r.calendar is None or not load[r.id]:
            continue
        per_day = sum(max(0, min(w.end, week) - w.start) for w in r.calendar if w.start < week) / 7
        days = max(days, 1.5 * load[r.id] / max(per_day, 1.0))
        if days >= MAX_CALENDAR_REACH.days:
            break  # no need to look further: the reach is capped anyway
    return timedelta(days=math.ceil(min(days, MAX_CALENDAR_REACH.days)))


def build_problem(
    db: Session, start: datetime, horizon: timedelta, changes: Changes | None = None
) -> Problem:
    """The planning problem as of ``start`` over ``horizon``, with optional changes."""
    problem = _build(db, start, horizon, changes or Changes(), CALENDAR_OVERFLOW)
    needed = _overflow_needed(problem)
    if needed > CALENDAR_OVERFLOW:
        problem = _build(db, start, horizon, changes or Changes(), needed)
        problem.warnings.append(
            f"the open work needs about {needed.days} days: calendars extended that far"
            if needed < MAX_CALENDAR_REACH
            else f"the open work needs more than {needed.days} days of working time: "
            "calendars extended that far, and work that does not fit by then cannot be "
            "planned"
        )
    return problem


def check_working_time(
    db: Session, start: datetime, horizon: timedelta, changes: Changes | None = None
) -> None:
    """Raise ``NoWorkingTime`` if open work can run only where no working time comes.

    For a request, before a run starts: the common case (every line has working time)
    costs one expansion of the calendars, and only then is the whole problem built.
    """
    ctx = _context(db, start, start + horizon, changes or Changes(), CALENDAR_OVERFLOW)
    if ctx.idle:
        build_problem(db, start, horizon, changes)


def _build(
    db: Session, start: datetime, horizon: timedelta, changes: Changes, overflow: timedelta
) -> Problem:
    end = start + horizon
    ctx = _context(db, start, end, changes, overflow)
    orders = repo.open_orders(db, end)
    product_ids = {o.product_id for o in orders} | {r.product_id for r in changes.rush_orders}
    products = {p.id: p for p in repo.products_with_routing(db, sorted(product_ids))}
    all_products = repo.products_with_routing(db)
    skill_shifts = _skill_shifts(ctx, repo.active_operators(db), changes)
    resources = {r.id: r for r in _resources(ctx, all_products)}
    builder = _JobBuilder(ctx, resources)
    jobs: list[Job] = []
    for order in orders:
        product = products[order.product_id]
        steps = {s.id: s for s in product.steps}
        job = builder.job(
            order.number,
            order,
            product,
            _open_ops(order, steps),
            (order.priority, order.release_date, order.due_date),
        )
        if job is not None:
            jobs.append(job)
    for rush in changes.rush_orders:
        product = products[rush.product_id]
        ops = [_OpenOp(None, s, rush.quantity) for s in product.steps]
        job = builder.job(rush.key, None, product, ops, (rush.priority, rush.release, rush.due))
        if job is not None:
            jobs.append(job)
    if ctx.blocked:
        raise NoWorkingTime(
            {
                ctx.lines[lid].code: (ctx.idle[lid], sorted(set(orders)))
                for lid, orders in ctx.blocked.items()
            }
        )
    for lid in sorted(ctx.passed_over, key=lambda i: ctx.lines[i].code):
        ctx.warnings.append(f"{ctx.idle[lid]}: left out of the plan")
    material = check_materials(db, orders, changes.rush_orders, start, end)
    ctx.warnings += material.warnings
    jobs = material.apply(jobs)
    instance = Instance(tuple(jobs), tuple(resources.values()), tuple(skill_shifts))
    lines = {
        ctx.resource_of[lid]: LineRef(lid, line.code, line.name) for lid, line in ctx.lines.items()
    }
    return Problem(
        instance, start, end, builder.refs, lines, ctx.warnings, materials=material.waits
    )
