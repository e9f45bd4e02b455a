"""Genealogy in a real browser: from a reel's stock row to the finished lot it went
into and the customer order that lot was shipped to (forward), and back from the
finished lot to the reel (backward)."""

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
from tests.e2e.test_ui_ledger import TABLET, _material_with_bom
from tests.e2e.test_ui_orders import (
    _ok,
)
from tests.e2e.test_ui_schedule import _client

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("engine", ["sqlite"], indirect=True),
]


def test_a_reel_is_traced_to_the_customer_order_and_back(
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
            "material_id": material, "qty": 1000, "lot": "REEL-9",
            "location_id": side["id"]}))  # fmt: skip
        order = _ok(c.post("/orders", json={
            "number": "PO-GEN", "product_id": world.product_id, "quantity": 50,
            "due_date": (datetime.now(UTC) + timedelta(days=2)).isoformat()}))  # fmt: skip
        _ok(c.post(f"/orders/{order['id']}/transitions", json={"to": "released", "version": 1}))
        customer = _ok(c.post("/customer-orders", json={"number": "CO-77", "customer": "ACME"}))
        product = _ok(c.get(f"/products/{world.product_id}"))
        product_label = f"{product['code']} — {product['name']}"
    now = datetime.now(UTC).isoformat()
    with httpx.Client(base_url=f"{server.base}/api/v1", timeout=30,
                      headers={"Authorization": f"Bearer {token}"}) as dev:  # fmt: skip
        r = dev.post("/ingest", json=[
            {"id": "g1", "ts": now, "machine": "SMT-1-PNP1", "type": "count", "good": 20,
             "reject": 0, "order": "PO-GEN", "operation": 1},
            {"id": "g2", "ts": now, "machine": "TEST-1-ICT", "type": "count", "good": 20,
             "reject": 0, "order": "PO-GEN", "operation": 2},
        ])  # fmt: skip
        assert r.json()["accepted"] == 2, r.text
    with _client(server.base, "admin") as c:
        ship = {"product_id": world.product_id, "lot": "PO-GEN", "qty": 12,
                "customer_order_id": customer["id"]}  # fmt: skip
        _ok(c.post("/shipments", json=ship))
        # A tester reports a unit of PO-GEN by its serial.
        unit = {"product_id": world.product_id, "step_seq": 2, "serial": "SN-77001",
                "order_id": order["id"], "passed": True}  # fmt: skip
        _ok(c.post("/quality/inspections", json=unit))
    with sync_playwright() as pw:
        browser, page = _new_browser_page(pw, chromium_path, TABLET)
        try:
            _sign_in_ui(page, server.base, "planner", PASSWORD)
            page.goto(f"{server.base}/inventory")
            reel = page.get_by_test_id("stock-row").filter(has_text="REEL-9")
            expect(reel).to_contain_text("920 pcs")  # 20 units × 4 consumed
            reel.get_by_role("link", name="REEL-9").click()
            # Forward: the reel went into the finished lot PO-GEN, shipped to CO-77.
            forward = page.get_by_test_id("trace-forward")
            expect(forward).to_contain_text("RES-10K · REEL-9")
            node = forward.get_by_test_id("trace-node").filter(has_text="PO-GEN").last
            expect(node).to_contain_text("80 used")
            expect(node).to_contain_text("shipped 12 to CO-77 (ACME)")
            # Backward from the finished lot: down to the reel.
            node.get_by_role("button", name="CTRL-100 · PO-GEN").click()
            backward = page.get_by_test_id("trace-backward")
            expect(backward.get_by_test_id("trace-node").first).to_contain_text("CTRL-100 · PO-GEN")
            expect(backward).to_contain_text("RES-10K · REEL-9")
            expect(backward).to_contain_text("80 pcs used")
            # Ship 3 more of the finished lot from the page, then undo it.
            ship = page.get_by_test_id("ship-panel")
            ship.get_by_label("Customer order").select_option(label="CO-77 — ACME")
            ship.get_by_label("Quantity").fill("3")
            ship.get_by_role("button", name="Review").click()
            confirm = ship.get_by_role("group", name="Confirm the shipment")
            expect(confirm).to_contain_text("Ship 3 of CTRL-100 lot PO-GEN to CO-77 (ACME)?")
            confirm.get_by_role("button", name="Book shipment").click()
            expect(ship.get_by_test_id("ship-done")).to_contain_text("Shipped 3 to CO-77.")
            forward = page.get_by_test_id("trace-forward")
            expect(forward).to_contain_text("shipped 15 to CO-77 (ACME)")
            ship.get_by_test_id("ship-done").get_by_role("button", name="Undo").click()
            expect(ship.get_by_test_id("ship-done")).to_have_count(0)
            expect(forward).to_contain_text("shipped 12 to CO-77 (ACME)")
            # Search by the start of a lot code.
            page.goto(f"{server.base}/genealogy")
            page.get_by_label("Lot or serial number").fill("REEL")
            page.get_by_role("button", name="Search").click()
            hits = page.get_by_test_id("trace-hits")
            expect(hits.get_by_role("button")).to_have_count(1)
            hits.get_by_role("button", name="RES-10K · REEL-9").click()
            expect(page.get_by_test_id("trace-forward")).to_contain_text("CO-77")
            # A unit's serial leads to its finished lot, and from there down to the reel.
            page.get_by_label("Lot or serial number").fill("SN-77001")
            page.get_by_role("button", name="Search").click()
            expect(page.get_by_test_id("trace-hits")).to_contain_text("(unit SN-77001)")
            backward = page.get_by_test_id("trace-backward")
            expect(backward.get_by_test_id("trace-node").first).to_contain_text("CTRL-100 · PO-GEN")
            expect(backward).to_contain_text("RES-10K · REEL-9")
            # A sub-assembly is a material made by orders of a product.
            page.goto(f"{server.base}/materials")
            page.get_by_role("button", name="New material").click()
            form = page.get_by_role("form", name="New material")
            form.get_by_label("Code", exact=True).fill("SUB-1")
            form.get_by_label("Name", exact=True).fill("Power board")
            form.get_by_label("Sub-assembly made by").select_option(label=product_label)
            form.get_by_role("button", name="Save").click()
            expect(page.get_by_test_id("materials")).to_contain_text("SUB-1")
        finally:
            browser.close()
    with _client(server.base, "admin") as c:
        made = [m for m in _ok(c.get("/materials"))["items"] if m["code"] == "SUB-1"]
        assert [m["product_id"] for m in made] == [world.product_id]
        # The UI's shipment and its undo are two movements in the ledger.
        moves = c.get("/stock-movements", params={"lot": "PO-GEN"}).json()
        kinds = [m["kind"] for m in moves]
        assert kinds.count("shipment") == 2 and kinds.count("reversal") == 1, kinds
