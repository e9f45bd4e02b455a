"""The Background jobs page in the browser: an administrator sees a dead job with its
error, exports the dead letters, replays one, and the server's worker runs it; a planner
has no such page."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from linewise.config import Settings
from linewise.core.db import make_session_factory, session_scope
from linewise.domains.performance.refresher import KIND as KPI_REFRESH
from linewise.jobs import enqueue
from linewise.jobs.models import Job
from tests.conftest import PASSWORD, World, with_job_workers
from tests.e2e.test_ui_floor import (
    Server,
    _new_browser_page,
    _sign_in_ui,
)
from tests.services import wait_until


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """This module tests what the server's own job workers do: run them."""
    return with_job_workers(settings)


pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("engine", ["sqlite"], indirect=True),
]


def _dead_job(srv: Server) -> int:
    """A KPI refresh that failed every attempt while the database was away."""
    with session_scope(make_session_factory(srv.engine)) as db:
        job_id = enqueue(db, KPI_REFRESH, {"scheduled_for": "2026-12-06T05:00:00+00:00"})
        db.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(
                state="dead",
                attempt=3,
                finished_at=Job.run_at,
                last_error="Traceback (most recent call last):\n  ...\n"
                "OperationalError: the database system is starting up",
            )
        )
    return job_id


def test_the_admin_sees_a_dead_job_and_replays_it(
    server: Server,
    world: World,
    chromium_path: str,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    job_id = _dead_job(server)
    with sync_playwright() as pw:
        browser, page = _new_browser_page(pw, chromium_path, {"width": 1366, "height": 900})
        try:
            _sign_in_ui(page, server.base, "planner", PASSWORD)
            nav = page.get_by_role("navigation", name="Main")
            expect(nav.get_by_role("link", name="Orders")).to_be_visible()
            expect(nav.get_by_role("link", name="Background jobs")).to_have_count(0)
            page.get_by_role("button", name="Sign out", exact=True).click()

            _sign_in_ui(page, server.base, "admin", PASSWORD)
            nav.get_by_role("link", name="Background jobs").click()
            expect(page.get_by_role("heading", name="Background jobs")).to_be_visible()
            expect(page.get_by_test_id("time-zone")).to_contain_text("Europe/Berlin")
            expect(page.get_by_test_id("depth-dead")).to_have_text("1")
            row = page.get_by_test_id(f"dead-job-{job_id}")
            expect(row).to_contain_text(KPI_REFRESH)
            expect(row).to_contain_text("OperationalError: the database system is starting up")
            expect(row).to_contain_text("3/3")
            # The dead letters export as the page lists them, with the whole error.
            group = page.get_by_role("group", name="Export Dead jobs")
            with page.expect_download() as info:
                group.get_by_role("button", name="CSV").click()
            info.value.save_as(tmp_path / "dead-jobs.csv")
            header, *rows = list(
                csv.reader(io.StringIO((tmp_path / "dead-jobs.csv").read_text("utf-8-sig")))
            )
            assert header == [
                "Job",
                "Kind",
                "Attempts",
                "Attempts allowed",
                "Failed at (Europe/Berlin)",
                "Error",
                "Traceback",
            ]
            with server.engine.connect() as conn:
                failed_at = conn.execute(
                    select(Job.finished_at).where(Job.id == job_id)
                ).scalar_one()
            assert failed_at is not None
            berlin = failed_at.replace(tzinfo=failed_at.tzinfo or UTC).astimezone(
                ZoneInfo("Europe/Berlin")
            )
            assert rows == [
                [
                    str(job_id),
                    KPI_REFRESH,
                    "3",
                    "3",
                    berlin.strftime("%Y-%m-%d %H:%M"),
                    "OperationalError: the database system is starting up",
                    "Traceback (most recent call last):\n  ...\n"
                    "OperationalError: the database system is starting up",
                ]
            ]
            row.get_by_role("button", name="Replay").click()
            expect(page.get_by_role("status")).to_contain_text(f"Replayed jobs: {job_id}")
            expect(page.get_by_test_id(f"dead-job-{job_id}")).to_have_count(0)
            expect(page.get_by_test_id("depth-dead")).to_have_text("0")
            # The server's own worker runs it; the page refreshes itself. (The periodic KPI
            # refresh may have run too, at a minute's turn: at least one done.)
            expect(page.get_by_test_id("depth-succeeded")).to_have_text(
                re.compile(r"^[1-9]\d*$"), timeout=20_000
            )

            def replayed_job_done() -> bool:
                with server.engine.connect() as conn:
                    found = conn.execute(select(Job.state).where(Job.id == job_id)).scalar_one()
                return bool(found == "succeeded")

            wait_until(replayed_job_done, timeout=20, what="the replayed job to succeed")

            page.get_by_test_id("locale-switch").select_option("de")
            expect(page.get_by_role("heading", name="Hintergrundjobs")).to_be_visible()
            expect(page.get_by_test_id("time-zone")).to_have_text("Zeiten in Europe/Berlin")
            expect(page.get_by_text("Keine endgültig fehlgeschlagenen Jobs")).to_be_visible()
            nav = page.get_by_role("navigation", name="Hauptmenü")
            expect(nav.get_by_role("link", name="Hintergrundjobs")).to_be_visible()
        finally:
            browser.close()
