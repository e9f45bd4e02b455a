"""Spare parts and early warnings in the browser: a supervisor sees the live detector's
open warning on the machine's floor tile, adds the spare part the order's plan expects
to the order in progress and sees the material's stock fall (the ledger names the order
as the cause), then removes it (a reversal) and sees the stock back."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from linewise.core.time import utcnow
from linewise.domains.maintenance.models import (
    AnomalyWarning,
    MaintenanceOrder,
    MaintenancePlan,
)
from tests.conftest import PASSWORD, World
from tests.e2e.test_ui_floor import Server, _new_browser_page, _sign_in_ui
from tests.e2e.test_ui_orders import _ok
from tests.e2e.test_ui_schedule import _client

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("engine", ["sqlite"], indirect=True),
]


def _setup(base: str, db: Session, world: World) -> tuple[int, int]:
    """10 nozzles (lot N-1) in the store, an order in progress on the pick-and-place
    and an open warning on it."""
    pnp = world.machine_ids["SMT-1-PNP1"]
    with _client(base, "admin") as c:
        nozzle = _ok(c.post("/materials", json={"code": "NOZZLE", "name": "Nozzle 503"}))
        main = {"site_id": world.site_id, "code": "ST", "name": "Main store", "kind": "store"}
        store = _ok(c.post("/stock-locations", json=main))
        receipt = {"material_id": nozzle["id"], "qty": 10, "lot": "N-1",
                   "location_id": store["id"]}  # fmt: skip
        _ok(c.post("/stock-movements/receipts", json=receipt))
    now = utcnow()
    expects = [{"material_id": nozzle["id"], "qty": 3}]
    plan = MaintenancePlan(name="Nozzle change", machine_id=pnp, trigger="time",
                           interval_days=30, parts=expects)  # fmt: skip
    db.add(plan)
    db.flush()
    order = MaintenanceOrder(kind="preventive", status="in_progress", machine_id=pnp,
                             plan_id=plan.id, title="Nozzle broken", created_by="plan",
                             started_at=now, trigger_info={"trigger": "time"})  # fmt: skip
    db.add(order)
    db.add(AnomalyWarning(machine_id=pnp, started_at=now, last_at=now, score=0.98,
                          signals=["spindle_temp"], alarms=3, status="open"))  # fmt: skip
    db.commit()
    return int(nozzle["id"]), order.id


def test_a_part_added_and_removed_moves_stock_and_the_tile_shows_the_warning(
    server: Server, world: World, db: Session, chromium_path: str
) -> None:
    from playwright.sync_api import expect, sync_playwright

    nozzle, order_id = _setup(server.base, db, world)
    with sync_playwright() as pw:
        browser, page = _new_browser_page(pw, chromium_path, {"width": 1366, "height": 900})
        try:
            _sign_in_ui(page, server.base, "supervisor", PASSWORD)
            page.goto(f"{server.base}/floor")
            tile = page.locator("[data-testid='machine-tile'][data-machine='SMT-1-PNP1']")
            expect(tile.get_by_test_id("machine-warning")).to_have_text(
                "Warning: anomaly in spindle_temp"
            )
            ict = page.locator("[data-testid='machine-tile'][data-machine='TEST-1-ICT']")
            expect(ict.get_by_test_id("machine-warning")).to_have_count(0)

            detail = _open_order(page, expect, server.base)
            # The plan expects 3 nozzles: "Use" fills the form in.
            expected = detail.get_by_test_id("maint-expected-parts")
            expect(expected).to_contain_text("NOZZLE 3")
            expected.get_by_role("button", name="Use").click()
            expect(detail.get_by_test_id("part-material")).to_have_value(str(nozzle))
            expect(detail.get_by_test_id("part-qty")).to_have_value("3")
            detail.get_by_test_id("part-lot").fill("N-1")
            detail.get_by_role("button", name="Add part").click()
            row = detail.get_by_test_id("maint-parts").locator("tr[data-part='NOZZLE']")
            expect(row).to_have_attribute("data-removed", "no")
            expect(row).to_contain_text("3 pcs")
            expect(row).to_contain_text("supervisor")
            _stock_is(page, expect, server.base, nozzle, "7 pcs")
            cause = page.get_by_test_id("movement-maintenance")
            expect(cause).to_have_text(f"Maintenance order {order_id}, supervisor")

            detail = _open_order(page, expect, server.base)
            row = detail.get_by_test_id("maint-parts").locator("tr[data-part='NOZZLE']")
            row.get_by_role("button", name="Remove").click()
            expect(row).to_have_attribute("data-removed", "yes")
            expect(row).to_contain_text("Removed by supervisor")
            _stock_is(page, expect, server.base, nozzle, "10 pcs")
            expect(page.get_by_test_id("movement-maintenance")).to_have_count(2)  # and undo
        finally:
            browser.close()


def _open_order(page: Any, expect: Any, base: str) -> Any:
    page.goto(f"{base}/maintenance")
    row = page.get_by_test_id("maint-orders").locator("tr", has_text="Nozzle broken")
    row.get_by_role("button", name="Open").click()
    detail = page.get_by_test_id("maint-order-detail")
    expect(detail).to_have_attribute("data-status", "in_progress")
    return detail


def _stock_is(page: Any, expect: Any, base: str, material_id: int, qty: str) -> None:
    page.goto(f"{base}/materials/{material_id}")
    expect(page.get_by_test_id("figure-on-hand")).to_have_text(qty)
