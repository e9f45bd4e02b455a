"""Session control in the browser: an admin ends a user's sessions on every device; a
user signs out everywhere from the menu. Both take effect on the other devices at once."""

from __future__ import annotations

import pytest

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

DESKTOP = {"width": 1280, "height": 800}


def test_an_admin_ends_sessions_and_a_user_signs_out_everywhere(
    server: Server,
    world: World,
    chromium_path: str,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser, admin = _new_browser_page(pw, chromium_path, DESKTOP)
        try:
            # The planner on two devices.
            phone = browser.new_context(viewport=DESKTOP, locale="en-US").new_page()
            desk = browser.new_context(viewport=DESKTOP, locale="en-US").new_page()
            for page in (phone, desk):
                _sign_in_ui(page, server.base, "planner", PASSWORD)

            _sign_in_ui(admin, server.base, "admin", PASSWORD)
            admin.goto(server.base + "/admin/users")
            row = admin.get_by_test_id("user-row").filter(has_text="planner").first
            admin.once("dialog", lambda d: d.accept())
            row.get_by_test_id("end-sessions").click()
            expect(admin.get_by_test_id("user-saved")).to_have_text("planner: 2 sessions ended.")
            # The admin's own session goes on.
            admin.reload()
            expect(admin.get_by_test_id("current-user")).to_be_visible()
            # Both of the planner's devices are signed out at their next request.
            for page in (phone, desk):
                page.reload()
                expect(page.get_by_role("button", name="Sign in")).to_be_visible()

            # The planner signs in again on both and signs out everywhere from the desk.
            for page in (phone, desk):
                _sign_in_ui(page, server.base, "planner", PASSWORD)
            desk.once("dialog", lambda d: d.accept())
            desk.get_by_test_id("sign-out-everywhere").click()
            expect(desk.get_by_role("button", name="Sign in")).to_be_visible()
            phone.reload()
            expect(phone.get_by_role("button", name="Sign in")).to_be_visible()
        finally:
            browser.close()
