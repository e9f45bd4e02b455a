"""What-if scenarios: a copy of a plan as the baseline, changes, a solve, a comparison.

The baseline is copied (not referenced) so that the comparison stays what it was when
the scenario was made, whatever happens to the plan it came from.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from linewise.core.errors import Conflict, NotFound
from linewise.domains.planning import metrics
from linewise.domains.planning import problem as snapshot
from linewise.domains.planning import repository as repo
from linewise.domains.planning.models import (
    PlanKind,
    PlannedOperation,
    PlanningScenario,
    PlanStatus,
    ScenarioChange,
    SchedulePlan,
    ScheduleRun,
)
from linewise.domains.planning.plans import get_plan


def get_scenario(db: Session, scenario_id: int) -> PlanningScenario:
    scenario = db.get(PlanningScenario, scenario_id)
    if scenario is None:
        raise NotFound(f"scenario {scenario_id} does not exist")
    return scenario


BASELINE_REASON = "copy of plan {}"
_BASELINE_RE = re.compile(r"^copy of plan (\d+)$")


def copy_plan(
    db: Session,
    source: SchedulePlan,
    *,
    scenario_id: int | None,
    kind: PlanKind,
    reason: str,
    run_id: int | None = None,
) -> SchedulePlan:
    """A new draft with the source's problem, figures and planned operations."""
    copy = SchedulePlan(
        run_id=run_id,
        scenario_id=scenario_id,
        kind=kind,
        status=PlanStatus.DRAFT,
        reason=reason,
        horizon_start=source.horizon_start,
        horizon_end=source.horizon_end,
        solver_status=source.solver_status,
        objective=dict(source.objective),
        bound=source.bound,
        gap=source.gap,
        instance_blob=source.instance_blob,
    )
    db.add(copy)
    db.flush()
    columns = [c.key for c in PlannedOperation.__table__.columns if c.key not in ("id", "plan_id")]
    db.add_all(
        PlannedOperation(plan_id=copy.id, **{c: getattr(r, c) for c in columns})
        for r in repo.plan_rows(db, source.id)
    )
    return copy


def _copy_baseline(db: Session, scenario_id: int, source: SchedulePlan) -> SchedulePlan:
    return copy_plan(
        db,
        source,
        scenario_id=scenario_id,
        kind=PlanKind.BASELINE,
        reason=BASELINE_REASON.format(source.id),
    )


def baseline_source_id(baseline: SchedulePlan) -> int | None:
    """The plan a baseline was copied from (its reason says so)."""
    found = _BASELINE_RE.match(baseline.reason or "")
    return int(found.group(1)) if found else None


def create(db: Session, name: str, baseline_plan_id: int | None) -> PlanningScenario:
    source = (
        get_plan(db, baseline_plan_id) if baseline_plan_id is not None else repo.published_plan(db)
    )
    if source is None:
        raise Conflict(
            "there is no published plan to start from: publish a plan or name baseline_plan_id"
        )
    scenario = PlanningScenario(name=name)
    db.add(scenario)
    db.flush()
    _copy_baseline(db, scenario.id, source)
    return scenario


def rebase(db: Session, scenario: PlanningScenario) -> PlanningScenario:
    """Compare against the plan published now: a new baseline copy replaces the old one.

    The scenario's changes stay; its plan must be solved again before it can be adopted.
    """
    source = repo.published_plan(db)
    if source is None:
        raise Conflict("there is no published plan to re-base on")
    if repo.active_run(db, scenario.id) is not None:
        raise Conflict(f"scenario {scenario.id} is being solved; wait for the run to end")
    old = baseline_plan(db, scenario.id)
    if old is not None:
        db.delete(old)
        db.flush()
    _copy_baseline(db, scenario.id, source)
    return scenario


def add_change(
    db: Session, scenario: PlanningScenario, kind: str, payload: dict[str, Any]
) -> ScenarioChange:
    change = ScenarioChange(scenario_id=scenario.id, kind=kind, payload=payload)
    scenario.changes.append(change)
    return change


def baseline_plan(db: Session, scenario_id: int) -> SchedulePlan | None:
    return db.scalars(
        select(SchedulePlan).where(
            SchedulePlan.scenario_id == scenario_id, SchedulePlan.kind == PlanKind.BASELINE
        )
    ).first()


def scenario_plan(db: Session, scenario_id: int) -> SchedulePlan | None:
    """The plan of the scenario's latest run that produced one."""
    run = db.scalars(
        select(ScheduleRun)
        .where(ScheduleRun.scenario_id == scenario_id, ScheduleRun.plan_id.is_not(None))
        .order_by(ScheduleRun.id.desc())
        .limit(1)
    ).first()
    return None if run is None or run.plan_id is None else db.get(SchedulePlan, run.plan_id)


def adopted_plan(db: Session, scenario_id: int) -> SchedulePlan | None:
    """The latest factory plan adopted from this scenario (its run ties it here)."""
    return db.scalars(
        select(SchedulePlan)
        .join(ScheduleRun, ScheduleRun.id == SchedulePlan.run_id)
        .where(ScheduleRun.scenario_id == scenario_id, SchedulePlan.kind == PlanKind.ADOPTED)
        .order_by(SchedulePlan.id.desc())
        .limit(1)
    ).first()


def _figures(db: Session, plan: SchedulePlan) -> tuple[Any, ...]:
    problem = snapshot.load(plan.instance_blob)
    rows = list(repo.plan_rows(db, plan.id))
    return (
        metrics.totals(problem, rows),
        metrics.order_figures(problem, rows),
        metrics.line_figures(problem, rows),
    )


def compare(db: Session, scenario: PlanningScenario) -> dict[str, Any]:
    base = baseline_plan(db, scenario.id)
    plan = scenario_plan(db, scenario.id)
    if base is None:
        raise Conflict(f"scenario {scenario.id} has no baseline plan")
    if plan is None:
        raise Conflict(f"scenario {scenario.id} has not been solved yet: POST .../solve first")
    b_tot, b_orders, b_lines = _figures(db, base)
    s_tot, s_orders, s_lines = _figures(db, plan)
    numbers = sorted(set(b_orders) | set(s_orders))
    orders = []
    for n in numbers:
        b, s = b_orders.get(n), s_orders.get(n)
        orders.append(
            {
                "order_number": n,
                "due_date": (s or b).due if (s or b) else None,
                "baseline_end": b.end if b else None,
                "scenario_end": s.end if s else None,
                "baseline_tardiness_s": b.tardiness_s if b else None,
                "scenario_tardiness_s": s.tardiness_s if s else None,
                "delta_tardiness_s": (s.tardiness_s if s else 0) - (b.tardiness_s if b else 0),
                "only_in": "scenario" if b is None else "baseline" if s is None else None,
            }
        )
    lines = [
        {
            "line_id": lid,
            "line_code": (s_lines.get(lid) or b_lines[lid])["line_code"],
            "baseline": b_lines.get(lid),
            "scenario": s_lines.get(lid),
        }
        for lid in sorted(set(b_lines) | set(s_lines))
    ]
    numeric = [k for k, v in s_tot.items() if isinstance(v, int | float)]
    # Local: the delivery domain reads planning's repository (a cycle at import time).
    from linewise.core.time import utcnow
    from linewise.domains.delivery import plan_outlook

    inputs = plan_outlook.load(db, utcnow())
    predicted = {
        "currency": inputs.prices.currency,
        "baseline": plan_outlook.outlook(inputs, snapshot.load(base.instance_blob),
                                         list(repo.plan_rows(db, base.id))),
        "scenario": plan_outlook.outlook(inputs, snapshot.load(plan.instance_blob),
                                         list(repo.plan_rows(db, plan.id))),
    }  # fmt: skip
    return {
        "scenario_id": scenario.id,
        "baseline_plan_id": base.id,
        "scenario_plan_id": plan.id,
        "baseline": b_tot,
        "scenario": s_tot,
        "delta": {k: round(s_tot[k] - b_tot[k], 4) for k in numeric},
        "orders": orders,
        "lines": lines,
        "predicted": predicted,
    }
