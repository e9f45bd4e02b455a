"""Adopting a scenario: its solved plan becomes the published plan the floor works from.

What is safe to publish, and what is refused (409, every reason in ``errors``):

- The scenario must be solved, not being solved again, and solved with the changes it
  has now (a change added or removed since: solve again).
- Its baseline must be the plan published now. A scenario based on an older (or on a
  never published) plan was compared with something the floor no longer runs: it is
  refused, and ``POST /scenarios/{id}/rebase`` copies the published plan as the new
  baseline (then solve again, compare, adopt). It is never re-based silently.
- The factory must still be the one it was solved for. The open work is rebuilt as a
  solve would build it now and compared operation by operation: every operation the
  scenario plans is still open; no order is new (or newly released inside the plan's
  horizon); due dates, priorities, quantities and routing times are unchanged; nothing
  is planned before its release or its material now allows; work started since runs on
  the line where the scenario plans it.
- A rush order becomes a real production order when the scenario is published: created
  from the change (number, product, quantity, due and release date, priority) with one
  operation per routing step, released (the planner published a plan that runs it), in
  the same transaction as the plan, and the adopted plan's operations of the rush job are
  tied to the new order's operations. It is refused only when its number is taken by an
  order that exists by then (``rush_number_taken``) or its product lost its routing.

``check`` answers the same question without publishing (``GET .../publish-check``), so the
planner sees every refusal, and what publishing will create, before confirming.

Assumptions are publishable: a line down, an absent operator or an extra shift is what
the plan was made around, and the planner decided on that basis. They are listed in the
answer and in the adopted plan's ``reason``, which the audit log records with the plan,
so whoever reads the published plan knows that the extra shift must be staffed, or that
the line is expected back at the given time.

The scenario's plan is copied into a new factory plan of kind ``adopted`` (its ``run_id``
is the scenario's run, which ties it to the scenario) and published like any plan: the
plan published before is superseded in the same transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from linewise.core.errors import Conflict, FieldError
from linewise.core.time import utcnow
from linewise.domains.equipment.models import Line
from linewise.domains.equipment.site_time import local_when, site_zone
from linewise.domains.people.models import Operator
from linewise.domains.planning import plans, scenarios
from linewise.domains.planning import problem as snapshot
from linewise.domains.planning import repository as repo
from linewise.domains.planning.builder import build_problem
from linewise.domains.planning.models import (
    PlanKind,
    PlanningScenario,
    ScenarioChange,
    SchedulePlan,
    ScheduleRun,
)
from linewise.domains.planning.problem import Key, Problem
from linewise.domains.production import service as production
from linewise.domains.production.models import OperationStatus, OrderStatus
from linewise.scheduling import Job, Operation

# A refusal lists at most this many operations or orders per reason, then counts the rest.
_SHOWN = 5


def _listed(items: list[str]) -> str:
    more = len(items) - _SHOWN
    return ", ".join(items[:_SHOWN]) + (f" and {more} more" if more > 0 else "")


def _when(t: datetime | str | None, zone: ZoneInfo) -> str:
    return local_when(t, zone)


# --- the checks -----------------------------------------------------------------------


def _solve_state(db: Session, scenario: PlanningScenario, run: ScheduleRun) -> list[FieldError]:
    errors = []
    if repo.active_run(db, scenario.id) is not None:
        errors.append(
            FieldError(
                "plan_id",
                "the scenario is being solved again; wait for the run to end and compare",
                code="solving",
            )
        )
    solved_with = (run.params or {}).get("change_ids")
    if solved_with is None or sorted(solved_with) != sorted(c.id for c in scenario.changes):
        errors.append(
            FieldError(
                "changes",
                "the scenario's changes are not the ones it was solved with; solve it again",
                code="changes_edited",
            )
        )
    return errors


def _rush_changes(scenario: PlanningScenario) -> list[ScenarioChange]:
    return [c for c in scenario.changes if c.kind == "rush_order"]


def rush_number(change: ScenarioChange) -> str:
    """The order number a rush order gets: the one typed in, else the scenario's key."""
    return str(change.payload.get("number") or f"RUSH-{change.id}")


def _rush_state(db: Session, scenario: PlanningScenario) -> list[FieldError]:
    """Publishing creates the rush orders: their numbers must be free, their routing there."""
    rush = _rush_changes(scenario)
    taken = repo.order_numbers_taken(db, [rush_number(c) for c in rush])
    errors = []
    if taken:
        errors.append(
            FieldError(
                "changes",
                f"order number {_listed(sorted(taken))} exists already, so the rush order cannot"
                " be created with it: remove the change, add it again with another number and"
                " solve again",
                code="rush_number_taken",
            )
        )
    unrouted = repo.products_without_routing(db, [int(c.payload["product_id"]) for c in rush])
    if unrouted:
        errors.append(
            FieldError(
                "changes",
                f"product {_listed(sorted(unrouted))} has no routing any more, so its rush"
                " order cannot be created: define the routing, then solve again",
                code="rush_product_unrouted",
            )
        )
    return errors


def _dt(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def _create_rush_orders(
    db: Session, scenario: PlanningScenario, adopted: SchedulePlan
) -> list[dict[str, Any]]:
    """The scenario's rush orders as real, released orders, tied to the adopted plan."""
    rows = [r for r in repo.plan_rows(db, adopted.id) if r.operation_id is None]
    created: list[dict[str, Any]] = []
    ids: list[int] = []
    for change in _rush_changes(scenario):
        p, number = change.payload, rush_number(change)
        order = production.create_order(
            db,
            {
                "number": number,
                "product_id": int(p["product_id"]),
                "quantity": int(p["quantity"]),
                "due_date": _dt(p["due_date"]),
                "release_date": _dt(p.get("release_date")),
                "priority": int(p.get("priority") or 1),
            },
        )
        production.transition_order(order, OrderStatus.RELEASED)
        db.flush()
        by_seq = {op.seq: op for op in order.operations}
        for row in rows:
            if row.job_key == number and row.seq in by_seq:
                row.order_id, row.operation_id = order.id, by_seq[row.seq].id
        created.append({"id": order.id, "number": number, "change_id": change.id})
        ids.append(order.id)
    production.announce(db, "created", ids)
    return created


def _baseline_state(db: Session, scenario: PlanningScenario, run: ScheduleRun) -> list[FieldError]:
    base = scenarios.baseline_plan(db, scenario.id)
    current = repo.published_plan(db)
    if base is None or current is None:
        return []  # nothing published: adopting is publishing a first plan
    source = scenarios.baseline_source_id(base)
    if source != current.id:
        since = _when(current.published_at, site_zone(db))
        based = f"plan {source}" if source is not None else "another plan"
        return [
            FieldError(
                "baseline_plan_id",
                f"the scenario was compared with {based}, but plan {current.id} is published"
                f" now (since {since}): re-base the scenario on it"
                f" (POST /scenarios/{scenario.id}/rebase), solve it again and compare",
                code="baseline_outdated",
                published_plan_id=current.id,
            )
        ]
    if run.created_at < base.created_at:
        return [
            FieldError(
                "plan_id",
                "the scenario was re-based after it was solved; solve it again",
                code="solved_before_rebase",
            )
        ]
    return []


def _by_operation(problem: Problem) -> dict[int, tuple[Key, Operation]]:
    jobs = {j.id: j for j in problem.instance.jobs}
    return {
        ref.operation_id: (key, jobs[key[0]].operations[key[1]])
        for key, ref in problem.refs.items()
        if ref.operation_id is not None
    }


def _factory_state(db: Session, plan: SchedulePlan) -> list[FieldError]:
    """What changed in the open work since the scenario was solved (see the module doc)."""
    solved = snapshot.load(plan.instance_blob)
    now = utcnow().replace(second=0, microsecond=0)  # as a solve run starts
    fresh = build_problem(db, now, plan.horizon_end - plan.horizon_start)
    old_ops, new_ops = _by_operation(solved), _by_operation(fresh)
    status = repo.operation_statuses(db, sorted(old_ops.keys() | new_ops.keys()))
    rows = {r.operation_id: r for r in repo.plan_rows(db, plan.id) if r.operation_id}
    line_code = {line.id: line.code for line in repo.lines(db)}
    zone = site_zone(db)

    def label(problem: Problem, key: Key) -> str:
        ref = problem.refs[key]
        return f"{ref.order_number} step {ref.seq}"

    closed = [
        f"{label(solved, key)} ({status.get(op_id, 'deleted')})"
        for op_id, (key, _op) in old_ops.items()
        if op_id not in new_ops
    ]
    old_orders = {key[0] for key, _op in old_ops.values()}
    added = sorted(
        {
            key[0]
            for op_id, (key, _op) in new_ops.items()
            if op_id not in old_ops
            and key[0] not in old_orders
            and fresh.at(_job(fresh, key[0]).release) < plan.horizon_end
        }
    )
    reopened = [
        label(fresh, key)
        for op_id, (key, _op) in new_ops.items()
        if op_id not in old_ops and key[0] in old_orders
    ]
    terms, resized, moved, waits = set(), [], [], []
    for op_id, (key, op) in old_ops.items():
        if op_id not in new_ops:
            continue
        fkey, fop = new_ops[op_id]
        old_job, new_job = _job(solved, key[0]), _job(fresh, fkey[0])
        old_due, new_due = solved.refs[key].due, fresh.refs[fkey].due
        if old_due != new_due or old_job.weight != new_job.weight:
            terms.add(key[0])
        row = rows.get(op_id)
        if row is not None and fop.frozen is None:
            waits += _later_wait(
                solved, op, fresh, fop, new_job.release, row.start, label(fresh, fkey), zone
            )
        if status.get(op_id) == OperationStatus.IN_PROGRESS:
            resource = fresh.resource_of_line(row.line_id) if row is not None else None
            if resource not in fop.resources:
                running_on = ", ".join(fresh.lines[r].code for r in fop.resources)
                planned_on = line_code.get(row.line_id, "?") if row is not None else "?"
                moved.append(f"{label(fresh, fkey)} runs on {running_on}, planned on {planned_on}")
        elif {m.resource: m.duration for m in op.modes} != {
            m.resource: m.duration for m in fop.modes
        }:
            resized.append(label(fresh, fkey))
    errors = []
    facts = [
        (closed, "no longer open", "operation_closed"),
        (added, "new or newly released orders are not in it", "order_added"),
        (reopened, "operations open again are not in it", "operation_added"),
        (sorted(terms), "due date or priority changed", "order_changed"),
        (resized, "quantity or routing times changed", "quantity_changed"),
        (moved, "started since on another line than planned", "started_elsewhere"),
        (waits, "planned before its release or material", "waits_changed"),
    ]
    for items, what, code in facts:
        if items:
            errors.append(
                FieldError(
                    "plan_id",
                    f"since the scenario was solved — {what}: {_listed(items)}",
                    code=code,
                )
            )
    return errors


def _later_wait(
    solved: Problem,
    op: Operation,
    fresh: Problem,
    fop: Operation,
    release: int,
    planned: datetime,
    name: str,
    zone: ZoneInfo,
) -> list[str]:
    """The operation's release or material now comes after the scenario starts it.

    Work short of material is planned from the horizon end, which moves with the time of
    the build: it only counts when it was not short when the scenario was solved.
    """
    if fop.material_ready >= _horizon(fresh):
        return [] if op.material_ready >= _horizon(solved) else [f"{name} is short of material"]
    ready = max(release, fop.material_ready)
    if ready > 0 and planned < fresh.at(ready):
        return [f"{name} can start {_when(fresh.at(ready), zone)} at the earliest"]
    return []


def _horizon(problem: Problem) -> int:
    return int((problem.end - problem.start).total_seconds())


def _job(problem: Problem, job_id: str) -> Job:
    return next(j for j in problem.instance.jobs if j.id == job_id)


# --- assumptions and adopting -----------------------------------------------------------


def assumptions(db: Session, scenario: PlanningScenario) -> list[dict[str, Any]]:
    """The scenario's changes that the adopted plan takes for granted, in words."""
    zone = site_zone(db)
    out = []
    for c in scenario.changes:
        p = c.payload
        if c.kind == "rush_order":
            continue
        span = f"{_when(p['start'], zone)} – {_when(p['end'], zone)}"
        if c.kind == "line_down":
            line = db.get(Line, int(p["line_id"]))
            text = f"line {line.code if line else p['line_id']} down {span}"
        elif c.kind == "absent_operator":
            person = db.get(Operator, int(p["operator_id"]))
            text = f"operator {person.name if person else p['operator_id']} absent {span}"
        else:
            codes = [db.get(Line, int(i)) for i in p.get("line_ids") or ()]
            where = ", ".join(ln.code for ln in codes if ln) or "all lines"
            text = f"extra shift {span} on {where}; it must be staffed"
        out.append({"change_id": c.id, "kind": c.kind, "text": text})
    return out


def rush_orders(scenario: PlanningScenario) -> list[dict[str, Any]]:
    """What publishing creates: one production order per rush order change."""
    return [
        {
            "change_id": c.id,
            "number": rush_number(c),
            "product_id": int(c.payload["product_id"]),
            "quantity": int(c.payload["quantity"]),
            "due_date": _dt(c.payload["due_date"]),
        }
        for c in _rush_changes(scenario)
    ]


def _refusals(
    db: Session, scenario: PlanningScenario, expected_plan_id: int | None
) -> tuple[SchedulePlan | None, list[FieldError]]:
    """The scenario's plan and every reason not to publish it (empty: publishable)."""
    plan = scenarios.scenario_plan(db, scenario.id)
    if plan is None:
        return None, [
            FieldError("plan_id", "the scenario has not been solved yet", code="not_solved")
        ]
    if expected_plan_id is not None and expected_plan_id != plan.id:
        return plan, [
            FieldError(
                "plan_id",
                f"the scenario's plan is now {plan.id}, not {expected_plan_id}: compare again",
                code="plan_changed",
            )
        ]
    run = db.get(ScheduleRun, plan.run_id) if plan.run_id is not None else None
    if run is None:
        return plan, [FieldError("plan_id", f"plan {plan.id} has no run", code="no_run")]
    errors = _solve_state(db, scenario, run) + _baseline_state(db, scenario, run)
    errors += _rush_state(db, scenario)
    errors += _factory_state(db, plan)
    return plan, errors


def check(db: Session, scenario: PlanningScenario) -> dict[str, Any]:
    """Could the scenario be published now, and what would publishing create? (no writes)"""
    plan, errors = _refusals(db, scenario, None)
    return {
        "scenario_id": scenario.id,
        "scenario_plan_id": plan.id if plan is not None else None,
        "publishable": not errors,
        "refusals": errors,
        "creates_orders": rush_orders(scenario),
        "assumptions": assumptions(db, scenario),
    }


def adopt(db: Session, scenario: PlanningScenario, expected_plan_id: int | None) -> dict[str, Any]:
    """Publish the scenario's plan as the factory plan, or refuse with every reason."""
    plan, errors = _refusals(db, scenario, expected_plan_id)
    if plan is None:
        raise Conflict(
            f"scenario {scenario.id} has not been solved yet: POST .../solve first",
            errors=errors,
        )
    if errors:
        raise Conflict(
            f"scenario {scenario.id} cannot be published: "
            + "; ".join(e["message"] for e in errors),
            errors=errors,
        )
    assumed = assumptions(db, scenario)
    reason = f"adopted from scenario '{scenario.name}' (#{scenario.id}, plan {plan.id})"
    if assumed:
        reason += "; assumes: " + "; ".join(a["text"] for a in assumed)
    rush = [rush_number(c) for c in _rush_changes(scenario)]
    if rush:
        reason += "; creates order " + ", ".join(rush)
    previous = repo.published_plan(db)
    adopted = scenarios.copy_plan(
        db, plan, scenario_id=None, kind=PlanKind.ADOPTED, reason=reason, run_id=plan.run_id
    )
    created = _create_rush_orders(db, scenario, adopted)
    plans.publish(db, adopted)
    return {
        "plan": adopted,
        "scenario_id": scenario.id,
        "scenario_plan_id": plan.id,
        "superseded_plan_id": previous.id if previous is not None else None,
        "assumptions": assumed,
        "created_orders": created,
    }
