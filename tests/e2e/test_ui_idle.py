"""The Idle time page in the browser: a supervisor finds it in the navigation, sees a
down machine's idle minutes as a bar by cause (site time zone labelled), its idle risk,
the idle risk of an operator clocked in without a station, and a suggestion to send an
operator, which one tap puts on the allocation board (refused in words while the machine
is down); a planner sees Accept disabled with the reason; an operator has no such page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from linewise.core.db import make_session_factory, session_scope
from linewise.core.time import utcnow
from linewise.domains.equipment.models import Area
from linewise.domains.idle import service
from linewise.domains.labour import service as labour
from linewise.domains.labour.models import ClockEntry
from linewise.domains.labour.shifts import current_and_next
from linewise.domains.people.models import Operator
from linewise.ingest.models import StateInterval
from tests.conftest import PASSWORD, World
from tests.e2e.test_ui_floor import (
    Server,
    _new_browser_page,
    _sign_in_ui,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("engine", ["sqlite"], indirect=True),
]


def test_idle_page_shows_minutes_by_cause_risk_and_a_suggestion(
    server: Server,
    world: World,
    chromium_path: str,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    now = utcnow()
    with session_scope(make_session_factory(server.engine)) as db:
        db.add(
            StateInterval(
                machine_id=world.machine_ids["SMT-1-PNP1"],
                start=now - timedelta(minutes=20),
                state="down",
                reason="pnp_fault",
            )
        )
        db.add(
            StateInterval(
                machine_id=world.machine_ids["TEST-1-ICT"],
                start=now - timedelta(minutes=20),
                state="producing",
            )
        )
        smt = db.get(Area, world.area_ids["SMT"])
        grace = Operator(code="OP-7", name="Grace", skills=["smt_operator"], areas=[smt])
        db.add(grace)
        db.flush()
        # clocked in half an hour ago, on no station yet
        db.add(ClockEntry(operator_id=grace.id, clock_in=now - timedelta(minutes=30)))
    with session_scope(make_session_factory(server.engine)) as db:
        service.refresh(db, now)
    with sync_playwright() as pw:
        browser, page = _new_browser_page(pw, chromium_path, {"width": 1366, "height": 900})
        try:
            _sign_in_ui(page, server.base, "supervisor", PASSWORD)
            page.get_by_role("navigation", name="Main").get_by_role(
                "link", name="Idle time"
            ).click()
            expect(page.get_by_role("heading", name="Idle time", exact=True)).to_be_visible()
            expect(page.get_by_test_id("time-zone")).to_contain_text("Europe/Berlin")
            bar = page.locator('[data-testid="idle-bar"][data-machine="SMT-1-PNP1"]')
            expect(bar).to_have_count(1)
            expect(bar.locator('rect[data-cause="machine_down"]')).to_have_count(1)
            minutes = float(bar.get_attribute("data-minutes") or 0)
            assert 19 <= minutes <= 30
            # the supervisor's areas are SMT only: the test line is not shown
            expect(
                page.locator('[data-testid="idle-bar"][data-machine="TEST-1-ICT"]')
            ).to_have_count(0)
            risk = page.locator('[data-testid="risk-table"] tr[data-machine="SMT-1-PNP1"]')
            expect(risk).to_be_visible()
            person = page.locator('[data-testid="operator-risk-table"] tr[data-operator="OP-7"]')
            expect(person).to_contain_text("Idle: No assignment")
            suggestion = page.locator('[data-testid="suggestion-table"] tr[data-operator="OP-7"]')
            expect(suggestion).to_contain_text("SMT-1")
            accept = suggestion.get_by_role("button", name="Accept")
            expect(accept).to_be_enabled()
            page.get_by_test_id("idle-period").select_option("this-week")
            expect(page.get_by_test_id("idle-window")).to_be_visible()
            expect(bar).to_have_count(1)
            # in German: the page, its causes and the machine state
            page.get_by_test_id("locale-switch").select_option("de")
            expect(page.get_by_role("heading", name="Leerlaufzeit", exact=True)).to_be_visible()
            expect(page.get_by_test_id("time-zone")).to_contain_text("Europe/Berlin")
            expect(page.get_by_text("Maschine gestört").first).to_be_visible()
            expect(risk).to_contain_text("Störung")
            expect(person).to_contain_text("Untätig: Keine Zuordnung")
            page.get_by_test_id("locale-switch").select_option("en")
            # the line's machine is down: the board refuses the move, in words
            accept.click()
            expect(page.get_by_text("Pick&place 1 is down now", exact=True)).to_be_visible()
            with session_scope(make_session_factory(server.engine)) as db:
                assert labour.board_assignments(db, world.site_id, _shift_key(db, world))[0] == 0
                # repaired, now waiting for someone: accepting puts Grace there
                for iv in db.query(StateInterval).filter(StateInterval.end.is_(None)):
                    iv.end = utcnow()
                db.add(
                    StateInterval(
                        machine_id=world.machine_ids["SMT-1-PNP1"],
                        start=utcnow(),
                        state="idle",
                        reason="no_assignment",
                    )
                )
            with session_scope(make_session_factory(server.engine)) as db:
                service.refresh(db, utcnow())
            page.reload()
            accept.click()
            expect(page.get_by_test_id("accepted")).to_contain_text("OP-7 is now on SMT-1")
            expect(suggestion).to_have_count(0)
            with session_scope(make_session_factory(server.engine)) as db:
                version, board = labour.board_assignments(db, world.site_id, _shift_key(db, world))
                ops = {o.code: o.id for o in db.query(Operator)}
            assert version == 1
            assert board == [
                {"operator_id": ops["OP-7"], "line_id": world.line_ids["SMT-1"], "machine_id": None}
            ]
        finally:
            browser.close()
        browser, page = _new_browser_page(pw, chromium_path, {"width": 1366, "height": 900})
        try:
            with session_scope(make_session_factory(server.engine)) as db:
                tst = db.get(Area, world.area_ids["TEST"])
                db.add(Operator(code="OP-8", name="Hal", skills=["test_technician"], areas=[tst]))
                for iv in db.query(StateInterval).filter(StateInterval.end.is_(None)):
                    iv.end = utcnow()
                db.add(
                    StateInterval(
                        machine_id=world.machine_ids["TEST-1-ICT"],
                        start=utcnow(),
                        state="idle",
                        reason="no_assignment",
                    )
                )
            with session_scope(make_session_factory(server.engine)) as db:
                service.refresh(db, utcnow())
            _sign_in_ui(page, server.base, "planner", PASSWORD)
            page.goto(f"{server.base}/idle")
            row = page.locator('[data-testid="suggestion-table"] tr[data-operator="OP-8"]')
            button = row.get_by_role("button", name="Accept")
            expect(button).to_be_disabled()
            expect(button).to_have_attribute("title", "Not available to your role (Planner).")
        finally:
            browser.close()
        browser, page = _new_browser_page(pw, chromium_path, {"width": 1366, "height": 900})
        try:
            _sign_in_ui(page, server.base, "operator", PASSWORD)
            nav = page.get_by_role("navigation", name="Main")
            expect(nav.get_by_role("link", name="Orders")).to_be_visible()
            expect(nav.get_by_role("link", name="Idle time")).to_have_count(0)
        finally:
            browser.close()


def _shift_key(db: Session, world: World) -> str:
    return current_and_next(db, world.site_id, utcnow())[0].key
