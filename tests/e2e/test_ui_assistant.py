"""The assistant in a real browser: the "Ask" panel of the office shell and the question
box of the operator terminal, against the demo factory (its orders, an order running on
SMT-1 and the demo floor's machine counts).

A planner asks on the orders page which stage an order is in and follows the answer's
link to the order; asks a KPI figure and then "and yesterday?" (the follow-up keeps the
question, the window moves a day back); names a machine that does not exist and gets an
abstention; sees refusals and a lost connection in words; the conversation survives
moving between pages. The panel fits a phone. An operator asks from the terminal.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from tests.e2e.test_ui_floor import (
    Server,
    _admin,
    _demo_events,
    _device_key,
    _ingest,
    _new_browser_page,
    _sign_in_ui,
    _start_smt_orders,
)
from tests.e2e.test_ui_orders import _ok

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("engine", ["sqlite"], indirect=True),
]

REPO = Path(__file__).resolve().parents[2]
SCREENSHOT = REPO / "docs" / "screenshot-assistant.png"
# `LINEWISE_UPDATE_SCREENSHOTS=1 pytest tests/e2e/test_ui_assistant.py` refreshes the docs image.
UPDATE_SCREENSHOTS = os.environ.get("LINEWISE_UPDATE_SCREENSHOTS", "") not in ("", "0")

# A day as the answers' windows print it ("Tue 08 Dec").
_DAY = re.compile(
    r"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (\d\d) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b"
)


def _demo(server: Server, db: Session) -> dict[str, Any]:
    """The demo factory with an order running on SMT-1 and today's machine counts;
    returns the running order (as the API lists it) and the demo password."""
    from linewise.demo.factory import build_factory
    from linewise.demo.load import DEMO_PASSWORD, load_factory

    load_factory(db, build_factory(orders=40, seed=7))
    db.commit()
    with _admin(server.base, DEMO_PASSWORD) as c:
        # _start_smt_orders puts the first released order (by due date) on SMT-1.
        released = _ok(c.get("/orders", params={"status": "released", "sort": "due_date"}))
    _start_smt_orders(server.base, DEMO_PASSWORD)
    _ingest(server.base, _device_key(server.base, DEMO_PASSWORD), _demo_events())
    return {"order": released["items"][0], "password": DEMO_PASSWORD}


def _api_get(base: str, password: str, source: str) -> dict[str, Any]:
    """Read an answer's source ("GET /api/v1/...") as the manager."""
    method, _, path = source.partition(" ")
    assert method == "GET" and path.startswith("/api/v1/"), source
    with _admin(base, password) as c:
        return _ok(c.get(path.removeprefix("/api/v1")))


def _day_of(window: str) -> datetime:
    m = _DAY.search(window)
    assert m, f"no day in the window {window!r}"
    # The windows carry no year; any leap year reads 29 Feb.
    return datetime.strptime(f"2024 {m.group(1)} {m.group(2)}", "%Y %d %b")


def test_planner_asks_follows_up_and_reads_the_answer_s_page(
    server: Server, db: Session, chromium_path: str, tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    demo = _demo(server, db)
    number = demo["order"]["number"]
    base = server.base
    with sync_playwright() as pw:
        browser, page = _new_browser_page(pw, chromium_path, {"width": 1280, "height": 800})
        try:
            _sign_in_ui(page, base, "planner", demo["password"])
            expect(page.get_by_role("heading", name="Orders")).to_be_visible()

            # The header's button opens the panel: examples while it is empty.
            page.get_by_test_id("ask-button").click()
            panel = page.get_by_role("dialog", name="Ask Linewise")
            expect(panel).to_be_visible()
            examples = panel.get_by_role("group", name="Example questions")
            expect(examples.get_by_role("button")).to_have_count(3)
            box = panel.get_by_label("Your question")
            expect(box).to_be_focused()

            # An order's stage; Enter sends, the box waits for the answer.
            box.fill(f"Which stage is order {number} in?")
            box.press("Enter")
            answers = panel.get_by_test_id("assistant-answer")
            expect(answers).to_have_count(1)
            first = answers.nth(0)
            expect(first).to_have_attribute("data-abstained", "false")
            words = first.get_by_test_id("assistant-text")
            expect(words).to_contain_text(f"{number} is in stage 1 of")
            expect(first.get_by_test_id("assistant-text")).to_contain_text("SMT-1")
            expect(first.get_by_test_id("assistant-source")).to_contain_text(
                f"GET /api/v1/orders/by-number/{number}"
            )
            expect(box).to_be_enabled()
            expect(box).to_be_focused()

            # Its link is the order's page, in the app (the panel and conversation stay).
            first.get_by_role("link", name="Open the page that explains it").click()
            expect(page).to_have_url(f"{base}/orders/{number}")
            expect(page.get_by_role("heading", name=number)).to_be_visible()
            expect(panel.get_by_test_id("assistant-question")).to_have_count(1)

            # A KPI figure: the number in the words is the KPI route's (its source).
            box.fill("How many good units did SMT line 1 make today?")
            box.press("Enter")
            expect(answers).to_have_count(2)
            kpi = answers.nth(1)
            expect(kpi).to_have_attribute("data-abstained", "false")
            expect(kpi.get_by_test_id("assistant-text")).to_contain_text("SMT-1 made")
            expect(kpi.get_by_test_id("assistant-window")).to_contain_text("Europe/Berlin")
            source = kpi.get_by_test_id("assistant-source").inner_text().removeprefix("Source: ")
            assert source.startswith("GET /api/v1/kpi/line/"), source
            good = _api_get(base, demo["password"], source)["counts"]["GQ"]
            made = f"made {good:,.0f} good units"
            expect(kpi.get_by_test_id("assistant-text")).to_contain_text(made)
            today = _day_of(kpi.get_by_test_id("assistant-window").inner_text())

            # "and yesterday?": the same question, the previous day.
            box.fill("and yesterday?")
            box.press("Enter")
            expect(answers).to_have_count(3)
            follow = answers.nth(2)
            expect(follow).to_have_attribute("data-abstained", "false")
            expect(follow.get_by_test_id("assistant-text")).to_contain_text("SMT-1 made")
            expect(follow.get_by_test_id("assistant-window")).to_contain_text("Europe/Berlin")
            yesterday = _day_of(follow.get_by_test_id("assistant-window").inner_text())
            assert today - yesterday == timedelta(days=1), (today, yesterday)

            # A machine that does not exist: an abstention, styled as one, that names it.
            box.fill("What is the OEE of machine PNP-99 today?")
            box.press("Enter")
            expect(answers).to_have_count(4)
            unknown = answers.nth(3)
            expect(unknown).to_have_attribute("data-abstained", "true")
            expect(unknown).to_have_class(re.compile(r"\bassistant-abstained\b"))
            expect(unknown.get_by_test_id("assistant-text")).to_contain_text("PNP-99")
            expect(unknown.get_by_test_id("assistant-link")).to_have_count(0)
            shot = tmp_path / "screenshot-assistant.png"
            page.screenshot(path=str(shot))
            if UPDATE_SCREENSHOTS:
                shutil.copyfile(shot, SCREENSHOT)

            # The third question of the brief: delays of this week's orders, by stage.
            box.fill("Which stage is causing delays for this week's plan?")
            box.press("Enter")
            expect(answers).to_have_count(5)
            delays = answers.nth(4)
            expect(delays).to_have_attribute("data-abstained", "false")
            expect(delays.get_by_test_id("assistant-text")).to_contain_text("week")
            expect(delays.get_by_test_id("assistant-source")).to_contain_text(
                "/api/v1/delivery/attribution"
            )

            # Refusals (problem+json) and a lost connection are said in words.
            page.route(
                "**/api/v1/assistant/ask",
                lambda route: route.fulfill(
                    status=422,
                    content_type="application/problem+json",
                    body=json.dumps(
                        {"title": "Invalid input", "status": 422, "detail": "too long"}
                    ),
                ),
            )
            box.fill("Is it late?")
            box.press("Enter")
            errors = panel.get_by_test_id("assistant-error")
            expect(errors).to_have_count(1)
            expect(errors.nth(0)).to_have_text("The question was refused: too long")
            page.unroute("**/api/v1/assistant/ask")
            page.context.set_offline(True)
            box.fill("Is it late?")
            box.press("Enter")
            expect(errors).to_have_count(2)
            expect(errors.nth(1)).to_contain_text("Cannot reach the server")
            page.context.set_offline(False)

            # The conversation stays while the planner moves on, closed and opened again.
            page.get_by_role("link", name="Schedule").click()
            expect(page).to_have_url(f"{base}/schedule")
            panel.get_by_role("button", name="Close").click()
            expect(panel).to_have_count(0)
            page.get_by_test_id("ask-button").click()
            expect(panel.get_by_test_id("assistant-question")).to_have_count(7)
            panel.get_by_role("button", name="New conversation").click()
            expect(panel.get_by_test_id("assistant-question")).to_have_count(0)
            expect(panel.get_by_role("group", name="Example questions")).to_be_visible()
        finally:
            browser.close()


def test_the_panel_is_a_full_screen_sheet_on_a_phone(
    server: Server, db: Session, chromium_path: str, tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    demo = _demo(server, db)
    number = demo["order"]["number"]
    with sync_playwright() as pw:
        browser, page = _new_browser_page(pw, chromium_path, {"width": 390, "height": 844})
        try:
            # (the phone's top bar hides the user's name that _sign_in_ui waits for)
            page.goto(server.base + "/")
            page.get_by_label("Username").fill("planner")
            page.get_by_label("Password").fill(demo["password"])
            page.get_by_role("button", name="Sign in").click()
            expect(page.get_by_test_id("ask-button")).to_be_visible()
            page.goto(f"{server.base}/orders/{number}")
            expect(page.get_by_role("heading", name=number)).to_be_visible()
            page.get_by_test_id("ask-button").click()
            panel = page.get_by_role("dialog", name="Ask Linewise")
            expect(panel).to_be_visible()
            box = panel.bounding_box()
            assert box is not None and (box["x"], box["y"]) == (0, 0)
            assert (box["width"], box["height"]) == (390, 844)
            # On an order's page the first example is about that order.
            panel.get_by_role("button", name=f"Which stage is order {number} in?").click()
            answer = panel.get_by_test_id("assistant-answer")
            expect(answer.get_by_test_id("assistant-text")).to_contain_text(number)
            expect(answer.get_by_test_id("assistant-source")).to_be_visible()
            widths = page.evaluate(
                "() => { const p = document.querySelector('.assistant-panel');"
                " return [document.documentElement.scrollWidth, window.innerWidth,"
                " p.scrollWidth, p.clientWidth]; }"
            )
            assert widths[0] <= widths[1], f"the page scrolls sideways: {widths}"
            assert widths[2] <= widths[3], f"the panel scrolls sideways: {widths}"
            page.screenshot(path=str(tmp_path / "assistant-phone.png"))
            # Following the answer's link on a phone reveals the page (the sheet closes).
            answer.get_by_role("link", name="Open the page that explains it").click()
            expect(panel).to_have_count(0)
            expect(page.get_by_role("heading", name=number)).to_be_visible()
        finally:
            browser.close()


def test_operator_asks_from_the_terminal(
    server: Server, db: Session, chromium_path: str, tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    demo = _demo(server, db)
    number = demo["order"]["number"]
    with sync_playwright() as pw:
        browser, page = _new_browser_page(pw, chromium_path, {"width": 1280, "height": 800})
        try:
            # Signed in as the operator, the terminal opens on their session.
            _sign_in_ui(page, server.base, "operator", demo["password"])
            page.goto(server.base + "/terminal")
            page.get_by_role("button", name="SMT line 1").click()
            expect(page.get_by_test_id(f"stage-{number}-1")).to_be_visible()

            ask = page.get_by_test_id("terminal-ask")
            expect(ask.get_by_role("button", name=f"Is order {number} late?")).to_be_visible()
            box = ask.get_by_label("Your question")
            box.fill(f"Which stage is order {number} in?")
            box.press("Enter")
            answer = ask.get_by_test_id("assistant-answer")
            expect(answer).to_have_attribute("data-abstained", "false")
            words = answer.get_by_test_id("assistant-text")
            expect(words).to_contain_text(f"{number} is in stage 1 of")
            # No office links at the terminal; the source is shown.
            expect(answer.get_by_role("link")).to_have_count(0)
            expect(answer.get_by_test_id("assistant-source")).to_contain_text(number)
            # "and yesterday?" at the terminal too: the line's count, a day back.
            box.fill("How many good units did SMT line 1 make today?")
            box.press("Enter")
            box.fill("and yesterday?")
            box.press("Enter")
            answers = ask.get_by_test_id("assistant-answer")
            expect(answers).to_have_count(3)
            expect(answers.nth(2).get_by_test_id("assistant-text")).to_contain_text("SMT-1 made")
            today = _day_of(answers.nth(1).get_by_test_id("assistant-window").inner_text())
            yesterday = _day_of(answers.nth(2).get_by_test_id("assistant-window").inner_text())
            assert today - yesterday == timedelta(days=1), (today, yesterday)
            page.screenshot(path=str(tmp_path / "assistant-terminal.png"), full_page=True)
        finally:
            browser.close()
