"""The UI speaks English and German through one i18n layer, and shows every time in the
site's time zone whatever the browser's.

German: switched in the shell, remembered across a reload, on the Orders page and the
Floor. Time: a browser in New York still reads the Berlin site's times on the order
page, the Orders list and the Gantt, labelled "Europe/Berlin" (before, Orders and the
Gantt silently switched to New York).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import PASSWORD, World
from tests.e2e.test_ui_floor import (
    CHROMIUM_ARGS,
    Server,
    _new_browser_page,
    _sign_in_ui,
)
from tests.e2e.test_ui_order_lateness import _publish_a_plan

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("engine", ["sqlite"], indirect=True),
]

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def _clock(iso: str, zone: ZoneInfo) -> str:
    """The time of day as the UI's 24-hour formats write it ("14:05")."""
    return f"{datetime.fromisoformat(iso).astimezone(zone):%H:%M}"


def _clock(iso: str, zone: ZoneInfo) -> str:
    """The time of day as the UI writes it in every language: 24 hours ("14:05")."""
    at = datetime.fromisoformat(iso).astimezone(zone)
    return f"{at:%H:%M}"


def test_german_switch_in_the_shell_translates_orders_and_floor(
    server: Server,
    world: World,
    chromium_path: str,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser, page = _new_browser_page(pw, chromium_path, {"width": 1280, "height": 800})
        try:
            _sign_in_ui(page, server.base, "supervisor", PASSWORD)
            nav = page.get_by_role("navigation", name="Main")
            expect(nav.get_by_role("link", name="Orders")).to_be_visible()
            assert page.evaluate("document.documentElement.lang") == "en"

            page.get_by_test_id("locale-switch").select_option("de")
            nav = page.get_by_role("navigation", name="Hauptmenü")
            nav.get_by_role("link", name="Aufträge").click()
            expect(page.get_by_role("heading", name="Aufträge")).to_be_visible()
            expect(page.get_by_role("button", name="Nur verspätete")).to_be_visible()
            expect(page.get_by_role("searchbox", name="Aufträge suchen")).to_be_visible()
            expect(page.get_by_role("button", name="In Arbeit")).to_be_visible()
            expect(page.get_by_test_id("time-zone")).to_have_text("Zeiten in Europe/Berlin")
            assert page.evaluate("document.documentElement.lang") == "de"

            # The choice is kept: a reload comes back in German.
            page.reload()
            nav = page.get_by_role("navigation", name="Hauptmenü")
            nav.get_by_role("link", name="Hallenboden").click()
            expect(page.get_by_role("heading", name="Hallenboden")).to_be_visible()
            legend = page.get_by_test_id("legend")
            expect(legend).to_contain_text("Produziert")
            expect(legend).to_contain_text("Geplanter Stopp")
            expect(page.get_by_test_id("wall-toggle")).to_have_text("Wandmodus")
            page.screenshot(path=str(tmp_path / "floor-de.png"), full_page=True)

            # And back to English.
            page.get_by_test_id("locale-switch").select_option("en")
            expect(page.get_by_role("heading", name="Floor")).to_be_visible()
            expect(page.get_by_test_id("legend")).to_contain_text("Producing")
        finally:
            browser.close()


def _browser_in_new_york(pw: Any, chromium: str) -> tuple[Any, Any]:
    browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
    context = browser.new_context(
        viewport={"width": 1280, "height": 800}, locale="en-US", timezone_id="America/New_York"
    )
    return browser, context.new_page()


def test_a_browser_in_new_york_reads_berlin_times_on_orders_and_the_gantt(
    server: Server,
    world: World,
    chromium_path: str,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    order = _publish_a_plan(server.base, world)
    finish = order["planned_finish"]
    assert _clock(finish, BERLIN) != _clock(finish, NEW_YORK)

    with sync_playwright() as pw:
        browser, page = _browser_in_new_york(pw, chromium_path)
        try:
            _sign_in_ui(page, server.base, "planner", PASSWORD)
            assert page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") == (
                "America/New_York"
            )
            expect(page.get_by_test_id("site-zone")).to_contain_text("Europe/Berlin")

            # The Orders list: due dates in Berlin, labelled.
            page.get_by_role("navigation", name="Main").get_by_role("link", name="Orders").click()
            expect(page.get_by_test_id("time-zone")).to_contain_text("Europe/Berlin")
            row = page.get_by_test_id("order-row").filter(has_text="PO-LATE")
            expect(row).to_contain_text(_clock(order["due_date"], BERLIN))
            expect(row).not_to_contain_text(_clock(order["due_date"], NEW_YORK))

            # The order page: the plan's finish in Berlin, labelled.
            row.get_by_role("link", name="PO-LATE").click()
            expect(page.get_by_test_id("time-zone")).to_contain_text("Europe/Berlin")
            planned = page.get_by_test_id("planned-finish")
            expect(planned).to_contain_text(_clock(finish, BERLIN))
            expect(planned).not_to_contain_text(_clock(finish, NEW_YORK))

            # The Gantt: an operation's start and end in Berlin, and the page says so.
            page.get_by_role("navigation", name="Main").get_by_role("link", name="Schedule").click()
            expect(page.get_by_test_id("time-zone")).to_contain_text("Europe/Berlin")
            op = order["operations"][0]
            bar = page.locator(f"[data-testid=gantt-bar][data-op='{op['id']}']")
            bar.scroll_into_view_if_needed()
            bar.click()
            details = page.get_by_test_id("op-details")
            expect(details).to_contain_text(_clock(op["planned_start"], BERLIN))
            expect(details).to_contain_text(_clock(op["planned_finish"], BERLIN))
            expect(details).not_to_contain_text(_clock(op["planned_start"], NEW_YORK))
            page.screenshot(path=str(tmp_path / "gantt-new-york.png"), full_page=True)
        finally:
            browser.close()
