"""The KPI page's inspection figures in a real browser: each line card shows the line's
first pass yield and DPMO of its period, as the quality API gives them for that line, and
the explain panel shows the units and defects behind them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import PASSWORD, World
from tests.e2e.test_ui_floor import (
    Server,
    _admin,
    _device_key,
    _ingest,
    _new_browser_page,
    _sign_in_ui,
)
from tests.e2e.test_ui_kpi import (
    MACHINE,
    _plan_every_hour_and_reasons,
    _raw_events_for_machine,
    story_shift,
)
from tests.e2e.test_ui_orders import _ok

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("engine", ["sqlite"], indirect=True),
]


def test_line_card_shows_the_lines_first_pass_yield_and_explains_it(
    server: Server, world: World, chromium_path: str
) -> None:
    from playwright.sync_api import expect, sync_playwright

    shift = story_shift(datetime.now(UTC))
    now = datetime.now(UTC) - shift
    with _admin(server.base, PASSWORD) as admin:
        _plan_every_hour_and_reasons(admin, world)
        plan = _ok(
            admin.post(
                "/quality/plans",
                json={
                    "product_id": world.product_id,
                    "step_seq": 2,
                    "name": "AOI",
                    "sampling": "every",
                    "opportunities_per_unit": 200,
                },
            )
        )["id"]
        # SMT-1: four units, three good at their first inspection, one with two bridges
        for i, (passed, defects) in enumerate(
            [(True, []), (True, []), (False, [{"code": "BRIDGE", "quantity": 2}]), (True, [])]
        ):
            _ok(
                admin.post(
                    "/quality/inspections",
                    json={
                        "product_id": world.product_id,
                        "step_seq": 2,
                        "plan_id": plan,
                        "machine_id": world.machine_ids[MACHINE],
                        "method": "aoi",
                        "serial": f"E2E-{i}",
                        "passed": passed,
                        "inspected_at": (now - timedelta(minutes=15 - i)).isoformat(),
                        "defects": defects,
                    },
                )
            )
    _ingest(server.base, _device_key(server.base), _raw_events_for_machine(shift))

    with sync_playwright() as pw:
        browser, page = _new_browser_page(pw, chromium_path, {"width": 1280, "height": 800})
        page.clock.set_fixed_time(now)
        try:
            _sign_in_ui(page, server.base, "supervisor", PASSWORD)
            page.get_by_role("navigation", name="Main").get_by_role("link", name="KPIs").click()
            card = page.locator("[data-testid=line-card][data-line=SMT-1]")
            expect(card).to_be_visible()
            window = {"from": card.get_attribute("data-from"), "to": card.get_attribute("data-to")}
            with _admin(server.base, PASSWORD) as admin:
                fig = _ok(
                    admin.get(
                        "/quality/figures",
                        params={**window, "line_id": world.line_ids["SMT-1"]},
                    )
                )
            assert (fig["inspected"], fig["first_pass_good"], fig["defects"]) == (4, 3, 2)
            assert fig["dpmo"] == 2 / (4 * 200) * 1e6

            # the line's own figures on its card, for the period asked about
            expect(card.get_by_test_id("line-a-fpy")).to_contain_text("First pass yield 75%")
            expect(card.get_by_test_id("line-a-dpmo")).to_contain_text("DPMO 2,500")

            # a tap explains them: the formula with the units, the steps, the defects by code
            card.get_by_test_id("line-a-fpy").click()
            sheet = page.get_by_role("dialog")
            expect(sheet.get_by_role("heading", name="SMT-1 — First pass yield")).to_be_visible()
            expect(sheet.get_by_test_id("explain-value")).to_have_text("75%")
            expect(sheet).to_contain_text("= 3 / 4")
            expect(sheet.get_by_test_id("explain-quality-defects")).to_have_text("2")
            expect(sheet).to_contain_text("= 2 / 800 × 10⁶ = 2,500")
            expect(sheet.get_by_test_id("explain-quality-steps")).to_contain_text("unit serials")
            expect(sheet.get_by_test_id("explain-quality-defects-by-code")).to_contain_text(
                "BRIDGE"
            )
            sheet.get_by_role("button", name="Close").click()
            expect(sheet).to_be_hidden()

            # the line's OEE explained: its inspection figures beneath the time elements
            card.get_by_test_id("line-a-oee").click()
            expect(sheet.get_by_test_id("time-elements")).to_be_visible()
            expect(sheet.get_by_test_id("explain-quality-fpy")).to_have_text("75%")
            expect(sheet.get_by_test_id("explain-quality-dpmo")).to_have_text("2,500")
        finally:
            browser.close()
