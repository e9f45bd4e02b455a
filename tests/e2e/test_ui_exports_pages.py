"""Export on the lists that had none: calendars and the later pages' lists.

A manager (who may export) downloads the calendars as CSV and the maintenance orders as
XLSX and the files hold what the pages show, times in the site's zone with the zone named
in the column title, from a browser in another zone. A supervisor, who reads maintenance
but may not export, sees no export buttons there.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from linewise.core.time import utcnow
from linewise.domains.maintenance import service
from linewise.domains.maintenance.models import MaintenancePlan
from tests.conftest import PASSWORD, World
from tests.e2e.test_ui_floor import Server, _sign_in_ui
from tests.e2e.test_ui_gantt_edit import _client
from tests.e2e.test_ui_orders import CHROMIUM_ARGS, _ok

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("engine", ["sqlite"], indirect=True),
]

BERLIN = ZoneInfo("Europe/Berlin")


def _seed(db: Session, world: World, base: str) -> None:
    """A calendar with a shift, a break and a holiday; one generated preventive order."""
    with _client(base, "planner") as c:
        shift = {
            "code": "EARLY",
            "name": "Early",
            "start": "06:00",
            "end": "14:00",
            "weekdays": [0, 1, 2, 3, 4],
            "breaks": [{"start": "10:00", "minutes": 15}],
        }
        _ok(
            c.post(
                "/calendars",
                json={
                    "code": "P1",
                    "name": "Plant",
                    "site_id": world.site_id,
                    "patterns": [shift],
                    "holidays": [{"day": "2026-12-24", "name": "Christmas Eve"}],
                },
            )
        )
    now = utcnow()
    db.add(
        MaintenancePlan(
            name="Nozzle clean",
            machine_id=world.machine_ids["SMT-1-PNP1"],
            trigger="time",
            interval_days=7,
            lead_days=2,
            tolerance_days=1,
            duration_min=60,
            checklist=["Clean nozzles"],
            created_at=now - timedelta(days=6),
        )
    )
    db.commit()
    assert service.generate(db, now, 30).preventive == 1
    db.commit()


def test_manager_exports_calendars_as_csv_and_maintenance_orders_as_xlsx(
    server: Server,
    world: World,
    db: Session,
    chromium_path: str,
    tmp_path: Path,
) -> None:
    from openpyxl import load_workbook
    from playwright.sync_api import expect, sync_playwright

    _seed(db, world, server.base)
    with _client(server.base, "manager") as c:
        (order,) = c.get("/maintenance/orders").json()
    due_utc = order["due_at"]
    assert due_utc
    due_berlin = (
        datetime.fromisoformat(due_utc.replace("Z", "+00:00"))
        .astimezone(BERLIN)
        .strftime("%Y-%m-%d %H:%M")
    )

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            # A browser in New York: the files still carry the site's (Berlin) times.
            context = browser.new_context(
                viewport={"width": 1366, "height": 900},
                locale="en-US",
                timezone_id="America/New_York",
                accept_downloads=True,
            )
            page = context.new_page()
            _sign_in_ui(page, server.base, "manager", PASSWORD)
            nav = page.get_by_role("navigation", name="Main")

            nav.get_by_role("link", name="Calendars").click()
            expect(page.locator("[data-testid=calendar][data-code=P1]")).to_be_visible()
            group = page.get_by_role("group", name="Export Calendars")
            with page.expect_download() as info:
                group.get_by_role("button", name="CSV").click()
            info.value.save_as(tmp_path / "calendars.csv")

            nav.get_by_role("link", name="Maintenance").click()
            orders = page.get_by_test_id("maint-orders")
            expect(orders.locator("tr[data-status='planned']")).to_contain_text("Nozzle clean")
            group = page.get_by_role("group", name="Export Maintenance orders")
            with page.expect_download() as info:
                group.get_by_role("button", name="XLSX").click()
            info.value.save_as(tmp_path / "maintenance.xlsx")
            context.close()

            # A supervisor reads the maintenance orders but may not export them.
            page = browser.new_context(
                viewport={"width": 1366, "height": 900}, locale="en-US"
            ).new_page()
            _sign_in_ui(page, server.base, "supervisor", PASSWORD)
            page.get_by_role("navigation", name="Main").get_by_role(
                "link", name="Maintenance"
            ).click()
            expect(
                page.get_by_test_id("maint-orders").locator("tr[data-status='planned']")
            ).to_contain_text("Nozzle clean")
            expect(page.get_by_role("group", name="Export Maintenance orders")).to_have_count(0)
            expect(page.get_by_role("button", name="XLSX")).to_have_count(0)
        finally:
            browser.close()

    text = (tmp_path / "calendars.csv").read_text(encoding="utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(text)))
    assert header == [
        "Calendar",
        "Calendar name",
        "Site",
        "Time zone",
        "Line",
        "Entry",
        "Shift",
        "Name",
        "Weekdays",
        "Start (site time)",
        "End (site time)",
        "Breaks",
        "Day",
    ]
    head = ["P1", "Plant", "Plant 1", "Europe/Berlin", "whole site"]
    assert rows == [
        [*head, "Shift", "EARLY", "Early", "Mon–Fri", "06:00", "14:00", "10:00 for 15 min", ""],
        [*head, "Holiday", "", "Christmas Eve", "", "", "", "", "2026-12-24"],
    ]

    sheet = load_workbook(tmp_path / "maintenance.xlsx").active
    assert sheet is not None
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0] == [
        "Order",
        "Machine",
        "Kind",
        "Status",
        "Due (Europe/Berlin)",
        "Stop at (Europe/Berlin)",
        "Scheduled start (Europe/Berlin)",
        "Scheduled end (Europe/Berlin)",
    ]
    assert len(values) == 2
    row = values[1]
    assert row[:4] == ["Nozzle clean", "SMT-1-PNP1", "Preventive", "Planned"]
    # the due time as the site's wall clock (a spreadsheet may read it as a date)
    due = row[4]
    shown = due.strftime("%Y-%m-%d %H:%M") if isinstance(due, datetime) else due
    assert shown == due_berlin
    assert all(v in (None, "") for v in row[5:])
