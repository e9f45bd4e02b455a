"""Alert routing in the browser: a supervisor turns on the beep for critical alerts and
hears one (counted: WebAudio makes no sound a test could hear), shelves an alert with a
comment, silences a rule and reads the ISA-18.2 figures; a manager writes a rule of a
new kind with a target, its escalation chain and a chat webhook."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from linewise.config import Settings
from linewise.core.db import make_session_factory, session_scope
from linewise.core.time import utcnow
from linewise.domains.alerts import service
from linewise.domains.alerts.models import Alert, AlertRule
from linewise.ingest.models import StateInterval
from tests.conftest import PASSWORD, World, with_job_workers
from tests.e2e.test_ui_floor import (
    Server,
    _new_browser_page,
    _sign_in_ui,
)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The server's workers send the in-app notice (the live message that beeps)."""
    return with_job_workers(settings)


pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("engine", ["sqlite"], indirect=True),
]


def test_supervisor_beeps_shelves_silences_and_reads_figures(
    server: Server,
    world: World,
    chromium_path: str,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    machine = world.machine_ids["SMT-1-PNP1"]
    with session_scope(make_session_factory(server.engine)) as db:
        db.add(
            AlertRule(name="Placer down", kind="machine_down", severity="critical",
                      scope_kind="site", threshold_minutes=10, enabled=True)
        )  # fmt: skip
    with sync_playwright() as pw:
        browser, page = _new_browser_page(pw, chromium_path, {"width": 1366, "height": 900})
        try:
            _sign_in_ui(page, server.base, "supervisor", PASSWORD)
            page.get_by_role("navigation", name="Main").get_by_role("link", name="Alerts").click()
            prefs = page.get_by_test_id("alert-preferences")
            prefs.get_by_label("Beep for critical alerts").check()
            prefs.get_by_label("SMT").check()
            prefs.get_by_role("button", name="Save preferences").click()
            expect(prefs.get_by_test_id("prefs-saved")).to_be_visible()

            # The machine goes down only now: an alert raised before the beep was switched
            # on would (rightly) not beep, and the server evaluates its rules on its own.
            with session_scope(make_session_factory(server.engine)) as db:
                db.add(
                    StateInterval(
                        machine_id=machine, start=utcnow() - timedelta(minutes=15), state="down"
                    )
                )
            with session_scope(make_session_factory(server.engine)) as db:
                # The server's own periodic evaluation may have raised it first.
                service.evaluate(db, [])
            with session_scope(make_session_factory(server.engine)) as db:
                [alert_id] = db.scalars(select(Alert.id)).all()
            row = page.get_by_test_id(f"alert-{alert_id}")
            expect(row).to_contain_text("Pick&place 1 down longer than 10 min")
            page.wait_for_function("() => (window.__linewiseBeeps ?? 0) >= 1")

            # Shelve with a comment: out of the badge, marked on the row.
            expect(page.get_by_test_id("alerts-badge")).to_have_text("1")
            row.get_by_label("Comment").fill("Known, part on order")
            row.get_by_label("Shelve for").select_option("240")
            row.get_by_role("button", name="Shelve").click()
            expect(row.get_by_test_id("alert-suppressed")).to_contain_text("Shelved")
            expect(row.get_by_test_id("alert-suppressed")).to_contain_text("Known, part on order")
            expect(page.get_by_test_id("alerts-badge")).to_have_count(0)
            row.get_by_role("button", name="Unshelve").click()
            expect(row.get_by_test_id("alert-suppressed")).to_have_count(0)

            # Silence the rule for an hour.
            silences = page.get_by_test_id("alert-silences")
            form = silences.get_by_role("form", name="New silence")
            form.get_by_label("Rule").select_option(label="Placer down")
            form.get_by_label("Comment").fill("Oven maintenance")
            form.get_by_role("button", name="Silence").click()
            expect(silences.locator("tbody tr")).to_contain_text("Rule: Placer down")
            page.reload()
            expect(
                page.get_by_test_id(f"alert-{alert_id}").get_by_test_id("alert-suppressed")
            ).to_contain_text("Silenced")
            silences.get_by_role("button", name="Expire now").click()
            expect(silences).to_contain_text("No active silences.")

            figures = page.get_by_test_id("alert-figures")
            expect(figures.get_by_test_id("fig-total")).to_have_text("1")
            expect(figures.get_by_test_id("fig-top10")).to_have_text("100.0 %")
            expect(figures.get_by_role("img", name="Alerts per 10 minutes")).to_be_visible()
            # No webhooks for a supervisor: the panel is not there.
            expect(page.get_by_test_id("alert-webhooks")).to_have_count(0)
        finally:
            browser.close()


def test_manager_writes_a_target_rule_its_escalation_and_a_chat_webhook(
    server: Server,
    world: World,
    chromium_path: str,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser, page = _new_browser_page(pw, chromium_path, {"width": 1366, "height": 900})
        try:
            _sign_in_ui(page, server.base, "manager", PASSWORD)
            page.get_by_role("navigation", name="Main").get_by_role("link", name="Alerts").click()
            rules = page.get_by_test_id("alert-rules")
            rules.get_by_role("button", name="New rule").click()
            form = page.get_by_role("form", name="Alert rule")
            form.get_by_label("Name").fill("Availability low")
            form.get_by_label("Condition").select_option("availability_below")
            form.get_by_label("Minutes (N)").fill("60")
            form.get_by_role("button", name="Save rule").click()
            expect(form).to_contain_text("target")  # refused: the kind needs a target
            form.get_by_label("Target", exact=True).fill("80")
            form.get_by_role("button", name="Save rule").click()
            row = rules.locator("tbody tr").filter(has_text="Availability low")
            expect(row).to_contain_text("Availability below target % this shift")
            expect(row).to_contain_text("target 80")

            row.get_by_role("button", name="Escalation").click()
            chain = page.get_by_role("form", name="Escalation chain")
            chain.get_by_role("button", name="Add step").click()
            chain.get_by_label("User").fill("supervisor")
            chain.get_by_role("button", name="Save chain").click()
            expect(chain).to_have_count(0)
            row.get_by_role("button", name="Escalation").click()
            expect(chain.get_by_label("User")).to_have_value("supervisor")
            expect(chain.get_by_label("After minutes")).to_have_value("15")
            chain.get_by_role("button", name="Cancel").click()
            # A severity's chain, for rules without their own.
            rules.get_by_role("button", name="Critical", exact=True).click()
            expect(chain).to_contain_text("Escalation chain of every Critical alert")
            chain.get_by_role("button", name="Add step").click()
            chain.get_by_label("User").fill("admin")
            chain.get_by_role("button", name="Save chain").click()
            expect(chain).to_have_count(0)
            rules.get_by_role("button", name="Critical", exact=True).click()
            expect(chain.get_by_label("User")).to_have_value("admin")
            chain.get_by_role("button", name="Cancel").click()

            hooks = page.get_by_test_id("alert-webhooks")
            hooks.get_by_role("button", name="New webhook").click()
            hook = page.get_by_role("form", name="Webhook")
            hook.get_by_label("Name", exact=True).fill("Shift chat")
            hook.get_by_label("Kind", exact=True).select_option("chat")
            hook.get_by_label("URL", exact=True).fill("https://chat.plant.test/hook")
            hook.get_by_label("Signing secret").fill("s3cret")
            hook.get_by_role("button", name="Save webhook").click()
            saved = hooks.locator("tbody tr").filter(has_text="Shift chat")
            expect(saved).to_contain_text("Chat")
            expect(saved).to_contain_text("{{subject}}")
        finally:
            browser.close()


def test_in_a_flood_the_first_alert_to_fire_is_listed_first(
    server: Server,
    world: World,
    chromium_path: str,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    from linewise.domains.alerts.models import Alert

    now = utcnow()
    # The rule is off: the server evaluates enabled rules on its own schedule and would
    # resolve these made-up alerts, whose machine is not down, while the page loads.
    with session_scope(make_session_factory(server.engine)) as db:
        rule = AlertRule(name="Flood", kind="machine_down", severity="high",
                         scope_kind="site", threshold_minutes=1, enabled=False)  # fmt: skip
        db.add(rule)
        db.flush()
        for i in range(12):  # the first fired 6 minutes ago, the last just now
            db.add(
                Alert(rule_id=rule.id, machine_id=world.machine_ids["SMT-1-PNP1"],
                      area_id=world.area_ids["SMT"], severity="high", state="firing",
                      open_key=f"flood:{i}", message=f"flood {i}", subject_name="",
                      fired_at=now - timedelta(seconds=360 - 30 * i))
            )  # fmt: skip
    with sync_playwright() as pw:
        browser, page = _new_browser_page(pw, chromium_path, {"width": 1366, "height": 900})
        try:
            _sign_in_ui(page, server.base, "supervisor", PASSWORD)
            page.get_by_role("navigation", name="Main").get_by_role("link", name="Alerts").click()
            expect(page.get_by_test_id("alerts-flood")).to_be_visible()
            rows = page.get_by_test_id("alerts").locator("tbody tr")
            expect(rows).to_have_count(12)
            first_id = rows.first.get_attribute("data-testid")
            last_id = rows.last.get_attribute("data-testid")
            assert first_id is not None and last_id is not None
            assert int(first_id.split("-")[1]) < int(last_id.split("-")[1])  # oldest first
            expect(
                page.get_by_test_id("alert-figures").get_by_test_id("flood-banner")
            ).to_be_visible()
        finally:
            browser.close()
