"""Alternate-machine suggestions: a line standing idle with nothing planned takes work
the published plan has waiting on another eligible line; validated by the schedule's own
checker, accepted as a newly published plan (a copy with the move) by planners only."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from linewise.core.time import utcnow
from linewise.domains.equipment.models import Line, Machine
from linewise.domains.planning.models import PlannedOperation, SchedulePlan
from linewise.domains.planning.service import PlanningRuntime
from linewise.domains.production.models import RoutingStep, RoutingStepLine
from linewise.ingest.models import StateInterval
from tests.conftest import World, login, one_app
from tests.integration.planning.conftest import plan_problems

API = "/api/v1"
QUICK = {"time_limit_s": 1.0, "num_workers": 1, "horizon_days": 3}


def _ok(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json()


def second_smt_line(db: Session, world: World) -> int:
    smt1 = db.get(Line, world.line_ids["SMT-1"])
    assert smt1 is not None
    line = Line(area_id=smt1.area_id, code="SMT-2", name="SMT line 2", type="SMT")
    db.add(line)
    db.flush()
    db.add(Machine(line_id=line.id, code="SMT-2-PNP1", name="Pick&place 2", kind="pnp", position=1))
    step = db.scalars(select(RoutingStep).where(RoutingStep.seq == 1)).one()
    db.add(RoutingStepLine(step_id=step.id, line_id=line.id, cycle_time_s=30))
    db.commit()
    return line.id


def test_a_free_line_is_offered_waiting_work_and_a_planner_publishes_it(
    app: FastAPI, db: Session, world: World
) -> None:
    smt2 = second_smt_line(db, world)
    with one_app(app, 2) as (planner, supervisor):
        login(planner, "planner")
        login(supervisor, "supervisor")
        _check(app, db, world, smt2, planner, supervisor)


def _solve(app: FastAPI, world: World, planner: TestClient) -> tuple[int, dict[str, Any]]:
    """Two orders (30 minutes of SMT, an hour of test each), scheduled: (plan id, Gantt)."""
    for n in (1, 2):
        _ok(planner.post(f"{API}/orders", json={
            "number": f"PO-{n}", "product_id": world.product_id, "quantity": 60,
            "due_date": (utcnow() + timedelta(days=2)).isoformat(),
        }), 201)  # fmt: skip
    r = _ok(planner.post(f"{API}/schedules", json=QUICK), 202)
    runtime: PlanningRuntime = app.state.planning
    assert runtime.wait(r["id"], 60.0)
    plan_id = _ok(planner.get(f"{API}/schedules/{r['id']}"))["plan_id"]
    return plan_id, _ok(planner.get(f"{API}/plans/{plan_id}"))


def _by_op(gantt: dict[str, Any]) -> dict[tuple[str, int], dict[str, Any]]:
    return {(o["order_number"], o["seq"]): o for ln in gantt["lines"] for o in ln["operations"]}


def _idle(db: Session, line_id: int) -> None:
    machine = db.scalars(select(Machine).where(Machine.line_id == line_id)).one()
    db.add(StateInterval(machine_id=machine.id, start=utcnow() - timedelta(minutes=10),
                         state="idle", reason="no_order"))  # fmt: skip
    db.commit()


def _check(
    app: FastAPI, db: Session, world: World, smt2: int, planner: TestClient, supervisor: TestClient
) -> None:
    plan_id, gantt = _solve(app, world, planner)
    ops = _by_op(gantt)
    first, second = ops[("PO-1", 1)], ops[("PO-2", 1)]
    # The planner puts PO-2's SMT behind PO-1's on one line, leaving the other one free.
    busy_line = next(ln["line_id"] for ln in gantt["lines"] if first in ln["operations"])
    free_line = smt2 if busy_line != smt2 else world.line_ids["SMT-1"]
    _ok(planner.patch(f"{API}/plans/{plan_id}/operations/{second['operation_id']}", json={
        "start": first["end"], "line_id": busy_line, "version": gantt["version"], "mode": "push",
    }))  # fmt: skip
    _ok(planner.post(f"{API}/plans/{plan_id}/publish", json={}))
    _idle(db, free_line)
    seen = _ok(supervisor.get(f"{API}/idle/alternates"))
    assert seen["plan_id"] == plan_id and seen["accept_available"] is False
    [move] = seen["moves"]
    assert move["kind"] == "alternate" and move["swap"] is None
    assert (move["order_number"], move["to_line_id"]) == ("PO-2", free_line)
    assert move["operation_id"] == second["operation_id"]
    # it ends about 30 minutes sooner and fills most of the free line's next half hour
    assert 20 <= move["earlier_min"] <= 40 and 20 <= move["gain_min"] <= 30
    assert _ok(planner.get(f"{API}/idle/alternates"))["accept_available"] is True
    body = {"plan_id": plan_id, "operation_id": move["operation_id"], "to_line_id": free_line,
            "gain_min": move["gain_min"]}  # fmt: skip
    url = f"{API}/idle/alternates/accept"
    assert supervisor.post(url, json=body).status_code == 403  # not a planner
    stale = planner.post(url, json={**body, "plan_id": plan_id + 100})
    assert stale.status_code == 409 and stale.json()["errors"][0]["field"] == "plan_id"
    hostile = planner.post(url, json={**body, "to_line_id": "SMT-2"})
    assert hostile.status_code == 422 and "to_line_id" in hostile.text
    accepted = _ok(planner.post(url, json=body))
    assert accepted["superseded_plan_id"] == plan_id
    assert accepted["reason"].startswith("idle suggestion: PO-2")
    new_id = accepted["plan_id"]
    db.expire_all()
    assert db.get(SchedulePlan, plan_id).status == "superseded"  # type: ignore[union-attr]
    assert db.get(SchedulePlan, new_id).status == "published"  # type: ignore[union-attr]
    row = db.scalars(
        select(PlannedOperation).where(
            PlannedOperation.plan_id == new_id,
            PlannedOperation.operation_id == second["operation_id"],
        )
    ).one()
    assert row.line_id == free_line
    assert plan_problems(db, new_id) == []  # the engine's own validator finds nothing
    # the free line has work now: nothing more to suggest
    assert _ok(planner.get(f"{API}/idle/alternates"))["moves"] == []


def test_a_line_waiting_for_its_next_job_swaps_it_for_one_waiting_elsewhere(
    app: FastAPI, db: Session, world: World
) -> None:
    smt1, smt2 = world.line_ids["SMT-1"], second_smt_line(db, world)
    with TestClient(app) as planner:
        login(planner, "planner")
        plan_id, gantt = _solve(app, world, planner)
        now = datetime.fromisoformat(gantt["horizon_start"])

        def move(number: str, seq: int, minutes: int, line: int | None = None) -> None:
            nonlocal gantt
            op = _by_op(gantt)[(number, seq)]
            body = {"start": (now + timedelta(minutes=minutes)).isoformat(), "mode": "push",
                    "version": gantt["version"], **({"line_id": line} if line else {})}  # fmt: skip
            gantt = _ok(planner.patch(f"{API}/plans/{plan_id}/operations/{op['operation_id']}",
                                      json=body))  # fmt: skip

        # Tests well later (slack behind both SMT steps); PO-1's SMT (X) in 10 minutes on
        # SMT-1, PO-2's SMT (Y) in an hour on SMT-2. SMT-1 stands idle until X comes.
        move("PO-1", 2, 180)
        move("PO-2", 2, 240)
        move("PO-1", 1, 10, smt1)
        move("PO-2", 1, 60, smt2)
        _ok(planner.post(f"{API}/plans/{plan_id}/publish", json={}))
        x, y = _by_op(gantt)[("PO-1", 1)], _by_op(gantt)[("PO-2", 1)]
        _idle(db, smt1)
        [found] = _ok(planner.get(f"{API}/idle/alternates"))["moves"]
        # SMT-1 is not free (X comes within 30 minutes): not an alternate but a swap
        assert found["kind"] == "swap"
        assert (found["operation_id"], found["to_line_id"]) == (y["operation_id"], smt1)
        assert found["swap"]["operation_id"] == x["operation_id"]
        assert found["swap"]["to_line"] == "SMT-2"
        assert found["swap"]["start"] == y["start"]
        # Y fills the ten minutes SMT-1 waited; Y ends an hour sooner, X 50 minutes later
        assert 3 <= found["gain_min"] <= 11 and 5 <= found["earlier_min"] <= 15
        body = {"plan_id": plan_id, "operation_id": y["operation_id"], "to_line_id": smt1,
                "swap_operation_id": x["operation_id"], "gain_min": found["gain_min"]}  # fmt: skip
        accepted = _ok(planner.post(f"{API}/idle/alternates/accept", json=body))
        assert "PO-1 SMT in its place" in accepted["reason"]
    new_id = accepted["plan_id"]
    db.expire_all()
    rows = {
        r.operation_id: r.line_id
        for r in db.scalars(select(PlannedOperation).where(PlannedOperation.plan_id == new_id))
    }
    assert rows[y["operation_id"]] == smt1 and rows[x["operation_id"]] == smt2
    assert plan_problems(db, new_id) == []
