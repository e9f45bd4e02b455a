"""Material in the browser: the Gantt tooltip says what an order waits for, and the
Inventory page lists stock and deliveries and books one in."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

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


def _seed(base: str, world: World) -> int:
    """One material in stock for one order; the second order waits for a delivery."""
    now = datetime.now(UTC)
    with _client(base, "admin") as c:
        mat = _ok(c.post("/materials", json={"code": "IC-MCU", "name": "Microcontroller"}))
        bom = _ok(c.get(f"/products/{world.product_id}/bom"))
        _ok(
            c.put(
                f"/products/{world.product_id}/bom",
                json={
                    "items": [{"material_id": mat["id"], "quantity_per_unit": 1}],
                    "version": bom["version"],
                },
            )
        )
        _ok(c.post("/stock-levels", json={"material_id": mat["id"], "quantity": 100}))
        arrives = (now + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
        _ok(
            c.post(
                "/receipts",
                json={
                    "material_id": mat["id"],
                    "quantity": 100,
                    "expected_at": arrives.isoformat(),
                    "reference": "PUR-1",
                },
            )
        )
        for number, days in (("PO-M1", 1), ("PO-M2", 2)):
            body = {
                "number": number,
                "product_id": world.product_id,
                "quantity": 100,
                "due_date": (now + timedelta(days=days)).isoformat(),
            }
            _ok(c.post("/orders", json=body))
        started = c.post("/schedules", json={"time_limit_s": 1, "num_workers": 1})
        assert started.status_code == 202, started.text
        run = started.json()
        for _ in range(120):
            run = _ok(c.get(f"/schedules/{run['id']}"))
            if run["finished_at"] is not None:
                break
            time.sleep(0.5)
        assert run["status"] == "succeeded", run
        return int(run["plan_id"])


def test_tooltip_names_the_material_and_a_delivery_is_received(
    server: Server,
    world: World,
    chromium_path: str,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    plan_id = _seed(server.base, world)
    with _client(server.base, "planner") as api:
        plan = _ok(api.get(f"/plans/{plan_id}"))
    waiting = next(
        op
        for line in plan["lines"]
        for op in line["operations"]
        if op["order_number"] == "PO-M2" and op["seq"] == 1
    )
    with sync_playwright() as pw:
        browser, page = _new_browser_page(pw, chromium_path, {"width": 1366, "height": 900})
        try:
            _sign_in_ui(page, server.base, "planner", PASSWORD)
            page.goto(f"{server.base}/schedule?plan={plan_id}")
            bar = page.locator(f"[data-testid=gantt-bar][data-op='{waiting['operation_id']}']")
            bar.scroll_into_view_if_needed()
            bar.hover()
            tip = page.get_by_test_id("gantt-tooltip")
            expect(tip).to_contain_text("Waiting for material IC-MCU")
            expect(tip).to_contain_text("PUR-1")

            page.get_by_role("navigation", name="Main").get_by_role(
                "link", name="Inventory"
            ).click()
            expect(page.get_by_role("heading", name="Inventory")).to_be_visible()
            expect(page.get_by_test_id("stock")).to_contain_text("IC-MCU")
            row = page.get_by_test_id("receipt-row").filter(has_text="PUR-1")
            expect(row).to_be_visible()
            row.get_by_role("button", name="Receive").click()
            expect(page.get_by_test_id("receipt-row")).to_have_count(0)
            expect(page.get_by_test_id("stock")).to_contain_text("200")
        finally:
            browser.close()
