"""Master data in the browser: a new user sets up a small factory from empty without the
API or a shell; two people editing the same product never overwrite each other silently;
an operator sees the master data but no edit buttons."""

from __future__ import annotations

import csv
import re
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from tests.conftest import PASSWORD, World
from tests.e2e.test_ui_floor import (
    Server,
    _sign_in_ui,
)
from tests.e2e.test_ui_orders import (
    CHROMIUM_ARGS,
    _ok,
)
from tests.e2e.test_ui_schedule import _client, _ops

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("engine", ["sqlite"], indirect=True),
]

BERLIN = ZoneInfo("Europe/Berlin")
VIEWPORT = {"width": 1366, "height": 1000}


@pytest.fixture
def empty_factory(db: Session, password_hash: str) -> None:
    """Nothing but an administrator and a planner."""
    from linewise.domains.accounts.models import User

    for role in ("admin", "planner"):
        db.add(User(username=role, full_name=role.title(), password_hash=password_hash, role=role))
    db.commit()


def _page(browser: Any, base: str, username: str) -> Any:
    context = browser.new_context(viewport=VIEWPORT, locale="en-US", timezone_id="America/New_York")
    page = context.new_page()
    _sign_in_ui(page, base, username, PASSWORD)
    return page


def _nav(page: Any, name: str) -> None:
    from playwright.sync_api import expect

    page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible()


def _set_up_equipment(page: Any) -> None:
    from playwright.sync_api import expect

    _nav(page, "Lines & machines")
    page.get_by_role("button", name="New site").click()
    form = page.get_by_role("form", name="New site")
    form.get_by_label("Code", exact=True).fill("P1")
    form.get_by_label("Name", exact=True).fill("Plant 1")
    # A wrong value: the server's message stands next to the field, nothing is stored.
    form.get_by_label("Time zone").fill("Mars/Olympus")
    form.get_by_role("button", name="Save").click()
    expect(form.locator(".field-message")).to_contain_text("unknown IANA time zone")
    form.get_by_label("Time zone").fill("Europe/Berlin")
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("site")).to_contain_text("Plant 1")

    page.get_by_role("button", name="Add area").click()
    form = page.get_by_role("form", name="New area")
    form.get_by_label("Code", exact=True).fill("SMT")
    form.get_by_label("Name", exact=True).fill("SMT hall")
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("area")).to_contain_text("SMT hall")

    page.get_by_role("button", name="Add line").click()
    form = page.get_by_role("form", name="New line")
    form.get_by_label("Code", exact=True).fill("SMT-1")
    form.get_by_label("Name", exact=True).fill("SMT line 1")
    expect(form.get_by_label("Type")).to_have_value("SMT")
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("line-row")).to_contain_text("SMT-1")

    page.get_by_role("button", name="Add machine to SMT-1").click()
    form = page.get_by_role("form", name="New machine")
    form.get_by_label("Code", exact=True).fill("SMT-1-PNP")
    form.get_by_label("Name", exact=True).fill("Pick and place")
    form.get_by_label("Kind").fill("pnp")
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("line-row")).to_contain_text("SMT-1-PNP")


def _set_up_product(page: Any) -> None:
    from playwright.sync_api import expect

    _nav(page, "Materials")
    page.get_by_role("button", name="New material").click()
    form = page.get_by_role("form", name="New material")
    form.get_by_label("Code", exact=True).fill("PCB-1")
    form.get_by_label("Name", exact=True).fill("Bare board")
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("materials")).to_contain_text("PCB-1")

    _nav(page, "Products")
    page.get_by_role("button", name="New product").click()
    form = page.get_by_role("form", name="New product")
    form.get_by_label("Code", exact=True).fill("CTRL-1")
    form.get_by_label("Name", exact=True).fill("Controller")
    form.get_by_label("Family", exact=True).fill("ctrl")
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="CTRL-1 — Controller")).to_be_visible()

    page.get_by_role("button", name="Edit routing").click()
    routing = page.get_by_role("form", name="Routing")
    steps = [
        ("Step 1", "Print and place", "30", "600", "ctrl", "smt"),
        ("Step 2", "Reflow", "45", "0", "", ""),
    ]
    for name, step_name, cycle, setup, family, skill in steps:
        routing.get_by_role("button", name="Add step").click()
        step = routing.get_by_role("group", name=name, exact=True)
        step.get_by_label("Step name").fill(step_name)
        expect(step.get_by_label("Work-center type")).to_have_value("SMT")
        step.get_by_label("Setup time (s)").fill(setup)
        step.get_by_label("Setup family").fill(family)
        step.get_by_label("Skill", exact=True).fill(skill)
        step.get_by_role("checkbox", name="SMT-1").check()
        step.get_by_label("Cycle time on SMT-1 (s)").fill(cycle)
    routing.get_by_role("button", name="Save routing").click()
    table = page.get_by_test_id("routing")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(table).to_contain_text("Print and place")
    expect(table).to_contain_text("Reflow")

    page.get_by_role("button", name="Edit bill of materials").click()
    bom = page.get_by_role("form", name="Bill of materials")
    bom.get_by_role("button", name="Add material").click()
    bom.get_by_label("Material of row 1").select_option(label="PCB-1 — Bare board")
    bom.get_by_label("Quantity per unit of row 1").fill("2")
    bom.get_by_label("Step of row 1").fill("2")  # consumed at reflow, not at the first step
    bom.get_by_role("button", name="Save bill of materials").click()
    expect(page.get_by_test_id("bom")).to_contain_text("PCB-1")
    expect(page.get_by_test_id("bom")).to_contain_text("2 pcs")


def _set_up_calendar(page: Any) -> None:
    from playwright.sync_api import expect

    _nav(page, "Calendars")
    page.get_by_role("button", name="New calendar").click()
    form = page.get_by_role("form", name="New calendar")
    form.get_by_label("Code", exact=True).fill("P1-CAL")
    form.get_by_label("Name", exact=True).fill("Plant 1 shifts")
    form.get_by_role("button", name="Add shift").click()
    shift = form.get_by_role("group", name="Shift 1", exact=True)
    shift.get_by_label("Shift code").fill("EARLY")
    shift.get_by_label("Starts").fill("06:00")
    shift.get_by_label("Ends").fill("14:00")
    shift.get_by_role("button", name="Add break").click()
    shift.get_by_label("Break starts").fill("10:00")
    shift.get_by_label("Minutes").fill("30")
    form.get_by_role("button", name="Add holiday").click()
    form.get_by_role("group", name="Holiday 1").get_by_label("Date").fill("2026-12-24")
    form.get_by_role("group", name="Holiday 1").get_by_label("Holiday name").fill("Christmas Eve")
    # The draft shows in the week view before it is saved: Monday to Friday.
    expect(form.get_by_test_id("week-shift")).to_have_count(5)
    form.get_by_role("button", name="Save calendar").click()
    card = page.get_by_test_id("calendar")
    expect(card).to_have_count(1)
    expect(card.get_by_test_id("week-shift")).to_have_count(5)
    expect(card.get_by_test_id("week-break")).to_have_count(5)
    # Shift times are the site's, labelled with its zone (the browser is in New York).
    expect(card).to_contain_text("Europe/Berlin")
    expect(card.locator(".week-day[data-day='0'] [data-testid=week-shift]")).to_have_attribute(
        "title", "EARLY 06:00–14:00"
    )
    expect(card).to_contain_text("Christmas Eve")


def _set_up_operator(page: Any) -> None:
    from playwright.sync_api import expect

    _nav(page, "Operators")
    page.get_by_role("button", name="New operator").click()
    form = page.get_by_role("form", name="New operator")
    form.get_by_label("Code", exact=True).fill("OP-1")
    form.get_by_label("Name", exact=True).fill("Ada Lovelace")
    form.get_by_label("Skills").fill("smt")
    form.get_by_role("checkbox", name="SMT hall").check()
    form.get_by_label("Shift").fill("EARLY")
    form.get_by_role("button", name="Save").click()
    table = page.get_by_test_id("operators")
    expect(table).to_contain_text("Ada Lovelace")
    expect(table).to_contain_text("SMT hall")


# The rest of the week's orders come as a file, as a planner keeps them in a spreadsheet:
# one due each weekday of the coming week, five units each.
WEEK = ("PO-2", "PO-3", "PO-4", "PO-5")
ORDERS = ("PO-1", *WEEK)


def _week_file() -> dict[str, object]:
    monday = datetime.now(BERLIN).date() + timedelta(days=7 - datetime.now(BERLIN).weekday())
    rows = [
        f"{number};CTRL-1;5;{(monday + timedelta(days=i)).isoformat()};3"
        for i, number in enumerate(WEEK)
    ]
    text = "number;product_code;quantity;due_date;priority\n" + "\n".join(rows) + "\n"
    return {"name": "week.csv", "mimeType": "text/csv", "buffer": text.encode()}


def _plan_the_week(page: Any) -> None:
    """The factory just built plans a week: one order typed in, four imported from a file,
    all optimized and published in the UI."""
    from playwright.sync_api import expect

    due = (datetime.now(BERLIN) + timedelta(days=7)).replace(hour=14, minute=0)
    _nav(page, "Orders")
    page.get_by_role("button", name="New order").click()
    form = page.get_by_role("dialog")
    form.get_by_label("Order number").fill("PO-1")
    form.get_by_label("Product").select_option(label="CTRL-1 · Controller")
    form.get_by_label("Quantity").fill("10")
    form.get_by_label("Due date (Europe/Berlin)").fill(due.strftime("%Y-%m-%dT%H:%M"))
    form.get_by_role("button", name="Create order").click()
    expect(page.get_by_role("heading", name="PO-1")).to_be_visible()

    _nav(page, "Import")
    page.get_by_test_id("import-sheet").select_option("orders")
    page.get_by_test_id("import-file").set_input_files(_week_file())
    expect(page.get_by_test_id("import-summary")).to_contain_text(
        "week.csv is correct: 4 rows, 4 new, 0 updated."
    )
    page.get_by_test_id("import-commit").click()
    expect(page.get_by_test_id("import-done")).to_contain_text("4 created, 0 updated")

    _nav(page, "Schedule")
    page.get_by_label("Time limit").select_option("2")
    page.get_by_role("button", name="Optimize").click()
    expect(page.get_by_test_id("run-progress")).to_have_attribute(
        "data-status", "succeeded", timeout=30_000
    )
    expect(page.get_by_test_id("gantt-bar")).to_have_count(10)  # five orders, two steps
    page.get_by_test_id("publish").click()
    page.get_by_role("dialog").get_by_role("button", name="Publish").click()
    expect(page.get_by_test_id("plan-status")).to_have_text("Published")
    # The order page shows each stage where and when the plan put it.
    page.goto(page.url.split("/schedule")[0] + "/orders/PO-1")
    expect(page.get_by_test_id("stage-planned")).to_have_count(2)
    expect(page.get_by_test_id("stage-planned").first).to_contain_text("on SMT-1")


def _run_the_week(browser: Any, base: str, admin: Any, planner: Any) -> None:
    """Released in the office, made on the operator terminal: every order, both steps."""
    from playwright.sync_api import expect

    _nav(admin, "Operators")
    row = admin.get_by_role("row").filter(has_text="OP-1")
    row.get_by_role("button", name="Badge & PIN").click()
    dialog = admin.get_by_role("dialog")
    dialog.get_by_label("Badge number").fill("1001")
    dialog.get_by_label("New PIN (4 to 8 digits)").fill("2580")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_role("status")).to_contain_text("Ada Lovelace can sign in")

    # PO-1 from its page, the week's orders from the list.
    planner.get_by_role("button", name="Release").click()
    expect(planner.get_by_role("heading", name="PO-1")).to_contain_text("Released")
    _nav(planner, "Orders")
    for number in WEEK:
        order_row = planner.get_by_test_id("order-row").filter(has_text=number)
        order_row.get_by_role("button", name="Release").click()
        expect(order_row).to_contain_text("Released")

    tablet = browser.new_context(
        viewport={"width": 1280, "height": 800}, locale="en-US", timezone_id="Europe/Berlin"
    ).new_page()
    tablet.goto(base + "/terminal")
    tablet.get_by_label("Badge number").fill("1001")
    tablet.get_by_label("PIN", exact=True).fill("2580")
    tablet.get_by_role("button", name="Sign in").click()
    expect(tablet.get_by_text("Ada Lovelace")).to_be_visible()
    for number in ORDERS:
        quantity = 10 if number == "PO-1" else 5
        for seq in (1, 2):
            stage = tablet.get_by_test_id(f"stage-{number}-{seq}")
            stage.get_by_role("button", name="Start operation").click()
            for _ in range(quantity // 5):
                stage.get_by_role("button", name="Good", exact=True).click()
                tablet.get_by_role("dialog").get_by_role("button", name="+5", exact=True).click()
            expect(stage.get_by_test_id("qty")).to_contain_text(f"{quantity} of {quantity} good")
            stage.get_by_role("button", name="Complete").click()
            tablet.get_by_role("dialog").get_by_role("button", name="Complete").click()
            expect(tablet.get_by_test_id("sync-state")).to_have_attribute("data-waiting", "0")

    # The office sees the week done: the list filtered to completed orders holds all five,
    # and PO-1's page shows 100 %.
    planner.get_by_role("button", name="Completed", exact=True).click()
    expect(planner.get_by_test_id("order-row")).to_have_count(len(ORDERS))
    planner.get_by_test_id("order-row").filter(has_text="PO-1").get_by_role(
        "link", name="PO-1"
    ).click()
    expect(planner.get_by_role("heading", name="PO-1")).to_contain_text("Completed")
    expect(planner.get_by_role("progressbar", name="Order progress")).to_contain_text("100")


def test_a_new_user_sets_up_a_small_factory_from_empty(
    server: Server,
    empty_factory: None,
    chromium_path: str,
) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            admin = _page(browser, server.base, "admin")
            _set_up_equipment(admin)
            planner = _page(browser, server.base, "planner")
            _set_up_product(planner)
            _set_up_calendar(planner)
            _set_up_operator(admin)
            _plan_the_week(planner)
            _run_the_week(browser, server.base, admin, planner)
        finally:
            browser.close()

    with _client(server.base, "admin") as c:
        (site,) = _ok(c.get("/sites"))["items"]
        assert (site["code"], site["timezone"]) == ("P1", "Europe/Berlin")
        (area,) = _ok(c.get("/areas"))["items"]
        (line,) = _ok(c.get("/lines"))["items"]
        assert (line["code"], line["type"], line["area_id"]) == ("SMT-1", "SMT", area["id"])
        (machine,) = _ok(c.get("/machines"))["items"]
        assert (machine["code"], machine["line_id"], machine["kind"]) == (
            "SMT-1-PNP",
            line["id"],
            "pnp",
        )
        (material,) = _ok(c.get("/materials"))["items"]
        (product,) = _ok(c.get("/products"))["items"]
        assert (product["code"], product["family"]) == ("CTRL-1", "ctrl")
        routing = _ok(c.get(f"/products/{product['id']}/routing"))
        got = [
            (
                s["seq"],
                s["name"],
                s["setup_time_s"],
                s["setup_family"],
                s["skill"],
                [(e["line_id"], e["cycle_time_s"]) for e in s["eligible"]],
            )
            for s in routing["steps"]
        ]
        assert got == [
            (1, "Print and place", 600, "ctrl", "smt", [(line["id"], 30)]),
            (2, "Reflow", 0, "", "", [(line["id"], 45)]),
        ]
        bom = _ok(c.get(f"/products/{product['id']}/bom"))
        assert [
            (i["material"]["id"], i["quantity_per_unit"], i["step_seq"]) for i in bom["items"]
        ] == [(material["id"], 2, 2)]
        (cal,) = _ok(c.get("/calendars"))["items"]
        assert (cal["site_id"], cal["line_id"]) == (site["id"], None)
        (shift,) = cal["patterns"]
        assert (shift["code"], shift["start"], shift["end"], shift["weekdays"]) == (
            "EARLY",
            "06:00",
            "14:00",
            [0, 1, 2, 3, 4],
        )
        assert shift["breaks"] == [{"start": "10:00", "minutes": 30}]
        assert [(h["day"], h["name"]) for h in cal["holidays"]] == [("2026-12-24", "Christmas Eve")]
        (op,) = _ok(c.get("/operators"))["items"]
        assert (op["code"], op["skills"], op["area_ids"], op["shift_code"]) == (
            "OP-1",
            ["smt"],
            [area["id"]],
            "EARLY",
        )
        for number in ORDERS:
            made = _ok(c.get(f"/orders/by-number/{number}"))
            good = 10 if number == "PO-1" else 5
            assert made["status"] == "completed", number
            got_ops = [(o["status"], o["good_qty"]) for o in made["operations"]]
            assert got_ops == [("completed", good)] * 2, number
        published = _ok(c.get("/plans", params={"status": "published"}))
        plan = _ok(c.get(f"/plans/{published[0]['id']}"))
    # The plan keeps to what was typed in: SMT-1, and each operation starts and ends in
    # the early shift (06:00–14:00) of a weekday, never on the holiday. (A step may be
    # split over the night, so start and end are checked each.)
    ops = sorted(_ops(plan), key=lambda o: o["start"])
    assert sorted((o["order_number"], o["line_id"]) for o in ops) == sorted(
        (number, line["id"]) for number in ORDERS for _ in (1, 2)
    )
    for o in ops:
        start = datetime.fromisoformat(o["start"]).astimezone(BERLIN)
        end = datetime.fromisoformat(o["end"]).astimezone(BERLIN)
        for at in (start, end):
            assert at.weekday() < 5 and at.date().isoformat() != "2026-12-24", o
        assert time(6) <= start.time() < time(14), o
        assert time(6) < end.time() <= time(14), o


def _product_name(base: str, product_id: int) -> str:
    with _client(base, "admin") as c:
        name: str = _ok(c.get(f"/products/{product_id}"))["name"]
        return name


def test_a_stale_save_shows_the_difference_and_an_operator_sees_no_edit_buttons(
    server: Server,
    world: World,
    chromium_path: str,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    url = f"{server.base}/products/{world.product_id}"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            first = _page(browser, server.base, "planner")
            second = _page(browser, server.base, "admin")
            for page in (first, second):
                page.goto(url)
                page.get_by_role("button", name="Edit product").click()
            first_form = first.get_by_role("form", name="Edit product CTRL-100")
            first_form.get_by_label("Name", exact=True).fill("Controller A")
            first_form.get_by_role("button", name="Save").click()
            expect(first.get_by_role("heading", name="CTRL-100 — Controller A")).to_be_visible()

            # The second editor opened the old version: its save is refused and shows why.
            form = second.get_by_role("form", name="Edit product CTRL-100")
            form.get_by_label("Name", exact=True).fill("Controller B")
            form.get_by_label("Family", exact=True).fill("ctrl")  # unchanged: not in the diff
            form.get_by_role("button", name="Save").click()
            conflict = form.get_by_test_id("conflict")
            expect(conflict).to_contain_text("Changed by someone else since you opened it")
            rows = conflict.get_by_test_id("conflict-row")
            expect(rows).to_have_count(1)
            expect(rows).to_contain_text("Name")
            expect(rows.locator(".conflict-mine")).to_have_text("Controller B")
            expect(rows.locator(".conflict-theirs")).to_have_text("Controller A")
            assert _product_name(server.base, world.product_id) == "Controller A"

            # "Keep theirs" closes the editor on their version; nothing is written.
            conflict.get_by_role("button", name="Keep theirs").click()
            expect(second.get_by_role("heading", name="CTRL-100 — Controller A")).to_be_visible()
            assert _product_name(server.base, world.product_id) == "Controller A"

            # Asked again, the user may overwrite knowingly.
            second.get_by_role("button", name="Edit product").click()
            first.get_by_role("button", name="Edit product").click()
            first_form.get_by_label("Name", exact=True).fill("Controller C")
            first_form.get_by_role("button", name="Save").click()
            expect(first.get_by_role("heading", name="CTRL-100 — Controller C")).to_be_visible()
            form.get_by_label("Name", exact=True).fill("Controller D")
            form.get_by_role("button", name="Save").click()
            form.get_by_test_id("conflict").get_by_role(
                "button", name="Overwrite with mine"
            ).click()
            expect(second.get_by_role("heading", name="CTRL-100 — Controller D")).to_be_visible()
            assert _product_name(server.base, world.product_id) == "Controller D"

            # An operator reads the master data but is offered no edit.
            operator = _page(browser, server.base, "operator")
            operator.goto(url)
            expect(operator.get_by_test_id("routing")).to_be_visible()
            for page_path, heading in (
                (f"/products/{world.product_id}", "Products"),
                ("/lines", "Lines & machines"),
                ("/materials", "Materials"),
                ("/operators", "Operators"),
                ("/calendars", "Calendars"),
                ("/reason-codes", "Reason codes"),
            ):
                operator.goto(server.base + page_path)
                expect(operator.get_by_role("heading", name=heading, exact=True)).to_be_visible()
                expect(operator.locator(".state[role=status]")).to_have_count(0)
                expect(operator.get_by_role("button", name="Edit", exact=False)).to_have_count(0)
                expect(operator.get_by_role("button", name="New", exact=False)).to_have_count(0)
                expect(operator.get_by_role("button", name="Delete", exact=False)).to_have_count(0)
                expect(operator.get_by_role("button", name="Add", exact=False)).to_have_count(0)
        finally:
            browser.close()


def test_reason_codes_form_a_tree_and_a_calendar_conflict_names_the_shift(
    server: Server,
    world: World,
    chromium_path: str,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    with _client(server.base, "planner") as c:
        shift = {"code": "EARLY", "start": "06:00", "end": "14:00", "weekdays": [0, 1, 2, 3, 4]}
        _ok(
            c.post(
                "/calendars",
                json={"code": "P1", "name": "Plant", "site_id": world.site_id, "patterns": [shift]},
            )
        )

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            page = _page(browser, server.base, "planner")
            _nav(page, "Reason codes")
            for code, name in (("MECH", "Mechanical"), ("ELEC", "Electrical")):
                page.get_by_role("button", name="New reason code").click()
                form = page.get_by_role("form", name="New reason code")
                form.get_by_label("Code", exact=True).fill(code)
                form.get_by_label("Name", exact=True).fill(name)
                form.get_by_role("button", name="Save").click()
                expect(page.locator(f"[data-testid=reason-node][data-code={code}]")).to_be_visible()
            page.get_by_role("button", name="Add a code under MECH").click()
            form = page.get_by_role("form", name="New reason code")
            expect(form.get_by_label("Parent")).to_have_value(re.compile(r"\d+"))
            form.get_by_label("Code", exact=True).fill("JAM")
            form.get_by_label("Name", exact=True).fill("Jam")
            form.get_by_role("button", name="Save").click()
            mech = page.locator("[data-testid=reason-node][data-code=MECH]")
            expect(mech.locator("[data-testid=reason-node][data-code=JAM]")).to_be_visible()

            # Move the jam under ELEC; MECH cannot be its own child's parent option.
            page.get_by_role("button", name="Edit JAM").click()
            form = page.get_by_role("form", name="Edit reason code JAM")
            form.get_by_label("Parent").select_option(label="ELEC — Electrical")
            form.get_by_role("button", name="Save").click()
            elec = page.locator("[data-testid=reason-node][data-code=ELEC]")
            expect(elec.locator("[data-testid=reason-node][data-code=JAM]")).to_be_visible()
            expect(mech.locator("[data-testid=reason-node][data-code=JAM]")).to_have_count(0)
            page.get_by_role("button", name="Edit ELEC").click()
            form = page.get_by_role("form", name="Edit reason code ELEC")
            expect(form.get_by_label("Parent").locator("option", has_text="JAM")).to_have_count(0)
            form.get_by_role("button", name="Cancel").click()
            page.get_by_role("button", name="Delete MECH").click()
            page.get_by_role("button", name="Yes, delete").click()
            expect(mech).to_have_count(0)
            # The tree exports flat, each code with its parent and its path.
            with page.expect_download() as info:
                page.get_by_role("group", name="Export Reason codes").get_by_role(
                    "button", name="CSV"
                ).click()
            with open(info.value.path(), encoding="utf-8-sig") as f:
                header, *rows = list(csv.reader(f))
            assert header == ["Code", "Name", "Category", "Machine class", "Parent", "Path"]
            by_code = {r[0]: r for r in rows}
            assert by_code["ELEC"] == ["ELEC", "Electrical", "Downtime", "", "", "Electrical"]
            assert by_code["JAM"] == ["JAM", "Jam", "Downtime", "", "ELEC", "Electrical › Jam"]
            assert "MECH" not in by_code

            # Two planners edit the same calendar: the second sees the shift that differs.
            other = _page(browser, server.base, "admin")
            for p in (page, other):
                _nav(p, "Calendars")
                p.get_by_role("button", name="Edit P1").click()
            form = page.get_by_role("form", name="Edit calendar")
            form.get_by_role("group", name="Shift 1", exact=True).get_by_role(
                "button", name="Add break"
            ).click()
            form.get_by_role("button", name="Save calendar").click()
            expect(page.get_by_test_id("week-break")).to_have_count(5)
            form = other.get_by_role("form", name="Edit calendar")
            form.get_by_role("group", name="Shift 1", exact=True).get_by_label("Ends").fill("15:00")
            form.get_by_role("button", name="Save calendar").click()
            row = form.get_by_test_id("conflict-row")
            expect(row).to_have_count(1)
            expect(row).to_contain_text("Shift EARLY")
            expect(row.locator(".conflict-mine")).to_contain_text("06:00–15:00")
            expect(row.locator(".conflict-theirs")).to_contain_text("10:00 (15 min)")
        finally:
            browser.close()

    with _client(server.base, "admin") as c:
        codes = {r["code"]: r for r in _ok(c.get("/reason-codes"))["items"]}
        assert set(codes) == {"ELEC", "JAM"}
        assert codes["JAM"]["parent_id"] == codes["ELEC"]["id"]
        (cal,) = _ok(c.get("/calendars"))["items"]
        (saved,) = cal["patterns"]
        assert (saved["end"], saved["breaks"]) == ("14:00", [{"start": "10:00", "minutes": 15}])
