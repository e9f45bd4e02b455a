"""The allocation board in a real browser: a supervisor allocates the next shift by drag
and drop, a conflict is shown with its reason and nothing is saved, a removal is rolled
back; a manager's board in a second browser context follows every change live; an
operator signs in at the terminal, sees their station and clocks in with one tap."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.conftest import PASSWORD, World
from tests.e2e.test_ui_floor import Server, _sign_in_ui
from tests.e2e.test_ui_orders import (
    CHROMIUM_ARGS,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("engine", ["sqlite"], indirect=True),
]
EVERY_DAY = [0, 1, 2, 3, 4, 5, 6]


def _ok(r: httpx.Response) -> Any:
    assert r.status_code < 300, r.text
    return r.json()


@contextmanager
def _api(base: str, username: str = "admin") -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{base}/api/v1", timeout=10) as c:
        r = c.post("/auth/login", json={"username": username, "password": PASSWORD})
        assert r.status_code == 200, r.text
        c.headers["X-CSRF-Token"] = r.json()["csrf_token"]
        yield c


def _seed(base: str, world: World) -> None:
    """Three shifts every day; Anna (SMT skill, badge 4711 / PIN 2468) and Bert (no skill)."""
    with _api(base) as c:
        patterns = [
            {"code": "A", "name": "Early", "start": "06:00", "end": "14:00", "weekdays": EVERY_DAY},
            {"code": "B", "name": "Late", "start": "14:00", "end": "22:00", "weekdays": EVERY_DAY},
            {"code": "C", "name": "Night", "start": "22:00", "end": "06:00", "weekdays": EVERY_DAY},
        ]
        _ok(
            c.post(
                "/calendars",
                json={
                    "code": "P1",
                    "name": "Plant",
                    "site_id": world.site_id,
                    "patterns": patterns,
                },
            )
        )
        smt = [world.area_ids["SMT"]]
        anna = _ok(
            c.post(
                "/operators",
                json={
                    "code": "ANNA",
                    "name": "Anna Asmus",
                    "skills": ["smt_operator"],
                    "area_ids": smt,
                },
            )
        )
        _ok(
            c.post(
                "/operators",
                json={"code": "BERT", "name": "Bert Brandt", "skills": [], "area_ids": smt},
            )
        )
        _ok(c.put(f"/operators/{anna['id']}/badge", json={"badge": "4711", "pin": "2468"}))


def test_a_supervisor_allocates_and_another_board_and_the_terminal_follow(
    server: Server,
    world: World,
    chromium_path: str,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    _seed(server.base, world)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)

        def context_page() -> Any:
            return browser.new_context(
                viewport={"width": 1280, "height": 900}, locale="en-US", timezone_id="Europe/Berlin"
            ).new_page()

        sup, other = context_page(), context_page()
        _sign_in_ui(sup, server.base, "supervisor", PASSWORD)
        _sign_in_ui(other, server.base, "manager", PASSWORD)
        sup.get_by_role("navigation", name="Main").get_by_role("link", name="Allocation").click()
        other.goto(server.base + "/allocation")
        for page in (sup, other):
            expect(page.get_by_test_id("board-version")).to_have_text("Version 0")
            expect(page.get_by_test_id("time-zone")).to_contain_text("Europe/Berlin")
        expect(other.get_by_test_id("placed-SMT-1")).to_be_empty()

        # Drag Anna onto SMT-1 for the next shift; the manager's board follows live.
        sup.get_by_test_id("alloc-reason").fill("Anna runs SMT")
        sup.get_by_test_id("op-ANNA").drag_to(sup.get_by_test_id("station-SMT-1"))
        started = time.perf_counter()
        expect(other.get_by_test_id("placed-SMT-1")).to_contain_text("Anna Asmus")
        live_ms = (time.perf_counter() - started) * 1000
        expect(sup.get_by_test_id("board-version")).to_have_text("Version 1")
        expect(other.get_by_test_id("version-1")).to_contain_text("Anna runs SMT")
        print(
            f"another board showed the change {live_ms:.0f} ms after the drop"
            " (check, save, live message, re-read)"
        )

        # Bert lacks the skill: the conflict is shown with its reason and nothing is saved.
        sup.get_by_test_id("op-BERT").drag_to(sup.get_by_test_id("station-SMT-1"))
        conflict = sup.get_by_test_id("conflict-missing_skill")
        expect(conflict).to_contain_text("Missing skill")
        expect(conflict).to_contain_text("Bert Brandt lacks the skill SMT-1 needs (smt_operator)")
        expect(sup.get_by_test_id("board-version")).to_have_text("Version 1")
        expect(sup.get_by_test_id("placed-SMT-1")).not_to_contain_text("Bert")

        # The manager certifies Bert for SMT, but the certificate has expired; the
        # supervisor enters his absence over the next shift (site time): both conflicts.
        with _api(server.base, "manager") as c:
            shift = _ok(c.get("/allocation/board", params={"which": "next"}))["shift"]
        berlin = ZoneInfo("Europe/Berlin")
        local = {k: datetime.fromisoformat(shift[k]).astimezone(berlin) for k in ("start", "end")}
        form = other.get_by_test_id("skill-form")
        form.get_by_label("Operator").select_option(label="Bert Brandt")
        form.get_by_label("Skill").fill("smt_operator")
        # Expired yesterday (site time): before today, as the matrix shows it, and before
        # the next shift, which may start tomorrow (at 22:00 it began tomorrow morning
        # and "the day before it" was still today).
        today = datetime.now(berlin).date()
        form.get_by_label("Certified until").fill(
            (min(local["start"].date(), today) - timedelta(days=1)).isoformat()
        )
        form.get_by_role("button", name="Save skill").click()
        expect(other.get_by_test_id("skill-BERT-smt_operator")).to_contain_text("expired")
        expect(sup.get_by_test_id("skill-form")).to_have_count(0)  # managers only
        absence = sup.get_by_test_id("absence-form")
        absence.get_by_label("Operator").select_option(label="Bert Brandt")
        absence.get_by_label("From (").fill(local["start"].strftime("%Y-%m-%dT%H:%M"))
        absence.get_by_label("To (").fill(local["end"].strftime("%Y-%m-%dT%H:%M"))
        absence.get_by_label("Reason").fill("Doctor")
        absence.get_by_role("button", name="Add absence").click()
        expect(sup.get_by_test_id("absences")).to_contain_text("Bert Brandt")
        # (by taps this time: the operator, then the station)
        sup.get_by_test_id("op-BERT").click()
        sup.get_by_test_id("station-SMT-1").click()
        expect(sup.get_by_test_id("conflict-expired_certification")).to_contain_text(
            "certification for smt_operator expired on"
        )
        expect(sup.get_by_test_id("conflict-absent")).to_contain_text(
            "Bert Brandt is absent (Doctor)"
        )
        expect(sup.get_by_test_id("board-version")).to_have_text("Version 1")

        # Tap alternative: tap Anna's placed chip, then the pool: she is removed (v2) ...
        sup.get_by_test_id("op-ANNA-placed").click()
        expect(sup.get_by_test_id("picked-hint")).to_contain_text("Anna Asmus")
        sup.get_by_test_id("pool").click(position={"x": 10, "y": 10})
        expect(sup.get_by_test_id("board-version")).to_have_text("Version 2")
        expect(other.get_by_test_id("placed-SMT-1")).to_be_empty()
        # ... and restoring version 1 brings her back as version 3 (history kept).
        sup.get_by_test_id("rollback-1").click()
        expect(sup.get_by_test_id("board-version")).to_have_text("Version 3")
        expect(other.get_by_test_id("placed-SMT-1")).to_contain_text("Anna Asmus")
        expect(other.get_by_test_id("version-3")).to_contain_text("as version 1")
        expect(other.get_by_test_id("version-2")).to_contain_text("removed Anna Asmus")

        # This shift, by taps only (operator, then station).
        sup.get_by_test_id("shift-current").click()
        expect(sup.get_by_test_id("board-version")).to_have_text("Version 0")
        sup.get_by_test_id("op-ANNA").click()
        sup.get_by_test_id("station-SMT-1").click()
        expect(sup.get_by_test_id("placed-SMT-1")).to_contain_text("Anna Asmus")

        # The operator at the terminal: her station, and clocking in with one tap.
        tablet = context_page()
        tablet.goto(server.base + "/terminal")
        tablet.get_by_label("Badge number").fill("4711")
        tablet.get_by_label("PIN", exact=True).fill("2468")
        tablet.get_by_role("button", name="Sign in").click()
        expect(tablet.get_by_test_id("my-station")).to_contain_text("You are on SMT-1 this shift")
        expect(tablet.get_by_test_id("my-station")).to_contain_text("next shift: SMT-1")
        # She taps while the tablet is offline: shown at once, marked as not sent yet,
        # and booked at the time of the tap once the network returns.
        expect(tablet.get_by_test_id("clock-button")).to_have_text("Clock in")
        tablet.context.set_offline(True)
        tapped = datetime.now(UTC).replace(microsecond=0)  # the browser's clock has ms
        tablet.get_by_test_id("clock-button").click()
        expect(tablet.get_by_test_id("clocked-in")).to_contain_text("Clocked in since")
        expect(tablet.get_by_test_id("clock-waiting")).to_have_text("not sent yet")
        expect(tablet.get_by_test_id("clock-button")).to_have_text("Clock out")
        back = datetime.now(UTC)
        tablet.context.set_offline(False)
        expect(tablet.get_by_test_id("clock-waiting")).to_have_count(0)
        expect(tablet.get_by_test_id("clock-button")).to_have_text("Clock out")
        rows = sup.request.get(server.base + "/api/v1/labour/shift").json()["rows"]
        since = datetime.fromisoformat(
            next(r for r in rows if r["code"] == "ANNA")["clocked_in_since"]
        )
        assert tapped <= since < back, (tapped, since, back)
        # The supervisor's labour panel shows her clocked in on SMT-1.
        sup.reload()
        expect(sup.get_by_test_id("labour-ANNA")).to_contain_text("SMT-1")
        expect(sup.get_by_test_id("labour-ANNA").get_by_role("button")).to_have_text("Clock out")
        browser.close()
