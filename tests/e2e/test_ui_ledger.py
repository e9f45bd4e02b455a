"""The material ledger in a real browser: a partial delivery booked in with a lot on a
tablet, seen in stock by location and lot, and undone; an order's counts move its
material on the order page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy.orm import Session

from linewise.domains.accounts.models import ApiKeyScope
from linewise.domains.accounts.service import create_api_key
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

TABLET = {"width": 1024, "height": 768}


def _material_with_bom(base: str, world: World) -> int:
    with _client(base, "admin") as c:
        mat = _ok(c.post("/materials", json={"code": "RES-10K", "name": "Resistor 10k"}))
        bom = _ok(c.get(f"/products/{world.product_id}/bom"))
        items = [{"material_id": mat["id"], "quantity_per_unit": 4}]
        _ok(c.put(f"/products/{world.product_id}/bom",
                  json={"items": items, "version": bom["version"]}))  # fmt: skip
        return int(mat["id"])


def test_a_partial_delivery_with_a_lot_is_received_seen_and_undone(
    server: Server,
    world: World,
    chromium_path: str,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    material = _material_with_bom(server.base, world)
    with _client(server.base, "admin") as c:
        _ok(c.post("/stock-locations", json={"site_id": world.site_id, "code": "MAIN",
                                             "name": "Main store", "kind": "store"}))  # fmt: skip
        expected = (datetime.now(UTC) + timedelta(days=1)).isoformat()
        _ok(c.post("/receipts", json={"material_id": material, "quantity": 100,
                                      "expected_at": expected, "reference": "PUR-9"}))  # fmt: skip
    with sync_playwright() as pw:
        browser, page = _new_browser_page(pw, chromium_path, TABLET)
        try:
            # The supervisor receives goods but does not correct stock.
            _sign_in_ui(page, server.base, "supervisor", PASSWORD)
            page.goto(f"{server.base}/inventory")
            forms = page.get_by_test_id("stock-forms")
            expect(forms.get_by_role("tab", name="Transfer")).to_be_disabled()
            expect(forms.get_by_role("tab", name="Transfer")).to_have_attribute(
                "title", "Not available to your role (Supervisor)."
            )
            row = page.get_by_test_id("receipt-row").filter(has_text="PUR-9")
            row.get_by_role("button", name="Part delivery…").click()
            expect(forms).to_contain_text("Against delivery PUR-9: 100 still open.")
            forms.get_by_label("Quantity").fill("60")
            forms.get_by_label("Lot").fill("R-1")
            forms.get_by_role("button", name="Review").click()
            expect(forms.get_by_role("group", name="Confirm the receipt")).to_contain_text(
                "Receive 60 pcs of RES-10K, lot R-1, into Main store?"
            )
            forms.get_by_role("button", name="Confirm receipt").click()
            done = page.get_by_test_id("receipt-confirmation")
            expect(done).to_contain_text("Booked: 60 pcs of RES-10K, lot R-1")
            stock_row = page.get_by_test_id("stock-row").filter(has_text="R-1")
            expect(stock_row).to_contain_text("Main store")
            expect(stock_row).to_contain_text("60 pcs")
            expect(row).to_contain_text("60 received")  # the delivery stays open for 40
            expect(forms).to_contain_text("Against delivery PUR-9: 40 still open.")
            # Its movement, by clicking the stock row.
            stock_row.click()
            moves = page.get_by_test_id("movements")
            expect(moves).to_contain_text("Movements of RES-10K at Main store")
            expect(moves.get_by_test_id("movement-row")).to_have_count(1)
            expect(moves.get_by_test_id("movement-row")).to_contain_text("Receipt")
            # Undo: a reversal, never an edit; the lot is empty again.
            done.get_by_role("button", name="Undo").click()
            expect(page.get_by_test_id("stock-row")).to_have_count(0)
            latest = page.get_by_test_id("movements").get_by_test_id("movement-row")
            expect(latest).to_have_count(2)
            expect(latest.first).to_contain_text("Reversal")
            expect(latest.nth(1)).to_contain_text("undone")
            expect(row).not_to_contain_text("received")
            expect(forms).to_contain_text("Against delivery PUR-9: 100 still open.")
        finally:
            browser.close()


def test_an_orders_counts_move_its_material(
    server: Server,
    world: World,
    db: Session,
    chromium_path: str,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    material = _material_with_bom(server.base, world)
    _key, token = create_api_key(db, name="gw", scope=ApiKeyScope.DEVICE, role=None)
    db.commit()
    with _client(server.base, "admin") as c:
        side = _ok(c.post("/stock-locations", json={
            "site_id": world.site_id, "code": "LS1", "name": "SMT-1 rack",
            "kind": "line_side", "line_id": world.line_ids["SMT-1"]}))  # fmt: skip
        _ok(c.post("/stock-movements/receipts", json={
            "material_id": material, "qty": 1000, "lot": "REEL-7",
            "location_id": side["id"]}))  # fmt: skip
        order = _ok(c.post("/orders", json={
            "number": "PO-L1", "product_id": world.product_id, "quantity": 50,
            "due_date": (datetime.now(UTC) + timedelta(days=2)).isoformat()}))  # fmt: skip
        _ok(c.post(f"/orders/{order['id']}/transitions", json={"to": "released", "version": 1}))
    now = datetime.now(UTC).isoformat()
    with httpx.Client(base_url=f"{server.base}/api/v1", timeout=30,
                      headers={"Authorization": f"Bearer {token}"}) as dev:  # fmt: skip
        r = dev.post("/ingest", json=[{"id": "k1", "ts": now, "machine": "SMT-1-PNP1",
                                       "type": "count", "good": 20, "reject": 2,
                                       "order": "PO-L1", "operation": 1}])  # fmt: skip
        assert r.json()["accepted"] == 1, r.text
    with sync_playwright() as pw:
        browser, page = _new_browser_page(pw, chromium_path, TABLET)
        try:
            _sign_in_ui(page, server.base, "planner", PASSWORD)
            page.goto(f"{server.base}/orders/{order['id']}")
            line = page.get_by_test_id("order-materials").get_by_test_id("order-material-row")
            expect(line).to_contain_text("RES-10K")
            expect(line).to_contain_text("200 pcs")  # required: 50 × 4
            expect(line).to_contain_text("88 pcs")  # consumed: 22 units × 4
            expect(line).to_contain_text("112 pcs")  # still needed
            page.goto(f"{server.base}/inventory")
            reel = page.get_by_test_id("stock-row").filter(has_text="REEL-7")
            expect(reel).to_contain_text("912 pcs")
            reel.click()
            expect(page.get_by_test_id("movements")).to_contain_text("Backflush")
            expect(page.get_by_test_id("movements")).to_contain_text("Order PO-L1")
        finally:
            browser.close()
