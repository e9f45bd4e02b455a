"""The job queue's routes and the server's own workers, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from linewise.config import Settings
from linewise.core.db import make_session_factory, session_scope
from linewise.domains.performance.refresher import KIND as KPI_REFRESH
from linewise.jobs import enqueue
from linewise.jobs.models import Job, JobSchedule
from tests.conftest import with_job_workers
from tests.services import wait_until


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """This module tests what the server's own job workers do: run them."""
    return with_job_workers(settings)


def _dead_job(app: FastAPI) -> int:
    with session_scope(make_session_factory(app.state.engine)) as db:
        job_id = enqueue(db, "report.mail", {"to": "plant@example.com"})
        db.flush()
        db.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(state="dead", attempt=3, last_error="SMTPError: relay refused")
        )
        enqueue(db, "report.mail", {"to": "other@example.com"})
    return job_id


def test_managers_see_the_dead_letters_and_replay_them(
    app: FastAPI, as_role: dict[str, TestClient]
) -> None:
    job_id = _dead_job(app)
    manager = as_role["manager"]
    dead = manager.get("/api/v1/jobs", params={"state": "dead"}).json()
    assert dead["total"] == 1
    assert dead["items"][0]["id"] == job_id
    assert dead["items"][0]["last_error"] == "SMTPError: relay refused"
    stats = manager.get("/api/v1/jobs/stats").json()
    depth = {s["state"]: s["count"] for s in stats["states"]}
    assert depth == {"available": 1, "running": 0, "retryable": 0, "succeeded": 0, "dead": 1}
    assert stats["oldest_ready_at"] is not None

    r = as_role["planner"].post(f"/api/v1/jobs/{job_id}/replay")
    assert r.status_code == 403
    r = manager.post(f"/api/v1/jobs/{job_id}/replay")
    assert r.status_code == 200, r.text
    assert (r.json()["state"], r.json()["attempt"]) == ("available", 0)
    again = manager.post(f"/api/v1/jobs/{job_id}/replay")
    assert again.status_code == 409
    assert "only dead jobs" in again.json()["detail"]
    assert manager.post("/api/v1/jobs/999999/replay").status_code == 404
    assert as_role["admin"].get("/api/v1/jobs", params={"state": "dead"}).json()["total"] == 0


def test_hostile_filters_are_refused_naming_the_field(as_role: dict[str, TestClient]) -> None:
    r = as_role["admin"].get("/api/v1/jobs", params={"state": "zombie"})
    assert r.status_code == 422
    assert "state" in r.text
    r = as_role["admin"].post("/api/v1/jobs/0/replay")
    assert r.status_code == 422
    assert "job_id" in r.text
    assert as_role["operator"].get("/api/v1/jobs").status_code == 403


def test_the_server_runs_jobs_and_schedules_the_kpi_refresh(
    app: FastAPI, client: TestClient, db: Session
) -> None:
    factory = make_session_factory(app.state.engine)
    with session_scope(factory) as s:
        job_id = enqueue(s, KPI_REFRESH)

    def done() -> bool:
        db.rollback()
        return db.scalar(select(Job.state).where(Job.id == job_id)) == "succeeded"

    wait_until(done, timeout=20, what="the server's worker to run the job")
    db.rollback()
    schedule = db.get(JobSchedule, "kpi-refresh")
    assert schedule is not None and schedule.cron == "* * * * *"
