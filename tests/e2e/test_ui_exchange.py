"""Import and export in the browser: the planner checks a file with errors, sees every
error by row and column, fixes the file and imports it; then downloads the orders list
as CSV, in the site's time zone even from a browser in another zone."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import PASSWORD, World
from tests.e2e.test_ui_floor import (
    CHROMIUM_ARGS,
    Server,
    _sign_in_ui,
)
from tests.e2e.test_ui_gantt_edit import _client
from tests.e2e.test_ui_orders import _ok

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("engine", ["sqlite"], indirect=True),
]

HEADER = "number;product_code;quantity;due_date;priority\n"
# German spreadsheet habits: ';' between cells, 18.12.2026, 1.234 for one thousand …
WITH_ERRORS = (
    HEADER
    + "PO-IMP-1;CTRL-100;1.234;18.12.2026;3\n"  # row 2: fine
    + "PO-IMP-2;NOPE-9;viele;19.12.2026;3\n"  # row 3: quantity not a number, no product
    + "PO-IMP-1;CTRL-100;10;20.12.2026;3\n"  # row 4: the number of row 2 again
)
FIXED = (
    HEADER
    + "PO-IMP-1;CTRL-100;1.234;18.12.2026;3\n"
    + "PO-IMP-2;CTRL-100;50;19.12.2026;3\n"
    + "PO-IMP-3;CTRL-100;10;20.12.2026;3\n"
)


def _file(name: str, text: str) -> dict[str, object]:
    return {"name": name, "mimeType": "text/csv", "buffer": text.encode()}


def test_planner_imports_a_file_after_fixing_it_and_exports_the_orders(
    server: Server,
    world: World,
    chromium_path: str,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        # A browser in another zone: the export must still be in the site's (Berlin).
        context = browser.new_context(
            viewport={"width": 1366, "height": 900},
            locale="en-US",
            timezone_id="America/New_York",
            accept_downloads=True,
        )
        page = context.new_page()
        try:
            _sign_in_ui(page, server.base, "planner", PASSWORD)
            page.get_by_role("navigation", name="Main").get_by_role("link", name="Import").click()
            expect(page.get_by_role("heading", name="Import")).to_be_visible()
            page.get_by_test_id("import-sheet").select_option("orders")
            page.get_by_test_id("import-locale").select_option("de")

            page.get_by_test_id("import-file").set_input_files(_file("orders.csv", WITH_ERRORS))
            errors = page.get_by_test_id("import-errors").locator("li")
            expect(errors).to_have_count(3)
            expect(page.get_by_test_id("import-summary")).to_contain_text("3 errors in 2 rows")
            found = {
                (int(li.get_attribute("data-row") or 0), li.get_attribute("data-column"))
                for li in errors.all()
            }
            assert found == {(3, "quantity"), (3, "product_code"), (4, "number")}
            expect(errors.filter(has_text="Row 3, column product_code")).to_contain_text("NOPE-9")
            expect(errors.filter(has_text="Row 4, column number")).to_contain_text("first in row 2")
            # The bad cells are marked in the preview table, the good row is "new".
            bad = page.locator("tr[data-row='3'] td.import-cell-error")
            expect(bad).to_have_count(2)
            expect(page.locator("tr[data-row='4'] td[data-column='number']")).to_have_class(
                "import-cell-error"
            )
            expect(page.locator("tr[data-row='2']")).to_contain_text("new")
            expect(page.get_by_test_id("import-commit")).to_have_count(0)

            # Fix the file, choose it again: it checks clean and imports whole.
            page.get_by_test_id("import-file").set_input_files(_file("orders.csv", FIXED))
            expect(page.get_by_test_id("import-summary")).to_contain_text(
                "orders.csv is correct: 3 rows, 3 new, 0 updated."
            )
            page.get_by_test_id("import-commit").click()
            expect(page.get_by_test_id("import-done")).to_contain_text("3 created, 0 updated")

            page.get_by_role("navigation", name="Main").get_by_role("link", name="Orders").click()
            expect(page.get_by_test_id("order-row")).to_have_count(3)
            with page.expect_download() as info:
                page.get_by_role("group", name="Export Orders").get_by_role(
                    "button", name="CSV"
                ).click()
            download = info.value
            assert download.suggested_filename == "Orders.csv"
            target = tmp_path / "orders.csv"
            download.save_as(target)
            rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8"))))
        finally:
            browser.close()

    header, *data = rows
    assert header[:7] == [
        "Order",
        "Customer order",
        "Customer",
        "Product",
        "Product name",
        "Quantity",
        "Due (Europe/Berlin)",
    ]
    by_number = {r[0]: r for r in data}
    assert sorted(by_number) == ["PO-IMP-1", "PO-IMP-2", "PO-IMP-3"]
    # 1.234 under the German locale is one thousand two hundred and thirty-four, and a
    # bare due date is the end of that day in the site's zone.
    assert by_number["PO-IMP-1"][5] == "1234"
    assert by_number["PO-IMP-1"][6] == "2026-12-18 23:59"
    assert by_number["PO-IMP-2"][3] == "CTRL-100"


def test_manager_exports_the_downtime_pareto_and_the_kpi_figures(
    server: Server,
    world: World,
    chromium_path: str,
    tmp_path: Path,
) -> None:
    from openpyxl import load_workbook
    from playwright.sync_api import expect, sync_playwright

    from tests.e2e.test_ui_floor import _admin, _device_key, _ingest
    from tests.e2e.test_ui_kpi import (
        _plan_every_hour_and_reasons,
        _raw_events_for_machine,
        story_shift,
    )
    from tests.e2e.test_ui_orders import _ok

    with _admin(server.base, PASSWORD) as admin:
        _plan_every_hour_and_reasons(admin, world)
    shift = story_shift(datetime.now(UTC))
    _ingest(server.base, _device_key(server.base), _raw_events_for_machine(shift))

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport={"width": 1366, "height": 900},
            locale="en-US",
            timezone_id="Europe/Berlin",
            accept_downloads=True,
        )
        page = context.new_page()
        page.clock.set_fixed_time(datetime.now(UTC) - shift)
        try:
            _sign_in_ui(page, server.base, "manager", PASSWORD)
            page.goto(f"{server.base}/kpis")
            summary = page.get_by_test_id("site-summary")
            expect(summary).to_be_visible()
            window = {
                "from": summary.get_attribute("data-from"),
                "to": summary.get_attribute("data-to"),
            }
            pareto = page.get_by_test_id("pareto")
            expect(pareto.locator("[data-testid=pareto-bar]").first).to_be_visible()
            with page.expect_download() as info:
                pareto.get_by_role("button", name="XLSX").click()
            assert info.value.suggested_filename == "Downtime-Pareto.xlsx"
            info.value.save_as(tmp_path / "pareto.xlsx")
            # Two export groups side by side in the header say which table each writes.
            expect(page.get_by_role("group", name="Export KPI figures")).to_contain_text(
                "Export KPI figures"
            )
            expect(page.get_by_role("group", name="Export Line figures")).to_contain_text(
                "Export Line figures"
            )
            with page.expect_download() as info:
                page.get_by_role("group", name="Export KPI figures").get_by_role(
                    "button", name="CSV"
                ).click()
            info.value.save_as(tmp_path / "figures.csv")
            with page.expect_download() as info:
                page.get_by_role("group", name="Export Line figures").get_by_role(
                    "button", name="CSV"
                ).click()
            info.value.save_as(tmp_path / "lines.csv")
        finally:
            browser.close()

    with _admin(server.base, PASSWORD) as admin:
        api = _ok(admin.get(f"/kpi/site/{world.site_id}/pareto", params={**window, "by": "reason"}))
        site = _ok(admin.get(f"/kpi/site/{world.site_id}", params=window))
    sheet = load_workbook(tmp_path / "pareto.xlsx").worksheets[0]
    header, *rows = list(sheet.values)
    assert header[:5] == (
        "Scope",
        "From (Europe/Berlin)",
        "To (Europe/Berlin)",
        "Reason",
        "Lost time (min)",
    )
    assert len(rows) == len(api["rows"]) > 0
    assert [r[5] for r in rows] == [r["count"] for r in api["rows"]]  # stops, as numbers
    assert [r[4] for r in rows] == [round(r["duration_s"] / 6) / 10 for r in api["rows"]]
    # The story's one stop has no reason yet: named as the chart names it, the site by name.
    assert [(r[0], r[3], r[6]) for r in rows] == [("Plant 1", "Unassigned", 100)]

    figures = list(csv.reader(io.StringIO((tmp_path / "figures.csv").read_text())))
    oee = "OEE (stations combined) (%)"  # one name per figure, as on the page
    assert figures[0][:2] == ["Scope", "Period"] and oee in figures[0]
    # The site in the two compared periods (by default today beside this week).
    assert [r[0] for r in figures[1:]] == ["Plant 1", "Plant 1"]
    assert figures[1][1].startswith("Today") and figures[2][1].startswith("This week")
    site_today = dict(zip(figures[0], figures[1], strict=True))
    assert site_today["From (Europe/Berlin)"].endswith(" 00:00")  # the site's midnight
    assert float(site_today[oee]) == round(site["kpis"]["oee"] * 1000) / 10
    assert int(site_today["Good"]) == site["counts"]["GQ"] > 0

    # Each line beside it, with both of its OEE figures named apart.
    lines = list(csv.reader(io.StringIO((tmp_path / "lines.csv").read_text())))
    assert "OEE (line output) (%)" in lines[0] and oee in lines[0]
    assert sorted(r[0] for r in lines[1:]) == ["SMT-1", "SMT-1", "TEST-1", "TEST-1"]


def test_an_operator_sees_neither_import_nor_export(
    server: Server,
    world: World,
    chromium_path: str,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        page = browser.new_context(locale="en-US", timezone_id="Europe/Berlin").new_page()
        try:
            _sign_in_ui(page, server.base, "operator", PASSWORD)
            nav = page.get_by_role("navigation", name="Main")
            expect(nav.get_by_role("link", name="Operators")).to_be_visible()
            expect(nav.get_by_role("link", name="Import")).to_have_count(0)
            # The Orders list renders its export buttons whatever it has loaded: not here.
            page.goto(f"{server.base}/orders")
            expect(page.get_by_role("heading", name="Orders")).to_be_visible()
            expect(page.get_by_text("No production orders yet.")).to_be_visible()
            expect(page.get_by_role("button", name="CSV")).to_have_count(0)
            # Reached by its address, the page says why in words instead of failing.
            page.goto(f"{server.base}/import")
            expect(page.get_by_text("Not available to your role (Operator).")).to_be_visible()
            expect(page.get_by_test_id("import-file")).to_have_count(0)
        finally:
            browser.close()


def test_manager_exports_the_materials_and_the_whole_audit_log(
    server: Server,
    world: World,
    chromium_path: str,
    tmp_path: Path,
) -> None:
    """Every list exports: the materials with how each is consumed, and the audit log with
    every entry its filters select, not only the page on screen."""
    from playwright.sync_api import expect, sync_playwright

    from tests.e2e.test_ui_floor import _admin
    from tests.e2e.test_ui_orders import _ok

    with _admin(server.base, PASSWORD) as admin:
        _ok(admin.post("/materials", json={"code": "R-100", "name": "Resistor", "unit": "pcs"}))
        for i in range(60):  # more than one page of the audit log (50 a page)
            body = {"code": f"C-{i:03}", "name": f"Cap {i}", "unit": "pcs"}
            _ok(admin.post("/materials", json={**body, "backflush": False, "scrap_factor": 0.05}))
        total = _ok(admin.get("/audit", params={"limit": 1}))["total"]

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport={"width": 1366, "height": 900}, locale="en-US", accept_downloads=True
        )
        page = context.new_page()
        try:
            _sign_in_ui(page, server.base, "manager", PASSWORD)
            page.goto(f"{server.base}/materials")
            expect(page.get_by_test_id("materials")).to_contain_text("R-100")
            with page.expect_download() as info:
                page.get_by_role("group", name="Export Materials").get_by_role(
                    "button", name="CSV"
                ).click()
            info.value.save_as(tmp_path / "materials.csv")
            page.goto(f"{server.base}/admin/audit")
            expect(page.get_by_test_id("audit-row").first).to_be_visible()
            with page.expect_download() as info:
                page.get_by_role("group", name="Export Audit log").get_by_role(
                    "button", name="CSV"
                ).click()
            info.value.save_as(tmp_path / "audit.csv")
        finally:
            browser.close()

    materials = list(csv.reader(io.StringIO((tmp_path / "materials.csv").read_text())))
    assert materials[0] == ["Code", "Name", "Unit", "Consumption", "Scrap factor"]
    rows = {r[0]: r for r in materials[1:]}
    assert len(rows) == 61
    assert rows["R-100"][3:] == ["Backflush", "0"]
    assert rows["C-007"][3:] == ["Issued by hand", "0.05"]

    audit = list(csv.reader(io.StringIO((tmp_path / "audit.csv").read_text())))
    assert audit[0][:3] == ["No.", "When (Europe/Berlin)", "Who"]
    assert len(audit) - 1 == total > 60  # every entry, across pages
    created = [r for r in audit[1:] if r[4] == "materials" and r[3] == "created"]
    assert len(created) == 61


def test_planner_downloads_a_template_that_imports_back(
    server: Server,
    world: World,
    chromium_path: str,
    tmp_path: Path,
) -> None:
    """The import page's template buttons: the header the import reads and an example row
    that, chosen again as it is, checks clean and imports."""
    from openpyxl import load_workbook
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport={"width": 1366, "height": 900}, locale="en-US", accept_downloads=True
        )
        page = context.new_page()
        try:
            _sign_in_ui(page, server.base, "planner", PASSWORD)
            page.goto(f"{server.base}/import")
            page.get_by_test_id("import-sheet").select_option("orders")
            with page.expect_download() as info:
                page.get_by_test_id("template-csv").click()
            assert info.value.suggested_filename == "orders-template.csv"
            csv_path = tmp_path / "orders-template.csv"
            info.value.save_as(csv_path)
            with page.expect_download() as info:
                page.get_by_test_id("template-xlsx").click()
            assert info.value.suggested_filename == "orders-template.xlsx"
            xlsx_path = tmp_path / "orders-template.xlsx"
            info.value.save_as(xlsx_path)

            header, example = list(csv.reader(io.StringIO(csv_path.read_text("utf-8-sig"))))
            assert header[:4] == ["number", "product_code", "quantity", "due_date"]
            assert example[:3] == ["PO-1001", "CTRL-100", "500"]
            rows = list(load_workbook(xlsx_path).worksheets[0].values)
            assert list(rows[0]) == header

            # Chosen again as it is, the template checks clean and imports.
            page.get_by_test_id("import-file").set_input_files(str(xlsx_path))
            summary = page.get_by_test_id("import-summary")
            expect(summary).to_contain_text(
                "orders-template.xlsx is correct: 1 row, 1 new, 0 updated."
            )
            expect(page.get_by_test_id("import-commit")).to_have_text("Import 1 row")
            page.get_by_test_id("import-commit").click()
            expect(page.get_by_test_id("import-done")).to_contain_text("1 created, 0 updated")
        finally:
            browser.close()
    with _client(server.base, "planner") as api:
        order = _ok(api.get("/orders/by-number/PO-1001"))
    assert (order["product"]["code"], order["quantity"]) == ("CTRL-100", 500)
