"""Sampling in a real browser: the operator's reports make an every-n-th sample due, the
running stage shows it with the specification, the supervisor's Quality page lists it as
overdue once the line has gone past the unit, and recording it on the terminal clears
both."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import PASSWORD, World
from tests.e2e.test_ui_floor import Server, _new_browser_page, _sign_in_ui
from tests.e2e.test_ui_ledger import TABLET
from tests.e2e.test_ui_orders import _ok
from tests.e2e.test_ui_schedule import _client

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("engine", ["sqlite"], indirect=True),
]


def test_a_due_sample_is_shown_on_the_terminal_and_overdue_to_the_supervisor(
    server: Server, world: World, chromium_path: str, tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    with _client(server.base, "admin") as c:
        order = _ok(
            c.post(
                "/orders",
                json={"number": "PO-SMP", "product_id": world.product_id, "quantity": 100,
                      "due_date": "2030-01-10T12:00:00Z"},
            )
        )  # fmt: skip
        _ok(
            c.post(
                f"/orders/{order['id']}/transitions",
                json={"to": "released", "version": order["version"]},
            )
        )
        plan = _ok(
            c.post(
                "/quality/plans",
                json={"product_id": world.product_id, "step_seq": 1, "name": "Stencil check",
                      "sampling": "nth", "sample_every": 3},
            )
        )  # fmt: skip
        _ok(
            c.post(
                "/quality/characteristics",
                json={"plan_id": plan["id"], "name": "Paste height", "kind": "variable",
                      "nominal": 120.0, "lsl": 100.0, "usl": 140.0, "unit": "µm"},
            )
        )  # fmt: skip
        op = _ok(
            c.post(
                "/operators",
                json={"code": "OP-S", "name": "Sam Sampler", "area_ids": [world.area_ids["SMT"]]},
            )
        )
        _ok(c.put(f"/operators/{op['id']}/badge", json={"badge": "6060", "pin": "8080"}))

    with sync_playwright() as pw:
        browser, page = _new_browser_page(pw, chromium_path, TABLET)
        try:
            page.goto(server.base + "/terminal")
            page.get_by_label("Badge number").fill("6060")
            keypad = page.get_by_role("group", name="PIN keypad")
            for digit in "8080":
                keypad.get_by_role("button", name=digit, exact=True).click()
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_text("Sam Sampler")).to_be_visible()
            stage = page.get_by_test_id("stage-PO-SMP-1")
            stage.get_by_role("button", name="Start operation").click()
            expect(stage.get_by_role("button", name="Pause")).to_be_visible()
            due = stage.get_by_test_id("term-sample-due")
            expect(due).to_have_count(0)

            # Two good: nothing due yet (every 3rd unit).
            stage.get_by_role("button", name="Good", exact=True).click()
            page.get_by_role("dialog").get_by_role("button", name="+1", exact=True).click()
            stage.get_by_role("button", name="Good", exact=True).click()
            page.get_by_role("dialog").get_by_role("button", name="+1", exact=True).click()
            expect(stage.get_by_test_id("qty")).to_contain_text("2 of 100 good")
            expect(page.get_by_test_id("sync-state")).to_have_attribute("data-waiting", "0")
            expect(due).to_have_count(0)

            # A third: unit 3's sample is due, with the spec, not overdue yet.
            stage.get_by_role("button", name="Good", exact=True).click()
            page.get_by_role("dialog").get_by_role("button", name="+1", exact=True).click()
            expect(due).to_have_count(1)
            expect(due).to_contain_text("Sample due: 1 unit for Paste height")
            expect(due).to_contain_text("Unit no. 3")
            expect(due.get_by_test_id("term-sample-spec")).to_contain_text("Spec: 100 to 140 µm")
            expect(due).to_have_attribute("data-overdue", "0")
            expect(due).not_to_contain_text("Overdue")

            # Five more (8 units): units 3 and 6 are due, both overdue (the line went on).
            stage.get_by_role("button", name="Good", exact=True).click()
            page.get_by_role("dialog").get_by_role("button", name="+5", exact=True).click()
            expect(due).to_contain_text("Sample due: 2 units for Paste height")
            expect(due).to_contain_text("Unit no. 3, 6")
            expect(due).to_have_attribute("data-overdue", "2")
            expect(due).to_contain_text("Overdue")

            # The supervisor sees it on the Quality page.
            sup_browser, sup = _new_browser_page(pw, chromium_path, TABLET)
            try:
                _sign_in_ui(sup, server.base, "supervisor", PASSWORD)
                sup.goto(server.base + "/quality")
                expect(sup.get_by_test_id("samples-overdue")).to_contain_text("2 samples overdue")
                row = sup.get_by_test_id("sample-row")
                expect(row).to_have_count(1)
                expect(row).to_contain_text("PO-SMP")
                expect(row).to_contain_text("Paste height")
                expect(row).to_have_attribute("data-overdue", "2")

                # The operator records the two samples from the stage.
                due.get_by_test_id("term-record-sample").click()
                sheet = page.get_by_role("form", name="Record a test result")
                expect(sheet.get_by_test_id("term-characteristic")).to_have_value(
                    str(_char_id(server.base, plan["id"]))
                )
                for serial, value in (("U3", "121.0"), ("U6", "119.5")):
                    sheet.get_by_test_id("term-serial").fill(serial)
                    sheet.get_by_test_id("term-value").fill(value)
                    sheet.get_by_role("button", name="Record").click()
                    expect(sheet.get_by_test_id("term-result")).to_contain_text("Recorded: passed")
                    expect(sheet.get_by_test_id("term-value")).to_have_value("")
                sheet.get_by_role("button", name="Close").click()
                expect(due).to_have_count(0)
                sup.reload()
                expect(sup.get_by_test_id("samples-none")).to_be_visible()
                expect(sup.get_by_test_id("samples-overdue")).to_have_count(0)
            finally:
                sup_browser.close()
        finally:
            browser.close()
    with _client(server.base, "manager") as c:
        got = _ok(c.get("/quality/inspections", params={"serial": "U6"}))["items"]
        assert [i["order_id"] for i in got] == [order["id"]]


def _char_id(base: str, plan_id: int) -> int:
    with _client(base, "manager") as c:
        (char,) = _ok(c.get("/quality/characteristics", params={"plan_id": plan_id}))["items"]
        return int(char["id"])


def test_the_quality_page_shows_first_pass_yield_by_machine_and_area(
    server: Server, world: World, chromium_path: str, tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    with _client(server.base, "admin") as c:
        plan = _ok(
            c.post(
                "/quality/plans",
                json={"product_id": world.product_id, "step_seq": 2, "name": "ICT"},
            )
        )
        for machine, serial, passed in [
            ("SMT-1-PNP1", "A-1", True), ("SMT-1-PNP1", "A-2", False),
            ("SMT-1-PNP1", "A-3", True), ("SMT-1-PNP1", "A-4", True),
            ("TEST-1-ICT", "B-1", True), ("TEST-1-ICT", "B-2", True),
        ]:  # fmt: skip
            _ok(
                c.post(
                    "/quality/inspections",
                    json={"product_id": world.product_id, "step_seq": 2, "plan_id": plan["id"],
                          "machine_id": world.machine_ids[machine], "serial": serial,
                          "passed": passed},
                )
            )  # fmt: skip
    with sync_playwright() as pw:
        browser, page = _new_browser_page(pw, chromium_path, TABLET)
        try:
            _sign_in_ui(page, server.base, "manager", PASSWORD)
            page.goto(server.base + "/quality")
            machines = page.get_by_test_id("yield-machines")
            # 3 of 4 good first time on the placer, 2 of 2 on the ICT
            expect(machines.locator("tr[data-code='SMT-1-PNP1']")).to_contain_text("Pick&place 1")
            expect(machines.locator("tr[data-code='SMT-1-PNP1']")).to_contain_text("75")
            expect(machines.locator("tr[data-code='TEST-1-ICT']")).to_contain_text("100")
            areas = page.get_by_test_id("yield-areas")
            expect(areas.locator("tr[data-code='SMT']")).to_contain_text("75")
            expect(areas.locator("tr[data-code='TEST']")).to_contain_text("100")
        finally:
            browser.close()
