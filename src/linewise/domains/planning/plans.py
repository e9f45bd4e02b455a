"""Plan versions: saving a solver result, publishing, rejecting.

Publishing is explicit and swaps the published plan in one transaction, so the floor
always sees exactly one plan. Only drafts change (``moves.py``); a scenario's plan is
published through ``adoption.py``, which checks that it still fits the factory.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from linewise.core import events
from linewise.core.errors import Conflict, NotFound
from linewise.core.time import utcnow
from linewise.domains.planning import problem as snapshot
from linewise.domains.planning import repository as repo
from linewise.domains.planning.events import PlanPublished
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
)
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
            f"plan {plan.id} is a scenario's what-if: adopt it with POST /scenarios/"
            f"{plan.scenario_id}/publish, which checks that it still fits the factory"
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
    if plan.id is None:
        db.flush()
    superseded = current.id if current is not None else None
    events.record(db, PlanPublished(plan.id, superseded, plan.scenario_id))
    return plan


def reject(db: Session, plan: SchedulePlan) -> SchedulePlan:
    if plan.status != PlanStatus.DRAFT:
        raise Conflict(f"plan {plan.id} is {plan.status}; only a draft can be rejected")
    plan.status = PlanStatus.REJECTED
    return plan
