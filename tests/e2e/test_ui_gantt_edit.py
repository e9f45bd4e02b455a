"""Editing the Gantt in the planner's terms, in a real browser.

A planner optimizes and reads the result as late orders, hours late and changeovers (the
solver's numbers only behind "Solver details"); moves an operation, undoes it (button and
Ctrl+Z; the API has it back where it was) and redoes it; drops one onto the next (the
following work is pushed and listed). The header's labels never overprint at any zoom or
width. With the browser in New York, a drop into the night snaps to the next shift and
every page (Schedule, Orders, KPIs) shows Berlin times, labelled. An operator sees the
plan but no button to move, optimize or publish.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy.orm import Session

from linewise.domains.people.models import Operator, ShiftCalendar, ShiftPattern
from tests.conftest import PASSWORD, World
from tests.e2e.test_ui_floor import (
    Server,
    _new_browser_page,
    _sign_in_ui,
)
from tests.e2e.test_ui_i18n import _browser_in_new_york
from tests.e2e.test_ui_orders import (
    _ok,
)
from tests.e2e.test_ui_schedule import _drag, _ops, _seed_orders

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("engine", ["sqlite"], indirect=True),
]

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


@contextmanager
def _client(base: str, username: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{base}/api/v1", timeout=30) as c:
        r = c.post("/auth/login", json={"username": username, "password": PASSWORD})
        assert r.status_code == 200, r.text
        c.headers["X-CSRF-Token"] = r.json()["csrf_token"]
        yield c


def _op(api: httpx.Client, plan_id: int, operation_id: int) -> dict[str, Any]:
    plan = _ok(api.get(f"/plans/{plan_id}"))
    return next(o for o in _ops(plan) if o["operation_id"] == operation_id)


def _optimize(page: Any) -> int:
    from playwright.sync_api import expect

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Schedule").click()
    page.get_by_label("Time limit").select_option("2")
    page.get_by_role("button", name="Optimize").click()
    expect(page.get_by_test_id("run-progress")).to_have_attribute(
        "data-status", "succeeded", timeout=20_000
    )
    expect(page.get_by_test_id("plan-status")).to_have_text("Draft")
    return int(page.url.split("plan=")[1].split("&")[0])


def _labels_do_not_overlap(page: Any, where: str) -> int:
    """No two labels of a header row overlap (the "Now" flag counts in the lower row)."""
    from playwright.sync_api import expect

    # A zoom re-renders the header once the scroll position follows: wait for labels.
    labelled = page.get_by_test_id("tick-major").filter(has_text=re.compile(r"\S"))
    expect(labelled.first).to_be_visible()
    checked = 0
    for selector in (
        "[data-testid=tick-major]",
        "[data-testid=tick-minor], [data-testid=now-flag]",
    ):
        boxes = page.eval_on_selector_all(
            selector,
            """els => els.filter(e => e.textContent.trim()).map(e => {
                 const r = e.getBoundingClientRect();
                 return [r.left, r.right, e.textContent, r.width];
               }).filter(b => b[3] > 0)""",
        )
        boxes.sort()
        assert boxes, f"{where}: no labels in {selector}"
        for a, b in pairwise(boxes):
            assert a[1] <= b[0] + 0.5, f"{where}: {a[2]!r} overprints {b[2]!r} ({a}, {b})"
        checked += len(boxes)
    return checked


def test_planner_reads_the_result_undoes_redoes_and_pushes(
    server: Server,
    world: World,
    chromium_path: str,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    _seed_orders(server.base, world)
    with sync_playwright() as pw:
        browser, page = _new_browser_page(pw, chromium_path, {"width": 1366, "height": 900})
        try:
            _sign_in_ui(page, server.base, "planner", PASSWORD)
            plan_id = _optimize(page)

            # The result in planner terms; the solver's figures only behind a disclosure.
            result = page.get_by_test_id("run-result")
            expect(result).to_contain_text("late order")
            expect(result).to_contain_text("changeover")
            expect(result).to_contain_text("all work done by")
            figures = page.get_by_test_id("plan-figures")
            expect(figures).to_contain_text("Late orders")
            expect(figures).to_contain_text("Hours late")
            expect(figures).to_contain_text("Changeovers")
            expect(figures).to_contain_text("Busiest line")
            expect(page.get_by_text("Bound", exact=True)).to_have_count(0)
            details = figures.get_by_test_id("solver-details")
            expect(details.get_by_text("No plan can do better than")).to_be_hidden()
            details.get_by_text("Solver details").click()
            expect(details.get_by_text("Solver score of this plan")).to_be_visible()
            page.screenshot(path=str(tmp_path / "gantt-edit-result.png"), full_page=True)

            with _client(server.base, "planner") as api:
                plan = _ok(api.get(f"/plans/{plan_id}"))
                late = sum(1 for o in plan["orders"] if o["late"])
                expect(page.get_by_test_id("late-orders")).to_have_text(str(late))
                expect(page.get_by_test_id("changeovers")).to_contain_text(
                    str(plan["figures"]["changeovers"])
                )
                smt = next(ln for ln in plan["lines"] if ln["line_code"] == "SMT-1")
                first, second = sorted(smt["operations"], key=lambda o: o["start"])[:2]
                last = max(_ops(plan), key=lambda o: o["end"])

                page.get_by_role("button", name="Hours", exact=True).click()
                page.get_by_role("button", name="Now", exact=True).click()
                undo, redo = page.get_by_test_id("undo"), page.get_by_test_id("redo")
                expect(undo).to_be_disabled()

                # Move the last operation 3 hours later, then undo it: back where it was.
                bar_last = page.locator(
                    f"[data-testid=gantt-bar][data-op='{last['operation_id']}']"
                )
                bar_last.scroll_into_view_if_needed()
                _drag(page, bar_last, 192)  # 3 hours at 64 px per hour
                expect(page.get_by_test_id("move-ok")).to_be_visible()
                moved = _op(api, plan_id, last["operation_id"])
                assert moved["start"] != last["start"]
                expect(undo).to_be_enabled()
                undo.click()
                expect(page.get_by_test_id("move-ok")).to_contain_text("Undone")
                expect(bar_last).to_have_attribute("data-start", last["start"])
                assert _op(api, plan_id, last["operation_id"])["start"] == last["start"]

                # Redo: forward again; Ctrl+Z: back again (through the API both times).
                expect(redo).to_be_enabled()
                redo.click()
                expect(page.get_by_test_id("move-ok")).to_contain_text("Redone")
                expect(bar_last).to_have_attribute("data-start", moved["start"])
                assert _op(api, plan_id, last["operation_id"])["start"] == moved["start"]
                page.get_by_test_id("plan-figures").click()  # focus off any field
                page.keyboard.press("Control+z")
                expect(bar_last).to_have_attribute("data-start", last["start"])
                assert _op(api, plan_id, last["operation_id"])["start"] == last["start"]

                # The first of SMT-1 dropped to end inside the second: the second is pushed
                # later (not refused), and the answer lists what moved.
                bar_a = page.locator(f"[data-testid=gantt-bar][data-op='{first['operation_id']}']")
                bar_b = page.locator(f"[data-testid=gantt-bar][data-op='{second['operation_id']}']")
                bar_a.scroll_into_view_if_needed()
                a_start, b_start = (datetime.fromisoformat(o["start"]) for o in (first, second))
                a_hours = (datetime.fromisoformat(first["end"]) - a_start) / timedelta(hours=1)
                lead = min(0.25, a_hours / 2)
                _drag(page, bar_a, ((b_start - a_start) / timedelta(hours=1) - lead) * 64)
                ok = page.get_by_test_id("move-ok")
                expect(ok).to_contain_text("following operation")
                expect(ok).to_contain_text(f"{second['order_number']} step {second['seq']} +")
                expect(bar_b).not_to_have_attribute("data-start", second["start"])
                pushed = _op(api, plan_id, second["operation_id"])
                assert datetime.fromisoformat(pushed["start"]) > b_start
                # ... and one undo puts both back.
                undo.click()
                expect(bar_b).to_have_attribute("data-start", second["start"])
                expect(bar_a).to_have_attribute("data-start", first["start"])
                assert _op(api, plan_id, second["operation_id"])["start"] == second["start"]

            # Header labels never overprint: every zoom preset, zoomed out in between (days
            # narrower than their names), at two window widths.
            checked = 0
            for width in (1366, 900):
                page.set_viewport_size({"width": width, "height": 900})
                for preset in ("Hours", "Day", "Week"):
                    page.get_by_role("button", name=preset, exact=True).click()
                    checked += _labels_do_not_overlap(page, f"{preset} at {width} px")
                page.get_by_role("button", name="Day", exact=True).click()
                for step in range(1, 5):
                    page.get_by_role("button", name="Zoom out").click()
                    checked += _labels_do_not_overlap(page, f"day / 1.5^{step} at {width} px")
            assert checked > 50

            # German labels are longer ("Mo., 7. Dez."): still none overprints.
            page.get_by_test_id("locale-switch").select_option("de")
            expect(page.get_by_role("heading", name="Planung")).to_be_visible()
            page.get_by_role("button", name="Tag", exact=True).click()
            for step in range(1, 5):
                page.get_by_role("button", name="Verkleinern").click()
                _labels_do_not_overlap(page, f"German, day / 1.5^{step}")
            page.screenshot(path=str(tmp_path / "gantt-edit-de.png"), full_page=True)
        finally:
            browser.close()


def _day_shifts(db: Session, world: World) -> None:
    """06:00-22:00 every day for the site's lines; nights are not working time."""
    calendar = ShiftCalendar(code="DAY", name="Day shifts", site_id=world.site_id)
    every_day = [0, 1, 2, 3, 4, 5, 6]
    calendar.patterns = [
        ShiftPattern(code="D", name="Day", start="06:00", end="22:00", weekdays=every_day)
    ]
    both = ["smt_operator", "test_technician"]
    db.add_all(
        [
            calendar,
            Operator(code="OP-1", name="One", skills=both, shift_code="D"),
            Operator(code="OP-2", name="Two", skills=both, shift_code="D"),
        ]
    )
    db.commit()


def test_new_york_browser_snaps_into_berlin_shift_and_operator_cannot_edit(
    server: Server,
    world: World,
    db: Session,
    chromium_path: str,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    _day_shifts(db, world)
    _seed_orders(server.base, world)
    with sync_playwright() as pw:
        browser, page = _browser_in_new_york(pw, chromium_path)
        try:
            _sign_in_ui(page, server.base, "planner", PASSWORD)
            plan_id = _optimize(page)
            expect(page.get_by_test_id("time-zone")).to_contain_text("Europe/Berlin")
            with _client(server.base, "planner") as api:
                plan = _ok(api.get(f"/plans/{plan_id}"))
                last = max(_ops(plan), key=lambda o: o["end"])
                start = datetime.fromisoformat(last["start"]).astimezone(BERLIN)
                assert 6 <= start.hour < 22  # the calendar holds
                night = start.replace(hour=23, minute=0, second=0, microsecond=0)
                next_shift = (night + timedelta(days=1)).replace(hour=6)

                # The plan's end, in Berlin time.
                end = datetime.fromisoformat(plan["figures"]["makespan_end"])
                expect(page.get_by_test_id("plan-end")).to_contain_text(
                    f"{end.astimezone(BERLIN):%H:%M}"
                )

                # Dropped at 23:00 Berlin (17:00 in New York): snapped to 06:00 Berlin.
                page.get_by_role("button", name="Day", exact=True).click()
                bar = page.locator(f"[data-testid=gantt-bar][data-op='{last['operation_id']}']")
                bar.scroll_into_view_if_needed()
                _drag(page, bar, (night - start) / timedelta(hours=1) * 10)  # 10 px per hour
                ok = page.get_by_test_id("move-ok")
                expect(ok).to_contain_text("outside the line's working time")
                expect(ok).to_contain_text("06:00")
                expect(ok).not_to_contain_text("UTC")
                expect(ok).not_to_contain_text(f"{next_shift.astimezone(NEW_YORK):%H:%M}")
                snapped = _op(api, plan_id, last["operation_id"])
                assert datetime.fromisoformat(snapped["start"]) == next_shift
                # The moved operation is selected: its details in Berlin time too.
                expect(page.get_by_test_id("op-details")).to_contain_text("06:00")

            # Orders and KPIs also in Berlin time, labelled.
            nav = page.get_by_role("navigation", name="Main")
            nav.get_by_role("link", name="Orders").click()
            expect(page.get_by_test_id("time-zone")).to_contain_text("Europe/Berlin")
            nav.get_by_role("link", name="KPIs").click()
            expect(page.get_by_test_id("time-zone")).to_contain_text("Europe/Berlin")
        finally:
            browser.close()

        # An operator sees the plan, with no button to move, optimize or publish.
        browser, page = _new_browser_page(pw, chromium_path, {"width": 1366, "height": 900})
        try:
            _sign_in_ui(page, server.base, "operator", PASSWORD)
            page.goto(f"{server.base}/schedule?plan={plan_id}")
            expect(page.get_by_test_id("gantt-bar").first).to_be_visible()
            expect(page.get_by_test_id("read-only")).to_contain_text("Operator")
            for name in ("Optimize", "Publish", "Undo", "Redo"):
                expect(page.get_by_role("button", name=name, exact=True)).to_have_count(0)
            expect(page.get_by_test_id("push-mode")).to_have_count(0)
            expect(page.locator(".gbar.movable")).to_have_count(0)
        finally:
            browser.close()
