"""The order page in a real browser shows the published plan's finish and the lateness
that the Orders list's "Late only" filter agrees with.

An order due in an hour that takes hours to make is late by the plan while its due date
is still ahead: before, the list said it was not late and the page showed no planned
finish. Times are read in the site's time zone (Europe/Berlin), labelled.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import PASSWORD, World
from tests.e2e.test_ui_floor import (
    Server,
    _new_browser_page,
    _sign_in_ui,
)
from tests.e2e.test_ui_orders import (
    _ok,
)
from tests.e2e.test_ui_schedule import _client

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("engine", ["sqlite"], indirect=True),
]

BERLIN = ZoneInfo("Europe/Berlin")


def _publish_a_plan(base: str, world: World) -> dict[str, Any]:
    """Two orders, one that cannot make its due date; solved, published; the late one."""
    now = datetime.now(UTC)
    with _client(base, "planner") as c:

        def new(number: str, quantity: int, due: datetime) -> dict[str, Any]:
            body = {
                "number": number,
                "product_id": world.product_id,
                "quantity": quantity,
                "due_date": due.isoformat(),
            }
            return _ok(c.post("/orders", json=body))

        late = new("PO-LATE", 200, now + timedelta(hours=1))  # about 5 h of work
        new("PO-EASY", 10, now + timedelta(days=20))
        r = c.post("/schedules", json={"time_limit_s": 2, "num_workers": 1, "horizon_days": 14})
        assert r.status_code == 202, r.text
        run_id = r.json()["id"]
        with c.stream("GET", f"/schedules/{run_id}/events") as stream:
            event = ""
            for line in stream.iter_lines():
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: ") and event == "done":
                    break  # the run has ended: its plans are stored
        run = _ok(c.get(f"/schedules/{run_id}"))
        assert run["status"] == "succeeded", run
        _ok(c.post(f"/plans/{run['plan_id']}/publish", json={}))
        return _ok(c.get(f"/orders/{late['id']}"))


def _berlin(iso: str) -> tuple[str, str]:
    """The date and the time of day as the UI writes them (en-US, 24-hour clock), in Berlin."""
    at = datetime.fromisoformat(iso).astimezone(BERLIN)
    return f"{at:%b} {at.day}, {at.year}", f"{at:%H:%M}"


def test_order_page_shows_planned_finish_and_lateness(
    server: Server,
    world: World,
    chromium_path: str,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    order = _publish_a_plan(server.base, world)
    assert order["late"] and order["finish_basis"] == "plan"
    assert datetime.fromisoformat(order["due_date"]) > datetime.now(UTC)

    with sync_playwright() as pw:
        browser, page = _new_browser_page(pw, chromium_path, {"width": 1280, "height": 800})
        try:
            _sign_in_ui(page, server.base, "planner", PASSWORD)
            # The list's "Late only" agrees with the plan: the squeezed order, alone.
            page.get_by_role("navigation", name="Main").get_by_role("link", name="Orders").click()
            rows = page.get_by_test_id("order-row")
            expect(rows).to_have_count(2)
            page.get_by_role("button", name="Late only").click()
            expect(rows).to_have_count(1)
            expect(rows.first).to_contain_text("PO-LATE")
            expect(rows.first).to_contain_text("Late by")

            rows.first.get_by_role("link", name="PO-LATE").click()
            expect(page.get_by_role("heading", name="PO-LATE")).to_be_visible()
            expect(page.get_by_test_id("time-zone")).to_contain_text("Europe/Berlin")
            finish = page.get_by_test_id("planned-finish")
            day, clock = _berlin(order["planned_finish"])
            expect(finish).to_contain_text("Planned finish")
            expect(finish).to_contain_text(day)
            expect(finish).to_contain_text(clock)
            expect(page.get_by_test_id("lateness")).to_contain_text("Late by")

            # Each stage: its planned start and finish, and the line the plan chose.
            stages = page.get_by_test_id("stage")
            expect(stages).to_have_count(2)
            for i, op in enumerate(order["operations"]):
                planned = stages.nth(i).get_by_test_id("stage-planned")
                expect(planned).to_contain_text(f"on {op['planned_line']['code']}")
                for iso in (op["planned_start"], op["planned_finish"]):
                    expect(planned).to_contain_text(_berlin(iso)[1])
            page.screenshot(path=str(tmp_path / "order-lateness.png"), full_page=True)
        finally:
            browser.close()
