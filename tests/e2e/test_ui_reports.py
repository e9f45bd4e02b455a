"""The Reports page in the browser: a manager subscribes a planner to the daily shift
report, previews it (HTML in the page, the PDF behind a link) and sends it now; the
server's own worker mails it to a real SMTP server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from linewise.config import Settings
from tests.conftest import PASSWORD, World, with_job_workers
from tests.e2e.test_ui_floor import (
    Server,
    _new_browser_page,
    _sign_in_ui,
)
from tests.integration.alerts.test_alerts import Inbox, smtp  # noqa: F401  (fixture)
from tests.services import wait_until

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("engine", ["sqlite"], indirect=True),
]


@pytest.fixture
def mailbox(smtp: tuple[Inbox, int]) -> Iterator[Inbox]:  # noqa: F811
    yield smtp[0]


@pytest.fixture
def settings(settings: Settings, smtp: tuple[Inbox, int]) -> Settings:  # noqa: F811
    """The server's own workers send the report, to the test's SMTP server."""
    return with_job_workers(settings).model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": smtp[1]}
    )


def test_a_manager_subscribes_a_planner_previews_and_sends(
    server: Server,
    world: World,
    chromium_path: str,
    mailbox: Inbox,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser, page = _new_browser_page(pw, chromium_path, {"width": 1366, "height": 900})
        try:
            _sign_in_ui(page, server.base, "manager", PASSWORD)
            page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
            expect(page.get_by_role("heading", name="Reports")).to_be_visible()
            expect(page.get_by_test_id("time-zone")).to_contain_text("Europe/Berlin")
            expect(page.get_by_text("No report subscriptions yet.")).to_be_visible()

            page.get_by_test_id("new-subscription").click()
            form = page.get_by_role("form", name="Subscription")
            form.get_by_label("For user").select_option(label="planner")
            form.get_by_label("E-mail address").fill("not an address")
            form.get_by_label("SMT-1").check()
            form.get_by_role("button", name="Save").click()
            # The server's refusal names the field.
            expect(page.get_by_text("expected name@domain")).to_be_visible()
            form.get_by_label("E-mail address").fill("planner@plant.test")
            form.get_by_role("button", name="Preview").click()
            preview = page.get_by_test_id("report-preview")
            expect(preview).to_contain_text("Shift report: SMT-1")
            form.get_by_role("button", name="Save").click()

            row = page.get_by_test_id("subscription-1")
            expect(row).to_contain_text("planner@plant.test")
            expect(row).to_contain_text("SMT-1")
            expect(row).to_contain_text("Daily shift report")
            # The preview's PDF link serves the attachment the e-mail would carry.
            href = preview.get_by_test_id("preview-pdf").get_attribute("href")
            assert href is not None
            pdf = page.request.get(server.base + href)
            assert pdf.ok and pdf.body().startswith(b"%PDF")

            row.get_by_role("button", name="Send now").click()
            expect(page.get_by_test_id("report-notice")).to_contain_text("planner@plant.test")
            wait_until(lambda: len(mailbox.messages) == 1, timeout=20)
            (sent,) = mailbox.messages
            assert sent["To"] == "planner@plant.test"
            assert sent["Subject"] == "Shift report: SMT-1"
            types = {p.get_content_type() for p in sent.walk()}
            assert {"text/plain", "text/html", "application/pdf"} <= types
            # Once sent, the page says when (after a reload of the list).
            page.reload()
            expect(page.get_by_test_id("subscription-1")).not_to_contain_text("–")
        finally:
            browser.close()
