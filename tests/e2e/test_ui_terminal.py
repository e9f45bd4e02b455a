"""The operator terminal in a real browser: badge sign-in, start, good / scrap reports,
offline and back (the outbox and the server's idempotency keys: nothing lost, nothing
doubled), a conflict shown to the operator, and an andon call reaching the floor page.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import PASSWORD, World
from tests.e2e.test_ui_floor import Server, _sign_in_ui
from tests.e2e.test_ui_orders import (
    CHROMIUM_ARGS,
    _ok,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("engine", ["sqlite"], indirect=True),
]

REPO = Path(__file__).resolve().parents[2]
# `LINEWISE_UPDATE_SCREENSHOTS=1 pytest tests/e2e/test_ui_terminal.py` refreshes the docs images.
UPDATE_SCREENSHOTS = os.environ.get("LINEWISE_UPDATE_SCREENSHOTS", "") not in ("", "0")


def _shot(page: Any, name: str, tmp_path: Path) -> None:
    page.screenshot(path=str((REPO / "docs" if UPDATE_SCREENSHOTS else tmp_path) / name))


CYCLES = 100  # network cut and restored this many times during the shift of reports


@contextmanager
def _api(base: str, username: str = "admin") -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{base}/api/v1", timeout=10) as c:
        r = c.post("/auth/login", json={"username": username, "password": PASSWORD})
        assert r.status_code == 200, r.text
        c.headers["X-CSRF-Token"] = r.json()["csrf_token"]
        yield c


def _seed(base: str, world: World) -> dict[str, Any]:
    """A released order on SMT-1, operator OP-9 (badge 4711, PIN 2468) and reason codes."""
    with _api(base) as c:
        order = _ok(
            c.post(
                "/orders",
                json={"number": "PO-E1", "product_id": world.product_id, "quantity": 5000,
                      "due_date": "2030-01-10T12:00:00Z"},
            )
        )  # fmt: skip
        order = _ok(
            c.post(
                f"/orders/{order['id']}/transitions",
                json={"to": "released", "version": order["version"]},
            )
        )
        op = _ok(
            c.post(
                "/operators",
                json={"code": "OP-9", "name": "Nora Nightshift",
                      "area_ids": [world.area_ids["SMT"]]},
            )
        )  # fmt: skip
        _ok(c.put(f"/operators/{op['id']}/badge", json={"badge": "4711", "pin": "2468"}))
        for code, name, category in [
            ("SB", "Solder bridge", "scrap"),
            ("RW", "Touch-up", "rework"),
            ("MAT", "Waiting for material", "downtime"),
        ]:
            _ok(c.post("/reason-codes", json={"code": code, "name": name, "category": category}))
    return {"order_id": order["id"], "op_id": order["operations"][0]["id"]}


def _stage(base: str, order_id: int) -> dict[str, Any]:
    with _api(base) as c:
        op: dict[str, Any] = _ok(c.get(f"/orders/{order_id}"))["operations"][0]
        return op


def test_terminal_reports_survive_the_network_coming_and_going(
    server: Server,
    world: World,
    chromium_path: str,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    base = server.base
    seeded = _seed(base, world)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport={"width": 1280, "height": 800}, locale="en-US", timezone_id="UTC"
        )
        page = context.new_page()
        page.goto(base + "/terminal")

        # Badge and PIN on the keypad.
        page.get_by_label("Badge number").fill("4711")
        keypad = page.get_by_role("group", name="PIN keypad")
        for digit in "2468":
            keypad.get_by_role("button", name=digit, exact=True).click()
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_text("Nora Nightshift")).to_be_visible()

        stage = page.get_by_test_id("stage-PO-E1-1")
        sync = page.get_by_test_id("sync-state")
        expect(page.get_by_text("Times in Europe/Berlin")).to_be_visible()
        stage.get_by_role("button", name="Start operation").click()
        expect(stage.get_by_role("button", name="Pause")).to_be_visible()

        def report_good(n: int = 1) -> None:
            stage.get_by_role("button", name="Good", exact=True).click()
            page.get_by_role("dialog").get_by_role("button", name=f"+{n}", exact=True).click()

        # Online: 5 good, then 1 scrap with its reason (each two taps).
        report_good(5)
        stage.get_by_role("button", name="Scrap", exact=True).click()
        page.get_by_role("dialog").get_by_role("button", name="Solder bridge").click()
        expect(sync).to_have_attribute("data-waiting", "0")
        expect(sync).to_have_text("All sent")
        op = _stage(base, seeded["order_id"])
        assert (op["status"], op["good_qty"], op["scrap_qty"]) == ("in_progress", 5, 1)
        _shot(page, "screenshot-terminal.png", tmp_path)

        # Offline: the taps wait, visibly, and count on screen at once.
        context.set_offline(True)
        for _ in range(3):
            report_good(1)
        expect(sync).to_have_attribute("data-waiting", "3")
        expect(sync).to_contain_text("3 waiting to send")
        expect(stage.get_by_test_id("qty")).to_contain_text("8 of 5,000 good")
        assert _stage(base, seeded["order_id"])["good_qty"] == 5
        context.set_offline(False)
        expect(sync).to_have_attribute("data-waiting", "0", timeout=15_000)
        assert _stage(base, seeded["order_id"])["good_qty"] == 8

        # The tablet restarts without network: the service worker serves the app shell,
        # the line's work comes from the device, and a tap waits in the outbox.
        assert page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        context.set_offline(True)
        page.reload()
        expect(stage.get_by_test_id("qty")).to_contain_text("8 of 5,000 good")
        report_good(1)
        expect(sync).to_have_attribute("data-waiting", "1")
        context.set_offline(False)
        expect(sync).to_have_attribute("data-waiting", "0", timeout=15_000)
        assert _stage(base, seeded["order_id"])["good_qty"] == 9

        # A shift of reports with the network cut and restored CYCLES times; taps while
        # offline, while online, and while the outbox is still sending.
        expected_good, expected_scrap = 9, 1
        tap_ms: list[float] = []
        started = time.monotonic()
        for i in range(CYCLES):
            context.set_offline(True)
            t0 = time.monotonic()
            report_good(1)
            expected_good += 1
            expect(stage.get_by_test_id("qty")).to_contain_text(f"{expected_good:,} of 5,000 good")
            tap_ms.append((time.monotonic() - t0) * 1000)
            context.set_offline(False)
            report_good(5 if i % 2 else 1)
            expected_good += 5 if i % 2 else 1
            if i % 10 == 0:
                stage.get_by_role("button", name="Scrap", exact=True).click()
                page.get_by_role("dialog").get_by_role("button", name="Solder bridge").click()
                expected_scrap += 1
        expect(sync).to_have_attribute("data-waiting", "0", timeout=60_000)
        loop_s = time.monotonic() - started
        op = _stage(base, seeded["order_id"])
        assert (op["good_qty"], op["scrap_qty"]) == (expected_good, expected_scrap)
        expect(stage.get_by_test_id("qty")).to_contain_text(f"{expected_good:,} of 5,000 good")
        print(
            f"\n{CYCLES} network cuts in {loop_s:.1f} s; good {expected_good}, scrap "
            f"{expected_scrap}: 0 lost, 0 doubled; tap to screen median "
            f"{statistics.median(tap_ms):.0f} ms, max {max(tap_ms):.0f} ms (incl. driver)"
        )

        # Andon: the supervisor's floor page shows the call at once and acknowledges it.
        floor_ctx = browser.new_context(
            viewport={"width": 1280, "height": 800}, locale="en-US", timezone_id="UTC"
        )
        floor = floor_ctx.new_page()
        _sign_in_ui(floor, base, "supervisor", PASSWORD)
        floor.goto(base + "/floor")
        expect(floor.get_by_test_id("live-status")).to_have_text("Live")
        page.get_by_role("button", name="Report a problem").click()
        page.get_by_role("dialog").get_by_role("button", name="Material").click()
        call = floor.get_by_test_id("andon-call")
        expect(call).to_contain_text("Material missing", timeout=3_000)
        expect(call).to_contain_text("SMT line 1")
        _shot(floor, "screenshot-andon.png", tmp_path)
        call.get_by_role("button", name="Acknowledge").click()
        expect(call).to_have_count(0)

        # A machine tile opens the machine: its line's operation and who is on it.
        floor.locator('[data-machine="SMT-1-PNP1"]').click()
        panel = floor.get_by_role("dialog")
        expect(panel.get_by_test_id("machine-operation")).to_contain_text("PO-E1 step 1")
        expect(panel.get_by_test_id("machine-people")).to_contain_text("Nora Nightshift")
        expect(panel).to_contain_text("State history today")
        _shot(floor, "screenshot-machine.png", tmp_path)
        panel.get_by_role("button", name="Close").click()

        # A conflict: offline reports on an operation someone else completes meanwhile.
        context.set_offline(True)
        report_good(1)
        with _api(base, "supervisor") as c:
            r = c.post(
                f"/terminal/operations/{seeded['op_id']}/actions",
                json={"action": "complete"},
                headers={"Idempotency-Key": "supervisor-complete-1"},
            )
            assert r.status_code == 200, r.text
        context.set_offline(False)
        expect(page.get_by_role("region", name="Not counted")).to_contain_text(
            "someone else changed this operation meanwhile"
        )
        expect(sync).to_have_attribute("data-waiting", "0", timeout=15_000)
        assert _stage(base, seeded["order_id"])["good_qty"] == expected_good
        expect(call.filter(has_text="Report not counted")).to_have_count(1)

        # Switch operator: one tap back to the badge screen.
        page.get_by_role("button", name="Switch operator").click()
        expect(page.get_by_label("Badge number")).to_be_visible()
        browser.close()


def test_terminal_fits_a_phone(
    server: Server,
    world: World,
    chromium_path: str,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    _seed(server.base, world)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport={"width": 390, "height": 844}, locale="de-DE", timezone_id="UTC"
        )
        page = context.new_page()
        page.goto(server.base + "/terminal")
        page.get_by_label("Ausweisnummer").fill("4711")
        page.get_by_label("PIN", exact=True).fill("2468")
        page.get_by_role("button", name="Anmelden").click()
        stage = page.get_by_test_id("stage-PO-E1-1")
        expect(stage.get_by_role("button", name="Arbeitsgang starten")).to_be_visible()
        box = stage.get_by_role("button", name="Arbeitsgang starten").bounding_box()
        assert box is not None and box["height"] >= 56 and box["x"] + box["width"] <= 390
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page scrolls sideways on a phone ({width} px)"
        _shot(page, "screenshot-terminal-phone.png", tmp_path)
        browser.close()


def test_a_supervisor_gives_a_badge_and_the_operator_signs_in_with_it(
    server: Server,
    world: World,
    chromium_path: str,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    _seed(server.base, world)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        office = browser.new_context(
            viewport={"width": 1280, "height": 800}, locale="en-US", timezone_id="UTC"
        ).new_page()
        _sign_in_ui(office, server.base, "supervisor", PASSWORD)
        office.goto(server.base + "/operators")
        row = office.get_by_role("row").filter(has_text="OP-9")
        row.get_by_role("button", name="Badge & PIN").click()
        dialog = office.get_by_role("dialog")
        dialog.get_by_label("Badge number").fill("8800")
        dialog.get_by_label("New PIN (4 to 8 digits)").fill("1357")
        dialog.get_by_role("button", name="Save").click()
        expect(dialog.get_by_role("status")).to_contain_text("Nora Nightshift can sign in")

        tablet = browser.new_context(
            viewport={"width": 1280, "height": 800}, locale="en-US", timezone_id="UTC"
        ).new_page()
        tablet.goto(server.base + "/terminal")
        tablet.get_by_label("Badge number").fill("8800")
        tablet.get_by_label("PIN", exact=True).fill("1111")
        tablet.get_by_role("button", name="Sign in").click()
        expect(tablet.get_by_role("alert")).to_have_text("Wrong badge or PIN.")
        tablet.get_by_label("PIN", exact=True).fill("1357")
        tablet.get_by_role("button", name="Sign in").click()
        expect(tablet.get_by_text("Nora Nightshift")).to_be_visible()
        browser.close()


def test_a_report_of_a_held_lot_is_not_counted_and_says_why(
    server: Server,
    world: World,
    chromium_path: str,
) -> None:
    """Good pieces reported for a lot on hold come back refused (409 naming ``lot``):
    the terminal says the lot is on hold, counts nothing, and raises no conflict call;
    pieces of another lot count."""
    from playwright.sync_api import expect, sync_playwright

    base = server.base
    seeded = _seed(base, world)
    with _api(base) as c:
        held = {"product_id": world.product_id, "description": "flux residue", "lot": "L-HOLD"}
        _ok(c.post("/quality/nonconformances", json=held))
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport={"width": 1280, "height": 800}, locale="en-US", timezone_id="UTC"
        )
        page = context.new_page()
        try:
            page.goto(base + "/terminal")
            page.get_by_label("Badge number").fill("4711")
            keypad = page.get_by_role("group", name="PIN keypad")
            for digit in "2468":
                keypad.get_by_role("button", name=digit, exact=True).click()
            page.get_by_role("button", name="Sign in").click()
            stage = page.get_by_test_id("stage-PO-E1-1")
            stage.get_by_role("button", name="Start operation").click()
            expect(stage.get_by_role("button", name="Pause")).to_be_visible()
            sync = page.get_by_test_id("sync-state")

            def report_good(n: int, lot: str) -> None:
                stage.get_by_role("button", name="Good", exact=True).click()
                sheet = page.get_by_role("dialog")
                sheet.get_by_test_id("report-lot").fill(lot)
                sheet.get_by_role("button", name=f"+{n}", exact=True).click()

            report_good(5, "L-HOLD")
            expect(page.get_by_test_id("term-refused")).to_contain_text(
                "the lot is on hold by a nonconformance; not counted."
            )
            report_good(1, "L-OK")
            expect(sync).to_have_attribute("data-waiting", "0")
        finally:
            browser.close()
    op = _stage(base, seeded["order_id"])
    assert op["good_qty"] == 1
    with _api(base) as c:
        calls = _ok(c.get("/andon"))
        assert [a for a in calls if a["kind"] == "conflict"] == []
