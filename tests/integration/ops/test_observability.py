"""Request ids, JSON logs, Prometheus metrics and the readiness probe."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from linewise.core import request_context
from linewise.core.logs import JsonFormatter, RequestIdFilter
from linewise.core.time import utcnow
from linewise.domains.accounts.models import ApiKeyScope
from linewise.domains.accounts.service import create_api_key
from linewise.jobs import enqueue
from tests.conftest import World

API = "/api/v1"


def _sample(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample in Prometheus' text format (None: absent)."""
    for line in text.splitlines():
        if not line.startswith(name + ("{" if labels else " ")) and not (
            labels and line.startswith(name + "{")
        ):
            continue
        if labels:
            inside = line[line.index("{") + 1 : line.index("}")]
            pairs = dict(p.split("=", 1) for p in inside.split(",") if p)
            if any(pairs.get(k) != f'"{v}"' for k, v in labels.items()):
                continue
        return float(line.rsplit(" ", 1)[1])
    return None


def test_every_answer_carries_a_request_id(client: TestClient) -> None:
    r = client.get(f"{API}/health")
    rid = r.headers["x-request-id"]
    assert len(rid) == 32
    assert client.get(f"{API}/health").headers["x-request-id"] != rid  # one per request
    given = client.get(f"{API}/health", headers={"X-Request-ID": "lb-7f3a.1"})
    assert given.headers["x-request-id"] == "lb-7f3a.1"
    # A hostile id (too long, or with characters that break a log line) is replaced.
    for bad in ("x" * 65, 'a"b', "a b"):
        got = client.get(f"{API}/health", headers={"X-Request-ID": bad}).headers["x-request-id"]
        assert got != bad and len(got) == 32
    # Problems carry it too.
    missing = client.get(f"{API}/orders/999999")
    assert missing.status_code in (401, 404) and "x-request-id" in missing.headers


def test_log_lines_are_json_with_the_request_id(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="linewise.access"):
        r = client.get(f"{API}/health", headers={"X-Request-ID": "trace-42"})
    assert r.status_code == 200
    access = [rec for rec in caplog.records if rec.name == "linewise.access"]
    assert access, "one access line per request"
    rec = access[-1]
    RequestIdFilter().filter(rec)
    line = json.loads(JsonFormatter().format(rec))
    assert line["request_id"] == "trace-42"
    assert line["route"] == f"{API}/health" and line["status"] == 200
    assert line["level"] == "info" and line["logger"] == "linewise.access"
    # Outside a request there is no id, and the line is still one JSON object.
    token = request_context.request_id.set(None)
    try:
        plain = logging.LogRecord(
            "x", logging.WARNING, __file__, 1, "no request %s", ("here",), None
        )
        out = json.loads(JsonFormatter().format(plain))
        assert out["message"] == "no request here" and "request_id" not in out
    finally:
        request_context.request_id.reset(token)


def test_metrics_need_an_admin_and_count_what_happened(
    app: FastAPI, db: Session, world: World, as_role: dict[str, TestClient]
) -> None:
    with TestClient(app) as anonymous:  # its lifespan runs the recorder
        assert anonymous.get("/metrics").status_code == 401
        admin = as_role["admin"]
        assert as_role["manager"].get("/metrics").status_code == 403
        _k, device = create_api_key(db, name="gw", scope=ApiKeyScope.DEVICE, role=None)
        enqueue(db, "nothing-registered")
        db.commit()
        before = admin.get("/metrics")
        assert before.status_code == 200, before.text
        assert before.headers["content-type"].startswith("text/plain")
        ok_before = (
            _sample(
                before.text,
                "linewise_http_requests_total",
                method="GET",
                route=f"{API}/health",
                status="200",
            )
            or 0.0
        )
        events_before = _sample(before.text, "linewise_ingest_events_total") or 0.0
        for _ in range(3):
            assert admin.get(f"{API}/health").status_code == 200
        event = {
            "id": "m-1",
            "ts": (utcnow() - timedelta(seconds=5)).isoformat(),
            "machine": "SMT-1-PNP1",
            "type": "count",
            "good": 2,
            "reject": 0,
        }
        bad = {**event, "id": "m-2", "good": -1}
        r = admin.post(
            f"{API}/ingest", json=[event, bad], headers={"Authorization": f"Bearer {device}"}
        )
        assert r.status_code == 200, r.text
        after = admin.get("/metrics").text
        ok_after = _sample(
            after, "linewise_http_requests_total", method="GET", route=f"{API}/health", status="200"
        )
        assert ok_after == ok_before + 3
        assert _sample(after, "linewise_ingest_events_total") == events_before + 1
        assert (_sample(after, "linewise_ingest_quarantined_total") or 0) >= 1
        assert _sample(after, "linewise_jobs", state="available") == 1
        assert _sample(after, "linewise_database_up") == 1
        assert _sample(after, "linewise_websocket_clients") == 0
        assert _sample(after, "linewise_kpi_rollup_stale_seconds") is not None
        # Durations by route template, not by path: one series for every order id.
        assert "linewise_http_request_duration_seconds_bucket" in after
        admin.get(f"{API}/orders/123456")
        admin.get(f"{API}/orders/654321")
        text = admin.get("/metrics").text
        assert (
            f'route="{API}/orders/{{order_id}}"' in text
            or f'route="{API}/orders/{{order_ref}}"' in text
        )
        assert "/orders/123456" not in text


def test_liveness_and_readiness(app: FastAPI, world: World) -> None:
    with TestClient(app) as c:
        assert c.get(f"{API}/health/live").json()["status"] == "ok"
        r = c.get(f"{API}/health/ready")
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["status"] == "ready"
        assert body["checks"]["database"]["ok"] and body["checks"]["recorder"]["ok"]
        assert body["checks"]["services"]["ok"]
        # The recorder stops: not ready, and the answer says why.
        app.state.recorder.stop()
        r = c.get(f"{API}/health/ready")
        assert r.status_code == 503
        assert r.headers["content-type"].startswith("application/problem+json")
        assert "recorder: the recorder is not running" in r.json()["detail"]
        assert r.json()["checks"]["recorder"] == {
            "ok": False,
            "detail": "the recorder is not running",
        }
        assert c.get(f"{API}/health/live").status_code == 200


def test_rate_limits_per_user_and_per_device_key(
    app: FastAPI, db: Session, world: World, settings: object
) -> None:
    from linewise.api.rate_limit import RateLimiter, RateLimits
    from tests.conftest import login

    _k, device = create_api_key(db, name="gw", scope=ApiKeyScope.DEVICE, role=None)
    db.commit()
    now = [0.0]  # the limiters' clock stands still unless the test moves it

    def clock() -> float:
        return now[0]

    app.state.rate_limits = RateLimits(RateLimiter(100, clock), RateLimiter(300, clock))
    with TestClient(app) as planner, TestClient(app) as manager:
        login(planner, "planner")
        login(manager, "manager")
        answers = [planner.get(f"{API}/orders").status_code for _ in range(100)]
        assert answers == [200] * 100
        over = planner.get(f"{API}/orders")
        assert over.status_code == 429
        assert over.headers["content-type"].startswith("application/problem+json")
        assert 1 <= int(over.headers["retry-after"]) <= 60
        assert "100 requests a minute" in over.json()["detail"]
        now[0] += 0.6  # one token back after 0.6 s (100 a minute)
        assert planner.get(f"{API}/orders").status_code == 200
        assert planner.get(f"{API}/orders").status_code == 429
        # Another person is not slowed by the first one.
        assert manager.get(f"{API}/orders").status_code == 200
        # The device key has its own, larger budget.
        batch = [{"id": f"e-{i}", "ts": utcnow().isoformat(), "machine": "SMT-1-PNP1",
                  "type": "count", "good": 1, "reject": 0} for i in range(3)]  # fmt: skip
        auth = {"Authorization": f"Bearer {device}"}
        codes = [
            planner.post(f"{API}/ingest", json=batch, headers=auth).status_code for _ in range(150)
        ]
        assert set(codes) == {200}
        # Public routes (health, sign-in) are not counted against anyone.
        assert planner.get(f"{API}/health").status_code == 200


def test_the_bucket_refills_with_time() -> None:
    from linewise.api.rate_limit import RateLimiter

    now = [0.0]
    limiter = RateLimiter(60, clock=lambda: now[0])  # one a second
    assert all(limiter.take("u") == 0 for _ in range(60))
    assert limiter.take("u") == pytest.approx(1.0)
    now[0] += 0.5
    assert limiter.take("u") == pytest.approx(0.5)
    now[0] += 0.5
    assert limiter.take("u") == 0
    assert RateLimiter(0).take("u") == 0  # 0: no limit


def test_sessions_last_eight_hours_and_can_be_ended_everywhere(
    app: FastAPI, db: Session, world: World, settings: object
) -> None:
    from sqlalchemy import select

    from linewise.config import Settings
    from linewise.domains.accounts.models import UserSession
    from tests.conftest import login

    assert Settings().session_hours == 8
    planner_id = world.user_ids["planner"]
    with TestClient(app) as phone, TestClient(app) as desk, TestClient(app) as admin:
        login(phone, "planner")
        login(desk, "planner")
        login(admin, "admin")
        s = db.scalars(select(UserSession).where(UserSession.user_id == planner_id)).first()
        assert s is not None
        hours = (s.expires_at - s.created_at).total_seconds() / 3600
        assert hours == pytest.approx(8, abs=0.01)
        # The planner signs out everywhere from the desk: the phone is signed out too.
        r = desk.post(f"{API}/auth/logout-everywhere")
        assert r.status_code == 200 and r.json() == {"ended": 2}
        assert phone.get(f"{API}/auth/me").status_code == 401
        assert desk.get(f"{API}/auth/me").status_code == 401
        # An admin ends someone's sessions; the admin's own stays.
        login(phone, "planner")
        assert admin.get(f"{API}/users/{planner_id}").status_code == 200
        r = admin.delete(f"{API}/users/{planner_id}/sessions")
        assert r.status_code == 200 and r.json() == {"ended": 1}
        assert phone.get(f"{API}/auth/me").status_code == 401
        assert admin.get(f"{API}/auth/me").status_code == 200
        own = admin.delete(f"{API}/users/{world.user_ids['admin']}/sessions")
        assert own.json() == {"ended": 0} and admin.get(f"{API}/auth/me").status_code == 200
        # Only admins may end other people's sessions.
        login(desk, "manager")
        assert desk.delete(f"{API}/users/{planner_id}/sessions").status_code == 403
        assert admin.delete(f"{API}/users/999999/sessions").status_code == 404


def test_a_job_carries_the_request_id_of_the_request_that_enqueued_it(
    app: FastAPI, db: Session, world: World, as_role: dict[str, TestClient], engine: object
) -> None:
    from sqlalchemy import select, update

    from linewise.core.db import make_session_factory
    from linewise.jobs import Registry
    from linewise.jobs.models import Job, JobState
    from linewise.jobs.worker import Worker

    # A dead job, replayed by an admin through the API with a request id of its own.
    job_id = enqueue(db, "echo")
    db.execute(update(Job).where(Job.id == job_id).values(state=JobState.DEAD.value))
    db.commit()
    r = as_role["admin"].post(f"{API}/jobs/{job_id}/replay", headers={"X-Request-ID": "req-77"})
    assert r.status_code == 200, r.text
    # Enqueued within a request: the job keeps that request's id.
    with TestClient(app):
        token = request_context.request_id.set("req-88")
        try:
            new_id = enqueue(db, "echo")
        finally:
            request_context.request_id.reset(token)
        db.commit()
    assert db.scalar(select(Job.request_id).where(Job.id == new_id)) == "req-88"
    seen: list[str | None] = []
    registry = Registry()
    registry.register("echo", lambda ctx: seen.append(request_context.current()))
    worker = Worker(make_session_factory(engine), registry)  # type: ignore[arg-type]
    while worker.run_once():
        pass
    # The replayed one was enqueued outside a request: it runs under its own id.
    assert sorted(seen, key=str) == sorted([f"job-{job_id}", "req-88"], key=str)
    assert request_context.current() is None  # and nothing leaks out of the worker
