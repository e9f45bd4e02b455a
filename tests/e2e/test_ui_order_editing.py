"""Orders are made and moved in the browser: a planner creates, edits, releases, holds,
resumes and cancels orders and keeps customer orders; the state machine's refusals read
as sentences; an operator gets none of these buttons. A what-if scenario whose rush order
becomes a real order on publishing, and one whose comparison went stale, which cannot be.

A real server (with its planning runtime) and Chromium; one backend (SQLite) is enough
for the UI, the API tests cover both.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

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


def _seed(base: str, world: World) -> dict[str, Any]:
    """Two orders due in the next days (planned and published), one long overdue."""
    now = datetime.now(UTC)
    out = {}
    with _client(base, "admin") as c:
        for number, qty, due in [
            ("PO-A", 60, now + timedelta(days=2)),
            ("PO-B", 40, now + timedelta(days=3)),
            ("PO-LATE", 10, datetime(2020, 1, 1, 8, tzinfo=UTC)),
        ]:
            body = {
                "number": number,
                "product_id": world.product_id,
                "quantity": qty,
                "due_date": due.isoformat(),
                "priority": 3,
            }
            out[number] = _ok(c.post("/orders", json=body))
    with _client(base, "planner") as c:
        r = c.post("/schedules", json={"time_limit_s": 2, "num_workers": 1})
        assert r.status_code == 202, r.text
        run_id = r.json()["id"]
        with c.stream("GET", f"/schedules/{run_id}/events", timeout=60) as events:
            for line in events.iter_lines():
                if line.startswith("event: done"):
                    break
        plan_id = _ok(c.get(f"/schedules/{run_id}"))["plan_id"]
        plan = _ok(c.get(f"/plans/{plan_id}"))
        _ok(c.post(f"/plans/{plan_id}/publish", json={"version": plan["version"]}))
    return out


def test_planner_makes_and_moves_orders_operator_only_reads(
    server: Server,
    world: World,
    chromium_path: str,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    seeded = _seed(server.base, world)
    base = server.base
    with sync_playwright() as pw:
        browser, page = _new_browser_page(pw, chromium_path, {"width": 1366, "height": 900})
        try:
            _sign_in_ui(page, base, "planner", PASSWORD)

            # Customer orders: create two, rename one, delete the other (after asking).
            page.goto(f"{base}/orders?view=customers")
            panel = page.get_by_test_id("customer-orders")
            for number, customer in [("CO-77", "Nordwind"), ("CO-DEL", "Typo AG")]:
                panel.get_by_label("Customer order number").fill(number)
                panel.get_by_label("Customer", exact=True).fill(customer)
                panel.get_by_role("button", name="Add customer order").click()
                expect(
                    panel.get_by_test_id("customer-order-row").filter(has_text=number)
                ).to_be_visible()
            panel.get_by_role("button", name="Edit CO-77").click()
            panel.locator("tbody").get_by_label("Customer", exact=True).fill("Nordwind GmbH")
            panel.get_by_role("button", name="Save").click()
            expect(
                panel.get_by_test_id("customer-order-row").filter(has_text="CO-77")
            ).to_contain_text("Nordwind GmbH")
            panel.get_by_role("button", name="Delete CO-DEL").click()
            page.get_by_role("dialog").get_by_role("button", name="Delete").click()
            expect(panel.get_by_test_id("customer-order-row")).to_have_count(1)
            # The list exports like every other list.
            with page.expect_download() as info:
                panel.get_by_role("group", name="Export Customer orders").get_by_role(
                    "button", name="CSV"
                ).click()
            assert info.value.suggested_filename == "Customer-orders.csv"
            exported = tmp_path / "customer-orders.csv"
            info.value.save_as(exported)
            assert list(csv.reader(io.StringIO(exported.read_text("utf-8-sig")))) == [
                ["Number", "Customer"],
                ["CO-77", "Nordwind GmbH"],
            ]

            # A new order: due date typed on the site's clock (Berlin), linked to CO-77.
            page.get_by_role("link", name="Production orders").click()
            page.get_by_role("button", name="New order").click()
            form = page.get_by_role("dialog")
            expect(form.get_by_label("Due date (Europe/Berlin)")).to_be_visible()
            form.get_by_label("Order number").fill("PO-NEW")
            form.get_by_label("Quantity").fill("40")
            form.get_by_label("Due date (Europe/Berlin)").fill("2099-01-10T13:00")
            form.get_by_label("Priority").select_option("2")
            form.get_by_label("Customer order").select_option(label="CO-77 · Nordwind GmbH")
            page.screenshot(path=str(tmp_path / "new-order.png"))
            form.get_by_role("button", name="Create order").click()
            expect(page.get_by_role("heading", name="PO-NEW")).to_be_visible()
            expect(page.get_by_test_id("due-date")).to_contain_text("Jan 10, 2099, 13:00")
            with _client(base, "planner") as api:
                created = _ok(api.get("/orders/by-number/PO-NEW"))
            assert created["due_date"].startswith("2099-01-10T12:00:00")  # 13:00 CET is 12:00 UTC
            assert created["customer_order"]["number"] == "CO-77" and created["priority"] == 2

            # Edit: the quantity. Then someone else changes the priority while the dialog is
            # open: saving says so, with the difference, and the planner decides.
            page.get_by_role("button", name="Edit").click()
            page.get_by_role("dialog").get_by_label("Quantity").fill("45")
            page.get_by_role("dialog").get_by_role("button", name="Save changes").click()
            expect(page.get_by_role("dialog")).to_have_count(0)
            expect(page.locator(".fact").filter(has_text="Quantity")).to_contain_text("45")
            page.get_by_role("button", name="Edit").click()
            page.get_by_role("dialog").get_by_label("Quantity").fill("50")
            with _client(base, "planner") as api:
                now = _ok(api.get("/orders/by-number/PO-NEW"))
                _ok(
                    api.patch(
                        f"/orders/{now['id']}", json={"priority": 5, "version": now["version"]}
                    )
                )
            page.get_by_role("dialog").get_by_role("button", name="Save changes").click()
            conflict = page.get_by_test_id("edit-conflict")
            expect(conflict).to_contain_text("changed by someone else since you opened it")
            expect(conflict).to_contain_text("Priority: 2 → 5")
            page.screenshot(path=str(tmp_path / "edit-conflict.png"))
            conflict.get_by_role("button", name="Save mine over theirs").click()
            expect(page.get_by_role("dialog")).to_have_count(0)
            with _client(base, "planner") as api:
                saved = _ok(api.get("/orders/by-number/PO-NEW"))
            assert (saved["quantity"], saved["priority"]) == (50, 5)

            # Release; hold only fits work in progress, and says why before a click.
            page.get_by_role("button", name="Release").click()
            heading = page.get_by_role("heading", name="PO-NEW")
            expect(heading).to_contain_text("Released")
            hold = page.get_by_role("button", name="Hold")
            expect(hold).to_be_disabled()
            expect(hold).to_have_attribute(
                "title",
                "Only an order in progress can be put on hold;"
                " work on this one has not started yet.",
            )
            with _client(base, "admin") as floor:  # the floor starts the first stage
                op = saved["operations"][0]
                _ok(
                    floor.post(
                        f"/orders/{saved['id']}/operations/{op['id']}/actions",
                        json={"action": "start", "version": op["version"]},
                    )
                )
            page.get_by_role("button", name="Refresh").click()
            expect(heading).to_contain_text("In progress")
            hold.click()
            expect(heading).to_contain_text("On hold")
            held = page.get_by_test_id("order-held")
            expect(held).to_contain_text("PO-NEW is on hold.")
            page.screenshot(path=str(tmp_path / "held.png"))
            held.get_by_role("button", name="Undo").click()
            expect(heading).to_contain_text("In progress")

            # Cancel another order from the list, after confirming; then it says in words
            # why it cannot be released. /orders/PO-B opens it by number.
            page.goto(f"{base}/orders")
            row = page.get_by_test_id("order-row").filter(has_text="PO-B")
            expect(row).to_contain_text("Planned")
            page.screenshot(path=str(tmp_path / "list.png"))
            # Hold and Cancel are on screen at 1366 px: the list does not scroll sideways.
            wrap = page.locator(".table-wrap").first
            assert wrap.evaluate("e => e.scrollWidth <= e.clientWidth"), wrap.evaluate(
                "e => [e.scrollWidth, e.clientWidth]"
            )
            row.get_by_role("button", name="Cancel order PO-B").click()
            dialog = page.get_by_role("dialog")
            expect(dialog).to_contain_text("Cancel order PO-B?")
            dialog.get_by_role("button", name="Cancel the order").click()
            expect(row).to_contain_text("Cancelled")
            expect(row.get_by_role("button")).to_have_count(0)
            page.goto(f"{base}/orders/PO-B")
            expect(page.get_by_role("heading", name="PO-B")).to_contain_text("Cancelled")
            release = page.get_by_role("button", name="Release")
            expect(release).to_be_disabled()
            expect(release).to_have_attribute("title", "A cancelled order cannot be released.")
            with _client(base, "planner") as api:
                assert _ok(api.get(f"/orders/{seeded['PO-B']['id']}"))["status"] == "cancelled"

            # The "late in plan" filter from a link: ?late=true.
            page.goto(f"{base}/orders?late=true")
            expect(page.get_by_role("button", name="Late only")).to_have_attribute(
                "aria-pressed", "true"
            )
            expect(page.get_by_test_id("order-row")).to_have_count(1)
            expect(page.get_by_test_id("order-row")).to_contain_text("PO-LATE")

            # An operator reads orders but gets no buttons to create or move them.
            context = browser.new_context(
                viewport={"width": 1280, "height": 800}, locale="en-US", timezone_id="Europe/Berlin"
            )
            op_page = context.new_page()
            _sign_in_ui(op_page, base, "operator", PASSWORD)
            expect(op_page.get_by_test_id("order-row").filter(has_text="PO-A")).to_be_visible()
            expect(op_page.get_by_role("button", name="New order")).to_have_count(0)
            expect(op_page.get_by_role("button", name="Release PO-A")).to_have_count(0)
            op_page.goto(f"{base}/orders/PO-A")
            expect(op_page.get_by_role("heading", name="PO-A")).to_be_visible()
            expect(op_page.get_by_role("button", name="Release")).to_have_count(0)
            edit = op_page.get_by_role("button", name="Edit")
            expect(edit).to_be_disabled()
            expect(edit).to_have_attribute("title", "Not available to your role (Operator).")
            context.close()
        finally:
            browser.close()


def test_a_rush_order_scenario_becomes_a_real_order_a_stale_one_cannot_be_published(
    server: Server,
    world: World,
    chromium_path: str,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    _seed(server.base, world)
    base = server.base
    with sync_playwright() as pw:
        browser, page = _new_browser_page(pw, chromium_path, {"width": 1366, "height": 900})
        try:
            _sign_in_ui(page, base, "planner", PASSWORD)
            page.goto(f"{base}/schedule/scenarios")
            page.get_by_label("Scenario name").fill("Rush for Nordwind")
            page.get_by_role("button", name="Create scenario").click()
            expect(page.get_by_role("heading", name="Rush for Nordwind")).to_be_visible()
            page.get_by_label("Change", exact=True).select_option("rush_order")
            page.get_by_label("Product").select_option(label="CTRL-100 · Controller")
            page.get_by_label("Quantity").fill("30")
            page.get_by_label("Order number").fill("RUSH-77")
            page.get_by_role("button", name="Add change").click()
            expect(page.get_by_test_id("change-item")).to_contain_text("RUSH-77")
            page.get_by_label("Time limit").select_option("2")
            page.get_by_role("button", name="Solve scenario").click()
            comparison = page.get_by_test_id("comparison")
            expect(comparison).to_be_visible(timeout=20_000)
            publish = comparison.get_by_test_id("publish-scenario")
            expect(publish).to_be_enabled()

            # A change added after the solve: the comparison is stale, Publish is disabled
            # with the reason, before any confirmation.
            page.get_by_label("Change", exact=True).select_option("line_down")
            page.get_by_role("button", name="Add change").click()
            expect(page.get_by_test_id("change-item")).to_have_count(2)
            expect(publish).to_be_disabled()
            expect(page.get_by_test_id("publish-blocked")).to_contain_text("Re-solve first")
            expect(page.get_by_test_id("publish-refused")).to_contain_text("solve it again")
            page.screenshot(path=str(tmp_path / "stale.png"), full_page=True)

            # Removed again, the plan fits its changes: publishing says, before confirming,
            # that RUSH-77 becomes a real order, and it does.
            page.get_by_test_id("change-item").filter(has_text="down").get_by_role(
                "button", name="Remove"
            ).click()
            expect(page.get_by_test_id("change-item")).to_have_count(1)
            expect(publish).to_be_enabled()
            publish.click()
            dialog = page.get_by_role("dialog")
            expect(dialog.get_by_test_id("publish-creates")).to_contain_text(
                "RUSH-77: 30 × CTRL-100"
            )
            page.screenshot(path=str(tmp_path / "publish-dialog.png"))
            dialog.get_by_role("button", name="Publish").click()
            published = page.get_by_test_id("scenario-published")
            expect(published).to_contain_text("Created and released")
            published.get_by_role("link", name="RUSH-77").click()
            expect(page).to_have_url(f"{base}/orders/RUSH-77")
            heading = page.get_by_role("heading", name="RUSH-77")
            expect(heading).to_contain_text("Released")
            expect(page.get_by_test_id("stage-planned").first).to_contain_text("Planned")
            with _client(base, "planner") as api:
                rush = _ok(api.get("/orders/by-number/RUSH-77"))
                live = _ok(api.get("/plans", params={"status": "published"}))
            assert rush["quantity"] == 30 and rush["plan_id"] == live[0]["id"]
            assert live[0]["kind"] == "adopted"
        finally:
            browser.close()
