"""Moves snap to working time; undo and redo put operations back through the API.

A drop outside the line's working time goes to the next start where the operation fits
(the answer says where); ``POST /plans/{id}/restore`` with the places a move's answer
reported restores them in one validated write. The plan's figures speak planner terms.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from linewise.domains.planning import problem as snapshot
from linewise.domains.planning.models import SchedulePlan
from linewise.scheduling.calendar import CalendarIndex
from tests.integration.planning.conftest import Demo, plan_problems
from tests.integration.planning.test_push_and_adopt import _pairs

BERLIN = ZoneInfo("Europe/Berlin")


def _ops(gantt: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {op["operation_id"]: op for line in gantt["lines"] for op in line["operations"]}


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _last_on_its_line(gantt: dict[str, Any]) -> tuple[dict[str, Any], datetime]:
    """The operation that ends last, and when its line's last operation ends."""
    ops = list(_ops(gantt).values())
    last = max(ops, key=lambda op: (op["end"], op["seq"]))
    line_end = max(_when(o["end"]) for o in ops if o["line_id"] == last["line_id"])
    return last, line_end


def test_drop_on_a_sunday_snaps_to_the_next_working_time(demo: Demo, db: Session) -> None:
    plan_id = demo.solve()["plan_id"]
    url = f"/api/v1/plans/{plan_id}"
    gantt = demo.planner.get(url).json()
    last, line_end = _last_on_its_line(gantt)
    local = line_end.astimezone(BERLIN) + timedelta(hours=1)
    sunday = (local + timedelta(days=(6 - local.weekday()) % 7 or 7)).replace(
        hour=3, minute=0, second=0, microsecond=0
    )

    db.rollback()
    plan = db.get(SchedulePlan, plan_id)
    assert plan is not None
    problem = snapshot.load(plan.instance_blob)
    key = problem.key_of_operation(last["operation_id"])
    rid = problem.resource_of_line(last["line_id"])
    assert key is not None and rid is not None
    op = next(j for j in problem.instance.jobs if j.id == key[0]).operations[key[1]]
    fit = CalendarIndex(problem.instance.resource(rid).calendar).earliest_fit(
        problem.seconds(sunday), op.duration_on(rid), op.splittable
    )
    assert fit is not None
    expected = problem.at(fit[0])
    assert expected > sunday  # nobody works on Sunday night in the demo factory

    body = {"start": sunday.isoformat(), "version": gantt["version"]}
    r = demo.planner.patch(f"{url}/operations/{last['operation_id']}", json=body)
    assert r.status_code == 200, r.text
    move = r.json()["move"]
    assert move["snapped"] is True
    assert _when(move["requested_start"]) == sunday
    assert _when(move["to"]["start"]) == expected
    assert _when(_ops(r.json())[last["operation_id"]]["start"]) == expected
    assert plan_problems(db, plan_id) == []

    # A start inside working time stays exactly where it was asked for.
    back = {"start": last["start"], "version": gantt["version"] + 1}
    r = demo.planner.patch(f"{url}/operations/{last['operation_id']}", json=back)
    assert r.status_code == 200, r.text
    assert r.json()["move"]["snapped"] is False
    assert r.json()["move"]["to"]["start"] == r.json()["move"]["requested_start"]


def test_undo_and_redo_a_push_restore_every_operation(demo: Demo, db: Session) -> None:
    plan_id = demo.solve()["plan_id"]
    url = f"/api/v1/plans/{plan_id}"
    before = demo.planner.get(url).json()
    version = before["version"]
    moved: dict[str, Any] | None = None
    for a, b in _pairs(before):
        body = {"start": b["start"], "version": version, "mode": "push"}
        r = demo.planner.patch(f"{url}/operations/{a['operation_id']}", json=body)
        if r.status_code == 200 and r.json()["move"]["pushed"]:
            moved = r.json()["move"]
            break
        assert r.status_code == 422, r.text
    assert moved is not None, "no operation could be pushed onto the next one"
    starts_before = {i: op["start"] for i, op in _ops(before).items()}

    undo = [{"operation_id": moved["operation_id"], **_place(moved["from"])}] + [
        {"operation_id": p["operation_id"], "line_id": p["line_id"], "start": p["from_start"]}
        for p in moved["pushed"]
    ]
    r = demo.planner.post(f"{url}/restore", json={"placements": undo, "version": version + 1})
    assert r.status_code == 200, r.text
    assert {i: op["start"] for i, op in _ops(r.json()).items()} == starts_before
    assert {x["operation_id"] for x in r.json()["restored"]} == {u["operation_id"] for u in undo}
    assert r.json()["version"] == version + 2
    assert plan_problems(db, plan_id) == []

    redo = [{"operation_id": moved["operation_id"], **_place(moved["to"])}] + [
        {"operation_id": p["operation_id"], "line_id": p["line_id"], "start": p["to_start"]}
        for p in moved["pushed"]
    ]
    r = demo.planner.post(f"{url}/restore", json={"placements": redo, "version": version + 2})
    assert r.status_code == 200, r.text
    after = _ops(r.json())
    assert _when(after[moved["operation_id"]]["start"]) == _when(moved["to"]["start"])
    for p in moved["pushed"]:
        assert _when(after[p["operation_id"]]["start"]) == _when(p["to_start"])

    # An undo against a plan that changed since (an older version) is refused.
    stale = demo.planner.post(f"{url}/restore", json={"placements": redo, "version": version})
    assert stale.status_code == 409


def _place(p: dict[str, Any]) -> dict[str, Any]:
    return {"line_id": p["line_id"], "start": p["start"]}


def test_restore_refuses_hostile_input_and_operators(demo: Demo, db: Session) -> None:
    plan_id = demo.solve()["plan_id"]
    url = f"/api/v1/plans/{plan_id}"
    gantt = demo.planner.get(url).json()
    a, b = _pairs(gantt)[0]
    v = gantt["version"]
    onto = {"operation_id": a["operation_id"], "line_id": b["line_id"], "start": b["start"]}
    r = demo.planner.post(f"{url}/restore", json={"placements": [onto], "version": v})
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert {e["rule"] for e in r.json()["errors"]} & {"overlap", "setup", "eligibility"}

    unknown = {"operation_id": 10**9, "line_id": a["line_id"], "start": a["start"]}
    r = demo.planner.post(f"{url}/restore", json={"placements": [onto, unknown], "version": v})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "placements[1].operation_id"
    r = demo.planner.post(f"{url}/restore", json={"placements": [], "version": v})
    assert r.status_code == 422
    naive = {**onto, "start": "2026-01-01T00:00:00"}
    assert (
        demo.planner.post(f"{url}/restore", json={"placements": [naive], "version": v}).status_code
        == 422
    )

    # Instants at the ends of the calendar are refused by rule, never a server error.
    for when in ("9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00+14:00"):
        far = {**onto, "line_id": a["line_id"], "start": when}
        r = demo.planner.post(f"{url}/restore", json={"placements": [far], "version": v})
        assert r.status_code == 422, r.text
        body = {"start": when, "version": v, "mode": "push"}
        r = demo.planner.patch(f"{url}/operations/{a['operation_id']}", json=body)
        assert r.status_code == 422, r.text
    huge = {**onto, "line_id": 2**62}
    r = demo.planner.post(f"{url}/restore", json={"placements": [huge], "version": v})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "placements[0].line_id"

    r = demo.operator.post(f"{url}/restore", json={"placements": [onto], "version": v})
    assert r.status_code == 403
    assert demo.planner.get(url).json()["version"] == gantt["version"]  # nothing written


def test_plan_figures_in_the_planners_terms(demo: Demo) -> None:
    plan_id = demo.solve()["plan_id"]
    gantt = demo.planner.get(f"/api/v1/plans/{plan_id}").json()
    figures = gantt["figures"]
    ops = list(_ops(gantt).values())
    assert figures["orders"] == len(gantt["orders"])
    assert figures["late_orders"] == sum(1 for o in gantt["orders"] if o["tardiness_s"] > 0)
    assert figures["tardiness_s"] == sum(o["tardiness_s"] for o in gantt["orders"])
    assert figures["changeovers"] == sum(1 for op in ops if op["setup_s"] > 0)
    assert figures["changeover_s"] == sum(op["setup_s"] for op in ops)
    assert _when(figures["makespan_end"]) == max(_when(op["end"]) for op in ops)
    assert figures["bottleneck_line_code"] in {line["line_code"] for line in gantt["lines"]}
    assert 0 < figures["bottleneck_utilization"] <= 1


def test_push_moves_earlier_work_it_overlaps_instead_of_refusing(demo: Demo, db: Session) -> None:
    """b dropped into the middle of a (the one before it on the line): strict refuses the
    overlap; push puts a behind b, moves what follows, and the plan stays valid."""
    plan_id = demo.solve()["plan_id"]
    url = f"/api/v1/plans/{plan_id}"
    gantt = demo.planner.get(url).json()
    version = gantt["version"]
    done: dict[str, Any] | None = None
    for a, b in _pairs(gantt):
        if a["order_number"] == b["order_number"]:
            continue  # b's own earlier stage stays before it
        middle = _when(a["start"]) + (_when(a["end"]) - _when(a["start"])) / 2
        body = {"start": middle.isoformat(), "version": version}
        strict = demo.planner.patch(f"{url}/operations/{b['operation_id']}", json=body)
        assert strict.status_code == 422, strict.text
        r = demo.planner.patch(
            f"{url}/operations/{b['operation_id']}", json={**body, "mode": "push"}
        )
        if r.status_code == 200:
            done = {"a": a, "b": b, "answer": r.json()}
            break
        assert r.status_code == 422, r.text  # b cannot run there at all (its release…)
    assert done is not None, "no operation could be pushed into the one before it"
    move = done["answer"]["move"]
    pushed = {p["operation_id"]: p for p in move["pushed"]}
    assert done["a"]["operation_id"] in pushed
    after = _ops(done["answer"])
    assert _when(after[done["a"]["operation_id"]]["start"]) >= _when(move["to"]["end"])
    assert plan_problems(db, plan_id) == []
