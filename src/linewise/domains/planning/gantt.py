"""Response shapes for the UI: plan summaries, the Gantt, the operator's next work."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from linewise.core.errors import FieldError, ValidationProblem
from linewise.core.time import utcnow
from linewise.domains.equipment.models import Line
from linewise.domains.people.models import Operator
from linewise.domains.planning import problem as snapshot
from linewise.domains.planning import repository as repo
from linewise.domains.planning import scenarios
from linewise.domains.planning.metrics import planner_figures
from linewise.domains.planning.models import (
    PlannedOperation,
    PlanningScenario,
    PlanStatus,
    SchedulePlan,
)
from linewise.domains.planning.problem import MaterialWait
from linewise.domains.planning.schemas import (
    AbsentOperatorIn,
    ChangeIn,
    ExtraShiftIn,
    LineDownIn,
    RushOrderIn,
)
from linewise.domains.production import lateness
from linewise.domains.production.models import OrderStatus, Product


def summary(plan: SchedulePlan) -> dict[str, Any]:
    return {
        "id": plan.id,
        "version": plan.version,
        "kind": plan.kind,
        "status": plan.status,
        "proposal": plan.kind == "proposal",
        "reason": plan.reason,
        "run_id": plan.run_id,
        "scenario_id": plan.scenario_id,
        "horizon_start": plan.horizon_start,
        "horizon_end": plan.horizon_end,
        "solver_status": plan.solver_status,
        "objective": plan.objective,
        "bound": plan.bound,
        "gap": plan.gap,
        "created_at": plan.created_at,
        "published_at": plan.published_at,
    }


def _verdicts(
    db: Session,
    first: dict[str, PlannedOperation],
    order_end: dict[str, datetime],
    published: bool,
) -> dict[str, lateness.Verdict]:
    """Each order's lateness if it finished where this plan puts it, by the one rule.

    An order that exists is judged on its current facts (status, due date, actual
    finish), so the published plan's Gantt says what the Orders list and the order page
    say. A scenario's rush order exists only in the plan: judged as open, on the plan.
    """
    now = utcnow()
    ids = {r.order_id: number for number, r in first.items() if r.order_id is not None}
    finishes = {oid: order_end[n] for oid, n in ids.items()}
    found = lateness.of_plan_finishes(db, finishes, now, published=published)
    out = {ids[oid]: verdict for oid, verdict in found.items()}
    for number, r in first.items():
        if number not in out:
            out[number] = (
                lateness.NOT_PLANNED
                if r.due_date is None
                else lateness.judge(
                    status=OrderStatus.PLANNED,
                    due=r.due_date,
                    completed_at=None,
                    planned_finish=order_end[number],
                    eta=None,
                    now=now,
                )
            )
    return out


def _op(row: PlannedOperation, line: Line | None, late: bool) -> dict[str, Any]:
    return {
        "id": row.id,
        "operation_id": row.operation_id,
        "order_id": row.order_id,
        "order_number": row.order_number,
        "product_code": row.product_code,
        "seq": row.seq,
        "name": row.name,
        "line_id": row.line_id,
        "line_code": line.code if line else None,
        "start": row.start,
        "end": row.end,
        "setup_s": row.setup_s,
        "due_date": row.due_date,
        "late": late,
        "frozen": row.frozen,
    }


def material_out(wait: MaterialWait | None) -> dict[str, Any] | None:
    """What an order's first operation waits for: a receipt, or nothing known (short)."""
    if wait is None:
        return None
    return {
        "code": wait.code,
        "name": wait.name,
        "unit": wait.unit,
        "until": wait.until,
        "reference": wait.reference,
        "short": wait.until is None,
        "missing": wait.missing,
    }


def gantt(db: Session, plan: SchedulePlan) -> dict[str, Any]:
    rows = list(repo.plan_rows(db, plan.id))
    problem = snapshot.load(plan.instance_blob)
    waits = problem.materials
    lines = {line.id: line for line in repo.lines(db)}
    order_end: dict[str, datetime] = {}
    order_start: dict[str, datetime] = {}
    first: dict[str, PlannedOperation] = {}
    for r in rows:
        order_end[r.order_number] = max(order_end.get(r.order_number, r.end), r.end)
        order_start[r.order_number] = min(order_start.get(r.order_number, r.start), r.start)
        first.setdefault(r.order_number, r)
    verdicts = _verdicts(db, first, order_end, plan.status == PlanStatus.PUBLISHED)
    by_line: dict[int, list[dict[str, Any]]] = defaultdict(list)
    by_order: dict[str, list[int]] = defaultdict(list)
    for r in rows:
        op = _op(r, lines.get(r.line_id), verdicts[r.order_number].is_late)
        op["material_wait"] = material_out(waits.get(r.job_key)) if r.op_index == 0 else None
        by_line[r.line_id].append(op)
        by_order[r.order_number].append(r.id)
    orders = []
    for number, ids in by_order.items():
        r = first[number]
        end = order_end[number]
        # The plan's own tardiness (what the solver minimised), beside the verdict.
        tardy = 0 if r.due_date is None else max(0, int((end - r.due_date).total_seconds()))
        orders.append(
            {
                "order_id": r.order_id,
                "order_number": number,
                "product_code": r.product_code,
                "due_date": r.due_date,
                "start": order_start[number],
                "end": end,
                "late": verdicts[number].is_late,
                "late_by_s": verdicts[number].late_by_s,
                "tardiness_s": tardy,
                "operation_ids": ids,
                "material_wait": material_out(waits.get(r.job_key)),
            }
        )
    orders.sort(key=lambda o: (o["start"], o["order_number"]))
    return {
        **summary(plan),
        "figures": planner_figures(problem, rows),
        "warnings": problem.warnings,
        "lines": [
            {
                "line_id": lid,
                "line_code": line.code,
                "line_name": line.name,
                "operations": by_line.get(lid, []),
            }
            for lid, line in sorted(lines.items(), key=lambda kv: kv[1].code)
            if lid in by_line
        ],
        "orders": orders,
    }


def next_item(row: PlannedOperation, status: str | None) -> dict[str, Any]:
    return {
        "operation_id": row.operation_id,
        "order_id": row.order_id,
        "order_number": row.order_number,
        "product_code": row.product_code,
        "seq": row.seq,
        "name": row.name,
        "start": row.start,
        "end": row.end,
        "setup_s": row.setup_s,
        "due_date": row.due_date,
        "status": status,
    }


def scenario_out(db: Session, scenario: PlanningScenario) -> dict[str, Any]:
    base = scenarios.baseline_plan(db, scenario.id)
    plan = scenarios.scenario_plan(db, scenario.id)
    return {
        "id": scenario.id,
        "name": scenario.name,
        "version": scenario.version,
        "created_at": scenario.created_at,
        "baseline_plan_id": base.id if base else None,
        "plan_id": plan.id if plan else None,
        "changes": [{"id": c.id, "kind": c.kind, **c.payload} for c in scenario.changes],
    }


def check_change_references(db: Session, change: ChangeIn) -> None:
    """Name the field whose id points nowhere, before the change is stored."""
    missing: list[FieldError] = []
    if isinstance(change, LineDownIn) and db.get(Line, change.line_id) is None:
        missing.append(FieldError("line_id", f"line {change.line_id} does not exist"))
    if isinstance(change, RushOrderIn):
        product = db.get(Product, change.product_id)
        if product is None:
            missing.append(FieldError("product_id", f"product {change.product_id} does not exist"))
        elif not product.steps:
            missing.append(FieldError("product_id", f"product {product.code} has no routing"))
    if isinstance(change, AbsentOperatorIn) and db.get(Operator, change.operator_id) is None:
        missing.append(FieldError("operator_id", f"operator {change.operator_id} does not exist"))
    if isinstance(change, ExtraShiftIn):
        for i, lid in enumerate(change.line_ids):
            if db.get(Line, lid) is None:
                missing.append(FieldError(f"line_ids[{i}]", f"line {lid} does not exist"))
    if missing:
        raise ValidationProblem(
            "the change refers to something that does not exist", errors=missing
        )
    # Publishing the scenario creates the rush order under this number: it must be free.
    number = change.number if isinstance(change, RushOrderIn) else None
    if number is not None and repo.order_numbers_taken(db, [number]):
        raise ValidationProblem(
            f"order {number} exists already: give the rush order a new number",
            errors=[FieldError("number", f"order {number} exists already")],
        )
