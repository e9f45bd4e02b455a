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

A **job swap** is offered for a line that stands idle now but is not free: its next
operation X starts ``SWAP_GAP_MIN`` minutes from now or later (waiting for its previous
step, say). An operation Y waiting on another line B that may run on A, while X may run
on B, trades places: Y starts now on A, X takes Y's slot on B, both checked together by
the validator (``moves.try_placements``). It is offered when the two together end
sooner than planned; its gain is the idle minutes Y fills on A before X would have come.

Accepting copies the published plan, makes the move (or the swap) in the copy with the
same validated code as a drag on the Gantt (``moves.move_operation``, or
``moves.restore`` for the two placements) and publishes it, with the reason; a plan
published meanwhile makes the suggestion stale (409).
"""

from __future__ import annotations

from dataclasses import dataclass
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
from linewise.domains.planning.models import PlanKind, PlannedOperation, SchedulePlan
from linewise.domains.production.models import OperationStatus, OrderOperation

HORIZON_MIN = 30.0
SWAP_GAP_MIN = 5.0  # a line waiting at least this long for its next operation may swap
TRIES_PER_LINE = 20  # candidates validated per free line, earliest first


@dataclass(frozen=True)
class IdleLine:
    line: Line
    next_op: PlannedOperation | None  # None: free for the whole horizon


def idle_lines(
    db: Session, machine_ids: list[int], rows: list[PlannedOperation], now: datetime
) -> list[IdleLine]:
    """Lines whose machines all stand idle now and that the plan leaves idle for at least
    ``SWAP_GAP_MIN`` minutes more; with their next planned operation if it comes within
    the horizon (a swap may help) or None (free: an alternate may help)."""
    machines = list(db.scalars(select(Machine).where(Machine.id.in_(machine_ids))))
    states = labour_repo.current_states(db, [m.id for m in machines])
    by_line: dict[int, list[Machine]] = {}
    for m in machines:
        by_line.setdefault(m.line_id, []).append(m)
    horizon_end = now + timedelta(minutes=HORIZON_MIN)
    gap_end = now + timedelta(minutes=SWAP_GAP_MIN)
    out = []
    for line_id, ms in sorted(by_line.items()):
        if not all((st := states.get(m.id)) is not None and st.state == "idle" for m in ms):
            continue
        ahead = [r for r in rows if r.line_id == line_id and r.end > now and r.start < horizon_end]
        if any(r.start < gap_end for r in ahead):
            continue  # running now or about to start: not idle for long
        line = db.get(Line, line_id)
        if line is not None:
            out.append(IdleLine(line, min(ahead, key=lambda r: r.start) if ahead else None))
    return out


def _may_run(problem: snapshot.Problem, row: PlannedOperation, resource: str) -> bool:
    job = next((j for j in problem.instance.jobs if j.id == row.job_key), None)
    return job is not None and resource in {m.resource for m in job.operations[row.op_index].modes}


def _minutes(a: datetime, b: datetime) -> float:
    return (b - a).total_seconds() / 60.0


def suggestions(db: Session, machine_ids: list[int], now: datetime) -> dict[str, Any]:
    """Alternate-machine moves and job swaps for the published plan (none without one)."""
    plan = plan_repo.published_plan(db)
    if plan is None:
        return {"plan_id": None, "moves": []}
    rows = list(plan_repo.plan_rows(db, plan.id))
    lines = idle_lines(db, machine_ids, rows, now)
    if not lines:
        return {"plan_id": plan.id, "moves": []}
    problem = snapshot.load(plan.instance_blob)
    status = dict(
        db.execute(
            select(OrderOperation.id, OrderOperation.status).where(
                OrderOperation.id.in_([r.operation_id for r in rows if r.operation_id])
            )
        ).all()
    )
    code = {line.id: line.code for line in problem.lines.values()}
    not_before = now + timedelta(minutes=HORIZON_MIN / 2)
    horizon_end = now + timedelta(minutes=HORIZON_MIN)

    def pending(r: PlannedOperation) -> bool:
        return (
            r.operation_id is not None
            and status.get(r.operation_id) == OperationStatus.PENDING
            and not r.frozen
        )

    waiting = [r for r in rows if pending(r) and r.start >= not_before]
    taken: set[int] = set()
    out: list[dict[str, Any]] = []
    for idle in lines:
        line = idle.line
        resource = problem.resource_of_line(line.id)
        if resource is None:
            continue  # the line is not in the plan's problem (added since)
        x = idle.next_op
        if x is not None and (not pending(x) or x.operation_id in taken):
            continue  # its next operation cannot trade places
        tries = 0
        for y in waiting:
            assert y.operation_id is not None
            if (
                y.operation_id in taken
                or y.line_id == line.id
                or not _may_run(problem, y, resource)
            ):
                continue
            if x is not None:
                other = problem.resource_of_line(y.line_id)
                if other is None or not _may_run(problem, x, other):
                    continue
            tries += 1
            if tries > TRIES_PER_LINE:
                break
            found = (
                _alternate(db, plan, problem, y, line, now, horizon_end)
                if x is None
                else _swap(db, plan, problem, y, x, line, now, horizon_end)
            )
            if found is None:
                continue
            taken.update(i for i in (y.operation_id, x.operation_id if x else None) if i)
            out.append({**found, "from_line": code.get(y.line_id, str(y.line_id))})
            break
    out.sort(key=lambda m: -m["gain_min"])
    return {"plan_id": plan.id, "moves": out}


def _out(
    y: PlannedOperation, line: Line, start: datetime, end: datetime, gain: float, earlier: float
) -> dict[str, Any]:
    return {
        "kind": "alternate",
        "operation_id": y.operation_id,
        "order_number": y.order_number,
        "operation": y.name,
        "to_line": line.code,
        "to_line_id": line.id,
        "planned_start": y.start,
        "start": start,
        "end": end,
        "gain_min": round(gain, 1),
        "earlier_min": round(earlier, 1),
        "swap": None,
    }


def _alternate(
    db: Session,
    plan: SchedulePlan,
    problem: snapshot.Problem,
    y: PlannedOperation,
    line: Line,
    now: datetime,
    horizon_end: datetime,
) -> dict[str, Any] | None:
    assert y.operation_id is not None
    try:
        tried = moves.try_move(db, plan, y.operation_id, now, line.id, "strict")
    except (ValidationProblem, Conflict):
        return None
    moved = tried.after.by_key()[tried.key]
    start, end = problem.at(moved.start), problem.at(moved.end)
    earlier = _minutes(end, y.end)
    filled = _minutes(max(start, now), min(end, horizon_end))
    if earlier <= 0 or filled <= 0:
        return None
    return _out(y, line, start, end, filled, earlier)


def _swap(
    db: Session,
    plan: SchedulePlan,
    problem: snapshot.Problem,
    y: PlannedOperation,
    x: PlannedOperation,
    line: Line,
    now: datetime,
    horizon_end: datetime,
) -> dict[str, Any] | None:
    """Y to the idle line now, X (the idle line's next) to Y's slot: both or neither."""
    assert y.operation_id is not None and x.operation_id is not None
    placements = [(y.operation_id, line.id, now), (x.operation_id, y.line_id, y.start)]
    try:
        _p, _rows, _before, after = moves.try_placements(db, plan, placements)
    except (ValidationProblem, Conflict):
        return None
    placed = after.by_key()
    y_key, x_key = (
        problem.key_of_operation(y.operation_id),
        problem.key_of_operation(x.operation_id),
    )
    assert y_key is not None and x_key is not None
    y_start, y_end = problem.at(placed[y_key].start), problem.at(placed[y_key].end)
    x_end = problem.at(placed[x_key].end)
    earlier = _minutes(y_end, y.end) + _minutes(x_end, x.end)
    filled = _minutes(max(y_start, now), min(y_end, x.start, horizon_end))
    if earlier <= 0 or filled <= 0:
        return None
    out = _out(y, line, y_start, y_end, filled, earlier)
    out["kind"] = "swap"
    out["swap"] = {
        "operation_id": x.operation_id,
        "order_number": x.order_number,
        "operation": x.name,
        "to_line": problem.lines[placed[x_key].resource].code,
        "planned_start": x.start,
        "start": problem.at(placed[x_key].start),
    }
    return out


def line_area(db: Session, line_id: int) -> int | None:
    """The area of a line (None: no such line), for the caller's area check."""
    line = db.get(Line, line_id)
    return line.area_id if line is not None else None


def accept(
    db: Session,
    plan_id: int,
    operation_id: int,
    to_line_id: int,
    gain_min: float,
    now: datetime,
    swap_operation_id: int | None = None,
) -> SchedulePlan:
    """Publish a copy of the published plan with the operation moved to start now on the
    idle line (and, for a swap, the other operation in its old slot); 409 when another
    plan was published since the suggestion was made."""
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
    rows = {r.operation_id: r for r in plan_repo.plan_rows(db, plan_id)}
    row = rows.get(operation_id)
    if row is None:
        raise ValidationProblem(
            f"operation {operation_id} is not in plan {plan_id}",
            errors=[FieldError("operation_id", "not in the published plan")],
        )
    other = rows.get(swap_operation_id) if swap_operation_id is not None else None
    if swap_operation_id is not None and other is None:
        raise ValidationProblem(
            f"operation {swap_operation_id} is not in plan {plan_id}",
            errors=[FieldError("swap_operation_id", "not in the published plan")],
        )
    reason = (
        f"idle suggestion: {row.order_number} {row.name} to {line.code} now"
        + (f", {other.order_number} {other.name} in its place" if other else "")
        + f", +{round(gain_min)} min"
    )
    copy = scenarios.copy_plan(db, current, scenario_id=None, kind=PlanKind.PROPOSAL, reason=reason)
    if other is None:
        moves.move_operation(db, copy, operation_id, now, to_line_id, "strict")
    else:
        assert other.operation_id is not None  # found by it
        placements = [(operation_id, to_line_id, now), (other.operation_id, row.line_id, row.start)]
        moves.restore(db, copy, placements)
    return plans.publish(db, copy)
