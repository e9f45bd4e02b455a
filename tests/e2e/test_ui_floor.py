"""The live floor in a real browser: machine states arrive over the WebSocket within a
second of their ingest, the page says when the connection is lost, and it reconnects by
itself (with a fresh snapshot) when the server is back.

The real application runs under uvicorn on a free port; events go in through the HTTP
ingest API with a device key, as a gateway would send them.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from linewise.config import Settings
from tests.conftest import PASSWORD, World
from tests.e2e.test_ui_orders import (
    CHROMIUM_ARGS,
    _ok,
    _wait_until_ready,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("engine", ["sqlite"], indirect=True),
]

REPO = Path(__file__).resolve().parents[2]
SCREENSHOT = REPO / "docs" / "screenshot-floor.png"
# `LINEWISE_UPDATE_SCREENSHOTS=1 pytest tests/e2e/test_ui_floor.py` refreshes the docs image.
UPDATE_SCREENSHOTS = os.environ.get("LINEWISE_UPDATE_SCREENSHOTS", "") not in ("", "0")
ONE_SECOND = 1000  # ms: the floor must show a machine event within a second


@dataclass
class Server:
    """A real uvicorn serving a fresh app on a fixed port, that a test can stop and restart."""

    settings: Settings
    engine: Engine
    port: int = 0
    _running: tuple[uvicorn.Server, threading.Thread, socket.socket] | None = field(
        default=None, repr=False
    )

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> str:
        from linewise.server.app import create_app

        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))  # port 0 the first time, the same one after
        self.port = sock.getsockname()[1]
        app = create_app(self.settings, engine=self.engine)
        server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        self._running = (server, thread, sock)
        _wait_until_ready(self.base, thread)
        return self.base

    def stop(self) -> None:
        if self._running is None:
            return
        server, thread, sock = self._running
        self._running = None
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        assert not thread.is_alive(), "the test server did not stop"


@contextmanager
def _admin(base: str, password: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{base}/api/v1", timeout=10) as c:
        r = c.post("/auth/login", json={"username": "admin", "password": password})
        assert r.status_code == 200, r.text
        c.headers["X-CSRF-Token"] = r.json()["csrf_token"]
        yield c


def _device_key(base: str, password: str = PASSWORD) -> str:
    with _admin(base, password) as c:
        token: str = _ok(c.post("/api-keys", json={"name": "e2e gateway", "scope": "device"}))[
            "token"
        ]
        return token


def _ingest(base: str, key: str, events: list[dict[str, Any]]) -> None:
    r = httpx.post(
        f"{base}/api/v1/ingest",
        json=events,
        headers={"Authorization": f"Bearer {key}"},
        timeout=10,
    )
    body = _ok(r)
    assert body["rejected"] == [], body
    assert body["accepted"] == len(events), body


def _ts(ago: timedelta = timedelta(0)) -> str:
    return (datetime.now(UTC) - ago).isoformat().replace("+00:00", "Z")


def _new_browser_page(pw: Any, chromium: str, viewport: dict[str, int]) -> tuple[Any, Any]:
    browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
    context = browser.new_context(viewport=viewport, locale="en-US", timezone_id="Europe/Berlin")
    return browser, context.new_page()


def _sign_in_ui(page: Any, base: str, username: str, password: str) -> None:
    from playwright.sync_api import expect

    page.goto(base + "/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("current-user")).to_be_visible()


def test_floor_shows_machine_events_live_and_survives_a_lost_connection(
    server: Server,
    world: World,
    chromium_path: str,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    key = _device_key(server.base)
    with sync_playwright() as pw:
        browser, page = _new_browser_page(pw, chromium_path, {"width": 1280, "height": 800})
        try:
            # A supervisor of the SMT area: the floor shows only that area's line.
            _sign_in_ui(page, server.base, "supervisor", PASSWORD)
            page.get_by_role("navigation", name="Main").get_by_role("link", name="Floor").click()
            expect(page).to_have_url(f"{server.base}/floor")
            expect(page.get_by_role("heading", name="Floor")).to_be_visible()
            expect(page.get_by_test_id("live-status")).to_have_text("Live")
            expect(page.get_by_test_id("line-panel")).to_have_count(1)
            expect(page.get_by_test_id("line-panel")).to_have_attribute("data-line", "SMT-1")
            expect(page.get_by_test_id("shift-label")).to_be_visible()

            # No data from the machine yet: offline.
            tile = page.locator("[data-testid=machine-tile][data-machine=SMT-1-PNP1]")
            expect(tile).to_have_class(re.compile(r"\bstate-offline\b"))
            expect(tile.get_by_test_id("machine-state")).to_have_text("Offline")
            expect(page.get_by_test_id("legend")).to_contain_text("Offline1")

            # A gateway reports the machine down: the tile turns within a second.
            _ingest(
                server.base,
                key,
                [
                    {
                        "id": "e2e-down-1",
                        "ts": _ts(timedelta(seconds=95)),
                        "machine": "SMT-1-PNP1",
                        "type": "state",
                        "state": "down",
                        "reason": "nozzle_jam",
                        "fault": "PNP-W01",
                    }
                ],
            )
            expect(tile).to_have_class(re.compile(r"\bstate-down\b"), timeout=ONE_SECOND)
            expect(tile.get_by_test_id("machine-state")).to_have_text("Down", timeout=ONE_SECOND)
            expect(tile.get_by_test_id("machine-reason")).to_have_text(
                "Nozzle jamPNP-W01", timeout=ONE_SECOND
            )
            # Time in state counts from the event's timestamp and ticks in the browser.
            elapsed = tile.locator("time.elapsed")
            expect(elapsed).to_have_text(re.compile(r"^1:3\d$"))
            first = elapsed.inner_text()
            expect(elapsed).not_to_have_text(first, timeout=2500)

            _ingest(
                server.base,
                key,
                [
                    {
                        "id": "e2e-count-1",
                        "ts": _ts(timedelta(seconds=100)),
                        "machine": "SMT-1-PNP1",
                        "type": "count",
                        "good": 42,
                        "reject": 3,
                    }
                ],
            )
            expect(tile.get_by_test_id("machine-good")).to_have_text("Good 42", timeout=ONE_SECOND)
            expect(tile.get_by_test_id("machine-reject")).to_have_text("Rej 3", timeout=ONE_SECOND)

            # Wall mode hides the navigation and keeps the live connection; touch-sized toggle.
            toggle = page.get_by_test_id("wall-toggle")
            box = toggle.bounding_box()
            assert box is not None and box["height"] >= 44
            toggle.click()
            expect(page).to_have_url(f"{server.base}/floor?wall=1")
            expect(page.get_by_role("navigation", name="Main")).to_have_count(0)
            expect(tile).to_have_class(re.compile(r"\bstate-down\b"))
            page.screenshot(path=str(tmp_path / "floor-wall.png"))
            page.get_by_role("button", name="Exit wall mode").click()
            expect(page.get_by_role("navigation", name="Main")).to_be_visible()

            # The server goes away: the page says so, and keeps the last known state.
            server.stop()
            banner = page.get_by_test_id("connection-banner")
            expect(banner).to_be_visible(timeout=5000)
            expect(banner).to_contain_text("Connection lost — reconnecting")
            expect(page.get_by_test_id("live-status")).to_have_text("Offline")
            expect(tile.get_by_test_id("machine-state")).to_have_text("Down")
            page.screenshot(path=str(tmp_path / "floor-disconnected.png"))

            # Back on the same address: it reconnects by itself and is live again.
            server.start()
            expect(banner).to_be_hidden(timeout=15_000)
            expect(page.get_by_test_id("live-status")).to_have_text("Live")
            _ingest(
                server.base,
                key,
                [
                    {
                        "id": "e2e-producing-1",
                        "ts": _ts(),
                        "machine": "SMT-1-PNP1",
                        "type": "state",
                        "state": "producing",
                    }
                ],
            )
            expect(tile).to_have_class(re.compile(r"\bstate-producing\b"), timeout=ONE_SECOND)
            expect(tile.get_by_test_id("machine-reason")).to_have_text("")
        finally:
            browser.close()


# ---- the documentation screenshot: the demo factory with a lively floor ----

# (state, reason, fault, minutes in state, good, reject) per machine of the demo factory
DEMO_FLOOR: dict[str, tuple[str, str | None, str | None, int, int, int]] = {
    "SMT-1-PRN": ("producing", None, None, 48, 412, 2),
    "SMT-1-SPI": ("producing", None, None, 48, 408, 4),
    "SMT-1-PNP1": ("down", "nozzle_jam", "PNP-W01", 7, 396, 1),
    "SMT-1-PNP2": ("idle", "starved", None, 7, 395, 0),
    "SMT-1-RFL": ("idle", "starved", None, 6, 395, 0),
    "SMT-1-AOI": ("idle", "starved", None, 6, 389, 6),
    "SMT-2-PRN": ("setup", "changeover", None, 14, 210, 1),
    "SMT-2-SPI": ("setup", None, None, 14, 209, 1),
    "SMT-2-PNP1": ("setup", None, None, 14, 208, 0),
    "SMT-2-PNP2": ("setup", None, None, 14, 208, 0),
    "SMT-2-RFL": ("producing", None, None, 95, 207, 0),
    "SMT-2-AOI": ("producing", None, None, 93, 204, 3),
    "DIP-1-INS": ("producing", None, None, 22, 138, 0),
    "DIP-1-WAVE": ("planned_stop", "maintenance", None, 25, 131, 2),
    "TEST-1-ICT": ("producing", None, None, 31, 176, 3),
    "TEST-1-FCT": ("down", "fct_station", "FCT-E07", 3, 160, 5),
    # PACK-1-PACK sends nothing: offline
}


def _demo_events() -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for machine, (state, reason, fault, minutes, good, reject) in DEMO_FLOOR.items():
        event = {
            "id": f"shot-{machine}-state",
            "ts": _ts(timedelta(minutes=minutes)),
            "machine": machine,
            "type": "state",
            "state": state,
        }
        event |= {k: v for k, v in (("reason", reason), ("fault", fault)) if v}
        events.append(event)
        events.append(
            {
                "id": f"shot-{machine}-count",
                "ts": _ts(timedelta(minutes=minutes + 1)),
                "machine": machine,
                "type": "count",
                "good": good,
                "reject": reject,
            }
        )
    return events


def _start_smt_orders(base: str, password: str) -> None:
    """Put an order on each SMT line, part done (the demo's SMT lines start between orders)."""
    with _admin(base, password) as c:
        lines = {line["code"]: line["id"] for line in _ok(c.get("/lines"))["items"]}
        released = _ok(c.get("/orders", params={"status": "released", "sort": "due_date"}))
        for order, (line, good, scrap) in zip(
            released["items"], [("SMT-1", 236, 2), ("SMT-2", 84, 0)], strict=False
        ):
            smt = _ok(c.get(f"/orders/{order['id']}"))["operations"][0]
            ops = f"/orders/{order['id']}/operations/{smt['id']}"
            body = {"action": "start", "version": smt["version"], "line_id": lines[line]}
            _ok(c.post(f"{ops}/actions", json=body))
            _ok(c.post(f"{ops}/reports", json={"good": good, "scrap": scrap}))


def test_demo_factory_floor_screenshot(
    server: Server,
    db: Session,
    chromium_path: str,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    from linewise.demo.factory import build_factory
    from linewise.demo.load import DEMO_PASSWORD, load_factory

    load_factory(db, build_factory(orders=40, seed=7))
    db.commit()
    _start_smt_orders(server.base, DEMO_PASSWORD)
    _ingest(server.base, _device_key(server.base, DEMO_PASSWORD), _demo_events())

    with sync_playwright() as pw:
        # tall enough for the whole floor, so that the sidebar reaches the bottom too
        browser, page = _new_browser_page(pw, chromium_path, {"width": 1440, "height": 1640})
        try:
            _sign_in_ui(page, server.base, "manager", DEMO_PASSWORD)
            page.goto(server.base + "/floor")
            expect(page.get_by_test_id("live-status")).to_have_text("Live")
            # Lines in the order material flows through them, machines in flow order.
            panels = page.get_by_test_id("line-panel")
            expect(panels).to_have_count(5)
            assert [panels.nth(i).get_attribute("data-line") for i in range(5)] == [
                "SMT-1",
                "SMT-2",
                "DIP-1",
                "TEST-1",
                "PACK-1",
            ]
            expect(page.get_by_test_id("machine-tile")).to_have_count(len(DEMO_FLOOR) + 1)
            expect(page.locator(".tile.state-down")).to_have_count(2)
            expect(page.locator(".tile.state-offline")).to_have_count(1)
            # The reason's name comes from the reason codes.
            fct = page.locator("[data-testid=machine-tile][data-machine=TEST-1-FCT]")
            expect(fct.get_by_test_id("machine-reason")).to_have_text("FCT station errorFCT-E07")
            expect(page.get_by_test_id("line-order")).to_have_count(5)
            shot = tmp_path / "screenshot-floor.png"
            page.screenshot(path=str(shot))
            assert shot.stat().st_size > 10_000
            if UPDATE_SCREENSHOTS:
                SCREENSHOT.parent.mkdir(exist_ok=True)
                shutil.copyfile(shot, SCREENSHOT)
        finally:
            browser.close()


def test_a_machine_that_went_silent_is_flagged(
    server: Server,
    world: World,
    chromium_path: str,
) -> None:
    """Its last report is an hour old: the tile says so instead of pretending it runs."""
    from playwright.sync_api import expect, sync_playwright

    key = _device_key(server.base)
    _ingest(
        server.base,
        key,
        [
            {"id": "old-1", "ts": _ts(timedelta(hours=1)), "machine": "SMT-1-PNP1",
             "type": "state", "state": "producing"},
        ],
    )  # fmt: skip
    with sync_playwright() as pw:
        browser, page = _new_browser_page(pw, chromium_path, {"width": 1280, "height": 800})
        try:
            _sign_in_ui(page, server.base, "supervisor", PASSWORD)
            page.goto(server.base + "/floor")
            tile = page.locator("[data-testid=machine-tile][data-machine=SMT-1-PNP1]")
            expect(tile).to_have_class(re.compile(r"\bis-silent\b"))
            expect(tile.get_by_test_id("machine-silent")).to_contain_text("No data for 1:00:")
            # A fresh report clears the flag within a second.
            _ingest(
                server.base,
                key,
                [{"id": "new-1", "ts": _ts(), "machine": "SMT-1-PNP1", "type": "state",
                  "state": "idle"}],
            )  # fmt: skip
            expect(tile).not_to_have_class(re.compile(r"\bis-silent\b"), timeout=ONE_SECOND)
        finally:
            browser.close()


def test_a_line_in_changeover_shows_the_order_it_is_set_up_for(
    server: Server,
    world: World,
    db: Session,
    chromium_path: str,
) -> None:
    """Before, a line in setup read "No order running"; the published plan names the order."""
    from playwright.sync_api import expect, sync_playwright

    from linewise.domains.planning.models import PlannedOperation, PlanStatus, SchedulePlan

    with _admin(server.base, PASSWORD) as c:
        order = _ok(
            c.post(
                "/orders",
                json={"number": "PO-SETUP", "product_id": world.product_id, "quantity": 40,
                      "due_date": "2030-01-10T12:00:00Z"},
            )
        )  # fmt: skip
        smt = _ok(c.get(f"/orders/{order['id']}"))["operations"][0]
    start = datetime.now(UTC)
    plan = SchedulePlan(
        kind="full",
        status=PlanStatus.PUBLISHED,
        published_at=start,
        horizon_start=start,
        horizon_end=start + timedelta(days=1),
        solver_status="FEASIBLE",
        objective={},
        instance_blob=b"",
    )
    db.add(plan)
    db.flush()
    db.add(
        PlannedOperation(
            plan_id=plan.id,
            operation_id=smt["id"],
            order_id=order["id"],
            line_id=world.line_ids["SMT-1"],
            job_key="PO-SETUP",
            op_index=0,
            order_number="PO-SETUP",
            product_code="CTRL-100",
            seq=smt["seq"],
            name=smt["name"],
            start=start + timedelta(minutes=10),
            end=start + timedelta(minutes=40),
        )
    )
    db.commit()
    _ingest(
        server.base,
        _device_key(server.base),
        [{"id": "setup-1", "ts": _ts(timedelta(minutes=3)), "machine": "SMT-1-PNP1",
          "type": "state", "state": "setup", "reason": "Changeover"}],
    )  # fmt: skip
    with sync_playwright() as pw:
        browser, page = _new_browser_page(pw, chromium_path, {"width": 1280, "height": 800})
        try:
            _sign_in_ui(page, server.base, "manager", PASSWORD)
            page.goto(server.base + "/floor")
            smt_line = page.locator("[data-testid=line-panel][data-line=SMT-1]")
            order_box = smt_line.get_by_test_id("line-order")
            expect(order_box).to_contain_text("Setup for PO-SETUP")
            expect(order_box).to_contain_text("40 to make")
            expect(smt_line).not_to_contain_text("No order running")
            # The other line is not in setup and has no order: it still says so.
            test_line = page.locator("[data-testid=line-panel][data-line=TEST-1]")
            expect(test_line).to_contain_text("No order running")
        finally:
            browser.close()
