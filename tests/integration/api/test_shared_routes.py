"""Apps made in one process share the API's route objects (``server/app.py``): each one
still answers from its own database and publishes on its own bus."""

from __future__ import annotations

import shutil
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from linewise.config import Settings
from linewise.core.db import make_engine
from linewise.core.events import DomainEvent
from linewise.server.app import create_app
from tests.conftest import PASSWORD, World, login


def test_two_apps_answer_from_their_own_database_and_bus(
    app: FastAPI, world: World, settings: Settings, sqlite_template: Path, tmp_path: Path
) -> None:
    other_path = tmp_path / "other.db"
    shutil.copy(sqlite_template, other_path)  # migrated, no users
    other_engine = make_engine(f"sqlite:///{other_path}")
    other = create_app(
        settings.model_copy(
            update={
                "database_url": f"sqlite:///{other_path}",
                "audit_checkpoint": tmp_path / "other-audit.json",
            }
        ),
        engine=other_engine,
    )
    heard_here: list[DomainEvent] = []
    heard_there: list[DomainEvent] = []
    app.state.bus.subscribe(heard_here.append, DomainEvent)
    other.state.bus.subscribe(heard_there.append, DomainEvent)
    try:
        with TestClient(app) as here, TestClient(other) as there:
            login(here, "planner")
            refused = there.post(
                "/api/v1/auth/login", json={"username": "planner", "password": PASSWORD}
            )
            assert refused.status_code == 401, refused.text  # no such user there

            order = {
                "number": "PO-HERE",
                "product_id": world.product_id,
                "quantity": 10,
                "due_date": "2030-01-10T12:00:00Z",
            }
            r = here.post("/api/v1/orders", json=order)
            assert r.status_code == 201, r.text
            assert here.get(f"/api/v1/orders/{r.json()['id']}").status_code == 200
            assert here.get("/api/v1/health").json()["status"] == "ok"
            assert there.get("/api/v1/health").json()["status"] == "ok"
        assert heard_here, "the app that wrote published nothing"
        assert heard_there == []
    finally:
        other_engine.dispose()
