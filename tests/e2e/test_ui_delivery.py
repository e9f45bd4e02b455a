"""Deliveries at risk in the browser: a planner finds the page in the navigation, sees the
order that cannot make its due date first with its risk and interval (site time zone
labelled), shows the safe order too and sorts by due date, sees the bottleneck chart
name the line that was busy, and finds the same estimate on the order page and the risk
in the orders list."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from linewise.analytics.delivery import LATE_FLAG_P
from linewise.core.db import make_session_factory, session_scope
from linewise.core.time import utcnow
from linewise.domains.delivery import service
from linewise.domains.production.models import ProductionOrder
from tests.conftest import PASSWORD, World
from tests.e2e.test_ui_floor import (
    Server,
    _new_browser_page,
    _sign_in_ui,
)
from tests.integration.test_delivery import seed_factory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("engine", ["sqlite"], indirect=True),
]


def test_deliveries_at_risk_page_and_order_estimate(
    server: Server,
    world: World,
    chromium_path: str,
    tmp_path: Path,
) -> None:
    from openpyxl import load_workbook
    from playwright.sync_api import expect, sync_playwright

    with session_scope(make_session_factory(server.engine)) as db:
        seed_factory(db, world, utcnow())
        # PO-A due in 45 min instead of 2 h: well past the flag threshold (LATE_FLAG_P),
        # uncalibrated intervals being wide
        po_a = db.scalars(select(ProductionOrder).where(ProductionOrder.number == "PO-A")).one()
        po_a.due_date = utcnow() + timedelta(minutes=45)
        db.flush()
        service.refresh(db, utcnow())  # the delivery.refresh job (no workers in tests)
    with sync_playwright() as pw:
        browser, page = _new_browser_page(pw, chromium_path, {"width": 1366, "height": 900})
        try:
            _sign_in_ui(page, server.base, "planner", PASSWORD)
            page.get_by_role("navigation", name="Main").get_by_role(
                "link", name="Deliveries at risk"
            ).click()
            expect(page.get_by_role("heading", name="Deliveries at risk")).to_be_visible()
            expect(page.get_by_test_id("time-zone")).to_contain_text("Europe/Berlin")
            rows = page.locator('[data-testid="delivery-table"] tbody tr')
            # only the risky order at first: PO-B is due in three days
            expect(rows).to_have_count(1)
            expect(rows.first).to_have_attribute("data-order", "PO-A")
            assert float(rows.first.get_attribute("data-risk") or 0) >= LATE_FLAG_P
            expect(page.get_by_test_id("calibration")).to_contain_text("6 finished stages")
            # The filter is a checkbox beside its words, not a 40 px square above them.
            only_risk = page.get_by_test_id("only-risk")
            box = only_risk.bounding_box()
            words = page.get_by_text("Only orders with a risk of 20 % or more").bounding_box()
            assert box is not None and words is not None
            assert box["height"] <= 24, box
            assert abs((box["y"] + box["height"] / 2) - (words["y"] + words["height"] / 2)) < 6
            page.get_by_test_id("only-risk").uncheck()
            expect(rows).to_have_count(2)
            page.locator('th[data-sort="due"]').click()
            expect(rows.nth(0)).to_have_attribute("data-order", "PO-A")
            expect(rows.nth(1)).to_have_attribute("data-order", "PO-B")
            # The list exports as shown (both orders, due date first) as a workbook.
            group = page.get_by_role("group", name="Export Deliveries at risk")
            with page.expect_download() as info:
                group.get_by_role("button", name="XLSX").click()
            info.value.save_as(tmp_path / "deliveries.xlsx")
            sheet = load_workbook(tmp_path / "deliveries.xlsx").active
            assert sheet is not None
            header, *cells = [list(r) for r in sheet.iter_rows(values_only=True)]
            assert header[:4] == ["Order", "Product", "Due (Europe/Berlin)", "ETA (Europe/Berlin)"]
            assert header[6:8] == ["Late risk (%)", "Late by (min)"]
            assert [c[0] for c in cells] == ["PO-A", "PO-B"]
            risk_a = float(rows.nth(0).get_attribute("data-risk") or 0)
            assert cells[0][6] == pytest.approx(round(risk_a * 1000) / 10)
            assert isinstance(cells[0][7], int | float) and cells[0][7] > 0  # PO-A is late
            page.get_by_test_id("bottleneck-period").select_option("day")
            chart = page.get_by_test_id("bottleneck-chart")
            expect(chart).to_be_visible()
            expect(chart.locator('[data-testid="bottleneck-row"][data-top="SMT-1"]')).to_have_count(
                1
            )
            expect(chart.locator('rect[data-line="SMT-1"]').first).to_be_visible()
            expect(page.get_by_test_id("lateness-total")).to_contain_text("late by")
            rows.nth(0).get_by_role("link", name="PO-A").click()
            estimate = page.get_by_test_id("delivery-estimate")
            expect(estimate).to_be_visible()
            expect(page.get_by_test_id("delivery-risk")).to_have_class("delivery-risk-high")
            expect(estimate).to_contain_text("TEST-1")
            # the orders list shows the same risk beside each open order, judges PO-A late
            # on its estimate, and sorts by the risk on the server (closed orders last)
            page.goto(f"{server.base}/orders")
            row = page.get_by_test_id("order-row").filter(has_text="PO-A")
            expect(row.get_by_test_id("order-risk")).to_have_class("num delivery-risk-high")
            expect(row.get_by_test_id("order-risk")).to_contain_text("%")
            expect(row).to_contain_text("(estimate)")
            risk = page.locator('th[data-sort="late_risk"]')
            risk.get_by_role("button").click()
            expect(page).to_have_url(f"{server.base}/orders?sort=-late_risk")
            expect(risk).to_have_attribute("aria-sort", "descending")
            numbers = page.get_by_test_id("order-row").locator("td:first-child a")
            expect(numbers.first).to_have_text("PO-A")
            expect(numbers.nth(1)).to_have_text("PO-B")
            risk.get_by_role("button").click()
            expect(risk).to_have_attribute("aria-sort", "ascending")
            expect(numbers.last).to_have_text("PO-A")
        finally:
            browser.close()
