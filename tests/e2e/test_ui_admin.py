"""Administration, role-aware pages, wall mode and the phone layout in a real browser.

The admin creates a user and an API key (its secret shown once), revokes the key (the
server then refuses it) and verifies the audit chain, before and after a row is tampered
with in the database. An operator sees no administration and no buttons of other roles;
the floor's wall mode fits eight lines on a TV without scrolling; on a phone the menu
opens as a drawer and no page scrolls sideways.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from tests.conftest import PASSWORD, World
from tests.e2e.test_ui_floor import (
    Server,
    _admin,
    _device_key,
    _ingest,
    _new_browser_page,
    _sign_in_ui,
)
from tests.e2e.test_ui_orders import (
    _ok,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("engine", ["sqlite"], indirect=True),
]

NEW_PASSWORD = "a-new-password-42"


def _me_with_key(base: str, token: str) -> int:
    r = httpx.get(
        f"{base}/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    return r.status_code


def _no_horizontal_overflow(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    inner = page.evaluate("window.innerWidth")
    assert width <= inner, f"{page.url}: the page is {width}px wide in a {inner}px window"


def test_admin_manages_users_and_keys_and_verifies_the_audit_chain(
    server: Server,
    world: World,
    db: Session,
    chromium_path: str,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    from linewise.core.audit import AuditRecord

    base = server.base
    with sync_playwright() as pw:
        browser, page = _new_browser_page(pw, chromium_path, {"width": 1280, "height": 900})
        try:
            _sign_in_ui(page, base, "admin", PASSWORD)
            nav = page.get_by_role("navigation", name="Main")
            expect(nav).to_contain_text("Administration")
            expect(page.get_by_test_id("menu-button")).to_be_hidden()  # a phone's only
            nav.get_by_role("link", name="Users").click()
            expect(page).to_have_url(f"{base}/admin/users")
            expect(page.get_by_test_id("user-row")).to_have_count(len(world.user_ids))
            # Areas by name: the world's supervisor works in SMT.
            supervisor = page.locator("[data-testid=user-row][data-username=supervisor]")
            expect(supervisor.get_by_test_id("user-areas")).to_have_text("SMT")

            # A new supervisor of the Test area.
            page.get_by_role("button", name="New user").click()
            form = page.get_by_test_id("user-form")
            form.get_by_label("Username").fill("line.lead")
            form.get_by_label("Full name").fill("Lena Lead")
            form.get_by_role("combobox", name=re.compile("^Role")).select_option(label="Supervisor")
            form.get_by_label("Password").fill("short")
            form.get_by_label("Test").check()
            form.get_by_role("button", name="Create user").click()
            # Hostile input: the server's reason, next to the field, and nothing written.
            expect(form).to_contain_text("must be at least 10 characters")
            form.get_by_label("Password").fill("a-good-long-password")
            form.get_by_role("button", name="Create user").click()
            expect(page.get_by_test_id("user-saved")).to_have_text("User line.lead created.")
            row = page.locator("[data-testid=user-row][data-username='line.lead']")
            expect(row).to_contain_text("Supervisor")
            expect(row.get_by_test_id("user-areas")).to_have_text("Test")
            with _admin(base, PASSWORD) as c:
                users = _ok(c.get("/users", params={"q": "line.lead"}))["items"]
                assert [(u["role"], u["area_ids"]) for u in users] == [
                    ("supervisor", [world.area_ids["TEST"]])
                ]

            # The list exports as it is shown: role and areas by name.
            with page.expect_download() as info:
                page.get_by_role("group", name="Export Users").get_by_role(
                    "button", name="XLSX"
                ).click()
            assert info.value.suggested_filename == "Users.xlsx"
            with open(info.value.path(), "rb") as f:  # a download has no extension
                exported = list(load_workbook(f).worksheets[0].values)
            assert exported[0][:5] == ("Username", "Name", "Role", "Areas", "Status")
            assert ("line.lead", "Lena Lead", "Supervisor", "Test", "Active") in [
                r[:5] for r in exported
            ]

            # The admin resets the password; the new one signs in, the old one no more.
            row.get_by_role("button", name="Edit").click()
            page.get_by_test_id("user-form").get_by_label("New password").fill(NEW_PASSWORD)
            page.get_by_test_id("user-form").get_by_role("button", name="Save").click()
            expect(page.get_by_test_id("user-saved")).to_contain_text("signed out everywhere")
            login = httpx.post(
                f"{base}/api/v1/auth/login",
                json={"username": "line.lead", "password": NEW_PASSWORD},
                timeout=10,
            )
            assert login.status_code == 200, login.text
            assert login.json()["user"]["areas"] == [{"id": world.area_ids["TEST"], "name": "Test"}]

            # An integration key: its secret is shown once, with a warning and a copy button.
            nav.get_by_role("link", name="API keys").click()
            expect(page).to_have_url(f"{base}/admin/api-keys")
            page.get_by_role("button", name="New API key").click()
            key_form = page.get_by_test_id("api-key-form")
            key_form.get_by_label("Name").fill("ERP bridge")
            key_form.get_by_role("combobox", name=re.compile("^Scope")).select_option("integration")
            key_form.get_by_role("combobox", name=re.compile("^Role")).select_option(
                label="Planner"
            )
            key_form.get_by_role("button", name="Create key").click()
            box = page.get_by_test_id("api-key-secret-box")
            expect(box).to_contain_text("shown only this once")
            expect(box.get_by_role("button", name="Copy")).to_be_visible()
            token = page.get_by_test_id("api-key-secret").inner_text()
            assert len(token) > 20
            assert _me_with_key(base, token) == 200
            # Copy: to the clipboard, or (no clipboard for this page) the key is selected.
            box.get_by_role("button", name="Copy").click()
            expect(box).to_contain_text(re.compile(r"Copied|Selected: press Ctrl\+C to copy"))
            if "Selected" in box.inner_text():
                assert page.evaluate("window.getSelection().toString()") == token
            box.get_by_role("button", name="I have stored it, close").click()
            expect(page.get_by_test_id("api-key-secret")).to_have_count(0)
            assert token not in page.content()
            page.reload()
            expect(page.get_by_test_id("api-key-row")).to_have_count(1)
            assert token not in page.content()

            # Revoked after a confirmation: the server refuses the key from then on.
            key_row = page.locator("[data-testid=api-key-row][data-name='ERP bridge']")
            key_row.get_by_role("button", name="Revoke").click()
            expect(key_row).to_contain_text("Whatever uses it is refused at once.")
            key_row.get_by_role("button", name="Yes, revoke").click()
            expect(key_row.get_by_test_id("api-key-status")).to_contain_text("Revoked")
            assert _me_with_key(base, token) == 401
            # The keys export as listed: the key's start, never its secret.
            with page.expect_download() as info:
                page.get_by_role("group", name="Export API keys").get_by_role(
                    "button", name="CSV"
                ).click()
            with open(info.value.path(), encoding="utf-8-sig") as f:
                exported_keys = f.read()
            assert token not in exported_keys
            header, row = list(csv.reader(io.StringIO(exported_keys)))
            assert header[:4] == ["Name", "Key starts with", "Scope", "Role"]
            assert header[4:] == ["Created (Europe/Berlin)", "Revoked (Europe/Berlin)"]
            assert row[0] == "ERP bridge" and row[1] in token and row[3] == "Planner"
            assert row[5].startswith(datetime.now(ZoneInfo("Europe/Berlin")).date().isoformat())

            # The audit log: filtered by who and what, then the chain check.
            nav.get_by_role("link", name="Audit log").click()
            expect(page).to_have_url(f"{base}/admin/audit")
            expect(page.get_by_test_id("time-zone")).to_have_text("Times in Europe/Berlin")
            audit = page.get_by_test_id("audit")
            audit.get_by_label("Who").fill("user:admin")
            audit.get_by_label("What").select_option("api_keys")
            rows = page.get_by_test_id("audit-row")
            expect(rows).to_have_count(2)  # created, then revoked
            expect(rows.first).to_contain_text("changed")
            expect(rows.first).to_contain_text("revoked_at")
            expect(rows.last).to_contain_text("created")
            # Only today's records (in the site's zone) are in today's range.
            today = datetime.now(UTC).astimezone().date()
            audit.get_by_label("From (day)").fill((today + timedelta(days=2)).isoformat())
            expect(page.get_by_text("No records match these filters.")).to_be_visible()
            audit.get_by_label("From (day)").fill("")
            expect(rows).to_have_count(2)
            # The password reset is in the log (that it happened, never the hash).
            audit.get_by_label("What").select_option("users")
            reset = rows.filter(has_text="password_changed: — → true")
            expect(reset).to_have_count(1)
            expect(reset).to_contain_text("user:admin")

            db.expire_all()
            total = db.scalar(select(func.count()).select_from(AuditRecord))
            assert total and total > 5
            page.get_by_role("button", name="Verify chain").click()
            result = page.get_by_test_id("verify-result")
            expect(result).to_have_text(f"Intact: {total} entries checked.")

            # Someone edits a record in the database behind the application's back.
            victim = total // 2
            db.execute(
                text("UPDATE audit_log SET actor = 'user:mallory' WHERE seq = :seq"),
                {"seq": victim},
            )
            db.commit()
            page.get_by_role("button", name="Verify chain").click()
            expect(result).to_have_text(
                re.compile(rf"^Broken at entry {victim}: content does not match its hash\.")
            )
            expect(result).to_contain_text(f"{victim - 1} entries before it are intact.")
        finally:
            browser.close()


def _open_receipt(base: str) -> None:
    with _admin(base, PASSWORD) as c:
        mat = _ok(c.post("/materials", json={"code": "IC-MCU", "name": "Microcontroller"}))
        arrives = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
        body = {"material_id": mat["id"], "quantity": 100, "expected_at": arrives.isoformat()}
        _ok(c.post("/receipts", json=body))


def test_an_operator_sees_no_administration_and_no_buttons_of_other_roles(
    server: Server,
    world: World,
    chromium_path: str,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    base = server.base
    _open_receipt(base)
    with sync_playwright() as pw:
        browser, page = _new_browser_page(pw, chromium_path, {"width": 1280, "height": 900})
        try:
            _sign_in_ui(page, base, "operator", PASSWORD)
            nav = page.get_by_role("navigation", name="Main")
            expect(nav.get_by_role("link", name="Floor")).to_be_visible()
            expect(nav).not_to_contain_text("Administration")
            expect(nav.get_by_role("link", name="Users")).to_have_count(0)
            expect(nav.get_by_role("link", name="Audit log")).to_have_count(0)

            # Typed in by hand: the server refuses, and the page says why in words (never
            # the server's "role 'operator' lacks permission 'audit:read'").
            page.goto(f"{base}/admin/audit")
            expect(page.get_by_role("alert")).to_contain_text(
                "Not available to your role (Operator)."
            )
            expect(page.get_by_role("button", name="Verify chain")).to_have_count(0)
            assert "lacks permission" not in page.content()

            # The floor: their areas by name, the line's area by name.
            page.goto(f"{base}/floor")
            expect(page.get_by_test_id("live-status")).to_have_text("Live")
            expect(page.get_by_test_id("scope-label")).to_contain_text("your areas (SMT)")
            expect(page.get_by_test_id("line-panel")).to_have_count(1)
            expect(page.get_by_test_id("line-area")).to_have_text("SMT")

            # Downtime: the queue says whose stops it holds.
            page.goto(f"{base}/downtime")
            expect(page.get_by_role("heading", name="Downtime reasons")).to_be_visible()
            expect(page.locator(".page-header")).to_contain_text("your areas (SMT)")

            # Inventory: booking a delivery in is not an operator's; the page says so.
            page.goto(f"{base}/inventory")
            expect(page.get_by_test_id("receipt-row")).to_have_count(1)
            expect(page.get_by_role("button", name="Receive", exact=True)).to_have_count(0)
            expect(page.get_by_test_id("receive-denied")).to_have_text(
                "Receiving deliveries: Not available to your role (Operator)."
            )
            assert "lacks permission" not in page.content()
        finally:
            browser.close()

    # A manager reads users and the audit log but changes no user and holds no keys.
    with sync_playwright() as pw:
        browser, page = _new_browser_page(pw, chromium_path, {"width": 1280, "height": 900})
        try:
            _sign_in_ui(page, base, "manager", PASSWORD)
            nav = page.get_by_role("navigation", name="Main")
            nav.get_by_role("link", name="Users").click()
            expect(page.get_by_test_id("user-row")).to_have_count(len(world.user_ids))
            expect(page.get_by_role("button", name="New user")).to_be_disabled()
            expect(page.get_by_role("button", name="New user")).to_have_attribute(
                "title", "Not available to your role (Manager)."
            )
            expect(page.get_by_role("button", name="Edit")).to_have_count(0)
            expect(nav.get_by_role("link", name="Audit log")).to_be_visible()
            expect(nav.get_by_role("link", name="API keys")).to_have_count(0)
            # By address: the server refuses and the page says why, in words.
            page.goto(f"{base}/admin/api-keys")
            expect(page.get_by_role("alert")).to_contain_text(
                "Not available to your role (Manager)."
            )
            expect(page.get_by_role("button", name="New API key")).to_have_count(0)
            assert "lacks permission" not in page.content()
        finally:
            browser.close()

    # A supervisor may book it in: the same page shows the button.
    with sync_playwright() as pw:
        browser, page = _new_browser_page(pw, chromium_path, {"width": 1280, "height": 900})
        try:
            _sign_in_ui(page, base, "supervisor", PASSWORD)
            page.goto(f"{base}/inventory")
            expect(page.get_by_role("button", name="Receive", exact=True)).to_have_count(1)
            expect(page.get_by_test_id("receive-denied")).to_have_count(0)
        finally:
            browser.close()


def _more_lines(db: Session, world: World, lines: int, machines: int = 6) -> None:
    """Lines up to `lines` in all, each with `machines` machines (the world has two)."""
    from linewise.domains.equipment.models import Line, Machine

    kinds = ["prn", "spi", "pnp", "pnp", "rfl", "aoi", "ict", "fct"]
    for n in range(lines - 2):
        code = f"X-{n + 1}"
        line = Line(
            area_id=world.area_ids["SMT"], code=code, name=f"Extra line {n + 1}", type="SMT"
        )
        db.add(line)
        for m in range(machines):
            db.add(
                Machine(
                    line=line,
                    code=f"{code}-M{m + 1}",
                    name=f"Machine {m + 1} of {code}",
                    kind=kinds[m % len(kinds)],
                    position=m + 1,
                )
            )
    db.commit()


def _ago(minutes: int) -> str:
    return (datetime.now(UTC) - timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


def _fits(page: Any) -> None:
    """Nothing scrolls and every line and machine lies inside the window."""
    size = page.evaluate(
        "({h: document.documentElement.scrollHeight, w: document.documentElement.scrollWidth,"
        " ih: window.innerHeight, iw: window.innerWidth})"
    )
    assert size["h"] <= size["ih"], size
    assert size["w"] <= size["iw"], size
    boxes = page.evaluate(
        """() => [...document.querySelectorAll(
              '[data-testid=line-panel], [data-testid=machine-tile], .tile-counts, .line-order')]
            .map((el) => { const r = el.getBoundingClientRect();
              return {top: r.top, bottom: r.bottom, left: r.left, right: r.right,
                      text: el.getAttribute('data-machine') || el.className}; })"""
    )
    outside = [
        b
        for b in boxes
        if b["top"] < 0
        or b["left"] < 0
        or b["bottom"] > size["ih"] + 0.5
        or b["right"] > size["iw"] + 0.5
    ]
    assert boxes and not outside, outside[:5]
    # The tiles' content is not cut off: each tile holds what it shows.
    cut = page.evaluate(
        """() => [...document.querySelectorAll('[data-testid=machine-tile]')]
            .filter((el) => el.scrollHeight > el.clientHeight + 1)
            .map((el) => [el.getAttribute('data-machine'), el.scrollHeight, el.clientHeight])"""
    )
    assert cut == [], cut


@pytest.mark.parametrize("lines", [5, 8])
def test_wall_mode_fits_every_line_on_the_screen(
    server: Server,
    world: World,
    db: Session,
    chromium_path: str,
    lines: int,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    _more_lines(db, world, lines)
    # The tallest tiles: a stop with its reason and fault code, a machine gone silent.
    _ingest(
        server.base,
        _device_key(server.base),
        [
            {"id": "w-1", "ts": _ago(minutes=3), "machine": "X-1-M3", "type": "state",
             "state": "down", "reason": "nozzle_jam", "fault": "PNP-W01"},
            {"id": "w-2", "ts": _ago(minutes=3), "machine": "X-1-M3", "type": "count",
             "good": 1234, "reject": 56},
            {"id": "w-3", "ts": _ago(minutes=50), "machine": "X-2-M1", "type": "state",
             "state": "planned_stop", "reason": "maintenance"},
            {"id": "w-4", "ts": _ago(minutes=40), "machine": "SMT-1-PNP1", "type": "state",
             "state": "producing"},
        ],
    )  # fmt: skip
    with sync_playwright() as pw:
        browser, page = _new_browser_page(pw, chromium_path, {"width": 1920, "height": 1080})
        try:
            _sign_in_ui(page, server.base, "manager", PASSWORD)
            page.goto(f"{server.base}/floor?wall=1")
            expect(page.get_by_test_id("live-status")).to_have_text("Live")
            expect(page.get_by_test_id("line-panel")).to_have_count(lines)
            expect(page.get_by_test_id("machine-tile")).to_have_count(2 + (lines - 2) * 6)
            _fits(page)
            size = page.evaluate("getComputedStyle(document.querySelector('.floor')).fontSize")
            assert float(size.removesuffix("px")) >= 10, size  # still readable across a hall
            page.set_viewport_size({"width": 1280, "height": 720})
            expect(page.get_by_test_id("line-panel")).to_have_count(lines)
            page.wait_for_function("window.innerWidth === 1280")
            _fits(page)
        finally:
            browser.close()


def test_phone_layout_has_a_menu_and_no_sideways_scrolling(
    server: Server,
    world: World,
    chromium_path: str,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    base = server.base
    _open_receipt(base)
    with sync_playwright() as pw:
        browser, page = _new_browser_page(pw, chromium_path, {"width": 390, "height": 844})
        try:
            # The phone's top bar has no room for the user's name: sign in by hand.
            page.goto(base + "/")
            page.get_by_label("Username").fill("admin")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_role("button", name="Sign out", exact=True)).to_be_visible()
            nav = page.get_by_role("navigation", name="Main")
            menu = page.get_by_test_id("menu-button")
            expect(menu).to_be_visible()
            expect(menu).to_have_attribute("aria-expanded", "false")
            expect(nav).to_be_hidden()
            box = menu.bounding_box()
            assert box is not None and box["height"] >= 44 and box["width"] >= 44
            _no_horizontal_overflow(page)

            menu.click()
            expect(nav).to_be_visible()
            expect(menu).to_have_attribute("aria-expanded", "true")
            nav.get_by_role("link", name="Inventory").click()
            expect(page).to_have_url(f"{base}/inventory")
            expect(nav).to_be_hidden()
            expect(page.get_by_test_id("receipt-row")).to_have_count(1)
            _no_horizontal_overflow(page)

            for path, ready in [
                ("/floor", "line-panel"),
                ("/admin/users", "user-row"),
                ("/admin/audit", "audit-row"),
                ("/orders", "time-zone"),
            ]:
                menu.click()
                nav.locator(f"a[href='{path}']").click()
                expect(page).to_have_url(f"{base}{path}")
                expect(page.get_by_test_id(ready).first).to_be_visible()
                _no_horizontal_overflow(page)
            # The audit log, a wide table, reads as one card per entry: its header row is
            # hidden and each value stands under its column's name.
            page.goto(f"{base}/admin/audit")
            row = page.get_by_test_id("audit-row").first
            expect(row).to_be_visible()
            table = page.locator("table.table").filter(has=row)
            expect(table).to_have_class(re.compile(r"\bas-cards\b"))
            assert table.locator("thead").evaluate("(el) => getComputedStyle(el).display") == "none"
            headers = table.locator("thead th").evaluate_all(
                "(ths) => ths.map((th) => th.textContent.trim())"
            )
            cells = row.locator("td")
            labels = cells.evaluate_all("(tds) => tds.map((td) => td.dataset.label)")
            assert labels == headers and len(headers) >= 4, (labels, headers)
            shown = cells.first.evaluate("(td) => getComputedStyle(td, '::before').content")
            assert shown == f'"{headers[0]}"', shown
            # each card is as wide as the screen allows, stacked, not a row to scroll along
            first, second = (cells.nth(i).bounding_box() for i in (0, 1))
            assert first is not None and second is not None
            assert second["y"] >= first["y"] + first["height"] - 1, (first, second)
            assert first["width"] > 250, first
            _no_horizontal_overflow(page)
            # On a desktop the same table is a table again.
            page.set_viewport_size({"width": 1280, "height": 800})
            page.wait_for_function("window.innerWidth === 1280")
            assert table.locator("thead").evaluate("(el) => getComputedStyle(el).display") != "none"
        finally:
            browser.close()


def test_a_planner_reads_the_downtime_queue_but_assigns_no_reason(
    server: Server,
    world: World,
    chromium_path: str,
) -> None:
    """Planners may not give a stop its reason: the button says why instead of failing."""
    from playwright.sync_api import expect, sync_playwright

    base = server.base
    _ingest(
        base,
        _device_key(base),
        [
            {"id": "d-1", "ts": _ago(minutes=30), "machine": "SMT-1-PNP1", "type": "state",
             "state": "down"},
            {"id": "d-2", "ts": _ago(minutes=20), "machine": "SMT-1-PNP1", "type": "state",
             "state": "producing"},
        ],
    )  # fmt: skip
    with sync_playwright() as pw:
        browser, page = _new_browser_page(pw, chromium_path, {"width": 1280, "height": 900})
        try:
            _sign_in_ui(page, base, "planner", PASSWORD)
            page.goto(f"{base}/downtime")
            # Not area-scoped: the queue covers the whole site and says so.
            expect(page.locator(".page-header")).to_contain_text("across the site")
            page.get_by_test_id("queue-row").first.click()
            expect(page.get_by_test_id("reason-picker")).to_be_visible()
            expect(page.get_by_test_id("assign")).to_be_disabled()
            expect(page.get_by_test_id("assign-denied")).to_have_text(
                "Not available to your role (Planner)."
            )
            assert "lacks permission" not in page.content()
        finally:
            browser.close()


def test_admin_adds_renames_and_removes_an_area(
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
            page.get_by_role("navigation", name="Main").get_by_role("link", name="Areas").click()
            expect(page).to_have_url(f"{base}/admin/areas")
            smt = page.locator("[data-testid=area-row][data-code=SMT]")
            expect(smt).to_contain_text("operator, supervisor")  # its users, by name

            form = page.get_by_role("form", name="New area")
            form.get_by_label("Code").fill("PACK")
            form.get_by_label("Name").fill("Packing")
            form.get_by_role("button", name="Add area").click()
            pack = page.locator("[data-testid=area-row][data-code=PACK]")
            expect(pack).to_contain_text("Packing")
            expect(pack).to_contain_text("Plant 1")

            pack.get_by_role("button", name="Rename").click()
            pack.get_by_label("New name of PACK").fill("Packing hall")
            pack.get_by_role("button", name="Save").click()
            expect(pack).to_contain_text("Packing hall")

            # An area with lines cannot go: the server's refusal is shown, nothing removed.
            smt.get_by_role("button", name="Remove").click()
            smt.get_by_role("button", name="Yes, remove").click()
            expect(page.get_by_role("alert")).to_be_visible()
            expect(smt).to_be_visible()

            pack.get_by_role("button", name="Remove").click()
            expect(pack).to_contain_text("its users lose it")
            pack.get_by_role("button", name="Yes, remove").click()
            expect(pack).to_have_count(0)
            with _admin(base, PASSWORD) as c:
                codes = [a["code"] for a in _ok(c.get("/areas"))["items"]]
            assert sorted(codes) == ["SMT", "TEST"]
        finally:
            browser.close()
