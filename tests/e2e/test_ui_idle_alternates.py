"""Alternate machines on the Idle page, in the browser: a line stands idle with nothing
planned while the published plan has work waiting behind another line; a planner sees the
suggestion with its gain and publishes the move with one tap."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from linewise.core.db import make_session_factory, session_scope
from linewise.core.time import utcnow
from linewise.domains.equipment.models import Machine
from linewise.domains.planning import repository as plan_repo
from linewise.domains.planning.models import PlannedOperation
from linewise.ingest.models import StateInterval
from tests.conftest import PASSWORD, World
from tests.e2e.test_ui_floor import Server, _new_browser_page, _sign_in_ui
from tests.integration.idle.test_alternates import QUICK, second_smt_line
from tests.services import wait_until

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("engine", ["sqlite"], indirect=True),
]


def _ok(r: httpx.Response) -> Any:
    assert r.status_code < 300, r.text
    return r.json()


@contextmanager
def _api(base: str, username: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{base}/api/v1", timeout=30) as c:
        r = c.post("/auth/login", json={"username": username, "password": PASSWORD})
        assert r.status_code == 200, r.text
        c.headers["X-CSRF-Token"] = r.json()["csrf_token"]
        yield c


def test_a_planner_moves_waiting_work_to_an_idle_line(
    server: Server, world: World, chromium_path: str
) -> None:
    from playwright.sync_api import expect, sync_playwright

    with session_scope(make_session_factory(server.engine)) as db:
        smt2 = second_smt_line(db, world)
    with _api(server.base, "planner") as c:
        for n in (1, 2):
            _ok(c.post("/orders", json={
                "number": f"PO-{n}", "product_id": world.product_id, "quantity": 60,
                "due_date": (utcnow() + timedelta(days=2)).isoformat(),
            }))  # fmt: skip
        run_id = _ok(c.post("/schedules", json=QUICK))["id"]

        def solved() -> bool:
            return bool(_ok(c.get(f"/schedules/{run_id}"))["status"] == "succeeded")

        wait_until(solved, timeout=60, what="the schedule run")
        plan_id = _ok(c.get(f"/schedules/{run_id}"))["plan_id"]
        gantt = _ok(c.get(f"/plans/{plan_id}"))
        where = {(o["order_number"], o["seq"]): (ln["line_id"], o)
                 for ln in gantt["lines"] for o in ln["operations"]}  # fmt: skip
        busy, first = where[("PO-1", 1)]
        second = where[("PO-2", 1)][1]
        free = smt2 if busy != smt2 else world.line_ids["SMT-1"]
        _ok(c.patch(f"/plans/{plan_id}/operations/{second['operation_id']}", json={
            "start": first["end"], "line_id": busy, "version": gantt["version"], "mode": "push",
        }))  # fmt: skip
        _ok(c.post(f"/plans/{plan_id}/publish", json={}))
    with session_scope(make_session_factory(server.engine)) as db:
        machine = db.scalars(select(Machine).where(Machine.line_id == free)).one()
        db.add(StateInterval(machine_id=machine.id, start=utcnow() - timedelta(minutes=10),
                             state="idle", reason="no_order"))  # fmt: skip
    with sync_playwright() as pw:
        browser, page = _new_browser_page(pw, chromium_path, {"width": 1366, "height": 900})
        try:
            _sign_in_ui(page, server.base, "planner", PASSWORD)
            page.goto(f"{server.base}/idle")
            row = page.locator('[data-testid="alternate-table"] tr[data-order="PO-2"]')
            expect(row).to_contain_text(machine.code.rsplit("-", 1)[0])  # the free line
            page.get_by_test_id("locale-switch").select_option("de")
            expect(page.get_by_role("heading", name="Ausweichmaschinen")).to_be_visible()
            page.get_by_test_id("locale-switch").select_option("en")
            row.get_by_role("button", name="Accept").click()
            expect(page.get_by_test_id("alternate-accepted")).to_contain_text("PO-2")
            expect(page.get_by_text("No idle line could take waiting work now.")).to_be_visible()
        finally:
            browser.close()
    with session_scope(make_session_factory(server.engine)) as db:
        published = plan_repo.published_plan(db)
        assert published is not None and published.id != plan_id
        moved = db.scalars(
            select(PlannedOperation).where(
                PlannedOperation.plan_id == published.id,
                PlannedOperation.operation_id == second["operation_id"],
            )
        ).one()
        assert moved.line_id == free
