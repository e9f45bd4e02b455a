"""The KPI page and the downtime reason queue in a real browser.

Hand-made machine events go in through the HTTP ingest API with a device key, so the
figures are known: the page must show the same OEE as the API for the same window, explain
it down to its time elements, and a stop that someone gives a reason leaves the queue and
shows up under that reason in the downtime Pareto.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.conftest import PASSWORD, World
from tests.e2e.test_ui_floor import (
    Server,
    _admin,
    _device_key,
    _ingest,
    _new_browser_page,
    _sign_in_ui,
)
from tests.e2e.test_ui_floor import (
    _ts as _ts_now,
)
from tests.e2e.test_ui_orders import (
    _ok,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("engine", ["sqlite"], indirect=True),
]

MACHINE = "SMT-1-PNP1"


def _plan_every_hour_and_reasons(c: httpx.Client, world: World) -> None:
    """Two 12-hour shifts every day (all time is planned) and the pick-and-place reasons."""
    _ok(
        c.post(
            "/calendars",
            json={
                "code": "ROUND",
                "name": "Round the clock",
                "site_id": world.site_id,
                "patterns": [
                    {"code": "D", "start": "00:00", "end": "12:00", "weekdays": list(range(7))},
                    {"code": "N", "start": "12:00", "end": "00:00", "weekdays": list(range(7))},
                ],
            },
        )
    )
    parent = _ok(
        c.post(
            "/reason-codes",
            json={
                "code": "pnp_fault",
                "name": "Pick-and-place fault",
                "category": "downtime",
                "machine_class": "pnp",
            },
        )
    )
    for code, name in [("nozzle_jam", "Nozzle jam"), ("feeder_error", "Feeder error")]:
        _ok(
            c.post(
                "/reason-codes",
                json={
                    "code": code,
                    "name": name,
                    "category": "downtime",
                    "machine_class": "pnp",
                    "parent_id": parent["id"],
                },
            )
        )


def story_shift(now: datetime, tz: str = "Europe/Berlin") -> timedelta:
    """How far back the 20-minute story must move to lie within one local day.

    The page's "today" starts at the plant's midnight: in the first minutes of a day the
    story would straddle it. It then ends two minutes before midnight instead, and the
    browser's clock is set to that moment (the test's "now")."""
    local = now.astimezone(ZoneInfo(tz))
    since_midnight = local - local.replace(hour=0, minute=0, second=0, microsecond=0)
    return since_midnight + timedelta(minutes=2) if since_midnight < STORY else timedelta(0)


STORY = timedelta(minutes=25)  # the events' span, with room for a slow test


def _raw_events(shift: timedelta = timedelta(0)) -> list[dict[str, Any]]:
    """20 minutes of a pick-and-place: producing, a 4-minute stop without a reason, producing."""

    def _ts(ago: timedelta) -> str:
        return _ts_now(ago + shift)

    return [
        {"id": "kpi-1", "ts": _ts(timedelta(minutes=20)), "type": "state", "state": "producing"},
        {
            "id": "kpi-2",
            "ts": _ts(timedelta(minutes=14)),
            "type": "count",
            "good": 10,
            "reject": 0,
            "product": "CTRL-100",
        },
        {
            "id": "kpi-3",
            "ts": _ts(timedelta(minutes=12)),
            "type": "state",
            "state": "down",
            "fault": "PNP-E12",
        },
        {"id": "kpi-4", "ts": _ts(timedelta(minutes=8)), "type": "state", "state": "producing"},
        {
            "id": "kpi-5",
            "ts": _ts(timedelta(minutes=2)),
            "type": "count",
            "good": 7,
            "reject": 1,
            "product": "CTRL-100",
        },
    ]


def _percent(text: str) -> float:
    match = re.fullmatch(r"(-?\d+\.\d)%", text.strip())
    assert match, f"not a one-decimal percentage: {text!r}"
    return float(match[1])


def _assert_same_figure(shown: str, api_value: float | None) -> None:
    assert api_value is not None
    # one decimal, rounded: within half a tenth of a percent of the API's figure
    assert abs(_percent(shown) - api_value * 100) <= 0.05 + 1e-9, (shown, api_value)


def test_kpi_page_explains_figures_and_the_reason_queue_feeds_the_pareto(
    server: Server,
    world: World,
    chromium_path: str,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    with _admin(server.base, PASSWORD) as admin:
        _plan_every_hour_and_reasons(admin, world)
    shift = story_shift(datetime.now(UTC))
    _ingest(server.base, _device_key(server.base), _raw_events_for_machine(shift))

    with sync_playwright() as pw:
        # a 10" tablet in landscape
        browser, page = _new_browser_page(pw, chromium_path, {"width": 1280, "height": 800})
        # The page's "now" (its day and the end of its windows) is the story's.
        page.clock.set_fixed_time(datetime.now(UTC) - shift)
        try:
            # A supervisor of the SMT area: sees SMT-1 and may assign reasons.
            _sign_in_ui(page, server.base, "supervisor", PASSWORD)
            page.get_by_role("navigation", name="Main").get_by_role("link", name="KPIs").click()
            expect(page).to_have_url(f"{server.base}/kpis")
            expect(page.get_by_role("heading", name="KPIs")).to_be_visible()
            expect(page.get_by_test_id("convention-note")).to_contain_text("ISO 22400")

            card = page.locator("[data-testid=line-card][data-line=SMT-1]")
            expect(card).to_be_visible()
            expect(page.get_by_test_id("line-card")).to_have_count(1)
            window = {"from": card.get_attribute("data-from"), "to": card.get_attribute("data-to")}
            with _admin(server.base, PASSWORD) as admin:
                line = _ok(admin.get(f"/kpi/line/{world.line_ids['SMT-1']}", params=window))
                machine_id = world.machine_ids[MACHINE]
                machine = _ok(admin.get(f"/kpi/machine/{machine_id}", params=window))
            assert machine["kpis"]["oee"] and machine["kpis"]["oee"] > 0

            # The line's output-based OEE, its stations' figure and the machine's OEE: as the API.
            line_oee = card.get_by_test_id("line-a-oee").locator(".fig-value")
            _assert_same_figure(line_oee.inner_text(), line["lines"][0]["oee_output_based"])
            availability = card.get_by_test_id("line-a-availability").locator(".fig-value")
            _assert_same_figure(availability.inner_text(), line["kpis"]["availability"])
            station = card.locator(f"[data-testid=station-oee-a][data-machine={MACHINE}]")
            _assert_same_figure(station.locator(".val").inner_text(), machine["kpis"]["oee"])

            # Explain the machine's OEE: its time elements, the formula with its numbers.
            station_text = station.locator(".val").inner_text()
            station.click()
            sheet = page.get_by_role("dialog")
            expect(sheet).to_be_visible()
            expect(sheet.get_by_role("heading", name=f"{MACHINE} — OEE")).to_be_visible()
            expect(sheet.get_by_test_id("explain-value")).to_have_text(station_text)
            expect(sheet.get_by_test_id("time-bar")).to_be_visible()
            elements = sheet.get_by_test_id("time-elements")
            for name in ("POT", "PDOT", "PBT", "APT", "ASUT", "ADET", "ADOT", "unknown"):
                expect(elements).to_contain_text(name)
            pbt = f"{machine['time_elements_s']['pbt']:,.0f} s"
            expect(sheet.get_by_test_id("formulas")).to_contain_text(pbt)
            expect(sheet.get_by_test_id("products")).to_contain_text("CTRL-100")
            expect(sheet.get_by_test_id("stops")).to_contain_text("unassigned")
            sheet.get_by_role("button", name="Close").click()
            expect(sheet).to_be_hidden()

            # The downtime Pareto, switched to the number of stops: one unassigned stop.
            pareto = page.get_by_test_id("pareto")
            pareto.get_by_role("button", name="Count").click()
            expect(page).to_have_url(re.compile(r"measure=count"))
            unassigned_bar = pareto.locator("[data-testid=pareto-bar][data-key=unassigned]")
            expect(unassigned_bar.locator(".bar-value")).to_have_text("1")
            expect(page.get_by_test_id("queue-link")).to_contain_text("1 stop needs a reason")

            # The reason queue: tap the stop, tap its reason, assign — the row leaves.
            page.get_by_test_id("queue-link").click()
            expect(page).to_have_url(f"{server.base}/downtime")
            row = page.locator(f"[data-testid=queue-row][data-machine={MACHINE}]")
            expect(row).to_have_count(1)
            expect(row).to_contain_text("PNP-E12")
            row.click()
            picker = page.get_by_test_id("reason-picker")
            expect(picker.get_by_role("group", name="Pick-and-place fault")).to_be_visible()
            reason = picker.get_by_role("button", name=re.compile(r"^Nozzle jam"))
            box = reason.bounding_box()
            assert box is not None and box["height"] >= 44  # a finger's worth
            reason.click()
            page.get_by_test_id("assign").click()
            expect(page.get_by_test_id("assign-message")).to_contain_text("Nozzle jam")
            expect(row).to_have_count(0)
            page.reload()
            expect(page.get_by_test_id("queue")).to_have_count(0)

            # ... and the Pareto now shows the stop under its reason.
            page.goto(f"{server.base}/kpis?measure=count")
            pareto = page.get_by_test_id("pareto")
            expect(pareto.locator("[data-testid=pareto-bar][data-key=unassigned]")).to_have_count(0)
            expect(pareto.locator("[data-testid=pareto-bar]")).to_have_count(1)
            expect(pareto.get_by_test_id("pareto-table")).to_contain_text("Nozzle jam")
            expect(pareto.locator("[data-testid=pareto-bar] .bar-value")).to_have_text("1")

            # The other convention says so on every card and keeps OEE.
            page.get_by_role("button", name="Six big losses").click()
            expect(page.get_by_test_id("convention-note")).to_contain_text("Six big losses")
            expect(card.locator(".conv-tag")).to_have_text("Six big losses")
            expect(card.get_by_test_id("line-a-effectiveness")).to_contain_text("Performance")
        finally:
            browser.close()


def _raw_events_for_machine(shift: timedelta = timedelta(0)) -> list[dict[str, Any]]:
    return [e | {"machine": MACHINE} for e in _raw_events(shift)]
