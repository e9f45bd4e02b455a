"""The Quality page in a real browser: a characteristic's control chart with its limits,
a reading entered on the page that breaks a rule is marked on the chart, the yield
figures and the Pareto come from the recorded results, and a supervisor dispositions a
nonconformance."""

from __future__ import annotations

import asyncio
import csv
import io
import re
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from linewise.domains.accounts.models import ApiKeyScope
from linewise.domains.accounts.service import create_api_key
from tests.conftest import PASSWORD, World
from tests.e2e.test_ui_floor import (
    Server,
    _new_browser_page,
    _sign_in_ui,
)
from tests.e2e.test_ui_ledger import TABLET
from tests.e2e.test_ui_orders import (
    _ok,
)
from tests.e2e.test_ui_schedule import _client

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("engine", ["sqlite"], indirect=True),
]


def test_control_chart_marks_a_violation_entered_on_the_page(
    server: Server,
    world: World,
    chromium_path: str,
    tmp_path: Path,
) -> None:
    from openpyxl import load_workbook
    from playwright.sync_api import expect, sync_playwright

    with _client(server.base, "planner") as c:
        plan = _ok(c.post("/quality/plans", json={
            "product_id": world.product_id, "step_seq": 2, "name": "ICT",
            "opportunities_per_unit": 100}))  # fmt: skip
        char = _ok(c.post("/quality/characteristics", json={
            "plan_id": plan["id"], "name": "U_out", "kind": "variable", "nominal": 5.0,
            "lsl": 4.7, "usl": 5.3, "unit": "V", "rules": ["nelson1", "nelson2"]}))  # fmt: skip
    t0 = datetime.now(UTC) - timedelta(hours=1)
    with _client(server.base, "supervisor") as c:
        for i, v in enumerate([4.99, 5.01, 5.00, 5.02, 4.98, 5.00, 5.01, 4.99, 5.00, 5.01]):
            defects = [{"code": "BRIDGE", "ref_designator": "U7"}] if i == 3 else []
            _ok(c.post("/quality/inspections", json={
                "product_id": world.product_id, "step_seq": 2, "plan_id": plan["id"],
                "serial": f"SN-{i}", "inspected_at": (t0 + timedelta(minutes=i)).isoformat(),
                "measurements": [{"characteristic_id": char["id"], "value": v}],
                "defects": defects}))  # fmt: skip
        _ok(c.post("/quality/nonconformances", json={
            "product_id": world.product_id, "description": "bridged U7 on SN-3",
            "serial_from": "SN-3", "serial_to": "SN-3"}))  # fmt: skip
    with sync_playwright() as pw:
        browser, page = _new_browser_page(pw, chromium_path, TABLET)
        try:
            _sign_in_ui(page, server.base, "supervisor", PASSWORD)
            page.get_by_role("link", name="Quality").click()
            chart = page.get_by_test_id("spc-chart")
            expect(chart).to_be_visible()
            expect(chart.get_by_test_id("spc-point")).to_have_count(10)
            expect(chart.get_by_test_id("spc-violation")).to_have_count(0)
            # the moving range chart beside it: 9 ranges
            expect(page.get_by_test_id("spc-secondary").get_by_test_id("spc-point")).to_have_count(
                9
            )
            expect(chart.get_by_test_id("spc-ucl")).to_have_count(1)
            expect(chart.get_by_test_id("spc-usl")).to_have_count(1)
            expect(page.get_by_test_id("capability")).to_contain_text("Cpk")
            # The characteristic is named with its product and plan (each product's plan
            # may have one of the same name).
            expect(
                page.get_by_test_id("spc-characteristic").locator("option:checked")
            ).to_have_text("CTRL-100 · ICT · U_out (V)")
            # 10 units, 9 good first time
            expect(page.get_by_test_id("fig-fpy")).to_contain_text("90")
            # DPMO: 1 defect / (10 units x 100 opportunities) = 1000
            expect(page.get_by_test_id("fig-dpmo")).to_contain_text("1,000")
            expect(page.get_by_test_id("pareto").locator("tr[data-key='BRIDGE']")).to_contain_text(
                "1"
            )
            # A reading inside the specification but beyond the control limits.
            entry = page.get_by_test_id("inspection-entry")
            expect(entry).to_contain_text("Spec: 4.7 to 5.3 V")
            entry.get_by_test_id("entry-serial").fill("SN-10")
            entry.get_by_test_id("entry-value").fill("5.25")
            entry.get_by_role("button", name="Record").click()
            expect(page.get_by_test_id("entry-result")).to_contain_text("out of control: nelson1")
            violation = chart.get_by_test_id("spc-violation")
            # the new point is beyond the UCL; the limits are recomputed with it, and the
            # centre line it lifted has the ten earlier points below it (Nelson 2 from
            # the ninth on)
            expect(violation).to_have_count(3)
            expect(violation.last).to_have_attribute("data-rules", "nelson1")
            expect(violation.first).to_have_attribute("data-rules", "nelson2")
            expect(page.get_by_test_id("spc-out-of-control")).to_be_visible()
            # The unit's history by serial.
            page.get_by_test_id("serial-search").fill("SN-10")
            expect(page.get_by_test_id("results-table").locator("tbody tr")).to_have_count(1)
            # Disposition of the nonconformance: its hold ends.
            ncr = page.get_by_test_id("ncr-table").locator("tbody tr").first
            expect(ncr).to_contain_text("serials SN-3 to SN-3")
            ncr.get_by_test_id("ncr-disposition").select_option("rework")
            ncr.get_by_role("button", name="Decide").click()
            expect(ncr.get_by_test_id("ncr-decided")).to_contain_text("Rework")
            # A supervisor may not export; a manager downloads the defect Pareto as CSV and
            # the nonconformances as a workbook.
            expect(page.get_by_role("group", name="Export Defect Pareto")).to_have_count(0)
            page.get_by_role("button", name="Sign out", exact=True).click()
            _sign_in_ui(page, server.base, "manager", PASSWORD)
            page.goto(server.base + "/quality")
            with page.expect_download() as info:
                page.get_by_role("group", name="Export Defect Pareto").get_by_role(
                    "button", name="CSV"
                ).click()
            info.value.save_as(tmp_path / "pareto.csv")
            with page.expect_download() as info:
                page.get_by_role("group", name="Export Nonconformances").get_by_role(
                    "button", name="XLSX"
                ).click()
            info.value.save_as(tmp_path / "ncrs.xlsx")
        finally:
            browser.close()
    with _client(server.base, "manager") as c:
        assert _ok(c.get("/quality/holds", params={"serial": "SN-3"}))["held"] is False
    header, *rows = list(csv.reader(io.StringIO((tmp_path / "pareto.csv").read_text("utf-8-sig"))))
    assert header == ["Defect code", "Defects", "Share (%)", "Cumulative (%)"]
    assert [(r[0], int(r[1]), float(r[2]), float(r[3])) for r in rows] == [
        ("BRIDGE", 1, 100.0, 100.0)
    ]
    sheet = load_workbook(tmp_path / "ncrs.xlsx").active
    assert sheet is not None
    header_x, *cells = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert header_x[:3] == ["#", "Product", "Description"]
    assert header_x[6:] == ["Disposition", "Decided (Europe/Berlin)"]
    (ncr_row,) = cells
    assert ncr_row[1] == "CTRL-100" and ncr_row[6] == "Rework"
    decided = ncr_row[7]
    text = decided.strftime("%Y-%m-%d %H:%M") if isinstance(decided, datetime) else decided
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", str(text))


def test_an_out_of_control_reading_from_a_machine_reaches_the_terminal(
    server: Server,
    world: World,
    db: Session,
    chromium_path: str,
) -> None:
    """A test machine on the operator's line sends a reading far outside the control
    limits; the terminal shows the out-of-control banner within 10 s. The operator then
    records a result on the terminal with the specification shown."""
    from playwright.sync_api import expect, sync_playwright

    with _client(server.base, "admin") as c:
        op = _ok(c.post("/operators", json={
            "code": "OP-Q", "name": "Quinn Quality",
            "area_ids": [world.area_ids["SMT"]]}))  # fmt: skip
        _ok(c.put(f"/operators/{op['id']}/badge", json={"badge": "5150", "pin": "1357"}))
        plan = _ok(c.post("/quality/plans", json={
            "product_id": world.product_id, "step_seq": 1, "name": "AOI"}))  # fmt: skip
        _ok(c.post("/quality/characteristics", json={
            "plan_id": plan["id"], "name": "Paste height", "kind": "variable",
            "nominal": 120.0, "lsl": 100.0, "usl": 140.0, "unit": "µm",
            "rules": ["nelson1"]}))  # fmt: skip
    _key, token = create_api_key(db, name="spi", scope=ApiKeyScope.DEVICE, role=None)
    db.commit()
    t0 = datetime.now(UTC) - timedelta(minutes=30)

    def reading(i: int, value: float, at: datetime) -> dict[str, Any]:
        return {"id": f"spi-{i}", "ts": at.isoformat(), "machine": "SMT-1-PNP1",
                "type": "inspection", "method": "spi", "product": "CTRL-100", "step": 1,
                "serial": f"B{i}", "passed": True, "values": {"Paste height": value}}  # fmt: skip

    base_values = [120.1, 119.8, 120.3, 119.9, 120.0, 120.2, 119.7, 120.1, 120.0, 119.9]
    with httpx.Client(base_url=f"{server.base}/api/v1", timeout=30,
                      headers={"Authorization": f"Bearer {token}"}) as dev:  # fmt: skip
        events = [reading(i, v, t0 + timedelta(minutes=i)) for i, v in enumerate(base_values)]
        assert dev.post("/ingest", json=events).json()["accepted"] == 10
        with sync_playwright() as pw:
            browser, page = _new_browser_page(pw, chromium_path, TABLET)
            try:
                page.goto(server.base + "/terminal")
                page.get_by_label("Badge number").fill("5150")
                keypad = page.get_by_role("group", name="PIN keypad")
                for digit in "1357":
                    keypad.get_by_role("button", name=digit, exact=True).click()
                page.get_by_role("button", name="Sign in").click()
                expect(page.get_by_text("Quinn Quality")).to_be_visible()
                expect(page.get_by_test_id("term-record-result")).to_be_visible()
                expect(page.get_by_test_id("term-out-of-control")).to_have_count(0)
                sent = time.monotonic()
                r = dev.post("/ingest", json=[reading(99, 131.0, datetime.now(UTC))])
                assert r.json()["accepted"] == 1, r.text
                banner = page.get_by_test_id("term-out-of-control")
                expect(banner).to_be_visible(timeout=10_000)
                assert time.monotonic() - sent < 10
                expect(banner).to_contain_text("Paste height")
                expect(banner).to_contain_text("nelson1")
                # Recording a result on the terminal, with the spec shown.
                page.get_by_test_id("term-record-result").click()
                sheet = page.get_by_role("form", name="Record a test result")
                expect(sheet.get_by_test_id("term-spec")).to_contain_text("Spec: 100 to 140 µm")
                sheet.get_by_test_id("term-serial").fill("B100")
                sheet.get_by_test_id("term-value").fill("120.2")
                sheet.get_by_role("button", name="Record").click()
                expect(sheet.get_by_test_id("term-result")).to_contain_text("Recorded: passed")
            finally:
                browser.close()
    with _client(server.base, "manager") as c:
        hist = _ok(c.get("/quality/inspections", params={"serial": "B100"}))
        assert hist["total"] == 1 and hist["items"][0]["inspector"].startswith("user:")


def test_an_attribute_is_drawn_as_a_p_chart(
    server: Server,
    world: World,
    chromium_path: str,
) -> None:
    """Pass/fail verdicts in samples of four draw a p chart; the verdict entered on the
    page that completes a sample of four failures breaks WE rule 1 and is marked."""
    from playwright.sync_api import expect, sync_playwright

    with _client(server.base, "planner") as c:
        plan = _ok(c.post("/quality/plans", json={
            "product_id": world.product_id, "step_seq": 2, "name": "Visual"}))  # fmt: skip
        char = _ok(c.post("/quality/characteristics", json={
            "plan_id": plan["id"], "name": "Solder joints", "kind": "attribute",
            "subgroup_size": 4, "rules": ["we1"]}))  # fmt: skip
    assert char["chart"] == "p"
    t0 = datetime.now(UTC) - timedelta(hours=1)
    verdicts = [i not in (5, 17) for i in range(24)] + [False, False, False]
    with _client(server.base, "supervisor") as c:
        for i, ok in enumerate(verdicts):
            _ok(c.post("/quality/inspections", json={
                "product_id": world.product_id, "step_seq": 2, "plan_id": plan["id"],
                "serial": f"V-{i}", "inspected_at": (t0 + timedelta(minutes=i)).isoformat(),
                "measurements": [{"characteristic_id": char["id"], "passed": ok}]}))  # fmt: skip
    with sync_playwright() as pw:
        browser, page = _new_browser_page(pw, chromium_path, TABLET)
        try:
            _sign_in_ui(page, server.base, "supervisor", PASSWORD)
            page.get_by_role("link", name="Quality").click()
            # the picker names each characteristic with its product and plan
            picker = page.get_by_test_id("spc-characteristic")
            # (the label grows once the plans have loaded: select by value, not by text)
            option = picker.locator("option", has_text="Solder joints")
            expect(option).to_have_count(1)
            expect(option).to_have_text(re.compile(r"^\S.* · Visual · Solder joints$"))
            picker.select_option(value=str(char["id"]))
            expect(page.get_by_test_id("spc-kind")).to_contain_text("p chart")
            chart = page.get_by_test_id("spc-chart")
            # six complete samples; the three verdicts of the seventh are not drawn yet
            expect(chart.get_by_test_id("spc-point")).to_have_count(6)
            expect(chart.get_by_test_id("spc-violation")).to_have_count(0)
            entry = page.get_by_test_id("inspection-entry")
            expect(entry).to_contain_text("Pass or fail")
            entry.get_by_test_id("entry-serial").fill("V-27")
            entry.get_by_test_id("entry-value").select_option("fail")
            entry.get_by_role("button", name="Record").click()
            expect(page.get_by_test_id("entry-result")).to_contain_text("out of control: we1")
            violation = chart.get_by_test_id("spc-violation")
            expect(violation).to_have_count(1)
            expect(violation).to_have_attribute("data-rules", "we1")
            expect(page.get_by_test_id("spc-kind")).to_contain_text(
                "latest: 4 of 4 units nonconforming"
            )
            expect(page.get_by_test_id("spc-out-of-control")).to_be_visible()
        finally:
            browser.close()
    with _client(server.base, "manager") as c:
        drawn = _ok(c.get(f"/quality/characteristics/{char['id']}/chart"))
        p_bar = 6 / 28
        assert abs(drawn["center"] - p_bar) < 1e-12
        assert [p["value"] for p in drawn["points"]] == [0, 0.25, 0, 0, 0.25, 0, 1.0]


def test_planner_edits_inspection_plans_and_characteristics(
    server: Server,
    world: World,
    chromium_path: str,
) -> None:
    """A planner creates a plan and its characteristics on the Quality page, sees the
    server's field error for a chart that does not fit the kind, edits one and deletes
    one; a supervisor (no quality:plans) sees the plans without any editing buttons."""
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser, page = _new_browser_page(pw, chromium_path, TABLET)
        try:
            _sign_in_ui(page, server.base, "planner", PASSWORD)
            page.get_by_role("link", name="Quality").click()
            page.get_by_role("button", name="New inspection plan").click()
            form = page.get_by_role("form", name="New inspection plan")
            form.get_by_label("Product").select_option(label="CTRL-100 — Controller")
            form.get_by_label("Routing step").fill("2")
            form.get_by_label("Name").fill("Visual")
            form.get_by_label("Defect opportunities per unit").fill("120")
            form.get_by_role("button", name="Save").click()
            row = page.get_by_test_id("plans-table").locator("tr[data-plan='Visual']")
            expect(row).to_be_visible()

            # A variable drawn on a p chart: the server's 422 names the field.
            row.get_by_role("button", name="Add a characteristic to Visual").click()
            form = page.get_by_role("form", name="New characteristic")
            form.get_by_label("Name").fill("Coating")
            form.get_by_label("Chart").select_option("p")
            form.get_by_role("button", name="Save").click()
            expect(form.locator(".field-message")).to_contain_text("must be one of imr")
            form.get_by_label("Kind").select_option("attribute")
            form.get_by_label("Subgroup size").fill("5")
            form.get_by_label("Run rules").fill("we1, nelson2")
            form.get_by_role("button", name="Save").click()
            coating = row.locator("li[data-characteristic='Coating']")
            expect(coating).to_contain_text("p (fraction nonconforming)")

            row.get_by_role("button", name="Add a characteristic to Visual").click()
            form = page.get_by_role("form", name="New characteristic")
            form.get_by_label("Name").fill("Gap")
            form.get_by_label("Unit", exact=True).fill("mm")
            form.get_by_label("Nominal").fill("1.0")
            form.get_by_label("Lower specification limit").fill("0.8")
            form.get_by_label("Upper specification limit").fill("1.2")
            form.get_by_role("button", name="Save").click()
            gap = row.locator("li[data-characteristic='Gap']")
            expect(gap).to_contain_text("0.8…1.2 mm")

            # Edit: a wider specification.
            gap.get_by_role("button", name="Edit Gap").click()
            form = page.get_by_role("form", name="Edit characteristic Gap")
            form.get_by_label("Upper specification limit").fill("1.3")
            form.get_by_role("button", name="Save").click()
            expect(gap).to_contain_text("0.8…1.3 mm")

            # Delete (no readings yet), in two clicks.
            coating.get_by_role("button", name="Delete Coating").click()
            coating.get_by_role("button", name="Yes, delete").click()
            expect(coating).to_have_count(0)
        finally:
            browser.close()
    with _client(server.base, "manager") as c:
        plans = _ok(c.get("/quality/plans"))["items"]
        plan = next(p for p in plans if p["name"] == "Visual")
        assert (plan["product_id"], plan["step_seq"], plan["opportunities_per_unit"]) == (
            world.product_id,
            2,
            120,
        )
        chars = _ok(c.get("/quality/characteristics", params={"plan_id": plan["id"]}))["items"]
        assert [(ch["name"], ch["kind"], ch["usl"]) for ch in chars] == [("Gap", "variable", 1.3)]
        assert chars[0]["chart"] == "imr" and chars[0]["rules"] == ["nelson1"]

    with sync_playwright() as pw:
        browser, page = _new_browser_page(pw, chromium_path, TABLET)
        try:
            _sign_in_ui(page, server.base, "supervisor", PASSWORD)
            page.get_by_role("link", name="Quality").click()
            row = page.get_by_test_id("plans-table").locator("tr[data-plan='Visual']")
            expect(row).to_contain_text("Gap")
            expect(page.get_by_role("button", name="New inspection plan")).to_have_count(0)
            expect(row.get_by_role("button")).to_have_count(0)
        finally:
            browser.close()


def test_the_live_demo_feeds_drift_reaches_the_operator_terminal(
    server: Server,
    db: Session,
    password_hash: str,
    chromium_path: str,
) -> None:
    """``linewise demo --serve``: the live feed runs beside the server and sends the
    test machines' results through its recorder; the supply voltage's wear episode
    breaks a Nelson rule and the test line's operator sees the red banner."""
    from playwright.sync_api import expect, sync_playwright

    from linewise.demo.factory import build_factory
    from linewise.demo.live_feed import run_live_feed
    from linewise.demo.load import load_factory
    from linewise.domains.accounts.models import User
    from linewise.domains.equipment.models import Line

    load_factory(db, build_factory(around_the_clock=True), with_users=False)
    db.add(User(username="admin", full_name="Admin", password_hash=password_hash, role="admin"))
    db.commit()
    line = db.scalars(select(Line).where(Line.type == "TEST").order_by(Line.code)).first()
    assert line is not None
    with _client(server.base, "admin") as c:
        op = _ok(c.post("/operators", json={
            "code": "OP-ICT", "name": "Tess Tester", "area_ids": [line.area_id]}))  # fmt: skip
        _ok(c.put(f"/operators/{op['id']}/badge", json={"badge": "6161", "pin": "2580"}))

    assert server._running is not None
    app = server._running[0].config.app  # the served app: its recorder takes the feed
    stop = threading.Event()

    async def feed() -> None:
        task = asyncio.create_task(run_live_feed(app, speed=600.0, catch_up=timedelta(seconds=2)))
        await asyncio.to_thread(stop.wait)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    feeder = threading.Thread(target=asyncio.run, args=(feed(),), daemon=True)
    with sync_playwright() as pw:
        browser, page = _new_browser_page(pw, chromium_path, TABLET)
        try:
            page.goto(server.base + "/terminal")
            page.get_by_label("Badge number").fill("6161")
            keypad = page.get_by_role("group", name="PIN keypad")
            for digit in "2580":
                keypad.get_by_role("button", name=digit, exact=True).click()
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_text("Tess Tester")).to_be_visible()
            choose = page.get_by_role("button", name=line.name, exact=True)
            if choose.count():  # several lines in the area: this one
                choose.click()
            expect(page.get_by_test_id("term-record-result")).to_be_visible()
            expect(page.get_by_test_id("term-out-of-control")).to_have_count(0)
            feeder.start()
            # The feed replays the last hours at once (at least one wear episode).
            banner = page.get_by_test_id("term-out-of-control").filter(has_text="Supply voltage")
            expect(banner).to_be_visible(timeout=90_000)
            expect(banner).to_contain_text("nelson")
        finally:
            browser.close()
            stop.set()
            if feeder.is_alive():
                feeder.join(timeout=30)
    assert not feeder.is_alive()
