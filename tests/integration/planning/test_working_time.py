"""Runs and bad master data: a line without working time, a run that cannot finish.

A line calendar without shift patterns once sent the builder looking for working time
that never came: the run never ended, held SQLite's write lock (every other write, the
cancel included, failed after 30 s) and grew to gigabytes. Now the request is refused
naming the calendar, such a line is left out where other lines can do the work, and a
run with no plan by its time limit is stopped.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from linewise.domains.equipment.models import Line
from linewise.domains.people.models import ShiftCalendar, ShiftPattern
from linewise.domains.planning import service
from linewise.domains.planning.builder import MAX_CALENDAR_REACH, NoWorkingTime, build_problem
from linewise.domains.planning.models import ScheduleRun
from linewise.scheduling import runner
from tests.integration.planning.conftest import QUICK, Demo

PROMPT = 5.0  # seconds: far below SQLite's 30 s busy timeout that a held lock shows as


def _own_calendar(db: Session, line_code: str, code: str, patterns: list[ShiftPattern]) -> None:
    db.rollback()  # write from a fresh snapshot (the app wrote since the fixture read)
    line = db.scalars(select(Line).where(Line.code == line_code)).one()
    db.add(
        ShiftCalendar(
            code=code,
            name=f"{line_code} own",
            site_id=line.area.site_id,
            line_id=line.id,
            patterns=patterns,
        )
    )
    db.commit()


def _timed(call: Any) -> tuple[Any, float]:
    began = time.monotonic()
    answer = call()
    return answer, time.monotonic() - began


def test_the_only_line_for_some_work_without_working_time_is_refused(
    demo: Demo, db: Session
) -> None:
    # DIP-1 is the only line of the THT step: no plan can exist without its time.
    _own_calendar(db, "DIP-1", "C-DIP1", [])
    r, took = _timed(lambda: demo.planner.post("/api/v1/schedules", json={}))
    assert r.status_code == 422, r.text
    assert took < PROMPT
    body = r.json()
    assert r.headers["content-type"].startswith("application/problem+json")
    assert (
        "line DIP-1's calendar 'C-DIP1' has no working time in the planning horizon"
        in (body["detail"])
    )
    [error] = body["errors"]
    assert error["field"] == "line_id" and error["line_code"] == "DIP-1"
    assert error["orders"]  # the orders that need it
    db.rollback()
    assert db.scalars(select(ScheduleRun)).first() is None  # no run was started
    # Nothing holds the database: a write answers at once.
    product = {"code": "AFTER-422", "name": "Written after the refusal"}
    r, took = _timed(lambda: demo.planner.post("/api/v1/products", json=product))
    assert r.status_code == 201, r.text
    assert took < PROMPT


def test_a_line_without_working_time_among_others_is_left_out(demo: Demo, db: Session) -> None:
    # SMT-1 and SMT-2 both run SMT assembly: the plan goes on without SMT-2.
    _own_calendar(db, "SMT-2", "C-SMT2", [])
    run = demo.solve({**QUICK, "time_limit_s": 0.5})
    assert run["status"] == "succeeded", run
    gantt = demo.planner.get(f"/api/v1/plans/{run['plan_id']}").json()
    assert any(
        "line SMT-2's calendar 'C-SMT2' has no working time" in w and "left out of the plan" in w
        for w in gantt["warnings"]
    ), gantt["warnings"]
    on_smt2 = [ln for ln in gantt["lines"] if ln["line_code"] == "SMT-2"]
    assert all(not ln["operations"] for ln in on_smt2)
    assert any(ln["operations"] for ln in gantt["lines"] if ln["line_code"] == "SMT-1")


def test_a_calendar_with_almost_no_working_time_builds_in_bounded_time(
    demo: Demo, db: Session
) -> None:
    # One minute a week on DIP-1: the open work needs centuries of such weeks.
    minute = ShiftPattern(code="M", name="M", start="06:00", end="06:01", weekdays=[0])
    _own_calendar(db, "DIP-1", "C-DIP1", [minute])
    db.rollback()
    began = time.monotonic()
    problem = build_problem(db, datetime.now(UTC), timedelta(days=14))
    assert time.monotonic() - began < 20.0
    last = max(w.end for r in problem.instance.resources for w in (r.calendar or ()))
    # A shift that begins before the reach ends runs to its own end (up to a day later).
    assert problem.at(last) <= problem.end + MAX_CALENDAR_REACH + timedelta(days=1)
    assert any(f"more than {MAX_CALENDAR_REACH.days} days" in w for w in problem.warnings)


@pytest.fixture
def slow_heuristic(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """The heuristic plan takes until the test releases it: a run stuck computing."""
    release = threading.Event()
    started = threading.Event()
    real = runner.best_dispatch

    def slow(*args: Any, **kwargs: Any) -> Any:
        started.set()
        release.wait(120)
        return real(*args, **kwargs)

    monkeypatch.setattr(runner, "best_dispatch", slow)
    yield started
    release.set()


def test_writes_and_cancel_answer_while_a_run_computes(
    demo: Demo, slow_heuristic: threading.Event
) -> None:
    r = demo.planner.post("/api/v1/schedules", json={**QUICK, "time_limit_s": 60})
    assert r.status_code == 202, r.text
    run_id = r.json()["id"]
    assert slow_heuristic.wait(30)  # the problem is built; the run computes
    product = {"code": "DURING-RUN", "name": "Written while the run computes"}
    r, took = _timed(lambda: demo.planner.post("/api/v1/products", json=product))
    assert r.status_code == 201, r.text
    assert took < PROMPT
    r, took = _timed(lambda: demo.planner.post(f"/api/v1/schedules/{run_id}/cancel"))
    assert r.status_code == 202, r.text
    assert took < PROMPT
    # The run ends now, not when the computation it no longer wants would have.
    assert demo.runtime.wait(run_id, PROMPT)
    run = demo.planner.get(f"/api/v1/schedules/{run_id}").json()
    assert run["status"] == "cancelled"
    assert run["plan_id"] is None and run["error"] == "cancelled before a plan was made"


def test_a_run_that_cannot_finish_is_stopped_after_its_limit(
    demo: Demo, slow_heuristic: threading.Event
) -> None:
    demo.runtime.guard_grace = 0.5
    r = demo.planner.post("/api/v1/schedules", json={**QUICK, "time_limit_s": 0.5})
    assert r.status_code == 202, r.text
    run_id = r.json()["id"]
    assert demo.runtime.wait(run_id, 10.0)
    run = demo.planner.get(f"/api/v1/schedules/{run_id}").json()
    assert run["status"] == "failed", run
    assert run["error"].startswith("no plan within the time limit (0.5 s"), run["error"]
    assert run["finished_at"] is not None and run["plan_id"] is None
    # The scope is free again: a new run can start.
    r = demo.planner.post("/api/v1/schedules", json={**QUICK, "time_limit_s": 0.5})
    assert r.status_code == 202, r.text
    demo.planner.post(f"/api/v1/schedules/{r.json()['id']}/cancel")
    assert demo.runtime.wait(r.json()["id"], 10.0)


def test_a_run_stopped_while_its_problem_is_read_stays_stopped(
    demo: Demo, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    release, reading = threading.Event(), threading.Event()
    real = service.build_problem

    def slow_build(*args: Any, **kwargs: Any) -> Any:
        reading.set()
        release.wait(60)
        return real(*args, **kwargs)

    monkeypatch.setattr(service, "build_problem", slow_build)
    demo.runtime.guard_grace = 0.5
    try:
        r = demo.planner.post("/api/v1/schedules", json={**QUICK, "time_limit_s": 0.5})
        assert r.status_code == 202, r.text
        run_id = r.json()["id"]
        job = demo.runtime.job(run_id)
        assert job is not None and reading.wait(30)
        snap = job.wait_for_update(-1, 0)
        while not snap.state.finished:
            snap = job.wait_for_update(snap.version, 10.0)
        assert snap.state == runner.JobState.FAILED
    finally:
        release.set()  # the build now finishes, long after the guard ended the run
    assert demo.runtime.wait(run_id, 30.0)
    worker = next((t for t in threading.enumerate() if t.name == f"linewise-run-{run_id}"), None)
    if worker is not None:
        worker.join(30.0)
    run = demo.planner.get(f"/api/v1/schedules/{run_id}").json()
    assert run["status"] == "failed" and run["finished_at"] is not None
    assert run["heuristic_plan_id"] is None and run["plan_id"] is None


def test_a_site_calendar_without_shifts_names_every_line_that_work_needs(
    demo: Demo, db: Session
) -> None:
    db.rollback()
    [site_calendar] = db.scalars(select(ShiftCalendar).where(ShiftCalendar.line_id.is_(None)))
    site_calendar.patterns.clear()
    db.commit()
    with pytest.raises(NoWorkingTime) as refused:
        build_problem(db, datetime.now(UTC), timedelta(days=14))
    named = {e["line_code"] for e in refused.value.errors}
    assert named == {"SMT-1", "SMT-2", "DIP-1", "TEST-1", "PACK-1"}
    assert f"line DIP-1's site calendar '{site_calendar.code}' has no working time" in (
        refused.value.detail
    )
