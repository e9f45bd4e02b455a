"""Plan versions: saving a solver result, the Gantt view, publishing, moving an operation.

Publishing is explicit and swaps the published plan in one transaction, so the floor
always sees exactly one plan. Only drafts change; a move is re-checked by the engine's
independent validator against the problem stored with the plan, and refused with the
rule it breaks and the other operation involved.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from linewise.core.errors import Conflict, FieldError, NotFound, ValidationProblem
from linewise.core.time import utcnow
from linewise.domains.planning import problem as snapshot
from linewise.domains.planning import repository as repo
from linewise.domains.planning.models import (
    PlanKind,
    PlannedOperation,
    PlanStatus,
    SchedulePlan,
)
from linewise.domains.planning.problem import Key, Problem
from linewise.scheduling import (
    ObjectiveConfig,
    Plan,
    ScheduledOperation,
    SolveResult,
    evaluate,
    validate,
)
from linewise.scheduling.calendar import CalendarIndex
from linewise.scheduling.cpsat import relative_gap


def setups_before(problem: Problem, plan: Plan) -> dict[Key, int]:
    """The changeover time in front of each operation on its line."""
    ops = {(j.id, i): op for j in problem.instance.jobs for i, op in enumerate(j.operations)}
    by_resource: dict[str, list[ScheduledOperation]] = defaultdict(list)
    for s in plan.operations:
        by_resource[s.resource].append(s)
    out: dict[Key, int] = {}
    for rid, items in by_resource.items():
        resource = problem.instance.resource(rid)
        items.sort(key=lambda s: (s.start, s.end))
        previous: str | None = None
        for s in items:
            family = ops[(s.job_id, s.index)].family
            out[(s.job_id, s.index)] = 0 if previous is None else resource.setup(previous, family)
            previous = family
    return out


def objective_of(problem: Problem, plan: Plan, config: ObjectiveConfig) -> dict[str, int]:
    values = evaluate(problem.instance, plan, config)
    return {
        "weighted_tardiness": values.weighted_tardiness,
        "makespan_s": values.makespan,
        "changeovers": values.changeovers,
        "bottleneck_idle_s": values.bottleneck_idle,
    }


def save_plan(
    db: Session,
    problem: Problem,
    result: SolveResult,
    *,
    kind: PlanKind,
    config: ObjectiveConfig,
    run_id: int | None = None,
    scenario_id: int | None = None,
    reason: str | None = None,
) -> SchedulePlan:
    bound = result.bound
    first = result.objective.level(config.levels[0])
    plan = SchedulePlan(
        run_id=run_id,
        scenario_id=scenario_id,
        kind=kind,
        status=PlanStatus.DRAFT,
        reason=reason,
        horizon_start=problem.start,
        horizon_end=problem.end,
        solver_status=str(result.status),
        objective=objective_of(problem, result.plan, config),
        bound=None if bound is None else float(bound),
        gap=None if bound is None else relative_gap(float(first), float(bound)),
        instance_blob=snapshot.dump(problem),
    )
    db.add(plan)
    db.flush()
    _insert_rows(db, plan.id, problem, result.plan)
    return plan


def _insert_rows(db: Session, plan_id: int, problem: Problem, plan: Plan) -> None:
    setups = setups_before(problem, plan)
    jobs = {j.id: j for j in problem.instance.jobs}
    rows: list[dict[str, Any]] = []
    for s in plan.operations:
        ref = problem.refs[(s.job_id, s.index)]
        rows.append(
            {
                "plan_id": plan_id,
                "operation_id": ref.operation_id,
                "order_id": ref.order_id,
                "line_id": problem.lines[s.resource].id,
                "job_key": s.job_id,
                "op_index": s.index,
                "order_number": ref.order_number,
                "product_code": ref.product_code,
                "seq": ref.seq,
                "name": ref.name,
                "due_date": ref.due,
                "start": problem.at(s.start),
                "end": problem.at(s.end),
                "setup_s": setups[(s.job_id, s.index)],
                "frozen": jobs[s.job_id].operations[s.index].frozen is not None,
            }
        )
    for i in range(0, len(rows), 2000):
        db.execute(insert(PlannedOperation), rows[i : i + 2000])


def get_plan(db: Session, plan_id: int) -> SchedulePlan:
    plan = db.get(SchedulePlan, plan_id)
    if plan is None:
        raise NotFound(f"plan {plan_id} does not exist")
    return plan


def engine_plan(problem: Problem, rows: list[PlannedOperation]) -> Plan:
    resource_of = {line.id: rid for rid, line in problem.lines.items()}
    ops = [
        ScheduledOperation(
            r.job_key,
            r.op_index,
            resource_of[r.line_id],
            problem.seconds(r.start),
            problem.seconds(r.end),
        )
        for r in rows
    ]
    return Plan(tuple(sorted(ops, key=lambda s: (s.start, s.resource, s.job_id, s.index))))


def publish(db: Session, plan: SchedulePlan) -> SchedulePlan:
    if plan.scenario_id is not None:
        raise Conflict(
            "a scenario's plan is a what-if and cannot be published; re-plan the real "
            "factory with the same changes instead"
        )
    if plan.status not in (PlanStatus.DRAFT, PlanStatus.PUBLISHED):
        raise Conflict(f"plan {plan.id} is {plan.status}; only a draft can be published")
    if plan.status == PlanStatus.PUBLISHED:
        return plan
    current = repo.published_plan(db)
    if current is not None:
        current.status = PlanStatus.SUPERSEDED
    plan.status = PlanStatus.PUBLISHED
    plan.published_at = utcnow()
    return plan


def reject(db: Session, plan: SchedulePlan) -> SchedulePlan:
    if plan.status != PlanStatus.DRAFT:
        raise Conflict(f"plan {plan.id} is {plan.status}; only a draft can be rejected")
    plan.status = PlanStatus.REJECTED
    return plan


# --- moving one operation --------------------------------------------------------------

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


_SPAN_RE = re.compile(r"\b(\d+)\.\.(\d+)\b")
_AT_RE = re.compile(r"@(\d+)\b")
_SECONDS_RE = re.compile(r"\b(\d+) s\b|\b(needs|expected) (\d+)\b")


def _duration(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes = rest // 60
    if hours and minutes:
        return f"{hours} h {minutes} min"
    return f"{hours} h" if hours else f"{minutes} min" if minutes else f"{seconds} s"


def _humanize(problem: Problem, text: str) -> str:
    """Solver seconds become times (UTC) and durations a planner can read."""

    def when(seconds: str) -> str:
        return problem.at(int(seconds)).strftime("%a %d %b %H:%M UTC")

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


def _explain(problem: Problem, message: str, moved: Key) -> FieldError:
    """A validator sentence in order/operation terms, with the rule and the other op."""
    keys = [(m.group(1), int(m.group(2))) for m in _OP_RE.finditer(message)]
    if "after op" in message and keys:
        keys.append((keys[0][0], int(message.split("after op ")[1].split()[0])))

    def label(key: Key) -> str:
        ref = problem.refs.get(key)
        return f"{key[0]} op {key[1]}" if ref is None else f"{ref.order_number} step {ref.seq}"

    text = _humanize(problem, _OP_RE.sub(lambda m: label((m.group(1), int(m.group(2)))), message))
    others = [k for k in keys if k != moved]
    other = problem.refs.get(others[0]) if others else None
    field = {"eligibility": "line_id", "calendar": "start"}.get(_rule_of(message), "start")
    return FieldError(
        field,
        text,
        rule=_rule_of(message),
        other_operation_id=None if other is None else other.operation_id,
        other_order_number=None if other is None else other.order_number,
    )


def move_operation(
    db: Session, plan: SchedulePlan, operation_id: int, start: datetime | None, line_id: int | None
) -> SchedulePlan:
    if plan.status != PlanStatus.DRAFT:
        raise Conflict(f"plan {plan.id} is {plan.status}; only drafts can be edited")
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
    begin = current.start if start is None else problem.seconds(start)
    moved = _span(problem, key, resource, begin)
    after = Plan(tuple(moved if (s.job_id, s.index) == key else s for s in before.operations))
    old = set(validate(problem.instance, before))
    new = [m for m in validate(problem.instance, after) if m not in old]
    if new:
        errors = [_explain(problem, m, key) for m in new]
        ref = problem.refs[key]
        raise ValidationProblem(
            f"cannot move {ref.order_number} step {ref.seq} there: "
            + "; ".join(e["message"] for e in errors),
            errors=errors,
        )
    row = next(r for r in rows if (r.job_key, r.op_index) == key)
    row.line_id = problem.lines[resource].id
    row.start, row.end = problem.at(moved.start), problem.at(moved.end)
    setups = setups_before(problem, after)
    for r in rows:
        r.setup_s = setups[(r.job_key, r.op_index)]
    plan.objective = objective_of(problem, after, ObjectiveConfig())
    plan.solver_status = "edited"
    plan.updated_at = utcnow()  # bumps the version: moves are optimistic-concurrency checked
    return plan


def _span(problem: Problem, key: Key, resource: str, start: int) -> ScheduledOperation:
    """The operation's span if it starts at ``start`` (stretched over gaps if splittable)."""
    job = next(j for j in problem.instance.jobs if j.id == key[0])
    op = job.operations[key[1]]
    duration = op.duration_on(resource) if resource in op.resources else 1
    calendar = problem.instance.resource(resource).calendar
    fit = CalendarIndex(calendar).earliest_fit(start, duration, op.splittable)
    end = fit[1] if fit is not None and fit[0] == start else start + duration
    return ScheduledOperation(key[0], key[1], resource, start, end)
