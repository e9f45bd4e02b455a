"""Moves are checked by the validator; scenarios compare; a down machine gets a proposal."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from linewise.domains.accounts.models import ApiKeyScope
from linewise.domains.accounts.service import create_api_key
from linewise.domains.planning import problem as snapshot
from linewise.domains.planning.events import ReplanProposed
from linewise.domains.planning.models import SchedulePlan
from linewise.domains.production.models import Product
from linewise.scheduling.calendar import CalendarIndex
from tests.integration.planning.conftest import QUICK, Demo, plan_problems


def _ops(gantt: dict[str, Any]) -> list[dict[str, Any]]:
    return [op for line in gantt["lines"] for op in line["operations"]]


def test_move_refused_with_the_rule_then_accepted(demo: Demo, db: Session) -> None:
    run = demo.solve()
    plan_id = run["plan_id"]
    gantt = demo.planner.get(f"/api/v1/plans/{plan_id}").json()
    version = gantt["version"]
    smt = next(line for line in gantt["lines"] if line["line_code"] == "SMT-1")
    a, b = [op for op in smt["operations"] if not op["frozen"]][:2]

    url = f"/api/v1/plans/{plan_id}/operations/{b['operation_id']}"
    r = demo.planner.patch(url, json={"start": a["start"], "version": version})
    assert r.status_code == 422, r.text
    errors = r.json()["errors"]
    assert any(e["rule"] in ("overlap", "setup") for e in errors), errors
    assert any(e["other_order_number"] == a["order_number"] for e in errors), errors

    r = demo.planner.patch(url, json={"line_id": demo.lines["PACK-1"], "version": version})
    assert r.status_code == 422
    assert r.json()["errors"][0]["rule"] == "eligibility"

    # Into the weekend, when nobody works: snapped to the next working time, where it
    # overlaps what runs there (strict): refused in readable times, never UTC.
    start = datetime.fromisoformat(gantt["horizon_start"])
    sunday = (start + timedelta(days=(6 - start.weekday()) % 7)).replace(hour=3, minute=0)
    if sunday <= start:  # run on a Sunday after 03:00: the next one is the weekend ahead
        sunday += timedelta(days=7)
    r = demo.planner.patch(url, json={"start": sunday.isoformat(), "version": version})
    if r.status_code == 422:
        message = r.json()["errors"][0]["message"]
        assert "UTC" not in message and ".." not in message
        assert not any(e["rule"] == "calendar" for e in r.json()["errors"]), r.json()
    else:
        assert r.status_code == 200, r.text
        assert r.json()["move"]["snapped"] is True
        back = {"operation_id": b["operation_id"], "line_id": b["line_id"], "start": b["start"]}
        r = demo.planner.post(
            f"/api/v1/plans/{plan_id}/restore", json={"placements": [back], "version": version + 1}
        )
        assert r.status_code == 200, r.text  # undone: the rest of the test sees the plan
        version += 2

    # The last step of an order, moved after everything else on its line: valid.
    last = max(_ops(gantt), key=lambda op: (op["end"], op["seq"]))
    line_ops = [op for op in _ops(gantt) if op["line_id"] == last["line_id"]]
    db.rollback()
    plan = db.get(SchedulePlan, plan_id)
    assert plan is not None
    problem = snapshot.load(plan.instance_blob)
    rid = problem.resource_of_line(last["line_id"])
    assert rid is not None
    key = problem.key_of_operation(last["operation_id"])
    assert key is not None
    job = next(j for j in problem.instance.jobs if j.id == key[0])
    op = job.operations[key[1]]
    resource = problem.instance.resource(rid)
    after = max(problem.seconds(datetime.fromisoformat(o["end"])) for o in line_ops)
    fit = CalendarIndex(resource.calendar).earliest_fit(
        after + 3600, op.duration_on(rid), op.splittable
    )
    assert fit is not None
    target = problem.at(fit[0])
    url = f"/api/v1/plans/{plan_id}/operations/{last['operation_id']}"
    r = demo.planner.patch(url, json={"start": target.isoformat(), "version": version})
    assert r.status_code == 200, r.text
    moved = next(o for o in _ops(r.json()) if o["operation_id"] == last["operation_id"])
    assert datetime.fromisoformat(moved["start"]) == target
    assert plan_problems(db, plan_id) == []
    stale = demo.planner.patch(url, json={"start": target.isoformat(), "version": version})
    assert stale.status_code == 409

    demo.publish(plan_id)
    r = demo.planner.patch(url, json={"start": target.isoformat(), "version": version + 1})
    assert r.status_code == 409  # published plans do not change


def test_scenario_with_a_rush_order_compares_with_its_baseline(demo: Demo, db: Session) -> None:
    base = demo.solve()
    demo.publish(base["plan_id"])
    r = demo.planner.post("/api/v1/scenarios", json={"name": "Rush for Nordwind"})
    assert r.status_code == 201, r.text
    scenario = r.json()
    assert scenario["baseline_plan_id"] is not None
    sid = scenario["id"]
    bad = demo.planner.post(
        f"/api/v1/scenarios/{sid}/changes",
        json={
            "kind": "line_down",
            "line_id": 99999,
            "start": "2030-01-01T00:00:00Z",
            "end": "2030-01-01T04:00:00Z",
        },
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "line_id"
    db.rollback()
    product = db.query(Product).filter_by(code="CTRL-100").one()
    due = (datetime.now(UTC) + timedelta(hours=30)).isoformat()
    r = demo.planner.post(
        f"/api/v1/scenarios/{sid}/changes",
        json={
            "kind": "rush_order",
            "product_id": product.id,
            "quantity": 400,
            "due_date": due,
            "number": "RUSH-1",
        },
    )
    assert r.status_code == 201, r.text
    assert r.json()["changes"][0]["kind"] == "rush_order"
    not_yet = demo.planner.get(f"/api/v1/scenarios/{sid}/compare")
    assert not_yet.status_code == 409
    run = demo.solve(QUICK, url=f"/api/v1/scenarios/{sid}/solve")
    assert run["scenario_id"] == sid
    assert plan_problems(db, run["plan_id"]) == []
    cmp = demo.planner.get(f"/api/v1/scenarios/{sid}/compare").json()
    rush = next(o for o in cmp["orders"] if o["order_number"] == "RUSH-1")
    assert rush["only_in"] == "scenario" and rush["baseline_end"] is None
    assert cmp["scenario"]["orders"] == cmp["baseline"]["orders"] + 1
    busy = {
        k: sum(ln[k]["busy_s"] for ln in cmp["lines"] if ln[k]) for k in ("baseline", "scenario")
    }
    assert busy["scenario"] > busy["baseline"]
    assert set(cmp["delta"]) >= {"weighted_tardiness", "makespan_s", "changeovers", "idle_s"}
    # predicted at the floor's rates: 400 more units cost more and finish no earlier
    rates = {"currency": "EUR", "labour_per_h": 40.0, "machine_per_h": 60.0, "version": 0}
    assert demo.planner.put("/api/v1/delivery/cost-rates", json=rates).status_code == 200
    pred = demo.planner.get(f"/api/v1/scenarios/{sid}/compare").json()["predicted"]
    b, s = pred["baseline"], pred["scenario"]
    assert pred["currency"] == "EUR"
    assert s["cost"]["labour"] > b["cost"]["labour"] > 0
    assert s["cost"]["machine"] / s["cost"]["labour"] == pytest.approx(60 / 40, rel=1e-3)
    assert s["scrap_units"] >= b["scrap_units"]
    assert datetime.fromisoformat(s["finish"]) >= datetime.fromisoformat(b["finish"])
    publish = demo.planner.post(f"/api/v1/plans/{run['plan_id']}/publish", json={})
    assert publish.status_code == 409  # a what-if is not what the floor runs


def test_a_machine_going_down_yields_a_proposal(demo: Demo, db: Session) -> None:
    published = demo.solve()
    demo.publish(published["plan_id"])
    watcher = demo.app.state.planning_watcher
    watcher.time_limit_s = 1.0
    watcher.repair_estimate = timedelta(days=5)  # reaches the next shift whenever this runs
    proposals: list[int] = []
    arrived = threading.Event()

    def seen(plan_id: int) -> None:
        proposals.append(plan_id)
        arrived.set()

    demo.runtime.on_proposal(seen)
    announced: list[ReplanProposed] = []
    demo.app.state.bus.subscribe(announced.append, ReplanProposed)
    db.rollback()
    _key, token = create_api_key(db, name="smt-gw", scope=ApiKeyScope.DEVICE, role=None)
    db.commit()
    at = (datetime.now(UTC) - timedelta(seconds=30)).isoformat()
    event = {
        "id": "pnp-1",
        "ts": at,
        "machine": "SMT-1-PNP1",
        "type": "state",
        "state": "down",
        "reason": "nozzle_jam",
    }
    r = demo.planner.post(
        "/api/v1/ingest", json=[event], headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 200, r.text
    assert arrived.wait(60), "no proposal after the machine went down"
    plan = demo.planner.get(f"/api/v1/plans/{proposals[0]}").json()
    assert plan["kind"] == "proposal" and plan["status"] == "draft" and plan["proposal"]
    assert "SMT-1-PNP1" in plan["reason"] and "nozzle_jam" in plan["reason"]
    assert [(a.plan_id, a.reason) for a in announced] == [(proposals[0], plan["reason"])]
    assert plan_problems(db, proposals[0]) == []
    until = datetime.now(UTC) + timedelta(days=5) - timedelta(minutes=5)
    smt1 = next(ln for ln in plan["lines"] if ln["line_code"] == "SMT-1")
    assert all(datetime.fromisoformat(op["start"]) >= until for op in smt1["operations"])
    accepted = demo.publish(proposals[0])
    assert accepted["status"] == "published"
    old = demo.planner.get(f"/api/v1/plans/{published['plan_id']}").json()
    assert old["status"] == "superseded"
