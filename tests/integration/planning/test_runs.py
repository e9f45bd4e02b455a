"""Runs: progress stream, cancel keeps the best plan, one run per scope, restarts."""

from __future__ import annotations

from sqlalchemy.orm import Session

from linewise.domains.planning.models import RunState, ScheduleRun
from linewise.domains.planning.service import RESTART_MESSAGE, PlanningRuntime
from tests.integration.planning.conftest import Demo, plan_problems, sse_events


def test_follow_progress_cancel_publish_and_next_operations(demo: Demo, db: Session) -> None:
    r = demo.planner.post(
        "/api/v1/schedules", json={"time_limit_s": 60, "num_workers": 1, "horizon_days": 14}
    )
    assert r.status_code == 202, r.text
    run_id = r.json()["id"]
    assert r.headers["Location"] == f"/api/v1/schedules/{run_id}"
    events = []
    with demo.planner.stream("GET", f"/api/v1/schedules/{run_id}/events") as stream:
        for event, data in sse_events(stream.iter_lines()):
            events.append((event, data))
            if event == "progress" and len([e for e in events if e[0] == "progress"]) == 1:
                # The heuristic plan is the first point: stop the solver right there.
                assert demo.planner.post(f"/api/v1/schedules/{run_id}/cancel").status_code == 202
            if event == "done":
                break
    kinds = [e[0] for e in events]
    assert "progress" in kinds and kinds[-1] == "done"
    point = next(d for e, d in events if e == "progress")
    assert set(point) == {"elapsed", "objective", "bound", "gap"}
    assert demo.runtime.wait(run_id, 30.0)
    run = demo.planner.get(f"/api/v1/schedules/{run_id}").json()
    assert run["status"] == "cancelled"
    assert run["heuristic_plan_id"] is not None and run["plan_id"] is not None
    assert run["progress"] and run["finished_at"] is not None
    assert plan_problems(db, run["plan_id"]) == []

    gantt = demo.planner.get(f"/api/v1/plans/{run['plan_id']}").json()
    assert gantt["status"] == "draft" and gantt["lines"] and gantt["orders"]
    op = gantt["lines"][0]["operations"][0]
    assert {"order_number", "product_code", "start", "end", "setup_s", "late", "due_date"} <= set(
        op
    )
    demo.publish(run["plan_id"])

    smt = demo.lines["SMT-1"]
    nxt = demo.operator.get(f"/api/v1/plans/published/next?line_id={smt}&limit=3")
    assert nxt.status_code == 200, nxt.text
    body = nxt.json()
    assert body["plan_id"] == run["plan_id"] and 0 < len(body["operations"]) <= 3
    starts = [o["start"] for o in body["operations"]]
    assert starts == sorted(starts)
    # The demo operator works in SMT only.
    other = demo.operator.get(f"/api/v1/plans/published/next?line_id={demo.lines['TEST-1']}")
    assert other.status_code == 403


def test_one_run_at_a_time_per_scope(demo: Demo) -> None:
    first = demo.planner.post("/api/v1/schedules", json={"time_limit_s": 60, "num_workers": 1})
    assert first.status_code == 202
    run_id = first.json()["id"]
    second = demo.planner.post("/api/v1/schedules", json={"time_limit_s": 1})
    assert second.status_code == 409, second.text
    assert second.json()["run_id"] == run_id
    demo.planner.post(f"/api/v1/schedules/{run_id}/cancel")
    assert demo.runtime.wait(run_id, 30.0)
    assert demo.planner.get(f"/api/v1/schedules/{run_id}").json()["status"] == "cancelled"


def test_bad_requests_name_the_field(demo: Demo) -> None:
    r = demo.planner.post("/api/v1/schedules", json={"objective": {"levels": ["speed"]}})
    assert r.status_code == 422
    r = demo.operator.post("/api/v1/schedules", json={})
    assert r.status_code == 403
    assert demo.planner.get("/api/v1/schedules/999").status_code == 404


def test_a_restart_fails_unfinished_runs(demo: Demo, db: Session) -> None:
    db.rollback()  # write from a fresh snapshot (the app wrote since the fixture read)
    run = ScheduleRun(kind="solve", state=RunState.RUNNING, params={}, progress=[])
    db.add(run)
    db.commit()
    PlanningRuntime(demo.app.state.session_factory)
    db.rollback()  # a fresh snapshot: the app wrote in other sessions
    db.expire_all()
    stored = db.get(ScheduleRun, run.id)
    assert stored is not None and stored.state == RunState.FAILED
    assert stored.error == RESTART_MESSAGE
    assert demo.planner.get(f"/api/v1/schedules/{run.id}").json()["status"] == "failed"
