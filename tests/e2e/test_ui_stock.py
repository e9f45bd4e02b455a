"""The store's screens in a real browser on a tablet: receive in another unit, transfer,
a refused transfer out of a location that does not go below zero, adjust, count in
reels; shortages, available stock and the movements that went below zero; the material
page with where it is reserved and consumed; the order page's material panel."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import PASSWORD, World
from tests.e2e.test_ui_floor import (
    CHROMIUM_ARGS,
    REPO,
    UPDATE_SCREENSHOTS,
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
SHOT = "screenshot-material-page.png"
TO = re.compile(r"^To")  # "to" is also in "Main store"


def _setup(base: str, world: World) -> dict[str, int]:
    """Paste (g, 2 per unit) and PCBs (pcs, a reel is 5,000) on the BOM; a main store
    that allows negative stock and a quarantine that refuses it; PO-S1 for 200 units
    released, with 30 g of paste issued to it by hand from the empty store (flagged)."""
    with _client(base, "admin") as c:
        paste = _ok(c.post("/materials", json={"code": "PASTE", "name": "Solder paste",
                                               "unit": "g"}))  # fmt: skip
        pcb = _ok(c.post("/materials", json={"code": "PCB", "name": "Bare board"}))
        _ok(c.post("/unit-conversions", json={"material_id": pcb["id"], "from_unit": "reel",
                                              "to_unit": "pcs", "factor": 5000}))  # fmt: skip
        bom = _ok(c.get(f"/products/{world.product_id}/bom"))
        items = [{"material_id": paste["id"], "quantity_per_unit": 2},
                 {"material_id": pcb["id"], "quantity_per_unit": 1}]  # fmt: skip
        _ok(c.put(f"/products/{world.product_id}/bom",
                  json={"items": items, "version": bom["version"]}))  # fmt: skip
        main_store = {"site_id": world.site_id, "code": "MAIN", "name": "Main store",
                      "kind": "store"}  # fmt: skip
        main = _ok(c.post("/stock-locations", json=main_store))
        _ok(c.post("/stock-locations", json={"site_id": world.site_id, "code": "QA",
                                             "name": "Quarantine", "kind": "quarantine",
                                             "negative": "refuse"}))  # fmt: skip
        due = (datetime.now(UTC) + timedelta(days=3)).isoformat()
        order = _ok(c.post("/orders", json={"number": "PO-S1", "product_id": world.product_id,
                                            "quantity": 200, "due_date": due}))  # fmt: skip
        _ok(c.post(f"/orders/{order['id']}/transitions", json={"to": "released", "version": 1}))
        issued = _ok(c.post("/stock-movements/issues", json={
            "material_id": paste["id"], "order_id": order["id"], "qty": 30,
            "location_id": main["id"]}))  # fmt: skip
        assert issued["flagged"] is True
        return {"paste": paste["id"], "order": order["id"]}


def test_the_store_books_on_a_tablet_and_sees_shortages_and_the_material_page(
    server: Server,
    world: World,
    chromium_path: str,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    ids = _setup(server.base, world)
    with sync_playwright() as pw:
        browser, page = _new_browser_page(pw, chromium_path, TABLET)
        try:
            _sign_in_ui(page, server.base, "planner", PASSWORD)
            page.goto(f"{server.base}/inventory")
            forms = page.get_by_test_id("stock-forms")
            # Receive half a kilo: booked as 500 g.
            forms.get_by_label("Material").select_option(label="PASTE — Solder paste")
            forms.get_by_label("Quantity").fill("0.5")
            forms.get_by_label("Unit").fill("kg")
            forms.get_by_label("Location").select_option(label="MAIN — Main store (Store)")
            forms.get_by_role("button", name="Review").click()
            expect(forms.get_by_role("group", name="Confirm the receipt")).to_contain_text(
                "Receive 0.5 kg of PASTE"
            )
            forms.get_by_role("button", name="Confirm receipt").click()
            expect(page.get_by_test_id("receipt-confirmation")).to_contain_text(
                "Booked: 500 g of PASTE"
            )
            # The touch targets are big enough for a finger (44 px).
            box = forms.get_by_role("button", name="Review").bounding_box()
            assert box is not None and box["height"] >= 44

            # Transfer 100 g into quarantine.
            forms.get_by_role("tab", name="Transfer").click()
            forms.get_by_label("Item").select_option(label="PASTE — Solder paste")
            forms.get_by_label("From").select_option(label="MAIN — Main store (Store)")
            forms.get_by_label(TO).select_option(label="QA — Quarantine (Quarantine)")
            forms.get_by_label("Quantity").fill("100")
            forms.get_by_role("button", name="Book").click()
            expect(page.get_by_test_id("move-confirmation")).to_contain_text("Booked: 100 g")
            # Out of quarantine, more than is there: refused, naming the shortfall.
            forms.get_by_role("tab", name="Adjust").click()
            forms.get_by_role("tab", name="Transfer").click()
            forms.get_by_label("Item").select_option(label="PASTE — Solder paste")
            forms.get_by_label("From").select_option(label="QA — Quarantine (Quarantine)")
            forms.get_by_label(TO).select_option(label="MAIN — Main store (Store)")
            forms.get_by_label("Quantity").fill("300")
            forms.get_by_role("button", name="Book").click()
            expect(forms.get_by_role("alert")).to_contain_text("200 g short of 300")
            expect(page.get_by_test_id("move-confirmation")).to_have_count(0)

            # Adjust: 50 g spilled.
            forms.get_by_role("tab", name="Adjust").click()
            forms.get_by_label("Item").select_option(label="PASTE — Solder paste")
            forms.get_by_label("Location").select_option(label="MAIN — Main store (Store)")
            forms.get_by_label("Change (+/−)").fill("-50")
            forms.get_by_label("Reason").fill("spilled")
            forms.get_by_role("button", name="Book").click()
            expect(page.get_by_test_id("move-confirmation")).to_contain_text("Booked: 50 g")
            # Count the boards in reels: 2 reels are 10,000 pcs.
            forms.get_by_role("tab", name="Count").click()
            forms.get_by_label("Item").select_option(label="PCB — Bare board")
            forms.get_by_label("Location").select_option(label="MAIN — Main store (Store)")
            forms.get_by_label("Counted").fill("2")
            forms.get_by_label("Unit").fill("reel")
            forms.get_by_label("Reason").fill("cycle count")
            forms.get_by_role("button", name="Book").click()
            expect(page.get_by_test_id("move-confirmation")).to_contain_text(
                "Booked: 10,000 pcs of PCB"
            )

            # Paste: 500 − 30 − 100 − 50 = 320 g usable; PO-S1 still needs 400 − 30.
            short = page.get_by_test_id("shortage-row")
            expect(short).to_have_count(1)
            expect(short).to_contain_text("PO-S1")
            expect(short).to_contain_text("370 g")
            expect(short).to_contain_text("50 g")
            expect(short).to_contain_text("not planned; due")
            expect(page.get_by_test_id("shortage-zone")).to_contain_text("Europe/Berlin")
            paste_row = (
                page.get_by_test_id("availability-table")
                .get_by_test_id("availability-row")
                .filter(has_text="PASTE")
            )
            expect(paste_row).to_contain_text("320 g")
            expect(paste_row).to_contain_text("370 g")
            expect(paste_row).to_contain_text("-50 g")
            flagged = page.get_by_test_id("flagged-movements")
            expect(flagged.get_by_test_id("movement-row")).to_have_count(1)
            expect(flagged).to_contain_text("Issue")

            # The material page: where it is, who reserves it, where it went.
            paste_row.get_by_role("link", name="PASTE").click()
            expect(page).to_have_url(f"{server.base}/materials/{ids['paste']}")
            expect(page.get_by_test_id("figure-on-hand")).to_have_text("320 g")
            expect(page.get_by_test_id("figure-reserved")).to_have_text("370 g")
            places = page.get_by_test_id("place-row")
            expect(places.filter(has_text="Main store")).to_contain_text("320 g")
            expect(places.filter(has_text="Quarantine")).to_contain_text("100 g")
            expect(page.get_by_test_id("reservation-row")).to_contain_text("PO-S1")
            expect(page.get_by_test_id("consumed-row")).to_contain_text("30 g")
            expect(page.get_by_test_id("movements")).to_contain_text("Transfer")

            # The order page's material panel: consumed and still needed.
            page.get_by_test_id("reservation-row").get_by_role("link", name="PO-S1").click()
            line = (
                page.get_by_test_id("order-materials")
                .get_by_test_id("order-material-row")
                .filter(has_text="PASTE")
            )
            expect(line).to_contain_text("400 g")
            expect(line).to_contain_text("30 g")
            expect(line).to_contain_text("370 g")
            expect(line).to_contain_text("backflush from counts")
        finally:
            browser.close()


def test_a_locations_policy_and_a_materials_unit_are_set_in_the_browser(
    server: Server,
    world: World,
    chromium_path: str,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    with _client(server.base, "admin") as c:
        pcb = _ok(c.post("/materials", json={"code": "PCB", "name": "Bare board"}))
    with sync_playwright() as pw:
        browser, page = _new_browser_page(pw, chromium_path, TABLET)
        try:
            _sign_in_ui(page, server.base, "admin", PASSWORD)
            page.goto(f"{server.base}/inventory")
            panel = page.get_by_test_id("locations")
            new = panel.get_by_role("form", name="New location")
            new.get_by_label("Code").fill("QA")
            new.get_by_label("Name").fill("Quarantine")
            new.get_by_label("Kind").select_option(label="Quarantine")
            new.get_by_role("button", name="Add location").click()
            policy = panel.get_by_label("Below zero at QA")
            expect(policy).to_have_value("allow")
            policy.select_option(label="Refuse")
            expect(policy).to_have_value("refuse")
            # The material page: a reel is 5,000 pcs; the forms then accept reels.
            page.goto(f"{server.base}/materials/{pcb['id']}")
            units = page.get_by_test_id("unit-conversions")
            form = units.get_by_role("form", name="New unit")
            form.get_by_label("1 unit of").fill("reel")
            form.get_by_label("is this many pcs").fill("5000")
            form.get_by_role("button", name="Add unit").click()
            expect(units.get_by_test_id("conversion")).to_contain_text("1 reel = 5,000 pcs")
            expect(page.get_by_role("heading", level=1)).to_contain_text("PCB")
            expect(page.get_by_text("quantities may be entered in")).to_contain_text("reel")
        finally:
            browser.close()
    with _client(server.base, "admin") as c:
        locs = _ok(c.get("/stock-locations"))
        assert [(x["code"], x["negative"]) for x in locs["items"]] == [("QA", "refuse")]


def test_the_material_page_in_german_on_a_tablet(
    server: Server,
    world: World,
    chromium_path: str,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    ids = _setup(server.base, world)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=TABLET, locale="de-DE", timezone_id="UTC")
        page = context.new_page()
        try:
            page.goto(server.base + "/")
            page.get_by_label("Benutzername").fill("planner")
            page.get_by_label("Passwort").fill(PASSWORD)
            page.get_by_role("button", name="Anmelden").click()
            expect(page.get_by_test_id("current-user")).to_be_visible()
            page.goto(f"{server.base}/materials/{ids['paste']}")
            expect(page.get_by_test_id("material-reservations")).to_contain_text(
                "Reserviert durch Aufträge"
            )
            expect(page.get_by_test_id("reservation-row")).to_contain_text("Freigegeben")
            expect(page.get_by_test_id("material-consumed")).to_contain_text(
                "Verbraucht durch Aufträge"
            )
            expect(page.get_by_test_id("unit-conversions")).to_contain_text("Einheiten")
            # The issue from the empty store went below zero: −30 g, in red.
            expect(page.get_by_test_id("figure-on-hand")).to_contain_text("-30 g")
            page.screenshot(
                path=str((REPO / "docs" if UPDATE_SCREENSHOTS else tmp_path) / SHOT),
                full_page=True,
            )
        finally:
            browser.close()
