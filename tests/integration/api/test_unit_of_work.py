"""One commit per request, before the response; database conflicts mapped in one place.

Test routes are added to the app: they make the conflicts that real routes meet only
under races (a unique value taken, a row changed since it was read), deterministically.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import APIRouter, Depends, FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from linewise.api.deps import Principal, get_db, require
from linewise.core.errors import Conflict
from linewise.domains.equipment.models import Site
from tests.conftest import World
from tests.writes import recorded_writes


def _test_routes(app: FastAPI) -> None:
    router = APIRouter(prefix="/api/v1/test-uow")
    admin = require("masterdata:write")

    @router.post("/twins")
    def twins(_p: Principal = Depends(admin), db: Session = Depends(get_db)) -> dict[str, Any]:
        # Two sites with one code, never flushed here: only the commit can find out.
        db.add_all([Site(code="TWIN", name=n, timezone="UTC") for n in "ab"])
        return {"saved": True}

    @router.post("/fails")
    def fails(_p: Principal = Depends(admin), db: Session = Depends(get_db)) -> None:
        db.add(Site(code="HALF", name="half done", timezone="UTC"))
        db.flush()
        raise Conflict("refused after a write")

    @router.post("/stale/{site_id}")
    def stale(
        site_id: int, _p: Principal = Depends(admin), db: Session = Depends(get_db)
    ) -> dict[str, Any]:
        site = db.get(Site, site_id)
        assert site is not None
        # Someone else's update, as seen by the ORM: the row's version moved on.
        bump = update(Site).where(Site.id == site_id).values(version=Site.version + 1)
        db.execute(bump.execution_options(synchronize_session=False))
        site.name = "mine"
        return {"saved": True}

    app.include_router(router)


@pytest.fixture
def admin(app: FastAPI, as_role: dict[str, TestClient]) -> TestClient:
    _test_routes(app)
    return as_role["admin"]


def _sites(db: Session, code: str) -> int:
    n = db.scalar(select(func.count()).select_from(Site).where(Site.code == code)) or 0
    db.rollback()
    return n


def test_a_failed_commit_answers_409_not_a_200(admin: TestClient, db: Session) -> None:
    r = admin.post("/api/v1/test-uow/twins")
    assert r.status_code == 409, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "unique" in r.json()["detail"]
    assert _sites(db, "TWIN") == 0


def test_an_error_rolls_the_whole_request_back(admin: TestClient, db: Session) -> None:
    r = admin.post("/api/v1/test-uow/fails")
    assert r.status_code == 409 and r.json()["detail"] == "refused after a write"
    assert _sites(db, "HALF") == 0


def test_a_stale_version_is_409_or_412_with_if_match(
    admin: TestClient, world: World, db: Session
) -> None:
    r = admin.post(f"/api/v1/test-uow/stale/{world.site_id}")
    assert r.status_code == 409, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    r = admin.post(f"/api/v1/test-uow/stale/{world.site_id}", headers={"If-Match": '"1"'})
    assert r.status_code == 412, r.text
    site = db.get(Site, world.site_id)
    assert site is not None and site.name != "mine"


# A stream that waits for a run to finish.
SKIP = {"/api/v1/schedules/{run_id}/events"}


def _fill(path: str, world: World) -> str:
    values = {
        "scope": "site",
        "scope_id": str(world.site_id),
        "site_id": str(world.site_id),
        "line_id": str(world.line_ids["SMT-1"]),
        "machine_id": str(world.machine_ids["SMT-1-PNP1"]),
        "product_id": str(world.product_id),
        "user_id": str(world.user_ids["admin"]),
        "sheet": "products",
    }
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: values.get(m.group(1), "1"), path)


def test_no_get_request_writes(
    app: FastAPI, as_role: dict[str, TestClient], world: World, engine: Engine
) -> None:
    admin = as_role["admin"]
    paths = sorted(
        {
            ctx.path
            for ctx in iter_route_contexts(app.routes)
            if "GET" in (ctx.methods or ())
            and isinstance(ctx.original_route, APIRoute)
            and ctx.path.startswith("/api/v1")
            and ctx.path not in SKIP
        }
    )
    assert "/api/v1/kpi/{scope}/{scope_id}" in paths
    answered = {}
    # The app's services start (and do their start-up writes) before the reads.
    with TestClient(app), recorded_writes(engine) as writes:
        for path in paths:
            url = _fill(path, world)
            # A week back: whole closed days, which a read used to fill into the rollups.
            params = {"day": "2026-11-02"} if path.startswith("/api/v1/kpi") else {}
            answered[path] = admin.get(url, params=params).status_code
    assert writes == [], writes
    assert answered["/api/v1/kpi/{scope}/{scope_id}"] == 200
    assert all(code < 500 for code in answered.values()), answered
