"""Fixtures: the demo factory loaded, signed-in clients of the demo users, run helpers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from linewise.demo.factory import build_factory
from linewise.demo.load import load_factory
from linewise.domains.accounts.models import User
from linewise.domains.equipment.models import Area, Line
from linewise.domains.planning import problem as snapshot
from linewise.domains.planning import repository as repo
from linewise.domains.planning.models import SchedulePlan
from linewise.domains.planning.plans import engine_plan
from linewise.domains.planning.service import PlanningRuntime
from linewise.scheduling import validate
from tests.conftest import login, one_app

QUICK = {"time_limit_s": 1.0, "num_workers": 1, "horizon_days": 14}


@dataclass
class Demo:
    app: FastAPI
    planner: TestClient
    operator: TestClient
    lines: dict[str, int]

    @property
    def runtime(self) -> PlanningRuntime:
        runtime: PlanningRuntime = self.app.state.planning
        return runtime

    def solve(self, body: dict[str, Any] | None = None, url: str = "/api/v1/schedules") -> Any:
        """Start a run and wait for its job (a future-like join, not a sleep)."""
        r = self.planner.post(url, json=body or QUICK)
        assert r.status_code == 202, r.text
        run_id = r.json()["id"]
        assert self.runtime.wait(run_id, 60.0)
        run = self.planner.get(f"/api/v1/schedules/{run_id}").json()
        assert run["status"] in ("succeeded", "cancelled"), run
        return run

    def publish(self, plan_id: int) -> Any:
        r = self.planner.post(f"/api/v1/plans/{plan_id}/publish", json={})
        assert r.status_code == 200, r.text
        return r.json()


@pytest.fixture
def demo(app: FastAPI, db: Session, password_hash: str) -> Iterator[Demo]:
    now = datetime.now(UTC)
    load_factory(db, build_factory(now, orders=30), with_users=False)
    smt = db.scalars(select(Area).where(Area.code == "SMT")).one()
    db.add(User(username="planner", full_name="P", password_hash=password_hash, role="planner"))
    db.add(
        User(
            username="operator",
            full_name="O",
            password_hash=password_hash,
            role="operator",
            areas=[smt],
        )
    )
    db.commit()
    lines = {line.code: line.id for line in db.scalars(select(Line))}
    with one_app(app, 2) as (planner, operator):
        login(planner, "planner")
        login(operator, "operator")
        yield Demo(app, planner, operator, lines)


def plan_problems(db: Session, plan_id: int) -> list[str]:
    """The independent validator's verdict on a stored plan."""
    db.rollback()  # a fresh snapshot: the app wrote in other sessions
    db.expire_all()
    plan = db.get(SchedulePlan, plan_id)
    assert plan is not None
    problem = snapshot.load(plan.instance_blob)
    return validate(problem.instance, engine_plan(problem, list(repo.plan_rows(db, plan_id))))


def sse_events(lines: Iterator[str]) -> Iterator[tuple[str, Any]]:
    event = ""
    for line in lines:
        if line.startswith("event: "):
            event = line[7:]
        elif line.startswith("data: "):
            yield event, json.loads(line[6:])
