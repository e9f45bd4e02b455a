"""Refresh the README's screenshots from the demo factory, in a real Chromium.

Loads the demo factory with a week of simulated history into a temporary SQLite database,
serves it with the live simulator on a free port, and photographs at 1440x900 the floor,
the orders list, the KPI page with its explain sheet, quality (a control chart),
maintenance, deliveries at risk, inventory, the orders list on a phone (390x844), the
schedule (a fresh plan), the audit log after a chain check, and the import preview of a
file with errors. Each page is awaited on what it shows (never a fixed sleep), so a
picture never catches a spinner.

    python bench/screenshots.py [--history-days 7] [--out docs] [--chromium /usr/bin/chromium]

Needs the UI built (`make ui`) and Playwright for Python.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from serving import free_port, wait_up

REPO = Path(__file__).resolve().parents[1]
VIEWPORT = {"width": 1440, "height": 900}
PASSWORD = "linewise-demo"  # the demo users' password (linewise.demo.load.DEMO_PASSWORD)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# A file as a planner might get it from a customer: one good row, one with an unknown
# product and a quantity in words, and a number given twice.
IMPORT_WITH_ERRORS = (
    "number;product_code;quantity;due_date;priority\n"
    "PO-IMP-1;CTRL-100;1.200;18.12.2026;3\n"
    "PO-IMP-2;CTRL-999;viele;19.12.2026;3\n"
    "PO-IMP-1;PSU-24;300;20.12.2026;2\n"
    "PO-IMP-4;PSU-48;250;21.12.2026;4\n"
)


def _publish_a_plan(base: str) -> int:
    """Optimize the open orders briefly and publish the result: the Gantt's content."""
    with httpx.Client(base_url=f"{base}/api/v1", timeout=120) as api:
        login = api.post("/auth/login", json={"username": "planner", "password": PASSWORD})
        login.raise_for_status()
        api.headers["X-CSRF-Token"] = login.json()["csrf_token"]
        r = api.post("/schedules", json={"time_limit_s": 5, "num_workers": 1})
        r.raise_for_status()
        run_id = r.json()["id"]
        with api.stream("GET", f"/schedules/{run_id}/events") as events:
            for line in events.iter_lines():
                if line.startswith("event: done"):
                    break
        plan_id: int = api.get(f"/schedules/{run_id}").json()["plan_id"]
        plan = api.get(f"/plans/{plan_id}").json()
        api.post(f"/plans/{plan_id}/publish", json={"version": plan["version"]}).raise_for_status()
        return plan_id


def _busiest_chart(base: str) -> int:
    """The variable characteristic with the most points on its control chart."""
    with httpx.Client(base_url=f"{base}/api/v1", timeout=60) as api:
        login = api.post("/auth/login", json={"username": "manager", "password": PASSWORD})
        login.raise_for_status()
        chars = api.get("/quality/characteristics", params={"limit": 200}).json()["items"]
        points: dict[int, int] = {
            int(c["id"]): len(api.get(f"/quality/characteristics/{c['id']}/chart").json()["points"])
            for c in chars
            if c["kind"] == "variable"
        }
    return max(points, key=lambda i: points[i])


def _sign_in(page: Any, base: str, username: str) -> None:
    from playwright.sync_api import expect

    page.goto(base + "/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("current-user")).to_be_visible()


def _shoot(page: Any, out: Path, name: str) -> None:
    path = out / f"screenshot-{name}.png"
    page.screenshot(path=str(path))
    print(
        f"{path.relative_to(REPO) if path.is_relative_to(REPO) else path}: "
        f"{path.stat().st_size // 1024} KB"
    )


def _photograph(base: str, chromium: str, out: Path, plan_id: int) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            # A browser in another zone: every time on the pictures must still be the site's.
            context = browser.new_context(
                viewport=VIEWPORT, locale="en-US", timezone_id="America/New_York"
            )
            page = context.new_page()
            _sign_in(page, base, "manager")
            page.goto(base + "/orders")
            expect(page.get_by_test_id("order-row").first).to_be_visible()
            # The open work, not last week's finished orders.
            chips = page.get_by_role("group", name="Filter by status")
            for status in ("Planned", "Released", "In progress"):
                chips.get_by_role("button", name=status, exact=True).click()
            expect(page.get_by_test_id("order-row").first).not_to_contain_text("Completed")
            _shoot(page, out, "orders")

            page.goto(base + "/kpis?period=this-week")
            card = page.get_by_test_id("line-card").first
            expect(card).to_be_visible()
            oee = card.get_by_test_id("line-a-oee")
            expect(oee.locator(".fig-value")).not_to_have_text("—")
            oee.click()
            expect(page.get_by_role("dialog").get_by_test_id("formulas")).to_be_visible()
            _shoot(page, out, "kpi")

            # Quality: the control chart of the characteristic with the most readings.
            page.goto(base + "/quality")
            expect(page.get_by_test_id("fig-fpy")).to_contain_text("%")
            page.get_by_test_id("spc-characteristic").select_option(str(_busiest_chart(base)))
            expect(page.get_by_test_id("spc-chart")).to_be_visible()
            page.get_by_role("heading", name="Control chart").evaluate("h => h.scrollIntoView()")
            _shoot(page, out, "quality")

            # Maintenance: failures, MTBF and MTTR per machine from the history.
            page.goto(base + "/maintenance")
            expect(page.get_by_test_id("maint-figures").locator("tbody tr").first).to_be_visible()
            _shoot(page, out, "maintenance")

            # Deliveries at risk: each open order's expected finish, its interval and risk.
            page.goto(base + "/deliveries")
            expect(page.get_by_test_id("delivery-table").locator("tbody tr").first).to_be_visible()
            _shoot(page, out, "deliveries")

            # Inventory: stock on hand by material, moved by the counts (backflush).
            page.goto(base + "/inventory")
            expect(page.get_by_test_id("stock-row").first).to_be_visible()
            _shoot(page, out, "inventory")
            context.close()

            # A phone: the orders list reads as one card per order.
            context = browser.new_context(
                viewport={"width": 390, "height": 844},
                device_scale_factor=2,
                locale="en-US",
                timezone_id="America/New_York",
            )
            page = context.new_page()
            page.goto(base + "/")
            page.get_by_label("Username").fill("manager")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_test_id("menu-button")).to_be_visible()
            page.goto(base + "/orders")
            chips = page.get_by_role("group", name="Filter by status")
            for status in ("Planned", "Released", "In progress"):
                chips.get_by_role("button", name=status, exact=True).click()
            expect(page.get_by_test_id("order-row").first).not_to_contain_text("Completed")
            cards = page.locator("table.table.as-cards").first
            expect(cards).to_be_visible()
            # the cards under the top bar, not the filters above them
            cards.evaluate("t => window.scrollTo(0, t.getBoundingClientRect().top + scrollY - 72)")
            _shoot(page, out, "phone-orders")
            context.close()

            context = browser.new_context(
                viewport=VIEWPORT, locale="en-US", timezone_id="America/New_York"
            )
            page = context.new_page()
            _sign_in(page, base, "planner")
            page.goto(f"{base}/schedule?plan={plan_id}")
            expect(page.get_by_test_id("plan-status")).to_have_text("Published")
            expect(page.get_by_test_id("gantt-row-label")).to_have_count(5)
            expect(page.get_by_test_id("gantt-bar").first).to_be_visible()
            page.get_by_test_id("gantt-bar").nth(3).hover()
            expect(page.get_by_test_id("gantt-tooltip")).to_be_visible()
            _shoot(page, out, "schedule")

            page.goto(base + "/import")
            page.get_by_test_id("import-sheet").select_option("orders")
            page.get_by_test_id("import-locale").select_option("de")
            page.get_by_test_id("import-file").set_input_files(
                {
                    "name": "orders-from-customer.csv",
                    "mimeType": "text/csv",
                    "buffer": IMPORT_WITH_ERRORS.encode(),
                }
            )
            expect(page.get_by_test_id("import-errors").locator("li")).to_have_count(3)
            _shoot(page, out, "import")
            context.close()

            context = browser.new_context(
                viewport=VIEWPORT, locale="en-US", timezone_id="America/New_York"
            )
            page = context.new_page()
            _sign_in(page, base, "admin")
            page.goto(base + "/admin/audit")
            expect(page.get_by_test_id("audit-row").first).to_be_visible()
            page.get_by_role("button", name="Verify chain").click()
            expect(page.get_by_test_id("verify-result")).to_contain_text("Intact")
            _shoot(page, out, "audit")

            # The floor last: by now the live feed has moved some machines on from the
            # changeovers every line starts with.
            page.goto(base + "/floor")
            expect(page.get_by_test_id("live-status")).to_have_text("Live")
            expect(page.get_by_test_id("line-panel")).to_have_count(5)
            expect(page.locator(".tile.state-producing").first).to_be_visible()
            _shoot(page, out, "floor")
        finally:
            browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--history-days", type=int, default=7)
    parser.add_argument("--out", type=Path, default=REPO / "docs")
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="linewise-screenshots-"))
    port = free_port()
    env = {
        **os.environ,
        "LINEWISE_DATABASE_URL": f"sqlite:///{workdir / 'demo.db'}",
        "LINEWISE_PORT": str(port),
        "LINEWISE_AUDIT_CHECKPOINT": str(workdir / "audit-checkpoint.json"),
    }
    cli = [sys.executable, "-m", "linewise.cli.main", "demo"]
    started = time.monotonic()
    subprocess.run([*cli, "--history-days", str(args.history_days)], env=env, check=True)
    print(
        f"demo factory with {args.history_days} days of history: {time.monotonic() - started:.0f} s"
    )
    server = subprocess.Popen([*cli, "--serve", "--live"], env=env, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_up(base, server)
        plan_id = _publish_a_plan(base)
        _photograph(base, args.chromium, args.out, plan_id)
    finally:
        server.terminate()
        server.wait(30)


if __name__ == "__main__":
    main()
