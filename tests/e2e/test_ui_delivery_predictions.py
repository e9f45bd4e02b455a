"""Costs and predictions in the browser: a planner sets the cost rates on their page,
queues a training run, then finds the order's predicted scrap and cost beside the plan
and the product mean on the order page."""

from __future__ import annotations

import re

import pytest

from linewise.core.db import make_session_factory, session_scope
from linewise.core.time import utcnow
from tests.conftest import PASSWORD, World
from tests.e2e.test_ui_floor import Server, _new_browser_page, _sign_in_ui
from tests.integration.test_delivery_predictions import SMT_SCRAP, TEST_SCRAP, seed

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("engine", ["sqlite"], indirect=True),
]


def test_cost_rates_and_order_prediction(server: Server, world: World, chromium_path: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    with session_scope(make_session_factory(server.engine)) as db:
        seed(db, world, utcnow())
    with sync_playwright() as pw:
        browser, page = _new_browser_page(pw, chromium_path, {"width": 1366, "height": 900})
        try:
            _sign_in_ui(page, server.base, "planner", PASSWORD)
            page.get_by_role("navigation", name="Main").get_by_role(
                "link", name="Costs and predictions"
            ).click()
            form = page.get_by_test_id("cost-rates")
            expect(form).to_be_visible()
            page.get_by_label("Labour per line hour").fill("40")
            page.get_by_label("Machine time per line hour").fill("60")
            page.get_by_label("PCB-1: cost per pcs").fill("2.5")
            form.get_by_role("button", name="Save rates").click()
            expect(page.get_by_test_id("rates-saved")).to_be_visible()
            page.get_by_role("button", name="Train now").click()
            expect(page.get_by_test_id("train-queued")).to_contain_text("job #")

            page.goto(f"{server.base}/orders/PO-B")
            panel = page.get_by_test_id("order-prediction")
            expect(panel).to_be_visible()
            expect(page.get_by_test_id("prediction-model")).to_contain_text("finished orders")
            scrap = page.get_by_test_id("prediction-scrap").locator("td")
            expect(scrap.nth(2)).to_have_text("0")  # the plan: no scrap
            expect(scrap.nth(3)).to_have_text(str(SMT_SCRAP + TEST_SCRAP))  # product mean
            # the plan's cost: 2.75 ideal hours (with setup) at 100 per hour + 100 boards
            cost = page.get_by_test_id("prediction-cost").locator("td")
            expect(cost.nth(2)).to_have_text(re.compile(r"525"))
            material = page.get_by_test_id("prediction-material").locator("td")
            expect(material.nth(1)).to_have_text(re.compile(r"250"))
        finally:
            browser.close()
