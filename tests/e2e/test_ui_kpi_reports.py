"""KPI periods, the data-quality flag and the shift report in a real browser.

Yesterday's night shift N (12:00–24:00 Berlin, on a round-the-clock calendar) has 20
minutes of hand-made machine data on SMT-1's only machine, sent through the HTTP ingest
API: producing, a 4-minute stop without a reason, producing, then the gateway goes
offline. The rest of the shift is planned time without data, and the page must say so.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
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
from tests.e2e.test_ui_kpi import (
    MACHINE,
    _assert_same_figure,
    _percent,
    _plan_every_hour_and_reasons,
)
from tests.e2e.test_ui_orders import (
    _ok,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("engine", ["sqlite"], indirect=True),
]

TZ = ZoneInfo("Europe/Berlin")


def _yesterday() -> datetime:
    """Yesterday's site-local date at midnight (Berlin), as an aware datetime."""
    today = datetime.now(TZ).date()
    day = today - timedelta(days=1)
    return datetime(day.year, day.month, day.day, tzinfo=TZ)


def _yesterdays_events() -> list[dict[str, Any]]:
    start = _yesterday() + timedelta(hours=13)  # inside shift N (12:00–24:00)

    def ts(minutes: float) -> str:
        return (start + timedelta(minutes=minutes)).astimezone(UTC).isoformat()

    events = [
        {"id": "y-1", "ts": ts(0), "type": "state", "state": "producing"},
        {"id": "y-2", "ts": ts(6), "type": "count", "good": 10, "reject": 0, "product": "CTRL-100"},
        {"id": "y-3", "ts": ts(8), "type": "state", "state": "down", "fault": "PNP-E12"},
        {"id": "y-4", "ts": ts(12), "type": "state", "state": "producing"},
        {"id": "y-5", "ts": ts(18), "type": "count", "good": 7, "reject": 1, "product": "CTRL-100"},
        {"id": "y-6", "ts": ts(20), "type": "state", "state": "offline"},
    ]
    return [e | {"machine": MACHINE} for e in events]


def test_the_manager_exports_a_shift_report_for_yesterday(
    server: Server,
    world: World,
    chromium_path: str,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    with _admin(server.base, PASSWORD) as admin:
        _plan_every_hour_and_reasons(admin, world)
    _ingest(server.base, _device_key(server.base), _yesterdays_events())
    day = _yesterday().date().isoformat()
    shift_label = f"N@{day}"
    line_id = world.line_ids["SMT-1"]
    with _admin(server.base, PASSWORD) as admin:
        report = _ok(
            admin.get(f"/kpi/line/{line_id}/shift-report", params={"day": day, "shift": "N"})
        )
        yesterday = _ok(admin.get(f"/kpi/line/{line_id}", params={"day": day}))
    assert report["window"]["label"] == shift_label
    assert report["good_total"] == 17
    # 20 minutes measured of 12 hours planned: almost all of it without data
    assert report["data_quality"]["no_data_share"] == pytest.approx(1 - 20 / 720)

    with sync_playwright() as pw:
        browser, page = _new_browser_page(pw, chromium_path, {"width": 1280, "height": 900})
        try:
            _sign_in_ui(page, server.base, "manager", PASSWORD)
            page.goto(f"{server.base}/kpis")
            expect(page.get_by_test_id("period-select")).to_be_visible()
            # The manager sees the whole site: no area note.
            expect(page.get_by_test_id("scope-label")).to_have_count(0)

            # Yesterday, compared with the day before.
            page.get_by_test_id("period-select").select_option("yesterday")
            expect(page).to_have_url(f"{server.base}/kpis?period=yesterday")
            expect(page.get_by_test_id("period-label")).to_contain_text("Yesterday")
            card = page.locator("[data-testid=line-card][data-line=SMT-1]")
            # the figures shown are yesterday's (site midnight to midnight), once loaded
            expect(card).to_have_attribute("data-from", yesterday["window"]["start"])
            expect(card).to_have_attribute("data-to", yesterday["window"]["end"])
            oee = card.get_by_test_id("line-a-oee")
            expect(oee.locator(".fig-label")).to_have_text("OEE (line output)")
            expect(card.get_by_test_id("line-a-stations-oee")).to_contain_text(
                "OEE (stations combined)"
            )
            _assert_same_figure(
                oee.locator(".fig-value").inner_text(), yesterday["lines"][0]["oee_output_based"]
            )
            # The day before had no data at all: no figure, so no change either.
            expect(oee.get_by_test_id("line-a-oee-delta")).to_have_text("—")
            flag = card.get_by_test_id("line-a-no-data")
            share = yesterday["data_quality"]["no_data_share"]
            expect(flag).to_have_text(
                f"⚠ {round(share * 100)}% of planned time had no machine data"
            )
            expect(page.get_by_test_id("site-no-data")).to_contain_text(
                "of planned time had no machine data"
            )
            # The hourly trend: only the hour with data (13:00) has a point, the hours
            # without data are gaps, not 0 %.
            trend_oee = page.locator(".trend-chart circle[data-series=oee]")
            expect(trend_oee).to_have_count(1)
            expect(trend_oee.locator("title")).to_contain_text("13:00")

            # Compared with the two days up to yesterday: the change is yesterday's OEE
            # minus that period's, in points.
            before = (_yesterday() - timedelta(days=1)).date().isoformat()
            page.goto(f"{server.base}/kpis?period=yesterday&vs=range:{before}..{day}")
            with _admin(server.base, PASSWORD) as admin:
                two_days = _ok(
                    admin.get(
                        f"/kpi/line/{line_id}",
                        params={
                            "from": (_yesterday() - timedelta(days=1)).isoformat(),
                            "to": (_yesterday() + timedelta(days=1)).isoformat(),
                        },
                    )
                )
            card = page.locator("[data-testid=line-card][data-line=SMT-1]")
            expect(card).to_have_attribute("data-b-from", two_days["window"]["start"])
            change = (
                yesterday["lines"][0]["oee_output_based"] - two_days["lines"][0]["oee_output_based"]
            )
            assert change > 0
            expect(card.get_by_test_id("line-a-oee-delta")).to_have_text(f"+{change * 100:.1f} pts")
            expect(page.get_by_test_id("compare-select")).to_have_value(f"range:{before}..{day}")

            # Explaining the line figure shows the line's time (its PBT station's), the
            # time its formula divides by, not the stations' sums.
            card.get_by_test_id("line-a-oee").click()
            sheet = page.get_by_role("dialog")
            expect(sheet.get_by_test_id("explain-name")).to_have_text("OEE (line output)")
            expect(sheet.get_by_test_id("line-time-note")).to_contain_text(MACHINE)
            pbt = yesterday["lines"][0]["time_elements_s"]["pbt"]
            assert pbt == yesterday["lines"][0]["pbt_s"]
            expect(sheet.get_by_test_id("formulas")).to_contain_text("OEE (stations combined)")
            expect(sheet.get_by_test_id("time-elements")).to_contain_text(
                f"PBTPlanned busy time{int(pbt // 3600)} h 00 min"
            )
            sheet.get_by_role("button", name="Close").click()

            # The line's shift report: pick yesterday's night shift.
            card.get_by_test_id("shift-report-link").click()
            expect(page).to_have_url(
                f"{server.base}/kpis/shift-report?line={line_id}&shift=previous"
            )
            expect(page.get_by_role("heading", name="Shift report")).to_be_visible()
            page.get_by_test_id("report-shift").select_option(shift_label)
            sheet = page.locator(f"[data-testid=shift-report][data-shift='{shift_label}']")
            expect(sheet).to_be_visible()
            expect(page.get_by_test_id("time-zone")).to_have_text("Times in Europe/Berlin")
            line_oee = sheet.get_by_test_id("report-line-oee").locator("dd").inner_text()
            _assert_same_figure(line_oee, report["line"]["oee_output_based"])
            expect(sheet.get_by_test_id("report-no-data")).to_contain_text("97%")
            expect(sheet.get_by_test_id("report-output")).to_contain_text("CTRL-100")
            expect(sheet.get_by_test_id("report-output").locator("tfoot")).to_contain_text("17")
            losses = sheet.get_by_test_id("report-losses")
            expect(losses.locator("tbody tr").first).to_contain_text("No reason given")
            expect(losses.locator("tbody tr").first).to_contain_text("4 min 00 s")
            stops = sheet.get_by_test_id("report-reasonless")
            expect(stops.locator("tbody tr")).to_have_count(1)
            # the stop's clock times are the site's (13:08 Berlin), never UTC
            expect(stops).to_contain_text("13:08")
            expect(stops).to_contain_text("13:12")
            expect(stops).to_contain_text("PNP-E12")

            with page.expect_download() as info:
                page.get_by_test_id("download-csv").click()
            download = info.value
            assert download.suggested_filename == f"shift-report-SMT-1-N-{day}.csv"
            path = tmp_path / download.suggested_filename
            download.save_as(path)
            text = path.read_text(encoding="utf-8-sig")
            rows = list(csv.reader(io.StringIO(text)))
            assert rows[0] == ["Shift report", "SMT-1 SMT line 1"]
            assert rows[1] == ["Shift", shift_label]
            figures = {r[0]: r[1] for r in rows if len(r) == 2}
            assert figures["OEE (line output)"] == line_oee
            assert (
                abs(
                    _percent(figures["OEE (line output)"])
                    - 100 * report["line"]["oee_output_based"]
                )
                <= 0.05
            )
            assert figures["Planned time without machine data"] == "97%"
            assert ["CTRL-100", "17", ""] in rows
            assert ["Total", "17", ""] in rows
            assert ["No reason given", "240", "1"] in rows
            (stop,) = [r for r in rows if r and r[0] == MACHINE]
            assert stop[3:] == ["240", "PNP-E12", "no"]
            assert "13:08" in stop[1] and "13:12" in stop[2]  # site time, 24-hour clock

            # The same report as a workbook: the same rows, one sheet.
            with page.expect_download() as info:
                page.get_by_test_id("download-xlsx").click()
            download = info.value
            assert download.suggested_filename == f"shift-report-SMT-1-N-{day}.xlsx"
            xlsx = tmp_path / download.suggested_filename
            download.save_as(xlsx)
            sheet_rows = [
                ["" if v is None else str(v) for v in row]
                for row in openpyxl.load_workbook(xlsx).active.iter_rows(values_only=True)
            ]
            assert sheet_rows[0][:2] == ["Shift report", "SMT-1 SMT line 1"]
            assert sheet_rows[1][:2] == ["Shift", shift_label]
            cells = {r[0]: r[1] for r in sheet_rows if r and r[0]}
            assert cells["OEE (line output)"] == line_oee
            assert cells["Planned time without machine data"] == "97%"
            losses_row = next(r for r in sheet_rows if r[0] == "No reason given")
            assert losses_row[:3] == ["No reason given", "240", "1"]

            # On paper: the controls and the navigation are gone, the figures stay.
            page.emulate_media(media="print")
            expect(page.get_by_test_id("report-line")).to_be_hidden()
            expect(page.get_by_test_id("download-csv")).to_be_hidden()
            expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
            expect(sheet.get_by_test_id("report-line-oee")).to_be_visible()
            page.screenshot(path=str(tmp_path / "shift-report-print.png"), full_page=True)
        finally:
            browser.close()


def test_an_area_scoped_supervisor_sees_which_areas_the_figures_cover(
    server: Server,
    world: World,
    chromium_path: str,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    with _admin(server.base, PASSWORD) as admin:
        _plan_every_hour_and_reasons(admin, world)
    _ingest(server.base, _device_key(server.base), _yesterdays_events())

    with sync_playwright() as pw:
        browser, page = _new_browser_page(pw, chromium_path, {"width": 1280, "height": 900})
        try:
            _sign_in_ui(page, server.base, "supervisor", PASSWORD)
            page.goto(f"{server.base}/kpis?period=last-week")
            expect(page.get_by_test_id("scope-label")).to_have_text(
                "All figures on this page cover your areas (SMT)."
            )
            expect(page.locator("#site-h")).to_contain_text("your areas (SMT)")
            expect(page.get_by_test_id("line-card")).to_have_count(1)
            expect(page.get_by_test_id("period-label")).to_contain_text("Last week")
            # The report offers only the supervisor's lines, by name.
            page.get_by_test_id("shift-report-link").click()
            options = page.get_by_test_id("report-line").locator("option")
            expect(options).to_have_count(1)
            expect(options).to_have_text("SMT-1 · SMT line 1")
            expect(page.get_by_test_id("shift-report")).to_be_visible()
        finally:
            browser.close()
