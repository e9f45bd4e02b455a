"""The web UI end to end in a real browser: sign in, list and filter orders, open one and
read its stage timeline.

The built UI (``make ui``) is served by the real application under uvicorn on a free port;
Chromium is driven by Playwright. One backend (SQLite) is enough for the UI.
"""

from __future__ import annotations

import math
import re
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import PASSWORD, World

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("engine", ["sqlite"], indirect=True),
]

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _wait_until_ready(base: str, thread: threading.Thread, timeout_s: float = 20) -> None:
    deadline = time.monotonic() + timeout_s
    last: Exception | str = "no answer"
    while time.monotonic() < deadline:
        if not thread.is_alive():
            pytest.fail("the test server thread died while starting")
        try:
            r = httpx.get(f"{base}/api/v1/health", timeout=1)
            if r.status_code == 200:
                return
            last = f"HTTP {r.status_code}"
        except httpx.HTTPError as exc:
            last = exc
        time.sleep(0.05)  # polling interval, not a wait for an outcome
    pytest.fail(f"the test server at {base} did not become ready: {last}")


def _sign_in(c: httpx.Client, username: str) -> None:
    r = c.post("/auth/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    c.headers["X-CSRF-Token"] = r.json()["csrf_token"]


def _ok(r: httpx.Response) -> dict[str, Any]:
    assert r.status_code in (200, 201), r.text
    body: dict[str, Any] = r.json()
    return body


def _seed_orders(base: str, world: World) -> dict[str, Any]:
    """Three orders of the world's product (SMT → Test): one running, one new, one late.

    Returns the running order as the API describes it after 60 good parts at SMT.
    """
    with httpx.Client(base_url=f"{base}/api/v1", timeout=10) as c:
        _sign_in(c, "admin")

        def new(number: str, quantity: int, due: str) -> dict[str, Any]:
            body = {
                "number": number,
                "product_id": world.product_id,
                "quantity": quantity,
                "due_date": due,
                "priority": 3,
            }
            return _ok(c.post("/orders", json=body))

        running = new("PO-E2E-1", 100, "2099-01-10T12:00:00Z")
        new("PO-E2E-2", 50, "2099-02-01T08:00:00Z")
        new("PO-E2E-3", 20, "2020-01-01T08:00:00Z")  # long past due: late

        oid = running["id"]
        running = _ok(c.post(f"/orders/{oid}/transitions", json={"to": "released", "version": 1}))
        smt = running["operations"][0]
        ops = f"/orders/{oid}/operations/{smt['id']}"
        _ok(c.post(f"{ops}/actions", json={"action": "start", "version": smt["version"]}))
        return _ok(c.post(f"{ops}/reports", json={"good": 60, "scrap": 2}))


_TIME_OF_DAY = re.compile(r"\b(\d{1,2}):(\d{2})(?::\d{2})?(\s?[AaPp]\.?[Mm]\b)?")


def _assert_24_hour_clock(text: str) -> None:
    """Every time of day in `text` is HH:MM on the 24-hour clock; at least one is there."""
    times = _TIME_OF_DAY.findall(text)
    assert times, text
    for hour, minute, period in times:
        assert not period, f"12-hour time {hour}:{minute}{period} in: {text}"
        assert len(hour) == 2 and int(hour) < 24 and int(minute) < 60, f"{hour}:{minute} in: {text}"


def test_sign_in_filter_orders_and_follow_an_order_through_its_stages(
    live_server: str, world: World, chromium_path: str, tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    running = _seed_orders(live_server, world)
    assert running["current_stage"]["seq"] == 1
    # progress is floored: 297/300 reads 99 %, never 100 % before the order is done
    order_pct = f"{math.floor(running['progress'] * 100 + 1e-6)}%"

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(
                viewport={"width": 1280, "height": 800},  # a 10" tablet, landscape
                locale="en-US",
                timezone_id="Europe/Berlin",
            )
            page = context.new_page()

            # Not signed in: the app shows the login page; a wrong password is explained.
            # Opened at /login, where people type it: signed in, that was "Page not found".
            page.goto(live_server + "/login")
            page.get_by_label("Username").fill("planner")
            page.get_by_label("Password").fill("wrong password")
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_role("alert")).to_be_visible()
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()

            # The orders list, with the late order flagged.
            expect(page.get_by_role("heading", name="Orders")).to_be_visible()
            expect(page.get_by_test_id("current-user")).to_have_text("Planner")
            rows = page.get_by_test_id("order-row")
            expect(rows).to_have_count(3)
            late_row = rows.filter(has_text="PO-E2E-3")
            expect(late_row.get_by_text("Late", exact=True)).to_be_visible()
            expect(rows.filter(has_text="PO-E2E-2").get_by_text("Late", exact=True)).to_have_count(
                0
            )
            page.screenshot(path=str(tmp_path / "orders.png"))
            _assert_24_hour_clock(page.locator("main").inner_text())

            # Filters: by status, then late only, then a text search.
            page.get_by_role("button", name="In progress").click()
            expect(rows).to_have_count(1)
            expect(rows.first).to_contain_text("PO-E2E-1")
            expect(rows.first).to_contain_text("SMT")
            page.get_by_role("button", name="In progress").click()
            page.get_by_role("button", name="Late only").click()
            expect(rows).to_have_count(1)
            expect(rows.first).to_contain_text("PO-E2E-3")
            page.get_by_role("button", name="Late only").click()
            expect(rows).to_have_count(3)
            page.get_by_label("Search orders").fill("e2e-1")
            expect(rows).to_have_count(1)

            # The order: due date in the browser's local time, and the stage timeline.
            rows.first.get_by_role("link", name="PO-E2E-1").click()
            expect(page).to_have_url(f"{live_server}/orders/{running['id']}")
            expect(page.get_by_role("heading", name="PO-E2E-1")).to_be_visible()
            # 12:00 UTC is 13:00 in Berlin (winter): shown in the browser's zone, not UTC.
            expect(page.get_by_test_id("due-date")).to_contain_text("Jan 10, 2099, 13:00")
            # One clock in English: the full date (order page) and the dense list (orders)
            # both read 24 hours, never the 12-hour "1:00 PM".
            _assert_24_hour_clock(page.locator("main").inner_text())
            order_progress = page.get_by_role("progressbar", name="Order progress")
            expect(order_progress).to_contain_text(order_pct)
            stages = page.get_by_test_id("stage")
            expect(stages).to_have_count(2)
            current = page.locator("[data-testid=stage][aria-current=step]")
            expect(current).to_have_count(1)
            expect(current).to_contain_text("1. SMT")
            expect(current).to_contain_text("Current stage")
            expect(current).to_contain_text("60 / 100 good")
            expect(current).to_contain_text("2 scrap")
            expect(current.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "60")
            expect(stages.nth(1)).to_contain_text("2. Test")
            expect(stages.nth(1)).to_contain_text("Pending")
            expect(stages.nth(1).get_by_role("progressbar")).to_have_attribute("aria-valuenow", "0")
            page.screenshot(path=str(tmp_path / "order-detail.png"), full_page=True)
            assert (tmp_path / "order-detail.png").stat().st_size > 0
        finally:
            browser.close()
