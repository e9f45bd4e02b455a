"""One journey per role through several pages, in one browser session each (issue 17).

Each journey is what a person in that role does in a morning, and each ends by asking the
API whether what the pages showed really happened:

- the planner creates an order, imports a file with errors, fixes it, optimizes and
  publishes the plan;
- the admin creates a user with an area and an API key (used at once) and verifies the
  audit chain;
- the manager exports yesterday's shift report for a line and a KPI table;
- the supervisor sees their areas on every page, gives a stop its reason, holds and
  resumes an order of their area, and gets no admin or planner controls;
- the operator sees no planner or admin buttons anywhere, and refusals in words.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.conftest import PASSWORD, World
from tests.e2e.test_ui_floor import (
    CHROMIUM_ARGS,
    Server,
    _admin,
    _device_key,
    _ingest,
    _new_browser_page,
    _sign_in_ui,
)
from tests.e2e.test_ui_kpi import MACHINE, _plan_every_hour_and_reasons
from tests.e2e.test_ui_orders import (
    _ok,
)
from tests.e2e.test_ui_schedule import _client, _ops

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("engine", ["sqlite"], indirect=True),
]

TZ = ZoneInfo("Europe/Berlin")


def _yesterday() -> datetime:
    """Yesterday's midnight on the site's clock (Berlin)."""
    day = datetime.now(TZ).date() - timedelta(days=1)
    return datetime(day.year, day.month, day.day, tzinfo=TZ)


def _stop_story(prefix: str, start: datetime) -> list[dict[str, Any]]:
    """20 minutes of SMT-1's pick-and-place: 17 good, one reject, a 4-minute stop (fault
    PNP-E12, no reason given) from minute 8 to 12, then offline."""

    def ts(minutes: float) -> str:
        return (start + timedelta(minutes=minutes)).astimezone(UTC).isoformat()

    events: list[dict[str, Any]] = [
        {"ts": ts(0), "type": "state", "state": "producing"},
        {"ts": ts(6), "type": "count", "good": 10, "reject": 0, "product": "CTRL-100"},
        {"ts": ts(8), "type": "state", "state": "down", "fault": "PNP-E12"},
        {"ts": ts(12), "type": "state", "state": "producing"},
        {"ts": ts(18), "type": "count", "good": 7, "reject": 1, "product": "CTRL-100"},
        {"ts": ts(20), "type": "state", "state": "offline"},
    ]
    return [e | {"id": f"{prefix}-{i}", "machine": MACHINE} for i, e in enumerate(events)]


def _de(days: int) -> str:
    """A due date some days ahead as a German spreadsheet writes it (18.12.2026)."""
    return (datetime.now(TZ).date() + timedelta(days=days)).strftime("%d.%m.%Y")


def _orders_csv(fixed: bool) -> str:
    rows = [
        "number;product_code;quantity;due_date;priority",
        f"PO-IMP-1;CTRL-100;1.200;{_de(4)};3",
        # row 3: no such product, a quantity in words; row 4: the number of row 2 again
        f"PO-IMP-2;NOPE-9;viele;{_de(5)};3" if not fixed else f"PO-IMP-2;CTRL-100;50;{_de(5)};3",
        f"PO-IMP-1;CTRL-100;10;{_de(6)};3" if not fixed else f"PO-IMP-3;CTRL-100;10;{_de(6)};3",
    ]
    return "\n".join(rows) + "\n"


def _file(name: str, text: str) -> dict[str, object]:
    return {"name": name, "mimeType": "text/csv", "buffer": text.encode()}


def _bearer(base: str, token: str, path: str) -> httpx.Response:
    return httpx.get(
        f"{base}/api/v1{path}", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )


def test_planner_creates_imports_optimizes_and_publishes(
    server: Server,
    world: World,
    chromium_path: str,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    base = server.base
    due = (datetime.now(TZ) + timedelta(days=3)).replace(hour=14, minute=0)
    with sync_playwright() as pw:
        browser, page = _new_browser_page(pw, chromium_path, {"width": 1366, "height": 900})
        try:
            _sign_in_ui(page, base, "planner", PASSWORD)
            nav = page.get_by_role("navigation", name="Main")
            expect(nav).not_to_contain_text("Administration")

            # 1. A new order, its due date on the site's clock.
            nav.get_by_role("link", name="Orders").click()
            page.get_by_role("button", name="New order").click()
            form = page.get_by_role("dialog")
            form.get_by_label("Order number").fill("PO-J1")
            form.get_by_label("Product").select_option(label="CTRL-100 · Controller")
            form.get_by_label("Quantity").fill("60")
            form.get_by_label("Due date (Europe/Berlin)").fill(due.strftime("%Y-%m-%dT%H:%M"))
            form.get_by_role("button", name="Create order").click()
            expect(page.get_by_role("heading", name="PO-J1")).to_be_visible()

            # 2. A customer's file with errors: every error by row and column, no import.
            nav.get_by_role("link", name="Import").click()
            page.get_by_test_id("import-sheet").select_option("orders")
            page.get_by_test_id("import-locale").select_option("de")
            page.get_by_test_id("import-file").set_input_files(
                _file("orders.csv", _orders_csv(fixed=False))
            )
            errors = page.get_by_test_id("import-errors").locator("li")
            expect(errors).to_have_count(3)
            found = {
                (int(li.get_attribute("data-row") or 0), li.get_attribute("data-column"))
                for li in errors.all()
            }
            assert found == {(3, "quantity"), (3, "product_code"), (4, "number")}
            expect(page.get_by_test_id("import-commit")).to_have_count(0)
            # Fixed and chosen again: clean, imported whole.
            page.get_by_test_id("import-file").set_input_files(
                _file("orders.csv", _orders_csv(fixed=True))
            )
            expect(page.get_by_test_id("import-summary")).to_contain_text(
                "orders.csv is correct: 3 rows, 3 new, 0 updated."
            )
            page.get_by_test_id("import-commit").click()
            expect(page.get_by_test_id("import-done")).to_contain_text("3 created, 0 updated")

            # 3. Optimize, read the result in planner terms, publish.
            nav.get_by_role("link", name="Schedule").click()
            expect(page.get_by_role("heading", name="Schedule")).to_be_visible()
            page.get_by_label("Time limit").select_option("2")
            page.get_by_role("button", name="Optimize").click()
            progress = page.get_by_test_id("run-progress")
            expect(progress).to_have_attribute("data-status", "succeeded", timeout=30_000)
            result = page.get_by_test_id("run-result")
            expect(result).to_contain_text(re.compile(r"\d+ late orders"))
            expect(result).to_contain_text("all work done by")
            expect(page.get_by_test_id("plan-figures")).to_contain_text("of 4")
            expect(page.get_by_test_id("plan-status")).to_have_text("Draft")
            expect(page.get_by_test_id("gantt-bar")).to_have_count(8)  # 4 orders × 2 steps
            plan_id = int(page.url.split("plan=")[1].split("&")[0])
            page.get_by_test_id("publish").click()
            page.get_by_role("dialog").get_by_role("button", name="Publish").click()
            expect(page.get_by_test_id("plan-status")).to_have_text("Published")
        finally:
            browser.close()

    numbers = {"PO-J1", "PO-IMP-1", "PO-IMP-2", "PO-IMP-3"}
    with _client(base, "planner") as api:
        created = _ok(api.get("/orders/by-number/PO-J1"))
        assert created["quantity"] == 60
        assert created["due_date"].startswith(due.astimezone(UTC).strftime("%Y-%m-%dT%H:%M"))
        assert _ok(api.get("/orders/by-number/PO-IMP-1"))["quantity"] == 1200  # German 1.200
        published = _ok(api.get("/plans", params={"status": "published"}))
        assert [p["id"] for p in published] == [plan_id]
        plan = _ok(api.get(f"/plans/{plan_id}"))
    assert plan["status"] == "published"
    assert {op["order_number"] for op in _ops(plan)} == numbers


def test_admin_creates_a_user_and_a_key_and_verifies_the_audit_chain(
    server: Server,
    world: World,
    chromium_path: str,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    base = server.base
    with sync_playwright() as pw:
        browser, page = _new_browser_page(pw, chromium_path, {"width": 1280, "height": 900})
        try:
            _sign_in_ui(page, base, "admin", PASSWORD)
            nav = page.get_by_role("navigation", name="Main")
            nav.get_by_role("link", name="Users").click()
            page.get_by_role("button", name="New user").click()
            form = page.get_by_test_id("user-form")
            form.get_by_label("Username").fill("test.lead")
            form.get_by_label("Full name").fill("Tessa Lead")
            form.get_by_role("combobox", name=re.compile("^Role")).select_option(label="Supervisor")
            form.get_by_label("Password").fill("a-good-long-password")
            form.get_by_label("Test").check()  # the area, by its name
            form.get_by_role("button", name="Create user").click()
            expect(page.get_by_test_id("user-saved")).to_have_text("User test.lead created.")
            row = page.locator("[data-testid=user-row][data-username='test.lead']")
            expect(row.get_by_test_id("user-areas")).to_have_text("Test")

            nav.get_by_role("link", name="API keys").click()
            page.get_by_role("button", name="New API key").click()
            key_form = page.get_by_test_id("api-key-form")
            key_form.get_by_label("Name").fill("MES bridge")
            key_form.get_by_role("combobox", name=re.compile("^Scope")).select_option("integration")
            key_form.get_by_role("combobox", name=re.compile("^Role")).select_option(
                label="Planner"
            )
            key_form.get_by_role("button", name="Create key").click()
            box = page.get_by_test_id("api-key-secret-box")
            expect(box).to_contain_text("shown only this once")
            token = page.get_by_test_id("api-key-secret").inner_text()
            # The key works at once, as a planner: it reads orders.
            assert _bearer(base, token, "/orders").status_code == 200
            box.get_by_role("button", name="I have stored it, close").click()
            expect(page.get_by_test_id("api-key-secret")).to_have_count(0)
            page.reload()
            expect(page.get_by_test_id("api-key-row")).to_have_count(1)
            assert token not in page.content()  # shown once, never again

            nav.get_by_role("link", name="Audit log").click()
            expect(page.get_by_test_id("time-zone")).to_have_text("Times in Europe/Berlin")
            page.get_by_role("button", name="Verify chain").click()
            result = page.get_by_test_id("verify-result")
            expect(result).to_have_text(re.compile(r"^Intact: \d+ entries checked\.$"))
            checked = int(re.findall(r"\d+", result.inner_text())[0])
        finally:
            browser.close()

    with _admin(base, PASSWORD) as c:
        users = _ok(c.get("/users", params={"q": "test.lead"}))["items"]
        assert [(u["role"], u["area_ids"]) for u in users] == [
            ("supervisor", [world.area_ids["TEST"]])
        ]
        keys = _ok(c.get("/api-keys"))["items"]
        assert [(k["name"], k["role"]) for k in keys] == [("MES bridge", "planner")]
    # The user and the key are both in the chain that was verified.
    assert checked >= 2
    login = httpx.post(
        f"{base}/api/v1/auth/login",
        json={"username": "test.lead", "password": "a-good-long-password"},
        timeout=10,
    )
    assert login.status_code == 200 and login.json()["user"]["areas"] == [
        {"id": world.area_ids["TEST"], "name": "Test"}
    ]


def test_manager_exports_yesterdays_shift_report_and_a_kpi_table(
    server: Server,
    world: World,
    chromium_path: str,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    base = server.base
    with _admin(base, PASSWORD) as admin:
        _plan_every_hour_and_reasons(admin, world)
    # Inside yesterday's night shift N (12:00–24:00 Berlin).
    _ingest(base, _device_key(base), _stop_story("y", _yesterday() + timedelta(hours=13)))
    day = _yesterday().date().isoformat()
    shift = f"N@{day}"
    line_id = world.line_ids["SMT-1"]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport={"width": 1280, "height": 900},
            locale="en-US",
            timezone_id="Europe/Berlin",
            accept_downloads=True,
        )
        page = context.new_page()
        try:
            _sign_in_ui(page, base, "manager", PASSWORD)
            page.get_by_role("navigation", name="Main").get_by_role("link", name="KPIs").click()
            page.get_by_test_id("period-select").select_option("yesterday")
            expect(page.get_by_test_id("period-label")).to_contain_text("Yesterday")
            card = page.locator("[data-testid=line-card][data-line='SMT-1']")
            card.get_by_test_id("shift-report-link").click()
            expect(page).to_have_url(f"{base}/kpis/shift-report?line={line_id}&shift=previous")
            page.get_by_test_id("report-shift").select_option(shift)
            sheet = page.locator(f"[data-testid=shift-report][data-shift='{shift}']")
            expect(sheet.get_by_test_id("report-output").locator("tfoot")).to_contain_text("17")
            with page.expect_download() as info:
                page.get_by_test_id("download-csv").click()
            assert info.value.suggested_filename == f"shift-report-SMT-1-N-{day}.csv"
            report_path = tmp_path / "report.csv"
            info.value.save_as(report_path)

            # Back to the KPIs: the figures table of yesterday, as CSV.
            page.go_back()
            expect(page.get_by_test_id("period-label")).to_contain_text("Yesterday")
            with page.expect_download() as info:
                page.get_by_role("group", name="Export Line figures").get_by_role(
                    "button", name="CSV"
                ).click()
            lines_path = tmp_path / "lines.csv"
            info.value.save_as(lines_path)
        finally:
            browser.close()

    with _admin(base, PASSWORD) as admin:
        report = _ok(
            admin.get(f"/kpi/line/{line_id}/shift-report", params={"day": day, "shift": "N"})
        )
        figures = _ok(admin.get(f"/kpi/line/{line_id}", params={"day": day}))
    rows = list(csv.reader(io.StringIO(report_path.read_text(encoding="utf-8-sig"))))
    assert rows[0] == ["Shift report", "SMT-1 SMT line 1"]
    assert rows[1] == ["Shift", shift]
    assert report["good_total"] == 17
    assert any("CTRL-100" in r and "17" in r for r in rows), rows
    lines = list(csv.reader(io.StringIO(lines_path.read_text(encoding="utf-8-sig"))))
    header, *data = lines
    assert "OEE (line output) (%)" in header
    period = header.index("Period")
    data = [r for r in data if r[period].startswith("Yesterday")]  # not the comparison's
    assert sorted(r[0] for r in data) == ["SMT-1", "TEST-1"], lines
    # yesterday's window, from the site's midnight
    start = header.index("From (Europe/Berlin)")
    assert {r[start] for r in data} == {f"{day} 00:00"}
    oee = header.index("OEE (line output) (%)")
    smt = next(r for r in data if r[0] == "SMT-1")
    assert float(smt[oee]) == round(figures["lines"][0]["oee_output_based"] * 1000) / 10


def test_supervisor_works_in_their_areas_only(
    server: Server,
    world: World,
    chromium_path: str,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    base = server.base
    with _admin(base, PASSWORD) as admin:
        _plan_every_hour_and_reasons(admin, world)
        order = _ok(
            admin.post(
                "/orders",
                json={
                    "number": "PO-SUP",
                    "product_id": world.product_id,
                    "quantity": 50,
                    "due_date": (datetime.now(UTC) + timedelta(days=2)).isoformat(),
                },
            )
        )
        _ok(
            admin.post(
                f"/orders/{order['id']}/transitions",
                json={"to": "released", "version": order["version"]},
            )
        )
        order = _ok(admin.get(f"/orders/{order['id']}"))
        op = order["operations"][0]  # on SMT-1, the supervisor's area
        _ok(
            admin.post(
                f"/orders/{order['id']}/operations/{op['id']}/actions",
                json={"action": "start", "version": op["version"]},
            )
        )
    # A stop without a reason on SMT-1's pick-and-place, in the last half hour.
    _ingest(base, _device_key(base), _stop_story("t", datetime.now(UTC) - timedelta(minutes=25)))

    with sync_playwright() as pw:
        browser, page = _new_browser_page(pw, chromium_path, {"width": 1280, "height": 900})
        try:
            _sign_in_ui(page, base, "supervisor", PASSWORD)
            nav = page.get_by_role("navigation", name="Main")
            expect(nav).not_to_contain_text("Administration")
            expect(nav.get_by_role("link", name="Users")).to_have_count(0)

            nav.get_by_role("link", name="KPIs").click()
            expect(page.get_by_test_id("scope-label")).to_contain_text("your areas (SMT)")
            nav.get_by_role("link", name="Floor").click()
            expect(page.get_by_test_id("scope-label")).to_contain_text("your areas (SMT)")
            expect(page.get_by_test_id("line-panel")).to_have_count(1)

            # The stop gets its reason.
            nav.get_by_role("link", name="Downtime").click()
            expect(page.locator(".page-header")).to_contain_text("your areas (SMT)")
            row = page.locator(f"[data-testid=queue-row][data-machine={MACHINE}]")
            expect(row).to_contain_text("PNP-E12")
            row.click()
            page.get_by_test_id("reason-picker").get_by_role(
                "button", name=re.compile(r"^Nozzle jam")
            ).click()
            page.get_by_test_id("assign").click()
            expect(page.get_by_test_id("assign-message")).to_contain_text("Nozzle jam")
            expect(row).to_have_count(0)

            # Hold the order running in their area, then resume it.
            nav.get_by_role("link", name="Orders").click()
            expect(page.get_by_role("button", name="New order")).to_have_count(0)
            page.get_by_test_id("order-row").filter(has_text="PO-SUP").get_by_role(
                "link", name="PO-SUP"
            ).click()
            heading = page.get_by_role("heading", name="PO-SUP")
            expect(heading).to_contain_text("In progress")
            page.get_by_role("button", name="Hold").click()
            expect(heading).to_contain_text("On hold")
            with _admin(base, PASSWORD) as admin:
                assert _ok(admin.get(f"/orders/{order['id']}"))["status"] == "on_hold"
            page.get_by_role("button", name="Resume").click()
            expect(heading).to_contain_text("In progress")

            # No planner controls on the Schedule page.
            nav.get_by_role("link", name="Schedule").click()
            expect(page.get_by_role("heading", name="Schedule")).to_be_visible()
            expect(page.get_by_role("button", name="Optimize")).to_have_count(0)
            assert "lacks permission" not in page.content()
        finally:
            browser.close()

    with _admin(base, PASSWORD) as admin:
        assert _ok(admin.get(f"/orders/{order['id']}"))["status"] == "in_progress"
        queue = _ok(admin.get("/downtime/unassigned"))
    assert queue["items"] == []


def test_operator_sees_no_planner_or_admin_buttons(
    server: Server,
    world: World,
    chromium_path: str,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    base = server.base
    with _admin(base, PASSWORD) as admin:
        _ok(
            admin.post(
                "/orders",
                json={
                    "number": "PO-OP",
                    "product_id": world.product_id,
                    "quantity": 20,
                    "due_date": (datetime.now(UTC) + timedelta(days=2)).isoformat(),
                },
            )
        )
    with sync_playwright() as pw:
        browser, page = _new_browser_page(pw, chromium_path, {"width": 1280, "height": 900})
        try:
            _sign_in_ui(page, base, "operator", PASSWORD)
            nav = page.get_by_role("navigation", name="Main")
            expect(nav.get_by_role("link", name="Floor")).to_be_visible()
            expect(nav).not_to_contain_text("Administration")
            expect(nav.get_by_role("link", name="Import")).to_have_count(0)

            nav.get_by_role("link", name="Orders").click()
            expect(page.get_by_test_id("order-row").filter(has_text="PO-OP")).to_be_visible()
            expect(page.get_by_role("button", name="New order")).to_have_count(0)
            expect(page.get_by_role("button", name="Release PO-OP")).to_have_count(0)
            page.goto(f"{base}/orders/PO-OP")
            expect(page.get_by_role("heading", name="PO-OP")).to_be_visible()
            expect(page.get_by_role("button", name="Release")).to_have_count(0)
            expect(page.get_by_role("button", name="Edit")).to_have_attribute(
                "title", "Not available to your role (Operator)."
            )

            nav.get_by_role("link", name="Schedule").click()
            expect(page.get_by_role("heading", name="Schedule")).to_be_visible()
            expect(page.get_by_role("button", name="Optimize")).to_have_count(0)

            nav.get_by_role("link", name="Products").click()
            expect(page.get_by_text("CTRL-100").first).to_be_visible()
            expect(page.get_by_role("button", name="New product")).to_have_count(0)

            nav.get_by_role("link", name="Calendars").click()
            expect(page.get_by_role("heading", name="Calendars")).to_be_visible()
            expect(page.get_by_role("button", name="New calendar")).to_have_count(0)

            page.goto(f"{base}/import")
            expect(page.get_by_text("Not available to your role (Operator).")).to_be_visible()
            expect(page.get_by_test_id("import-file")).to_have_count(0)

            page.goto(f"{base}/admin/users")
            expect(page.get_by_role("alert")).to_contain_text(
                "Not available to your role (Operator)."
            )
            expect(page.get_by_role("button", name="New user")).to_have_count(0)
            assert "lacks permission" not in page.content()
        finally:
            browser.close()

    # The server agrees with the pages: the operator may read orders but not create one.
    with _client(base, "operator") as api:
        assert api.get("/orders").status_code == 200
        refused = api.post(
            "/orders",
            json={
                "number": "PO-NOPE",
                "product_id": world.product_id,
                "quantity": 1,
                "due_date": (datetime.now(UTC) + timedelta(days=2)).isoformat(),
            },
        )
        assert refused.status_code == 403
