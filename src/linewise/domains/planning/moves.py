"""Moving one operation of a draft plan by hand: strictly, or pushing what follows.

``strict`` changes the dragged operation only. ``push`` also right-shifts the operations
after it on its line and in its routing, transitively, to the earliest times their
setups, calendars, minimum waits and operators allow (``linewise.scheduling.push``);
nothing moves earlier, and work in progress (frozen in the plan's problem, or started on
the floor since) never moves: a push that needs it to is refused.

A start outside the line's working time (a weekend, a break, too close to a shift's end
for work that cannot be split) is not refused: it snaps to the next start where the
operation fits the line's calendar, the one the plan was made with (built from
``domains/people/working_time.py``), and the answer says so (``snapped``,
``requested_start``).

``restore`` puts operations back where an earlier answer said they were: undo and redo
of moves, one validated write for the whole set.

Either way the result is checked by the engine's independent validator against the
problem stored with the plan, and refused (422) with the rule it breaks and the other
operation involved, in times and durations a planner reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from linewise.core.errors import Conflict, FieldError, NotFound, ValidationProblem
from linewise.core.time import utcnow
from linewise.domains.equipment.site_time import local_when, site_zone
from linewise.domains.planning import problem as snapshot
from linewise.domains.planning import repository as repo
from linewise.domains.planning.models import PlannedOperation, PlanStatus, SchedulePlan
from linewise.domains.planning.plans import engine_plan, objective_of, setups_before
from linewise.domains.planning.problem import Key, Problem
from linewise.domains.production.models import OperationStatus
from linewise.scheduling import ObjectiveConfig, Plan, ScheduledOperation, validate
from linewise.scheduling.calendar import CalendarIndex
from linewise.scheduling.push import PushRefused, Shift, push, span_at

MoveMode = Literal["strict", "push"]

_OP_RE = re.compile(r"job (\S+) op (\d+)")
_RULES = (
    ("overlap", "overlap"),
    ("setup", "setup"),
    ("not eligible", "eligibility"),
    ("before the release", "release"),
    ("before material", "material"),
    ("after op", "precedence"),
    ("window of", "calendar"),
    ("outside the calendar", "calendar"),
    ("available time", "calendar"),
    ("frozen", "frozen"),
    ("skill", "skills"),
)


def _rule_of(message: str) -> str:
    return next((rule for needle, rule in _RULES if needle in message), "feasibility")


# Solver seconds count from the plan's start: a time before it is negative.
_SPAN_RE = re.compile(r"(?<![\w-])(-?\d+)\.\.(-?\d+)\b")
_AT_RE = re.compile(r"@(-?\d+)\b")
_SECONDS_RE = re.compile(r"\b(\d+) s\b|\b(needs|expected) (\d+)\b")


def _duration(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes = rest // 60
    if hours and minutes:
        return f"{hours} h {minutes} min"
    return f"{hours} h" if hours else f"{minutes} min" if minutes else f"{seconds} s"


def _humanize(problem: Problem, text: str, zone: ZoneInfo) -> str:
    """Solver seconds become times (in the site's zone) and durations a planner can read."""

    def when(seconds: str) -> str:
        return local_when(problem.at(int(seconds)), zone)

    text = _SPAN_RE.sub(lambda m: f"{when(m.group(1))} – {when(m.group(2))}", text)
    text = _AT_RE.sub(lambda m: f" at {when(m.group(1))}", text)
    return _SECONDS_RE.sub(
        lambda m: (
            _duration(int(m.group(1)))
            if m.group(1)
            else f"{m.group(2)} {_duration(int(m.group(3)))}"
        ),
        text,
    )


def _label(problem: Problem, key: Key) -> str:
    ref = problem.refs.get(key)
    return f"{key[0]} op {key[1]}" if ref is None else f"{ref.order_number} step {ref.seq}"


def _field_error(
    problem: Problem, message: str, rule: str, other: Key | None, zone: ZoneInfo
) -> FieldError:
    text = _OP_RE.sub(lambda m: _label(problem, (m.group(1), int(m.group(2)))), message)
    ref = None if other is None else problem.refs.get(other)
    return FieldError(
        {"eligibility": "line_id"}.get(rule, "start"),
        _humanize(problem, text, zone),
        rule=rule,
        other_operation_id=None if ref is None else ref.operation_id,
        other_order_number=None if ref is None else ref.order_number,
    )


def _explain(problem: Problem, message: str, moved: Key, zone: ZoneInfo) -> FieldError:
    """A validator sentence in order/operation terms, with the rule and the other op."""
    keys = [(m.group(1), int(m.group(2))) for m in _OP_RE.finditer(message)]
    if "after op" in message and keys:
        keys.append((keys[0][0], int(message.split("after op ")[1].split()[0])))
    others = [k for k in keys if k != moved]
    return _field_error(problem, message, _rule_of(message), others[0] if others else None, zone)


def _refused(problem: Problem, key: Key, errors: list[FieldError]) -> ValidationProblem:
    ref = problem.refs[key]
    return ValidationProblem(
        f"cannot move {ref.order_number} step {ref.seq} there: "
        + "; ".join(e["message"] for e in errors),
        errors=errors,
    )


# How far from its horizon a plan can be edited: calendars reach at most 400 days past
# the horizon, and an instant at the end of the calendar cannot even be written in the
# site's zone. Beyond this a start is refused by name instead of being computed with.
_REACH = timedelta(days=800)


def _check_start(problem: Problem, start: datetime, field: str) -> None:
    if not problem.start - _REACH <= start <= problem.end + _REACH:
        raise ValidationProblem(
            f"{field} is too far from the plan's horizon",
            errors=[FieldError(field, "more than 800 days from the plan's horizon")],
        )


def _pinned(db: Session, problem: Problem, rows: list[PlannedOperation]) -> frozenset[Key]:
    """Operations a push must not move: frozen in the plan, or started on the floor."""
    ids = [r.operation_id for r in rows if r.operation_id is not None]
    status = repo.operation_statuses(db, ids)
    return frozenset(
        (r.job_key, r.op_index)
        for r in rows
        if r.frozen
        or (
            r.operation_id is not None and status.get(r.operation_id) == OperationStatus.IN_PROGRESS
        )
    )


def move_operation(
    db: Session,
    plan: SchedulePlan,
    operation_id: int,
    start: datetime | None,
    line_id: int | None,
    mode: MoveMode = "strict",
) -> dict[str, Any]:
    """Move (and in ``push`` mode make room), validate, save; what moved and by how much."""
    if plan.status != PlanStatus.DRAFT:
        raise Conflict(f"plan {plan.id} is {plan.status}; only drafts can be edited")
    tried = try_move(db, plan, operation_id, start, line_id, mode)
    _save(tried.problem, plan, tried.rows, tried.after)
    report = _report(tried.problem, mode, tried.before, tried.after, tried.key, tried.pushed)
    return {
        **report,
        "requested_start": tried.problem.at(tried.requested),
        "snapped": tried.begin != tried.requested,
    }


@dataclass(frozen=True)
class TriedMove:
    """A move worked out and validated, not saved (``after`` is the whole plan)."""

    problem: Problem
    rows: list[PlannedOperation]
    key: Key
    before: Plan
    after: Plan
    pushed: tuple[Shift, ...]
    requested: int  # the start asked for, in the problem's seconds
    begin: int  # the start it got (snapped to the line's calendar)


def try_move(
    db: Session,
    plan: SchedulePlan,
    operation_id: int,
    start: datetime | None,
    line_id: int | None,
    mode: MoveMode = "strict",
) -> TriedMove:
    """Work out a move on any plan and check it with the validator, without writing: the
    seam for editing a draft and for asking whether a published plan's operation could
    go elsewhere (the idle page's alternate-machine suggestions). Refused moves raise as
    ``move_operation`` would."""
    problem = snapshot.load(plan.instance_blob)
    key = problem.key_of_operation(operation_id)
    if key is None:
        raise NotFound(f"operation {operation_id} is not part of plan {plan.id}")
    rows = list(repo.plan_rows(db, plan.id))
    before = engine_plan(problem, rows)
    current = before.by_key()[key]
    resource = current.resource
    if line_id is not None:
        found = problem.resource_of_line(line_id)
        if found is None:
            raise ValidationProblem(
                f"line {line_id} is not part of this plan",
                errors=[FieldError("line_id", "unknown line", rule="eligibility")],
            )
        resource = found
    if start is not None:
        _check_start(problem, start, "start")
    begin = current.start if start is None else problem.seconds(start)
    requested = begin
    begin = _snapped(problem, key, resource, begin)
    pushed: tuple[Shift, ...] = ()
    if mode == "push":
        try:
            result = push(
                problem.instance, before, key, resource, begin, _pinned(db, problem, rows)
            )
        except PushRefused as refused:
            other = None if refused.blocking == key else refused.blocking
            error = _field_error(problem, refused.message, refused.rule, other, site_zone(db))
            raise _refused(problem, key, [error]) from refused
        after, pushed = result.plan, result.pushed
    else:
        job = next(j for j in problem.instance.jobs if j.id == key[0])
        calendar = CalendarIndex(problem.instance.resource(resource).calendar)
        span = span_at(job.operations[key[1]], resource, begin, calendar)
        moved = ScheduledOperation(key[0], key[1], resource, *span)
        after = Plan(tuple(moved if (s.job_id, s.index) == key else s for s in before.operations))
    old = set(validate(problem.instance, before))
    new = [m for m in validate(problem.instance, after) if m not in old]
    if new:
        zone = site_zone(db)
        raise _refused(problem, key, [_explain(problem, m, key, zone) for m in new])
    return TriedMove(problem, rows, key, before, after, pushed, requested, begin)


def _snapped(problem: Problem, key: Key, resource: str, begin: int) -> int:
    """The first start at or after ``begin`` where the operation fits the line's calendar.

    Unchanged where it fits already, where the line cannot run the step (the validator
    names that) or where nothing fits until the calendar ends (the validator names that).
    """
    op = next(j for j in problem.instance.jobs if j.id == key[0]).operations[key[1]]
    if resource not in op.resources:
        return begin
    calendar = CalendarIndex(problem.instance.resource(resource).calendar)
    fit = calendar.earliest_fit(begin, op.duration_on(resource), op.splittable)
    return begin if fit is None else fit[0]


def restore(
    db: Session, plan: SchedulePlan, placements: list[tuple[int, int, datetime]]
) -> list[dict[str, Any]]:
    """Put operations (id, line id, start) back in one validated write: undo and redo.

    Each operation is placed exactly at its start (stretched over breaks where it may
    split); the whole plan is checked by the validator, and refused with the rule it
    would break if the plan changed since (another move, a colleague's).
    """
    if plan.status != PlanStatus.DRAFT:
        raise Conflict(f"plan {plan.id} is {plan.status}; only drafts can be edited")
    problem, rows, before, after = try_placements(db, plan, placements)
    _save(problem, plan, rows, after)
    was, now = before.by_key(), after.by_key()
    out = []
    for key in sorted(k for k in now if now[k] != was[k]):
        ref = problem.refs[key]
        a, b = was[key], now[key]
        out.append(
            {
                "operation_id": ref.operation_id,
                "order_number": ref.order_number,
                "seq": ref.seq,
                "line_id": problem.lines[b.resource].id,
                "line_code": problem.lines[b.resource].code,
                "from_start": problem.at(a.start),
                "to_start": problem.at(b.start),
                "from_end": problem.at(a.end),
                "to_end": problem.at(b.end),
                "delay_s": b.start - a.start,
            }
        )
    return out


def try_placements(
    db: Session, plan: SchedulePlan, placements: list[tuple[int, int, datetime]]
) -> tuple[Problem, list[PlannedOperation], Plan, Plan]:
    """Place operations (id, line id, start) exactly, on any plan, and check the whole plan
    with the validator without writing: (problem, rows, before, after). Refused (422)
    with the rule a placement would break."""
    problem = snapshot.load(plan.instance_blob)
    rows = list(repo.plan_rows(db, plan.id))
    before = engine_plan(problem, rows)
    placed = dict(before.by_key())
    errors: list[FieldError] = []
    jobs = {j.id: j for j in problem.instance.jobs}
    for i, (operation_id, line_id, start) in enumerate(placements):
        key = problem.key_of_operation(operation_id)
        resource = problem.resource_of_line(line_id)
        if key is None:
            errors.append(FieldError(f"placements[{i}].operation_id", "not part of this plan"))
            continue
        if resource is None:
            errors.append(FieldError(f"placements[{i}].line_id", "not part of this plan"))
            continue
        _check_start(problem, start, f"placements[{i}].start")
        calendar = CalendarIndex(problem.instance.resource(resource).calendar)
        begin = problem.seconds(start)
        span = span_at(jobs[key[0]].operations[key[1]], resource, begin, calendar)
        placed[key] = ScheduledOperation(key[0], key[1], resource, *span)
    if errors:
        raise ValidationProblem("cannot restore these operations", errors=errors)
    after = Plan(tuple(placed[(s.job_id, s.index)] for s in before.operations))
    old = set(validate(problem.instance, before))
    new = [m for m in validate(problem.instance, after) if m not in old]
    if new:
        zone = site_zone(db)
        explained = [_field_error(problem, m, _rule_of(m), None, zone) for m in new]
        raise ValidationProblem(
            "cannot put the operations back: "
            + "; ".join(e["message"] for e in explained)
            + " (the plan changed since)",
            errors=explained,
        )
    return problem, rows, before, after


def _save(problem: Problem, plan: SchedulePlan, rows: list[PlannedOperation], after: Plan) -> None:
    placed = after.by_key()
    setups = setups_before(problem, after)
    for r in rows:
        s = placed[(r.job_key, r.op_index)]
        line = problem.lines[s.resource].id
        start, end = problem.at(s.start), problem.at(s.end)
        if (r.line_id, r.start, r.end) != (line, start, end):
            r.line_id, r.start, r.end = line, start, end
        r.setup_s = setups[(r.job_key, r.op_index)]
    plan.objective = objective_of(problem, after, ObjectiveConfig())
    plan.solver_status = "edited"
    plan.updated_at = utcnow()  # bumps the version: moves are optimistic-concurrency checked


def _report(
    problem: Problem, mode: MoveMode, before: Plan, after: Plan, key: Key, pushed: tuple[Shift, ...]
) -> dict[str, Any]:
    """What moved and by how much, and how the orders concerned end now."""
    was, now = before.by_key()[key], after.by_key()[key]
    ref = problem.refs[key]

    def place(s: ScheduledOperation) -> dict[str, Any]:
        return {
            "line_id": problem.lines[s.resource].id,
            "line_code": problem.lines[s.resource].code,
            "start": problem.at(s.start),
            "end": problem.at(s.end),
        }

    moved_ops = []
    for shift in pushed:
        other = problem.refs[(shift.job_id, shift.index)]
        moved_ops.append(
            {
                "operation_id": other.operation_id,
                "order_number": other.order_number,
                "seq": other.seq,
                "line_id": problem.lines[shift.resource].id,
                "line_code": problem.lines[shift.resource].code,
                "from_start": problem.at(shift.old_start),
                "to_start": problem.at(shift.new_start),
                "from_end": problem.at(shift.old_end),
                "to_end": problem.at(shift.new_end),
                "delay_s": shift.delay,
            }
        )
    return {
        "mode": mode,
        "operation_id": ref.operation_id,
        "order_number": ref.order_number,
        "seq": ref.seq,
        "from": place(was),
        "to": place(now),
        "pushed": moved_ops,
        "orders": _order_changes(problem, before, after, {key[0]} | {s.job_id for s in pushed}),
    }


def _order_changes(
    problem: Problem, before: Plan, after: Plan, job_ids: set[str]
) -> list[dict[str, Any]]:
    """End and tardiness before and after of the orders whose end moved."""
    jobs = {j.id: j for j in problem.instance.jobs}

    def ends(plan: Plan) -> dict[str, int]:
        out: dict[str, int] = {}
        for s in plan.operations:
            if s.job_id in job_ids:
                out[s.job_id] = max(out.get(s.job_id, s.end), s.end)
        return out

    old, new = ends(before), ends(after)
    out = []
    for job_id in sorted(job_ids):
        if old[job_id] == new[job_id]:
            continue
        due = jobs[job_id].due
        ref = problem.refs[(job_id, 0)]
        out.append(
            {
                "order_number": ref.order_number,
                "due_date": ref.due,
                "end_before": problem.at(old[job_id]),
                "end_after": problem.at(new[job_id]),
                "tardiness_before_s": 0 if due is None else max(0, old[job_id] - due),
                "tardiness_after_s": 0 if due is None else max(0, new[job_id] - due),
            }
        )
    return out
