"""The app's background services: started by the container in order, none lazily."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from tests.conftest import World


def test_the_app_starts_its_services_in_order_and_stops_them(app: FastAPI, engine: Engine) -> None:
    with TestClient(app):
        running = app.state.container.running
        expected = ["recorder", "planning", "live-hub"]
        if engine.dialect.name == "postgresql":
            expected.append("notify-bridge")
        assert running[: len(expected)] == expected
        assert app.state.planning is not None and app.state.live_hub.running
    assert app.state.container.running == []
    assert app.state.planning is None and not app.state.live_hub.running


def test_nothing_starts_itself_on_first_use(
    app: FastAPI, as_role: dict[str, TestClient], world: World
) -> None:
    # These clients never ran the app's lifespan: the planner is not running and a
    # request does not start it behind the container's back.
    r = as_role["planner"].get("/api/v1/schedules")
    assert r.status_code == 503 and r.headers["content-type"].startswith("application/problem+json")
    assert getattr(app.state, "planning", None) is None
    with TestClient(app):
        assert as_role["planner"].get("/api/v1/schedules").status_code == 200
