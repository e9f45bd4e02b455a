"""Moves that push the following work along; adopting (publishing) a what-if scenario."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from linewise.core.audit import AuditRecord
from linewise.domains.planning import adoption
from linewise.domains.production.models import OrderOperation, ProductionOrder
from tests.integration.planning.conftest import QUICK, Demo, plan_problems


def _ops(gantt: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {op["operation_id"]: op for line in gantt["lines"] for op in line["operations"]}


def _when(op: dict[str, Any], field: str = "start") -> datetime:
    return datetime.fromisoformat(op[field])


def _pairs(gantt: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Consecutive operations on a line, neither frozen: (a, the one after a)."""
    out = []
    for line in gantt["lines"]:
        ops = sorted(line["operations"], key=lambda o: o["start"])
        out += [(a, b) for a, b in pairwise(ops) if not (a["frozen"] or b["frozen"])]
    return out


def test_push_moves_the_following_operations_strict_refuses(demo: Demo, db: Session) -> None:
    plan_id = demo.solve()["plan_id"]
    url = f"/api/v1/plans/{plan_id}"
    before = demo.planner.get(url).json()
    ops_before = _ops(before)
    version = before["version"]
    pushed: dict[str, Any] | None = None
    for a, b in _pairs(before):
        # a onto b's start: strictly it overlaps b; pushing moves b (and what follows) on.
        move = f"{url}/operations/{a['operation_id']}"
        strict = demo.planner.patch(move, json={"start": b["start"], "version": version})
        assert strict.status_code == 422, strict.text
        rules = {e["rule"] for e in strict.json()["errors"]}
        if not rules & {"overlap", "setup"}:
            continue  # a cannot run there at all (its window, its operators): try another
        body = {"start": b["start"], "version": version, "mode": "push"}
        r = demo.planner.patch(move, json=body)
        if r.status_code == 200:
            pushed = r.json()
            break
        assert r.status_code == 422, r.text
    assert pushed is not None, "no operation could be pushed onto the next one"
    report = pushed["move"]
    assert report["mode"] == "push" and report["operation_id"] == a["operation_id"]
    assert _when(report["to"]) == _when(b)
    assert pushed["version"] == version + 1
    moved = {m["operation_id"]: m for m in report["pushed"]}
    assert b["operation_id"] in moved
    assert all(m["delay_s"] > 0 for m in moved.values())
    assert plan_problems(db, plan_id) == []

    after = _ops(demo.planner.get(url).json())
    changed = {i for i, op in after.items() if op["start"] != ops_before[i]["start"]}
    assert changed == set(moved) | {a["operation_id"]}
    for i, op in after.items():
        if i == a["operation_id"]:
            continue
        assert _when(op) >= _when(ops_before[i]), op  # nothing earlier
        assert op["line_id"] == ops_before[i]["line_id"]
        if ops_before[i]["frozen"]:
            assert op["start"] == ops_before[i]["start"]
        if i in moved:
            delay = (_when(op) - _when(ops_before[i])).total_seconds()
            assert moved[i]["delay_s"] == delay
    for order in report["orders"]:
        assert order["tardiness_after_s"] >= 0 and order["end_after"] != order["end_before"]


def test_push_refused_at_work_in_progress(demo: Demo, db: Session) -> None:
    plan_id = demo.solve()["plan_id"]
    url = f"/api/v1/plans/{plan_id}"
    gantt = demo.planner.get(url).json()
    a, b = _pairs(gantt)[0]
    db.rollback()
    started = db.get(OrderOperation, b["operation_id"])
    assert started is not None
    started.status = "in_progress"
    db.commit()
    body = {"start": b["start"], "version": gantt["version"], "mode": "push"}
    r = demo.planner.patch(f"{url}/operations/{a['operation_id']}", json=body)
    assert r.status_code == 422, r.text
    problem = r.json()
    errors = problem["errors"]
    assert errors[0]["rule"] == "frozen" and errors[0]["other_operation_id"] == b["operation_id"]
    assert b["order_number"] in problem["detail"]
    assert re.search(r"\d\d:\d\d CES?T", problem["detail"]) and "UTC" not in problem["detail"]
    assert demo.planner.get(url).json()["version"] == gantt["version"]  # nothing saved


def _scenario(demo: Demo, name: str, change: dict[str, Any] | None = None) -> int:
    r = demo.planner.post("/api/v1/scenarios", json={"name": name})
    assert r.status_code == 201, r.text
    sid: int = r.json()["id"]
    if change is not None:
        r = demo.planner.post(f"/api/v1/scenarios/{sid}/changes", json=change)
        assert r.status_code == 201, r.text
    return sid


def _codes(r: Any) -> set[str]:
    assert r.status_code == 409, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    return {e["code"] for e in r.json()["errors"]}


def test_adopting_a_scenario_publishes_its_plan_unless_stale(
    demo: Demo, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = demo.solve()["plan_id"]
    demo.publish(first)
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(hours=26)
    down = {
        "kind": "line_down",
        "line_id": demo.lines["SMT-1"],
        "start": start.isoformat(),
        "end": (start + timedelta(hours=4)).isoformat(),
    }
    sid = _scenario(demo, "SMT-1 service", down)
    publish = f"/api/v1/scenarios/{sid}/publish"
    assert _codes(demo.planner.post(publish, json={})) == {"not_solved"}
    run = demo.solve(QUICK, url=f"/api/v1/scenarios/{sid}/solve")
    scenario_plan = run["plan_id"]
    assert _codes(demo.planner.post(publish, json={"plan_id": scenario_plan + 1000})) == {
        "plan_changed"
    }

    # A change added after the solve: the plan does not reflect it.
    extra = demo.planner.post(
        f"/api/v1/scenarios/{sid}/changes",
        json={
            **down,
            "start": (start + timedelta(days=1)).isoformat(),
            "end": (start + timedelta(days=1, hours=2)).isoformat(),
        },
    ).json()["changes"][-1]
    assert _codes(demo.planner.post(publish, json={})) == {"changes_edited"}
    demo.planner.delete(f"/api/v1/scenarios/{sid}/changes/{extra['id']}")

    # The factory changed since the solve: a due date, a step completed, and an order
    # released only after the scenario starts it.
    db.rollback()
    planned = _ops(demo.planner.get(f"/api/v1/plans/{scenario_plan}").json()).values()
    order_op = next(op for op in planned if not op["frozen"])
    order = db.get(ProductionOrder, order_op["order_id"])
    step = db.get(OrderOperation, order_op["operation_id"])
    soon = min(
        (op for op in planned if op["order_id"] != order_op["order_id"] and not op["frozen"]),
        key=lambda op: op["start"],
    )
    later = db.get(ProductionOrder, soon["order_id"])
    assert order is not None and step is not None and later is not None
    due, release = order.due_date, later.release_date
    order.due_date = due + timedelta(days=2)
    step.status = "completed"
    later.release_date = _when(soon) + timedelta(hours=1)
    db.commit()
    r = demo.planner.post(publish, json={})
    assert _codes(r) >= {"order_changed", "operation_closed", "waits_changed"}
    assert order.number in r.json()["detail"] and later.number in r.json()["detail"]
    order.due_date, step.status, later.release_date = due, "pending", release  # back: fit again
    db.commit()

    # Another plan published meanwhile: the comparison is outdated until re-based.
    second = demo.solve()["plan_id"]
    demo.publish(second)
    r = demo.planner.post(publish, json={})
    assert _codes(r) == {"baseline_outdated"}
    assert r.json()["errors"][0]["published_plan_id"] == second
    rebased = demo.planner.post(f"/api/v1/scenarios/{sid}/rebase")
    assert rebased.status_code == 200, rebased.text
    assert rebased.json()["baseline_plan_id"] is not None
    assert _codes(demo.planner.post(publish, json={})) == {"solved_before_rebase"}
    scenario_plan = demo.solve(QUICK, url=f"/api/v1/scenarios/{sid}/solve")["plan_id"]

    # Minutes later (the horizon moved on; short orders are planned from its end): fine.
    later_now = datetime.now(UTC) + timedelta(minutes=7)
    monkeypatch.setattr(adoption, "utcnow", lambda: later_now)
    r = demo.planner.post(publish, json={"plan_id": scenario_plan})
    assert r.status_code == 200, r.text
    out = r.json()
    adopted = out["plan"]
    assert adopted["status"] == "published" and adopted["kind"] == "adopted"
    assert adopted["scenario_id"] is None and out["superseded_plan_id"] == second
    assert [a["kind"] for a in out["assumptions"]] == ["line_down"]
    assert "SMT-1 down" in out["assumptions"][0]["text"]
    # in the site's local time, labelled with its zone: the Gantt beside it shows Berlin
    text = out["assumptions"][0]["text"]
    assert re.search(r"\d\d:\d\d CES?T", text) and "UTC" not in text, text
    assert "assumes: line SMT-1 down" in adopted["reason"]
    assert demo.planner.get(f"/api/v1/plans/{second}").json()["status"] == "superseded"
    assert demo.planner.get(f"/api/v1/scenarios/{sid}").json()["adopted_plan_id"] == adopted["id"]
    assert plan_problems(db, adopted["id"]) == []
    nxt = demo.operator.get("/api/v1/plans/published/next", params={"line_id": demo.lines["SMT-1"]})
    assert nxt.status_code == 200 and nxt.json()["plan_id"] == adopted["id"]
    same = _ops(demo.planner.get(f"/api/v1/plans/{scenario_plan}").json())
    assert {
        i: op["start"]
        for i, op in _ops(demo.planner.get(f"/api/v1/plans/{adopted['id']}").json()).items()
    } == {i: op["start"] for i, op in same.items()}
    db.rollback()
    audited = db.scalars(
        select(AuditRecord).where(
            AuditRecord.entity == "schedule_plans", AuditRecord.entity_id == str(adopted["id"])
        )
    ).all()
    assert any(a.after and "assumes" in str(a.after.get("reason")) for a in audited)
    assert any(a.after and a.after.get("status") == "published" for a in audited)


def test_publishing_a_rush_order_scenario_creates_the_order(demo: Demo, db: Session) -> None:
    demo.publish(demo.solve()["plan_id"])
    db.rollback()
    product = db.scalars(select(ProductionOrder.product_id).limit(1)).one()
    due = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    rush = {"kind": "rush_order", "product_id": product, "quantity": 50, "priority": 2}
    sid = _scenario(demo, "Rush", {**rush, "due_date": due.isoformat(), "number": "RUSH-9"})
    check = f"/api/v1/scenarios/{sid}/publish-check"
    before = demo.planner.get(check).json()
    assert before["publishable"] is False
    assert {r["code"] for r in before["refusals"]} == {"not_solved"}
    assert [o["number"] for o in before["creates_orders"]] == ["RUSH-9"]
    run = demo.solve(QUICK, url=f"/api/v1/scenarios/{sid}/solve")

    # The check says what publishing will do, and writes nothing.
    ready = demo.planner.get(check).json()
    assert ready["publishable"] is True and ready["refusals"] == []
    assert ready["scenario_plan_id"] == run["plan_id"]
    assert ready["creates_orders"][0]["quantity"] == 50
    assert demo.planner.get("/api/v1/orders/by-number/RUSH-9").status_code == 404

    r = demo.planner.post(f"/api/v1/scenarios/{sid}/publish", json={"plan_id": run["plan_id"]})
    assert r.status_code == 200, r.text
    out = r.json()
    created = out["created_orders"]
    assert [c["number"] for c in created] == ["RUSH-9"]
    order = demo.planner.get("/api/v1/orders/by-number/RUSH-9").json()
    assert order["id"] == created[0]["id"] and order["status"] == "released"
    assert order["quantity"] == 50 and order["priority"] == 2 and order["product"]["id"] == product
    assert datetime.fromisoformat(order["due_date"]) == due
    # The published plan runs the new order's operations: its page shows their plan.
    assert order["plan_id"] == out["plan"]["id"]
    assert order["operations"] and all(op["planned_start"] for op in order["operations"])
    gantt = _ops(demo.planner.get(f"/api/v1/plans/{out['plan']['id']}").json())
    mine = [op for op in gantt.values() if op["order_number"] == "RUSH-9"]
    assert {op["operation_id"] for op in mine} == {op["id"] for op in order["operations"]}
    assert (
        "creates order RUSH-9"
        in demo.planner.get(f"/api/v1/plans/{out['plan']['id']}").json()["reason"]
    )
    db.rollback()
    audited = db.scalars(
        select(AuditRecord)
        .where(AuditRecord.entity == "production_orders", AuditRecord.entity_id == str(order["id"]))
        .order_by(AuditRecord.seq)
    ).all()
    assert audited and audited[0].after and audited[0].after.get("number") == "RUSH-9"

    # Solving the published scenario again would plan RUSH-9 twice: refused, named.
    r = demo.planner.post(f"/api/v1/scenarios/{sid}/solve", json=QUICK)
    assert r.status_code == 422 and "RUSH-9" in r.json()["detail"], r.text

    # A rush order's number must be free: refused when added, and at publishing when an
    # order took it after the solve.
    taken = {**rush, "due_date": due.isoformat(), "number": "RUSH-9"}
    r = demo.planner.post(f"/api/v1/scenarios/{sid}/changes", json=taken)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "number", r.text
    sid = _scenario(demo, "Rush 2", {**taken, "number": "RUSH-10"})
    demo.solve(QUICK, url=f"/api/v1/scenarios/{sid}/solve")
    order_in = {
        "number": "RUSH-10",
        "product_id": product,
        "quantity": 5,
        "due_date": taken["due_date"],
    }
    assert demo.planner.post("/api/v1/orders", json=order_in).status_code == 201
    again = demo.planner.get(f"/api/v1/scenarios/{sid}/publish-check").json()
    assert "rush_number_taken" in {r["code"] for r in again["refusals"]}
    r = demo.planner.post(f"/api/v1/scenarios/{sid}/publish", json={})
    assert "rush_number_taken" in _codes(r) and "RUSH-10" in r.json()["detail"]
    db.rollback()
    rush_10 = db.scalars(select(ProductionOrder).where(ProductionOrder.number == "RUSH-10")).all()
    assert [o.quantity for o in rush_10] == [5]  # nothing created by the refused publish


def test_publish_check_names_a_stale_solve(demo: Demo) -> None:
    demo.publish(demo.solve()["plan_id"])
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(hours=30)
    down = {
        "kind": "line_down",
        "line_id": demo.lines["SMT-1"],
        "start": start.isoformat(),
        "end": (start + timedelta(hours=2)).isoformat(),
    }
    sid = _scenario(demo, "Stale", down)
    demo.solve(QUICK, url=f"/api/v1/scenarios/{sid}/solve")
    changes = demo.planner.get(f"/api/v1/scenarios/{sid}").json()["changes"]
    demo.planner.delete(f"/api/v1/scenarios/{sid}/changes/{changes[0]['id']}")
    check = demo.planner.get(f"/api/v1/scenarios/{sid}/publish-check").json()
    assert check["publishable"] is False
    assert "changes_edited" in {r["code"] for r in check["refusals"]}
