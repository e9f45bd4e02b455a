"""The Maintenance page in the browser: a supervisor schedules a generated preventive
order into a maintenance window, works its checklist, books labour and closes it; the
figures count it as done on time; a photo is added to the order; a plan is added through
the form; an operator reports a problem; the machine's signals are charted; telemetry
posted to the ingest API gives a stored early warning that becomes an order in one tap;
baselines train as a job; a planner goes back to an older baseline or switches it off."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest
from sqlalchemy.orm import Session

from linewise.analytics.anomaly import machine_state, primed
from linewise.core.db import make_session_factory
from linewise.core.time import utcnow
from linewise.domains.accounts.models import ApiKeyScope
from linewise.domains.accounts.service import create_api_key
from linewise.domains.maintenance import service, training
from linewise.domains.maintenance.models import (
    AnomalyModel,
    AnomalyModelStatus,
    DetectorState,
    MaintenanceKind,
    MaintenancePlan,
    MaintenanceStatus,
)
from linewise.server.jobs import make_worker
from tests.conftest import PASSWORD, World
from tests.e2e.test_ui_floor import (
    Server,
    _new_browser_page,
    _sign_in_ui,
)

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(40))

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("engine", ["sqlite"], indirect=True),
]


def _seed(db: Session, world: World) -> None:
    pnp = world.machine_ids["SMT-1-PNP1"]
    now = utcnow()
    plan = MaintenancePlan(
        name="Nozzle clean",
        machine_id=pnp,
        trigger="time",
        interval_days=7,
        lead_days=2,
        tolerance_days=1,
        duration_min=60,
        checklist=["Clean nozzles", "Check vacuum"],
        created_at=now - timedelta(days=6),
    )
    db.add(plan)
    db.commit()
    assert service.generate(db, now, 30).preventive == 1
    db.commit()


def _post_telemetry(base: str, db: Session) -> None:
    """A day to learn from, then the vacuum drops: through the real ingest API, so the
    live detector stores the warning."""
    _key, token = create_api_key(db, name="gateway", scope=ApiKeyScope.DEVICE, role=None)
    db.commit()
    now = utcnow()
    events = [
        {
            "id": f"t{i}",
            "ts": (now - timedelta(minutes=1500 - i)).isoformat(),
            "machine": "SMT-1-PNP1",
            "type": "telemetry",
            # A repeating pattern, then the vacuum drops (an early warning).
            "signals": {
                "vacuum_kpa": 80.0 - (i % 7) if i < 1490 else 50.0,
                "head_temp_c": 40.0 + (i % 5),
            },
            "units": {"vacuum_kpa": "kPa", "head_temp_c": "°C"},
        }
        for i in range(1500)
    ]
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as c:
        for k in range(0, len(events), 500):
            r = c.post("/api/v1/ingest", json=events[k : k + 500], timeout=60)
            assert r.status_code == 200 and r.json()["rejected"] == [], r.text


def test_a_supervisor_works_a_preventive_order_end_to_end(
    server: Server,
    world: World,
    db: Session,
    chromium_path: str,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    _seed(db, world)
    _post_telemetry(server.base, db)
    with sync_playwright() as pw:
        browser, page = _new_browser_page(pw, chromium_path, {"width": 1366, "height": 900})
        try:
            _sign_in_ui(page, server.base, "supervisor", PASSWORD)
            nav = page.get_by_role("navigation", name="Main")
            nav.get_by_role("link", name="Maintenance").click()
            expect(page.get_by_role("heading", name="Maintenance", exact=True)).to_be_visible()
            expect(page.get_by_test_id("time-zone")).to_contain_text("Europe/Berlin")
            orders = page.get_by_test_id("maint-orders")
            row = orders.locator("tr[data-status='planned']")
            expect(row).to_contain_text("Nozzle clean")
            expect(row).to_contain_text("SMT-1-PNP1")
            row.get_by_role("button", name="Open").click()
            detail = page.get_by_test_id("maint-order-detail")
            when = (utcnow() + timedelta(days=1)).strftime("%Y-%m-%dT08:00")
            detail.get_by_test_id("schedule-at").fill(when)
            detail.get_by_role("button", name="Schedule").click()
            expect(detail).to_have_attribute("data-status", "scheduled")
            expect(orders.locator("tr[data-status='scheduled']")).to_contain_text("08:00 to")
            detail.get_by_role("button", name="Start").click()
            expect(detail).to_have_attribute("data-status", "in_progress")
            # Closing with an open checklist step is refused with the reason.
            detail.get_by_role("button", name="Done").click()
            expect(page.get_by_role("alert")).to_contain_text("no result yet")
            steps = detail.get_by_test_id("maint-steps")
            steps.locator("li[data-step='1']").get_by_role("button", name="OK", exact=True).click()
            expect(steps.locator("li[data-step='1']")).to_have_attribute("data-result", "ok")
            steps.locator("li[data-step='2']").get_by_role("button", name="Not OK").click()
            expect(steps.locator("li[data-step='2']")).to_have_attribute("data-result", "not_ok")
            detail.get_by_test_id("labour-who").fill("Kim")
            detail.get_by_test_id("labour-minutes").fill("45")
            detail.get_by_role("button", name="Book labour").click()
            expect(detail.get_by_test_id("maint-labour")).to_contain_text("45 min booked")
            # A photo on the order, stored in the documents' store.
            photo = {"name": "worn.png", "mimeType": "image/png", "buffer": PNG}
            detail.get_by_test_id("maint-file").set_input_files(photo)
            stored = detail.get_by_test_id("maint-files").locator("li")
            expect(stored).to_have_count(1)
            expect(stored).to_have_attribute("data-type", "image/png")
            expect(stored).to_contain_text("worn.png")
            detail.get_by_role("button", name="Done").click()
            expect(detail).to_have_attribute("data-status", "done")
            expect(page.get_by_text("No maintenance orders.")).to_be_visible()
            total = page.get_by_test_id("maint-figures").locator("tr[data-machine='total']")
            expect(total).to_contain_text("100")  # compliance 100 %

            # A new plan through the form.
            form = page.get_by_test_id("plan-form")
            form.get_by_test_id("plan-name").fill("Feeder check")
            form.get_by_test_id("plan-target").select_option(label="every pnp")
            form.get_by_test_id("plan-trigger").select_option("usage")
            form.get_by_test_id("plan-every").fill("500000")
            form.get_by_role("button", name="Save plan").click()
            plans = page.get_by_test_id("maint-plans")
            expect(plans).to_contain_text("Feeder check")
            expect(plans).to_contain_text("every pnp")

            # The machine's signals, downsampled.
            chart = page.locator("[data-testid='telemetry-chart'][data-signal='vacuum_kpa']")
            expect(chart).to_be_visible()
            expect(page.get_by_test_id("signal-samples")).to_contain_text(
                re.compile(r"1,4\d\d samples")
            )
            expect(page.get_by_text("vacuum_kpa (kPa)")).to_be_visible()
            # The live detector's stored warning names the signal, on the page and in
            # the machine's view; one tap makes it an order.
            everywhere = page.get_by_test_id("maint-warnings-all").get_by_test_id("warning-row")
            expect(everywhere).to_have_count(1)
            expect(everywhere).to_contain_text("SMT-1-PNP1")
            warning = page.get_by_test_id("maint-warnings").get_by_test_id("warning-row")
            expect(warning).to_have_count(1)
            expect(warning).to_have_attribute("data-signals", "vacuum_kpa")
            expect(warning).to_have_attribute("data-status", "open")
            warning.get_by_role("button", name="Create order").click()
            expect(page.get_by_test_id("maint-notice")).to_contain_text("Order created")
            expect(orders.locator("tr[data-status='planned']")).to_contain_text(
                "Warning: vacuum_kpa"
            )
            expect(warning).to_have_attribute("data-status", "acknowledged")
            expect(warning).to_contain_text("Order #")
            expect(warning.get_by_role("button", name="Create order")).to_have_count(0)
            # Resolving closes the episode; resolved warnings are hidden unless asked for.
            warning.get_by_role("button", name="Resolve").click()
            expect(warning).to_have_count(0)

            # Baselines train as a background job; a day of history is not enough to
            # train and hold out, and the screen says so.
            baselines = page.get_by_test_id("maint-models")
            expect(baselines).to_contain_text("No baseline trained yet")
            baselines.get_by_role("button", name="Train baselines now").click()
            expect(page.get_by_test_id("maint-notice")).to_contain_text("background job #")
            worker = make_worker(server.settings, make_session_factory(server.engine), 1)
            assert worker.run_once() == 1
            baselines.get_by_role("button", name="Refresh").click()
            row = baselines.locator("tr[data-testid='model-row']").filter(has_text="SMT-1-PNP1")
            expect(row).to_have_attribute("data-status", "insufficient")
            expect(row).to_contain_text("Not enough history: 1,500 samples")
        finally:
            browser.close()


def test_an_operator_sees_a_machine_in_maintenance_and_reports_a_problem(
    server: Server,
    world: World,
    db: Session,
    chromium_path: str,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    pnp = world.machine_ids["SMT-1-PNP1"]
    order = service.create_order(
        db, machine_id=pnp, kind=MaintenanceKind.PREVENTIVE, title="PM", created_by="test"
    )
    service.transition(db, order, MaintenanceStatus.IN_PROGRESS)
    db.commit()
    with sync_playwright() as pw:
        browser, page = _new_browser_page(pw, chromium_path, {"width": 1366, "height": 900})
        try:
            _sign_in_ui(page, server.base, "operator", PASSWORD)
            # The floor marks the machine whose maintenance is under way.
            page.goto(server.base + "/floor")
            tile = page.locator("[data-testid='machine-tile'][data-machine='SMT-1-PNP1']")
            expect(tile.get_by_test_id("machine-maintenance")).to_have_text("In maintenance")
            page.goto(server.base + "/maintenance")
            expect(page.get_by_role("heading", name="Maintenance", exact=True)).to_be_visible()
            expect(page.get_by_test_id("plan-form")).to_have_count(0)
            expect(page.get_by_test_id("generate-now")).to_have_count(0)
            page.get_by_test_id("problem-machine").select_option(label="SMT-1-PNP1")
            page.get_by_test_id("problem-title").fill("Noise at head 2")
            page.get_by_role("button", name="Report a problem").click()
            row = page.get_by_test_id("maint-orders").locator("tr[data-status='planned']")
            expect(row).to_have_count(1)
            expect(row).to_contain_text("Noise at head 2")
            expect(row).to_contain_text("Corrective")
        finally:
            browser.close()


def test_a_planner_goes_back_to_an_older_baseline_and_switches_it_off(
    server: Server, world: World, db: Session, chromium_path: str
) -> None:
    from playwright.sync_api import expect, sync_playwright

    pnp = world.machine_ids["SMT-1-PNP1"]
    now = utcnow()
    for version in (1, 2):
        learned = primed({"vacuum_kpa": [80.0 + (i % (5 + version)) for i in range(1500)]})
        model = AnomalyModel(
            machine_id=pnp,
            version=version,
            status=AnomalyModelStatus.TRAINED.value,
            train_start=now - timedelta(days=4),
            train_end=now - timedelta(days=1),
            holdout_end=now,
            train_samples=4032,
            holdout_samples=1728,
            evaluation={
                "warnings": 0,
                "down_stops": 0,
                "warned_stops": 0,
                "warned_share": None,
                "false_warnings": 0,
                "false_per_week": 0.0,
                "holdout_weeks": 0.17,
            },
            baseline=machine_state(learned),
        )
        db.add(model)
        db.flush()
        training.activate(db, model)
    # A weekly version kept out because version 2 did better on its held-out history.
    kept_out = {"warnings": 2, "down_stops": 1, "warned_stops": 0, "warned_share": 0.0,
                "false_warnings": 2, "false_per_week": 11.8, "holdout_weeks": 0.17}  # fmt: skip
    db.add(
        AnomalyModel(
            machine_id=pnp,
            version=3,
            status=AnomalyModelStatus.TRAINED.value,
            evaluation={
                **kept_out,
                "active_version": {
                    **kept_out,
                    "version": 2,
                    "warned_stops": 1,
                    "warned_share": 1.0,
                    "false_warnings": 0,
                },
            },
            baseline=machine_state(primed({"vacuum_kpa": [80.0] * 1500})),
            note="signals: vacuum_kpa; not activated: version 2 does better on the same "
            "held-out history (1 of 1 down stops warned, 0 false warnings; this one 0, 2)",
        )
    )
    db.commit()
    with sync_playwright() as pw:
        browser, page = _new_browser_page(pw, chromium_path, {"width": 1366, "height": 900})
        try:
            _sign_in_ui(page, server.base, "supervisor", PASSWORD)
            page.goto(f"{server.base}/maintenance")
            rows = page.get_by_test_id("maint-models").locator("tr[data-testid='model-row']")
            expect(rows).to_have_count(3)
            v3, v2, v1 = rows.nth(0), rows.nth(1), rows.nth(2)
            expect(v2).to_have_attribute("data-active", "yes")
            expect(v3).to_contain_text(
                "not activated: version 2 did better on the same history "
                "(1 of 1 down stops warned, 0 false warnings)"
            )
            # on its own line under the figures, not off to the right of a 1366 px screen
            v3.locator("td").first.scroll_into_view_if_needed()  # down to the row, not right
            expect(v3.get_by_test_id("not-activated")).to_be_in_viewport()
            v1.get_by_role("button", name="Use this version").click()
            expect(v1).to_have_attribute("data-active", "yes")
            expect(v2).to_have_attribute("data-active", "no")
            # Switching off asks first; the live detector then learns afresh.
            page.once("dialog", lambda d: d.accept())
            v1.get_by_role("button", name="Switch off").click()
            expect(v1).to_have_attribute("data-active", "no")
            expect(page.get_by_role("button", name="Switch off")).to_have_count(0)
            db.expire_all()
            assert db.get(DetectorState, pnp) is None
            # In German too.
            page.get_by_test_id("locale-switch").select_option("de")
            expect(v2.get_by_role("button", name="Diese Version verwenden")).to_be_visible()
            expect(v3).to_contain_text("nicht aktiviert: Version 2 war auf derselben Historie")
        finally:
            browser.close()
