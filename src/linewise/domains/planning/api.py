"""Routes for schedule runs (with a progress stream), plans and what-if scenarios."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from linewise.api.crud import check_version, etag
from linewise.api.deps import Principal, get_db, require
from linewise.core.errors import FieldError, Forbidden, NotFound, ValidationProblem
from linewise.core.time import utcnow
from linewise.domains.equipment.repository import line_by_id
from linewise.domains.planning import adoption, gantt, moves, plans, scenarios
from linewise.domains.planning import repository as repo
from linewise.domains.planning.models import PlanningScenario, ScheduleRun
from linewise.domains.planning.runtime import runtime_of
from linewise.domains.planning.schemas import (
    AdoptIn,
    AdoptionOut,
    ChangeIn,
    ComparisonOut,
    GanttOut,
    MovedGanttOut,
    MoveIn,
    NextOperationsOut,
    PlanSummaryOut,
    PublishCheckOut,
    PublishIn,
    RestoredGanttOut,
    RestoreIn,
    RunIn,
    RunOut,
    ScenarioIn,
    ScenarioOut,
    ScenarioRunIn,
)
from linewise.domains.planning.service import PlanningRuntime, RunRequest, run_view

router = APIRouter()
READ = require("schedules:read")
WRITE = require("schedules:write")

# --- runs ------------------------------------------------------------------------------


def _get_run(db: Session, run_id: int) -> ScheduleRun:
    run = repo.get_run(db, run_id)
    if run is None:
        raise NotFound(f"schedule run {run_id} does not exist")
    return run


def _start(
    runtime: PlanningRuntime, body: RunIn | ScenarioRunIn, scenario_id: int | None, who: str
) -> int:
    request = RunRequest(
        horizon_days=body.horizon_days,
        time_limit_s=body.time_limit_s,
        num_workers=body.num_workers,
        random_seed=body.random_seed,
        levels=tuple(body.objective.levels),
        scenario_id=scenario_id,
    )
    return runtime.start(request, actor=who)


@router.post("/schedules", status_code=202, response_model=RunOut, tags=["planning"])
def start_run(
    body: RunIn,
    response: Response,
    p: Principal = Depends(WRITE),
    db: Session = Depends(get_db),
    runtime: PlanningRuntime = Depends(runtime_of),
) -> Any:
    """Start a solve; a heuristic plan appears within seconds, the optimised one later."""
    run_id = _start(runtime, body, body.scenario_id, p.actor)
    response.headers["Location"] = f"/api/v1/schedules/{run_id}"
    return run_view(runtime, _get_run(db, run_id))


@router.get("/schedules", response_model=list[RunOut], tags=["planning"])
def list_runs(
    scenario_id: int | None = None,
    limit: int = Query(20, ge=1, le=200),
    _p: Principal = Depends(READ),
    db: Session = Depends(get_db),
    runtime: PlanningRuntime = Depends(runtime_of),
) -> Any:
    return [run_view(runtime, r) for r in repo.recent_runs(db, limit, scenario_id)]


@router.get("/schedules/{run_id}", response_model=RunOut, tags=["planning"])
def get_run(
    run_id: int,
    _p: Principal = Depends(READ),
    db: Session = Depends(get_db),
    runtime: PlanningRuntime = Depends(runtime_of),
) -> Any:
    return run_view(runtime, _get_run(db, run_id))


@router.post(
    "/schedules/{run_id}/cancel", status_code=202, response_model=RunOut, tags=["planning"]
)
def cancel_run(
    run_id: int,
    _p: Principal = Depends(WRITE),
    db: Session = Depends(get_db),
    runtime: PlanningRuntime = Depends(runtime_of),
) -> Any:
    """Stop the solver; the best plan found so far becomes the run's plan."""
    run = _get_run(db, run_id)
    runtime.cancel(run_id)
    return run_view(runtime, run)


def _sse(event: str, data: Any) -> str:
    return f"event: {event}\ndata: {json.dumps(jsonable_encoder(data))}\n\n"


@router.get(
    "/schedules/{run_id}/events",
    tags=["planning"],
    response_class=StreamingResponse,
    responses={200: {"description": "An event stream.", "content": {"text/event-stream": {}}}},
)
def run_events(
    run_id: int,
    request: Request,
    _p: Principal = Depends(READ),
    db: Session = Depends(get_db),
    runtime: PlanningRuntime = Depends(runtime_of),
) -> StreamingResponse:
    """Server-Sent Events: ``progress`` per improvement, ``status`` changes, then ``done``.

    ``progress`` data: {elapsed, objective, bound, gap}; ``done`` data: the run as GET
    /schedules/{id} returns it. A finished run replays its points and ends at once.
    """
    _get_run(db, run_id)
    # The stream outlives the request's session: end its transaction now (on SQLite it
    # holds the write lock the run needs to save its plans).
    db.close()
    factory = request.app.state.session_factory

    def load() -> dict[str, Any]:
        with factory() as session:
            return run_view(runtime, _get_run(session, run_id))

    async def stream() -> AsyncIterator[str]:
        sent, status, version = 0, "", -1
        while True:
            job = runtime.job(run_id)
            if job is not None:
                await asyncio.to_thread(job.wait_for_update, version, 10.0)
            view = await asyncio.to_thread(load)
            for point in view["progress"][sent:]:
                yield _sse("progress", point)
            sent = len(view["progress"])
            if view["status"] != status:
                status = view["status"]
                yield _sse(
                    "status",
                    {
                        "status": status,
                        "plan_id": view["plan_id"],
                        "heuristic_plan_id": view["heuristic_plan_id"],
                    },
                )
            if view["finished_at"] is not None or status == "failed":
                yield _sse("done", view)
                return
            if await request.is_disconnected():
                return
            version = view["version"]
            if job is None:
                yield ": waiting\n\n"
                await asyncio.sleep(0.5)  # the job is gone but its result not yet stored

    return StreamingResponse(
        stream(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
    )


# --- plans -----------------------------------------------------------------------------


@router.get("/plans", response_model=list[PlanSummaryOut], tags=["planning"])
def list_plans(
    status: str | None = None,
    scenario_id: int | None = None,
    limit: int = Query(20, ge=1, le=200),
    _p: Principal = Depends(READ),
    db: Session = Depends(get_db),
) -> list[dict[str, Any]]:
    return [gantt.summary(p) for p in repo.recent_plans(db, limit, status, scenario_id)]


@router.get(
    "/plans/published/next",
    response_model=NextOperationsOut,
    response_model_exclude_unset=True,
    tags=["planning"],
)
def next_operations(
    line_id: int,
    limit: int = Query(5, ge=1, le=50),
    p: Principal = Depends(READ),
    db: Session = Depends(get_db),
) -> dict[str, Any]:
    """What the floor does next on a line, from the published plan."""
    line = line_by_id(db, line_id)
    if line is None:
        raise ValidationProblem(
            f"line {line_id} does not exist", errors=[FieldError("line_id", "unknown line")]
        )
    if not p.may_touch_area(line.area_id):
        raise Forbidden(f"line {line.code} is outside your areas")
    plan = repo.published_plan(db)
    if plan is None:
        return {"plan_id": None, "line_id": line_id, "line_code": line.code, "operations": []}
    rows = repo.next_on_line(db, plan.id, line_id, utcnow(), limit)
    return {
        "plan_id": plan.id,
        "published_at": plan.published_at,
        "line_id": line_id,
        "line_code": line.code,
        "operations": [gantt.next_item(r, status) for r, status in rows],
    }


@router.get("/plans/{plan_id}", response_model=GanttOut, tags=["planning"])
def get_plan(
    plan_id: int,
    response: Response,
    _p: Principal = Depends(READ),
    db: Session = Depends(get_db),
) -> dict[str, Any]:
    """Gantt data: operations grouped by line, and per order its span and lateness."""
    plan = plans.get_plan(db, plan_id)
    response.headers["ETag"] = etag(plan.version)
    return gantt.gantt(db, plan)


@router.post("/plans/{plan_id}/publish", response_model=PlanSummaryOut, tags=["planning"])
def publish_plan(
    plan_id: int,
    body: PublishIn | None = None,
    if_match: str | None = Header(None),
    _p: Principal = Depends(WRITE),
    db: Session = Depends(get_db),
) -> dict[str, Any]:
    """Make this draft (or accepted proposal) the plan the floor sees."""
    plan = plans.get_plan(db, plan_id)
    if if_match is not None or (body is not None and body.version is not None):
        check_version(plan.version, if_match, body.version if body else None)
    plans.publish(db, plan)
    return gantt.summary(plan)


@router.post("/plans/{plan_id}/reject", response_model=PlanSummaryOut, tags=["planning"])
def reject_plan(
    plan_id: int,
    _p: Principal = Depends(WRITE),
    db: Session = Depends(get_db),
) -> dict[str, Any]:
    """Turn a proposal (or any draft) down; it stays for the record."""
    plan = plans.reject(db, plans.get_plan(db, plan_id))
    return gantt.summary(plan)


@router.patch(
    "/plans/{plan_id}/operations/{operation_id}", response_model=MovedGanttOut, tags=["planning"]
)
def move_operation(
    plan_id: int,
    operation_id: int,
    body: MoveIn,
    response: Response,
    if_match: str | None = Header(None),
    _p: Principal = Depends(WRITE),
    db: Session = Depends(get_db),
) -> dict[str, Any]:
    """Move one operation (new start and/or line) in a draft; 422 names the broken rule.

    ``mode=push`` also right-shifts the operations after it; ``move`` in the answer lists
    what moved and by how much, and how the orders concerned end now.
    """
    plan = plans.get_plan(db, plan_id)
    check_version(plan.version, if_match, body.version)
    report = moves.move_operation(db, plan, operation_id, body.start, body.line_id, body.mode)
    db.flush()  # the new version for the ETag; the request commits
    response.headers["ETag"] = etag(plan.version)
    return {**gantt.gantt(db, plan), "move": report}


@router.post("/plans/{plan_id}/restore", response_model=RestoredGanttOut, tags=["planning"])
def restore_operations(
    plan_id: int,
    body: RestoreIn,
    response: Response,
    if_match: str | None = Header(None),
    _p: Principal = Depends(WRITE),
    db: Session = Depends(get_db),
) -> dict[str, Any]:
    """Put operations back (undo) or forward again (redo) where a move's answer said.

    One validated write for the whole set; 422 names the rule when the plan changed since.
    """
    plan = plans.get_plan(db, plan_id)
    check_version(plan.version, if_match, body.version)
    placements = [(p.operation_id, p.line_id, p.start) for p in body.placements]
    restored = moves.restore(db, plan, placements)
    db.flush()
    response.headers["ETag"] = etag(plan.version)
    return {**gantt.gantt(db, plan), "restored": restored}


# --- scenarios -------------------------------------------------------------------------


def _scenario(db: Session, scenario: PlanningScenario) -> dict[str, Any]:
    adopted = scenarios.adopted_plan(db, scenario.id)
    return {**gantt.scenario_out(db, scenario), "adopted_plan_id": adopted.id if adopted else None}


@router.post("/scenarios", status_code=201, response_model=ScenarioOut, tags=["planning"])
def create_scenario(
    body: ScenarioIn, _p: Principal = Depends(WRITE), db: Session = Depends(get_db)
) -> dict[str, Any]:
    """A what-if starting from a copy of the published plan (or ``baseline_plan_id``)."""
    scenario = scenarios.create(db, body.name, body.baseline_plan_id)
    return _scenario(db, scenario)


@router.get("/scenarios", response_model=list[ScenarioOut], tags=["planning"])
def list_scenarios(
    _p: Principal = Depends(READ), db: Session = Depends(get_db)
) -> list[dict[str, Any]]:
    return [_scenario(db, s) for s in repo.recent_scenarios(db)]


@router.get("/scenarios/{scenario_id}", response_model=ScenarioOut, tags=["planning"])
def get_scenario(
    scenario_id: int, _p: Principal = Depends(READ), db: Session = Depends(get_db)
) -> dict[str, Any]:
    return _scenario(db, scenarios.get_scenario(db, scenario_id))


@router.post(
    "/scenarios/{scenario_id}/changes",
    status_code=201,
    response_model=ScenarioOut,
    tags=["planning"],
)
def add_change(
    scenario_id: int,
    body: ChangeIn,
    _p: Principal = Depends(WRITE),
    db: Session = Depends(get_db),
) -> dict[str, Any]:
    """line_down | rush_order | absent_operator | extra_shift (see the schemas)."""
    scenario = scenarios.get_scenario(db, scenario_id)
    gantt.check_change_references(db, body)
    payload = jsonable_encoder(body.model_dump(exclude={"kind"}))
    scenarios.add_change(db, scenario, body.kind, payload)
    return _scenario(db, scenario)


@router.delete(
    "/scenarios/{scenario_id}/changes/{change_id}", response_model=ScenarioOut, tags=["planning"]
)
def delete_change(
    scenario_id: int,
    change_id: int,
    _p: Principal = Depends(WRITE),
    db: Session = Depends(get_db),
) -> dict[str, Any]:
    scenario = scenarios.get_scenario(db, scenario_id)
    change = next((c for c in scenario.changes if c.id == change_id), None)
    if change is None:
        raise NotFound(f"scenario {scenario_id} has no change {change_id}")
    scenario.changes.remove(change)
    return _scenario(db, scenario)


@router.post(
    "/scenarios/{scenario_id}/solve", status_code=202, response_model=RunOut, tags=["planning"]
)
def solve_scenario(
    scenario_id: int,
    body: ScenarioRunIn,
    p: Principal = Depends(WRITE),
    db: Session = Depends(get_db),
    runtime: PlanningRuntime = Depends(runtime_of),
) -> Any:
    # No read on ``db`` before the start: on SQLite it would hold the write lock the
    # runtime needs (the runtime checks that the scenario exists).
    run_id = _start(runtime, body, scenario_id, p.actor)
    return run_view(runtime, _get_run(db, run_id))


@router.get("/scenarios/{scenario_id}/compare", response_model=ComparisonOut, tags=["planning"])
def compare_scenario(
    scenario_id: int, _p: Principal = Depends(READ), db: Session = Depends(get_db)
) -> dict[str, Any]:
    """Baseline vs scenario: totals, their delta, per order and per line figures."""
    return scenarios.compare(db, scenarios.get_scenario(db, scenario_id))


@router.get(
    "/scenarios/{scenario_id}/publish-check", response_model=PublishCheckOut, tags=["planning"]
)
def check_scenario_publish(
    scenario_id: int, _p: Principal = Depends(READ), db: Session = Depends(get_db)
) -> dict[str, Any]:
    """Could the scenario be published now? Every refusal, and the orders it would create.

    The same checks as publishing, without writing: the UI asks before it offers to confirm.
    """
    return adoption.check(db, scenarios.get_scenario(db, scenario_id))


@router.post("/scenarios/{scenario_id}/publish", response_model=AdoptionOut, tags=["planning"])
def publish_scenario(
    scenario_id: int,
    body: AdoptIn | None = None,
    _p: Principal = Depends(WRITE),
    db: Session = Depends(get_db),
) -> dict[str, Any]:
    """Adopt the scenario: its plan becomes the published plan the floor works from.

    409 with every reason (``errors[].code``) when that is not safe: not solved with the
    current changes, compared with a plan that is no longer the published one (re-base),
    the factory changed since the solve, or a rush order whose number is taken by now.
    Each rush order becomes a released production order in the same transaction
    (``created_orders``).
    """
    scenario = scenarios.get_scenario(db, scenario_id)
    out = adoption.adopt(db, scenario, body.plan_id if body else None)
    return {**out, "plan": gantt.summary(out["plan"])}


@router.post("/scenarios/{scenario_id}/rebase", response_model=ScenarioOut, tags=["planning"])
def rebase_scenario(
    scenario_id: int, _p: Principal = Depends(WRITE), db: Session = Depends(get_db)
) -> dict[str, Any]:
    """Compare with the plan published now: its copy becomes the scenario's baseline."""
    scenario = scenarios.rebase(db, scenarios.get_scenario(db, scenario_id))
    return _scenario(db, scenario)
