"""The Alerts page in the browser: a machine down longer than a rule's threshold fires an
alert; the server's worker sends its in-app notification through the live hub, so the
badge and the page show it without a reload; a supervisor acknowledges it with a
comment."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from linewise.config import Settings
from linewise.core.db import make_session_factory, session_scope
from linewise.core.time import utcnow
from linewise.domains.alerts import service
from linewise.domains.alerts.models import Alert, AlertRule
from linewise.ingest.models import StateInterval
from tests.conftest import PASSWORD, World, with_job_workers
from tests.e2e.test_ui_floor import (
    Server,
    _new_browser_page,
    _sign_in_ui,
)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """This module tests what the server's own job workers do: run them."""
    return with_job_workers(settings)


pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("engine", ["sqlite"], indirect=True),
]


def test_an_alert_appears_live_and_is_acknowledged(
    server: Server,
    world: World,
    chromium_path: str,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    machine = world.machine_ids["SMT-1-PNP1"]
    with session_scope(make_session_factory(server.engine)) as db:
        db.add(
            AlertRule(
                name="Placer down",
                kind="machine_down",
                severity="high",
                scope_kind="line",
                scope_id=world.line_ids["SMT-1"],
                threshold_minutes=10,
                enabled=True,
            )
        )
    with sync_playwright() as pw:
        browser, page = _new_browser_page(pw, chromium_path, {"width": 1366, "height": 900})
        try:
            _sign_in_ui(page, server.base, "supervisor", PASSWORD)
            nav = page.get_by_role("navigation", name="Main")
            nav.get_by_role("link", name="Alerts").click()
            expect(page.get_by_role("heading", name="Alerts")).to_be_visible()
            expect(page.get_by_test_id("time-zone")).to_contain_text("Europe/Berlin")
            expect(page.get_by_text("No alerts in this state.")).to_be_visible()
            expect(page.get_by_test_id("rule-1")).to_contain_text("Line: SMT line 1")
            # A supervisor may not write rules: no button for it.
            expect(page.get_by_role("button", name="New rule")).to_have_count(0)

            # The placer has been down for 15 minutes (written only now: the server's own
            # workers evaluate the rules too, and would raise it before the page is empty).
            # The evaluator's minute comes: the alert and its outbox rows are written; the
            # server's worker sends the in-app row through the live hub to this page.
            with session_scope(make_session_factory(server.engine)) as db:
                db.add(
                    StateInterval(
                        machine_id=machine, start=utcnow() - timedelta(minutes=15), state="down"
                    )
                )
            with session_scope(make_session_factory(server.engine)) as db:
                service.evaluate(db, [])  # raises it, unless a worker was quicker
                [alert_id] = db.scalars(select(Alert.id)).all()
            expect(page.get_by_test_id("alerts-badge")).to_have_text("1")
            row = page.get_by_test_id(f"alert-{alert_id}")
            expect(row).to_contain_text("Pick&place 1 down longer than 10 min")
            expect(row).to_contain_text("High")
            acknowledge = row.get_by_role("button", name="Acknowledge")
            expect(acknowledge).to_be_disabled()
            row.get_by_label("Comment").fill("Technician on the way")
            acknowledge.click()
            expect(row).to_have_count(0)
            expect(page.get_by_test_id("alerts-badge")).to_have_count(0)
            page.get_by_test_id("alerts-tab-acknowledged").click()
            acked = page.get_by_test_id(f"alert-{alert_id}")
            expect(acked.get_by_test_id("ack-comment")).to_have_text("Technician on the way")
            expect(acked).to_contain_text("supervisor")
            page.screenshot(path=str(tmp_path / "alerts.png"), full_page=True)
            # A supervisor may not export; a manager downloads the acknowledged alerts.
            expect(page.get_by_role("group", name="Export Alerts")).to_have_count(0)
            page.get_by_role("button", name="Sign out", exact=True).click()
            _sign_in_ui(page, server.base, "manager", PASSWORD)
            page.goto(server.base + "/alerts")
            page.get_by_test_id("alerts-tab-acknowledged").click()
            expect(page.get_by_test_id(f"alert-{alert_id}")).to_be_visible()
            with page.expect_download() as info:
                page.get_by_role("group", name="Export Alerts").get_by_role(
                    "button", name="CSV"
                ).click()
            info.value.save_as(tmp_path / "alerts.csv")
        finally:
            browser.close()
    header, *rows = list(csv.reader(io.StringIO((tmp_path / "alerts.csv").read_text("utf-8-sig"))))
    assert header == [
        "Severity",
        "Alert",
        "Rule",
        "State",
        "Suppressed",
        "Fired (Europe/Berlin)",
        "Acknowledged (Europe/Berlin)",
        "Acknowledged by",
        "Comment",
        "Resolved (Europe/Berlin)",
        "Resolved by",
    ]
    (row_csv,) = rows
    assert row_csv[:5] == [
        "High",
        "Pick&place 1 down longer than 10 min",
        "Placer down",
        "Acknowledged",
        "",
    ]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", row_csv[5])
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", row_csv[6])
    assert row_csv[7:] == ["supervisor", "Technician on the way", "", ""]


def test_a_manager_creates_and_edits_a_rule(
    server: Server,
    world: World,
    chromium_path: str,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser, page = _new_browser_page(pw, chromium_path, {"width": 1366, "height": 900})
        try:
            _sign_in_ui(page, server.base, "manager", PASSWORD)
            page.get_by_role("navigation", name="Main").get_by_role("link", name="Alerts").click()
            rules = page.get_by_test_id("alert-rules")
            expect(rules).to_contain_text("No alert rules yet.")
            rules.get_by_role("button", name="New rule").click()
            form = page.get_by_role("form", name="Alert rule")
            form.get_by_label("Name").fill("Tester unexplained stop")
            form.get_by_label("Condition").select_option("stop_without_reason")
            form.get_by_label("Minutes (N)").fill("7")
            form.get_by_label("Scope").select_option("machine")
            form.get_by_label("Machine", exact=True).select_option(label="ICT")
            form.get_by_role("button", name="Save rule").click()
            row = rules.locator("tbody tr").filter(has_text="Tester unexplained stop")
            expect(row).to_contain_text("Stop without a reason after N minutes")
            expect(row).to_contain_text("Machine: ICT")
            row.get_by_role("button", name="Edit").click()
            form.get_by_label("Minutes (N)").fill("12")
            form.get_by_role("button", name="Save rule").click()
            expect(row.locator("td.num")).to_have_text("12")
        finally:
            browser.close()
