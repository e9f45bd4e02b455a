"""Alternate-machine suggestions: work waiting in the published plan that a line standing
idle now could take instead.

A line is **free** when every machine on it stands idle now (not down, not in a planned
stop) and the published plan has nothing on it over the next ``HORIZON_MIN`` minutes.
For each free line the candidates are the plan's operations on other lines that have not
started on the floor, are planned to start later than the horizon's middle and may run on
the free line (the routing's eligible lines, as the plan's problem lists them), earliest
first. Each is moved to start now on the free line (snapped to its calendar) and checked
by the engine's validator against the plan's own problem (precedence, setups, calendars,
skills, material) without writing anything; the first that passes and ends earlier than
planned is the suggestion. Its gain is the idle minutes it fills on the free line within
the horizon; ``earlier_min`` is how much sooner the operation ends.

Accepting copies the published plan, makes the move in the copy (the same validated
``moves.move_operation`` as a drag on the Gantt) and publishes it, with the reason; a
plan published meanwhile makes the suggestion stale (409).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from linewise.core.errors import Conflict, FieldError, ValidationProblem
from linewise.domains.equipment.models import Line, Machine
from linewise.domains.labour import repository as labour_repo
from linewise.domains.planning import moves, plans, scenarios
from linewise.domains.planning import problem as snapshot
from linewise.domains.planning import repository as plan_repo
from linewise.domains.planning.models import PlanKind, SchedulePlan
from linewise.domains.production.models import OperationStatus, OrderOperation

HORIZON_MIN = 30.0
TRIES_PER_LINE = 20  # candidates validated per free line, earliest first


def free_lines(
    db: Session, machine_ids: list[int], plan: SchedulePlan, now: datetime
) -> list[Line]:
    machines = list(db.scalars(select(Machine).where(Machine.id.in_(machine_ids))))
    states = labour_repo.current_states(db, [m.id for m in machines])
    by_line: dict[int, list[Machine]] = {}
    for m in machines:
        by_line.setdefault(m.line_id, []).append(m)
    horizon_end = now + timedelta(minutes=HORIZON_MIN)
    busy = {
        r.line_id for r in plan_repo.plan_rows(db, plan.id) if r.start < horizon_end and r.end > now
    }
    out = []
    for line_id, ms in sorted(by_line.items()):
        if line_id in busy:
            continue
        if all((st := states.get(m.id)) is not None and st.state == "idle" for m in ms):
            line = db.get(Line, line_id)
            if line is not None:
                out.append(line)
    return out


def suggestions(db: Session, machine_ids: list[int], now: datetime) -> dict[str, Any]:
    """Alternate-machine moves for the published plan (none without one)."""
    plan = plan_repo.published_plan(db)
    if plan is None:
        return {"plan_id": None, "moves": []}
    problem = snapshot.load(plan.instance_blob)
    lines = free_lines(db, machine_ids, plan, now)
    if not lines:
        return {"plan_id": plan.id, "moves": []}
    rows = list(plan_repo.plan_rows(db, plan.id))
    status = dict(
        db.execute(
            select(OrderOperation.id, OrderOperation.status).where(
                OrderOperation.id.in_([r.operation_id for r in rows if r.operation_id])
            )
        ).all()
    )
    jobs = {j.id: j for j in problem.instance.jobs}
    code = {line.id: line.code for line in problem.lines.values()}
    not_before = now + timedelta(minutes=HORIZON_MIN / 2)
    waiting = [
        (r.operation_id, r)
        for r in rows
        if r.operation_id is not None
        and status.get(r.operation_id) == OperationStatus.PENDING
        and r.start >= not_before
        and not r.frozen
    ]
    taken: set[int] = set()
    out: list[dict[str, Any]] = []
    for line in lines:
        resource = problem.resource_of_line(line.id)
        if resource is None:
            continue  # the line is not in the plan's problem (added since)
        tries = 0
        for op_id, r in waiting:
            if op_id in taken or r.line_id == line.id:
                continue
            job = jobs.get(r.job_key)
            if job is None or resource not in {
                m.resource for m in job.operations[r.op_index].modes
            }:
                continue
            tries += 1
            if tries > TRIES_PER_LINE:
                break
            try:
                tried = moves.try_move(db, plan, op_id, now, line.id, "strict")
            except (ValidationProblem, Conflict):
                continue
            moved = tried.after.by_key()[tried.key]
            start, end = problem.at(moved.start), problem.at(moved.end)
            earlier = (r.end - end).total_seconds() / 60.0
            horizon_end = now + timedelta(minutes=HORIZON_MIN)
            filled = (min(end, horizon_end) - max(start, now)).total_seconds() / 60.0
            if earlier <= 0 or filled <= 0:
                continue
            taken.add(op_id)
            out.append(
                {
                    "operation_id": op_id,
                    "order_number": r.order_number,
                    "operation": r.name,
                    "from_line": code.get(r.line_id, str(r.line_id)),
                    "to_line": line.code,
                    "to_line_id": line.id,
                    "planned_start": r.start,
                    "start": start,
                    "end": end,
                    "gain_min": round(filled, 1),
                    "earlier_min": round(earlier, 1),
                }
            )
            break
    out.sort(key=lambda m: -m["gain_min"])
    return {"plan_id": plan.id, "moves": out}


def accept(
    db: Session, plan_id: int, operation_id: int, to_line_id: int, gain_min: float, now: datetime
) -> SchedulePlan:
    """Publish a copy of the published plan with the operation moved to start now on the
    free line; 409 when another plan was published since the suggestion was made."""
    current = plan_repo.published_plan(db)
    if current is None or current.id != plan_id:
        raise Conflict(
            "another plan was published since this suggestion; reload the suggestions",
            errors=[FieldError("plan_id", "stale: not the published plan")],
        )
    line = db.get(Line, to_line_id)
    if line is None:
        raise ValidationProblem(
            f"line {to_line_id} does not exist", errors=[FieldError("to_line_id", "unknown line")]
        )
    row = next(
        (r for r in plan_repo.plan_rows(db, plan_id) if r.operation_id == operation_id), None
    )
    if row is None:
        raise ValidationProblem(
            f"operation {operation_id} is not in plan {plan_id}",
            errors=[FieldError("operation_id", "not in the published plan")],
        )
    reason = (
        f"idle suggestion: {row.order_number} {row.name} to {line.code} now, +{round(gain_min)} min"
    )
    copy = scenarios.copy_plan(db, current, scenario_id=None, kind=PlanKind.PROPOSAL, reason=reason)
    moves.move_operation(db, copy, operation_id, now, to_line_id, "strict")
    return plans.publish(db, copy)
