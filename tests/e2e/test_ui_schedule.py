"""The Schedule page in a real browser: a planner optimizes (live progress over SSE), sees
the Gantt, drags an operation onto a conflicting slot (refused and explained, the bar goes
back) and then onto a free one (accepted, and the API agrees), drops one onto the next
(which is pushed along), publishes, compares a what-if scenario with a rush order against
the published plan, and publishes the scenario (refused while the rush order exists only
there, accepted without it).

The demo factory test renders a realistic plan (hundreds of bars) and refreshes the docs
screenshot with `LINEWISE_UPDATE_SCREENSHOTS=1`.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session

from tests.conftest import PASSWORD, World
from tests.e2e.test_ui_floor import (
    REPO,
    UPDATE_SCREENSHOTS,
    Server,
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

SCREENSHOT = REPO / "docs" / "screenshot-schedule.png"


@contextmanager
def _client(base: str, username: str, password: str = PASSWORD) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{base}/api/v1", timeout=30) as c:
        r = c.post("/auth/login", json={"username": username, "password": password})
        assert r.status_code == 200, r.text
        c.headers["X-CSRF-Token"] = r.json()["csrf_token"]
        yield c


def _seed_orders(base: str, world: World) -> None:
    """Three orders of the world's product (SMT → Test) due in the next days."""
    now = datetime.now(UTC)
    with _client(base, "admin") as c:
        for i, (qty, days) in enumerate([(120, 1), (100, 2), (90, 3)], start=1):
            body = {
                "number": f"PO-S{i}",
                "product_id": world.product_id,
                "quantity": qty,
                "due_date": (now + timedelta(days=days)).isoformat(),
                "priority": 3,
            }
            _ok(c.post("/orders", json=body))


def _ops(plan: dict[str, Any]) -> list[dict[str, Any]]:
    return [op for line in plan["lines"] for op in line["operations"]]


def _drag(page: Any, bar: Any, dx: float, dy: float = 0) -> None:
    """Press on the bar, move in steps (pointer events), release."""
    box = bar.bounding_box()
    assert box is not None
    x, y = box["x"] + min(20, box["width"] / 2), box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for i in range(1, 9):
        page.mouse.move(x + dx * i / 8, y + dy * i / 8)
    page.mouse.up()


def test_optimize_drag_publish_and_compare_a_scenario(
    server: Server,
    world: World,
    chromium_path: str,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    _seed_orders(server.base, world)
    with sync_playwright() as pw:
        browser, page = _new_browser_page(pw, chromium_path, {"width": 1366, "height": 900})
        try:
            _sign_in_ui(page, server.base, "planner", PASSWORD)
            page.get_by_role("navigation", name="Main").get_by_role("link", name="Schedule").click()
            expect(page.get_by_role("heading", name="Schedule")).to_be_visible()
            expect(page.get_by_text("No plan yet")).to_be_visible()

            # Optimize with a short time limit: live progress, then the plan's Gantt.
            page.get_by_label("Time limit").select_option("2")
            page.get_by_role("button", name="Optimize").click()
            progress = page.get_by_test_id("run-progress")
            expect(progress.get_by_role("progressbar", name="Solver time")).to_be_visible()
            expect(progress).to_have_attribute("data-status", "succeeded", timeout=20_000)
            expect(page.get_by_test_id("plan-status")).to_have_text("Draft")
            bars = page.get_by_test_id("gantt-bar")
            expect(bars).to_have_count(6)
            assert "plan=" in page.url
            plan_id = int(page.url.split("plan=")[1].split("&")[0])

            with _client(server.base, "planner") as api:
                plan = _ok(api.get(f"/plans/{plan_id}"))
                smt = next(ln for ln in plan["lines"] if ln["line_code"] == "SMT-1")
                first, second = sorted(smt["operations"], key=lambda o: o["start"])[:2]
                last = max(_ops(plan), key=lambda o: o["end"])

                page.get_by_role("button", name="Hours", exact=True).click()
                page.get_by_role("button", name="Now", exact=True).click()
                bar_a = page.locator(f"[data-testid=gantt-bar][data-op='{first['operation_id']}']")
                bar_b = page.locator(f"[data-testid=gantt-bar][data-op='{second['operation_id']}']")
                expect(bar_b).to_be_visible()
                bar_a.scroll_into_view_if_needed()
                box_a, box_b = bar_a.bounding_box(), bar_b.bounding_box()
                assert box_a and box_b

                # Onto the first operation of the line, strictly (push off; pushing would put
                # the first one behind it): refused, explained, back in place.
                page.get_by_test_id("push-mode").uncheck()
                _drag(page, bar_b, box_a["x"] - box_b["x"] + 10)
                refusal = page.get_by_test_id("move-refused")
                expect(refusal).to_be_visible()
                expect(refusal).to_contain_text(first["order_number"])
                expect(refusal).to_contain_text("Overlaps")
                expect(bar_b).to_have_attribute("data-start", second["start"])
                assert _ok(api.get(f"/plans/{plan_id}"))["version"] == plan["version"]
                page.get_by_test_id("push-mode").check()

                # The last operation of the plan, later into free time: accepted.
                bar_last = page.locator(
                    f"[data-testid=gantt-bar][data-op='{last['operation_id']}']"
                )
                bar_last.scroll_into_view_if_needed()
                _drag(page, bar_last, 192)  # 3 hours at 64 px per hour
                expect(page.get_by_test_id("move-ok")).to_be_visible()
                expect(bar_last).not_to_have_attribute("data-start", last["start"])
                moved_plan = _ok(api.get(f"/plans/{plan_id}"))
                moved = next(
                    o for o in _ops(moved_plan) if o["operation_id"] == last["operation_id"]
                )
                shift = datetime.fromisoformat(moved["start"]) - datetime.fromisoformat(
                    last["start"]
                )
                assert timedelta(hours=2, minutes=45) <= shift <= timedelta(hours=3, minutes=15)
                assert moved_plan["version"] == plan["version"] + 1

                # The first operation of SMT-1 dropped to end inside the second: pushing
                # (the default) moves the second and what follows, and says so.
                a_start, b_start = (datetime.fromisoformat(o["start"]) for o in (first, second))
                a_hours = (datetime.fromisoformat(first["end"]) - a_start) / timedelta(hours=1)
                lead = min(0.25, a_hours / 2)  # hours before the second starts
                _drag(page, bar_a, ((b_start - a_start) / timedelta(hours=1) - lead) * 64)
                expect(page.get_by_test_id("move-ok")).to_contain_text("following operation")
                expect(bar_b).not_to_have_attribute("data-start", second["start"])
                pushed_plan = _ok(api.get(f"/plans/{plan_id}"))
                pushed = next(
                    o for o in _ops(pushed_plan) if o["operation_id"] == second["operation_id"]
                )
                assert datetime.fromisoformat(pushed["start"]) > b_start
                assert pushed_plan["version"] == plan["version"] + 2

                # Publish, with a confirmation.
                page.get_by_test_id("publish").click()
                dialog = page.get_by_role("dialog")
                expect(dialog).to_contain_text("floor")
                dialog.get_by_role("button", name="Publish").click()
                expect(page.get_by_test_id("plan-status")).to_have_text("Published")
                assert _ok(api.get(f"/plans/{plan_id}"))["status"] == "published"

            # A scenario from the published plan with a rush order, solved and compared.
            page.get_by_role("link", name="Scenarios").click()
            page.get_by_label("Scenario name").fill("Rush for Nordwind")
            page.get_by_role("button", name="Create scenario").click()
            expect(page.get_by_role("heading", name="Rush for Nordwind")).to_be_visible()
            page.get_by_label("Change", exact=True).select_option("rush_order")
            page.get_by_label("Product").select_option(label="CTRL-100 · Controller")
            page.get_by_label("Quantity").fill("80")
            page.get_by_label("Order number").fill("RUSH-E2E")
            page.get_by_role("button", name="Add change").click()
            expect(page.get_by_test_id("change-item")).to_contain_text("RUSH-E2E")
            page.get_by_label("Time limit").select_option("2")
            page.get_by_role("button", name="Solve scenario").click()
            comparison = page.get_by_test_id("comparison")
            expect(comparison).to_be_visible(timeout=20_000)
            expect(comparison.get_by_test_id("total-orders")).to_contain_text("+1")
            expect(
                comparison.get_by_test_id("order-row").filter(has_text="RUSH-E2E")
            ).to_contain_text("new")
            expect(comparison.get_by_test_id("util-row")).to_have_count(2)

            # Publishing the what-if: the confirmation says that the rush order becomes a
            # real order, and publishing creates it (released) with the plan.
            comparison.get_by_test_id("publish-scenario").click()
            dialog = page.get_by_role("dialog")
            expect(dialog.get_by_test_id("publish-creates")).to_contain_text("RUSH-E2E")
            dialog.get_by_role("button", name="Publish").click()
            published = page.get_by_test_id("scenario-published")
            expect(published).to_contain_text("published")
            expect(published.get_by_role("link", name="RUSH-E2E")).to_be_visible()
            with _client(server.base, "planner") as api:
                live = _ok(api.get("/plans", params={"status": "published"}))
                assert [p["kind"] for p in live] == ["adopted"]
                rush = _ok(api.get("/orders/by-number/RUSH-E2E"))
                assert rush["status"] == "released" and rush["quantity"] == 80
                assert rush["plan_id"] == live[0]["id"]
        finally:
            browser.close()


def test_demo_factory_plan_renders_and_is_the_docs_screenshot(
    server: Server,
    db: Session,
    password_hash: str,
    chromium_path: str,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    from linewise.demo.factory import build_factory
    from linewise.demo.load import load_factory
    from linewise.domains.accounts.models import User

    load_factory(db, build_factory(datetime.now(UTC), orders=40), with_users=False)
    db.add(
        User(
            username="planner",
            full_name="Paula Planner",
            password_hash=password_hash,
            role="planner",
        )
    )
    db.commit()
    with _client(server.base, "planner") as api:
        r = api.post("/schedules", json={"time_limit_s": 3, "num_workers": 2})
        assert r.status_code == 202, r.text
        run = r.json()
        with api.stream("GET", f"/schedules/{run['id']}/events", timeout=60) as events:
            for line in events.iter_lines():
                if line.startswith("event: done"):
                    break
        plan_id = _ok(api.get(f"/schedules/{run['id']}"))["plan_id"]
        total = len(_ops(_ok(api.get(f"/plans/{plan_id}"))))

    with sync_playwright() as pw:
        browser, page = _new_browser_page(pw, chromium_path, {"width": 1440, "height": 900})
        try:
            _sign_in_ui(page, server.base, "planner", PASSWORD)
            page.goto(f"{server.base}/schedule?plan={plan_id}")
            expect(page.get_by_test_id("gantt-row-label")).to_have_count(5)
            bars = page.get_by_test_id("gantt-bar")
            expect(bars.first).to_be_visible()
            shown = bars.count()
            assert 0 < shown <= total  # only what is in view (plus a margin) is rendered
            page.get_by_role("button", name="By order").click()
            expect(page.get_by_test_id("due-marker").first).to_be_attached()
            page.get_by_role("button", name="By line").click()
            expect(page.get_by_test_id("gantt-row-label")).to_have_count(5)
            bars.nth(3).hover()
            expect(page.get_by_test_id("gantt-tooltip")).to_be_visible()
            shot = tmp_path / "schedule.png"
            page.screenshot(path=str(shot))
            assert shot.stat().st_size > 10_000
            if UPDATE_SCREENSHOTS or not SCREENSHOT.exists():
                shutil.copyfile(shot, SCREENSHOT)
        finally:
            browser.close()
