"""Identity in the browser: a supervisor sets up TOTP at his first sign-in (QR code,
recovery codes), signs in with a code, and an admin resets it; a user signs on through a
real OpenID provider (the whole redirect flow) and one in no mapped group is refused."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pyotp
import pytest
from sqlalchemy.engine import Engine

from linewise.config import Settings
from tests.conftest import PASSWORD, World
from tests.e2e.test_ui_floor import Server, _new_browser_page
from tests.oidc.provider import running_provider
from tests.services import free_port

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("engine", ["sqlite"], indirect=True),
]

DESKTOP = {"width": 1280, "height": 860}


@pytest.fixture
def mfa_server(settings: Settings, engine: Engine, ui_built: None) -> Iterator[Server]:
    default = Settings.model_fields["mfa_required_roles"].default
    srv = Server(settings.model_copy(update={"mfa_required_roles": default}), engine)
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def sso_server(settings: Settings, engine: Engine, ui_built: None) -> Iterator[Server]:
    port = free_port()
    callback = f"http://127.0.0.1:{port}/api/v1/auth/oidc/callback"
    with running_provider([callback]) as provider:
        srv = Server(settings.model_copy(update=provider.settings_update()), engine, port=port)
        srv.start()
        try:
            yield srv
        finally:
            srv.stop()


def _password(page: Any, base: str, username: str) -> None:
    page.goto(base + "/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()


def _enrol(page: Any, base: str, username: str) -> pyotp.TOTP:
    from playwright.sync_api import expect

    _password(page, base, username)
    expect(page.get_by_role("heading", name="Two-factor authentication")).to_be_visible()
    expect(page.get_by_test_id("mfa-qr")).to_be_visible()
    totp = pyotp.TOTP(page.get_by_test_id("mfa-secret").inner_text())
    page.get_by_label("Authentication code").fill(totp.now())
    page.get_by_role("button", name="Turn on two-factor authentication").click()
    expect(page.get_by_test_id("recovery-codes").locator("li")).to_have_count(10)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_test_id("current-user")).to_be_visible()
    return totp


def test_mfa_enrolment_sign_in_with_a_code_and_an_admins_reset(
    mfa_server: Server,
    world: World,
    chromium_path: str,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    base = mfa_server.base
    with sync_playwright() as pw:
        browser, page = _new_browser_page(pw, chromium_path, DESKTOP)
        try:
            totp = _enrol(page, base, "supervisor")
            page.get_by_role("button", name="Sign out", exact=True).click()

            # The next sign-in asks for a code; a wrong one is refused in words.
            _password(page, base, "supervisor")
            page.get_by_label("Authentication code").fill("000000")
            page.get_by_role("button", name="Verify").click()
            expect(page.get_by_role("alert")).to_contain_text("wrong code")
            page.get_by_label("Authentication code").fill(totp.at(time.time() + 30))
            page.get_by_role("button", name="Verify").click()
            expect(page.get_by_test_id("current-user")).to_be_visible()

            # An admin (who sets up his own second factor first) resets it.
            admin = browser.new_context(viewport=DESKTOP, locale="en-US").new_page()
            _enrol(admin, base, "admin")
            admin.goto(base + "/admin/users")
            row = admin.get_by_test_id("user-row").filter(has_text="supervisor").first
            expect(row.get_by_test_id("user-mfa")).to_be_visible()
            admin.once("dialog", lambda d: d.accept())
            row.get_by_test_id("reset-mfa").click()
            expect(admin.get_by_test_id("user-saved")).to_contain_text("supervisor: MFA reset.")
            expect(row.get_by_test_id("user-mfa")).to_have_count(0)

            # The supervisor's session ended; his next sign-in sets MFA up again.
            page.reload()
            expect(page.get_by_label("Username")).to_be_visible()
            _password(page, base, "supervisor")
            expect(page.get_by_test_id("mfa-qr")).to_be_visible()
        finally:
            browser.close()


def test_single_sign_on_through_the_provider(
    sso_server: Server,
    world: World,
    chromium_path: str,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    base = sso_server.base
    with sync_playwright() as pw:
        browser, page = _new_browser_page(pw, chromium_path, DESKTOP)
        try:
            for who, mapped in (("carol", False), ("alice", True)):
                # A browser of its own each: the provider remembers who signed in.
                page = browser.new_context(viewport=DESKTOP, locale="en-US").new_page()
                page.goto(base + "/")
                page.get_by_test_id("sso-sign-in").click()
                # The provider's own pages: its sign-in, then its consent.
                page.locator("input[name=login]").fill(who)
                page.locator("input[name=password]").fill("anything")
                page.get_by_role("button", name="Sign-in").click()
                page.get_by_role("button", name="Continue").click()
                if not mapped:
                    expect(page.get_by_test_id("sso-error")).to_contain_text("in no group")
                    expect(page).to_have_url(base + "/")
            expect(page.get_by_test_id("current-user")).to_have_text("Alice Adler")
            me = page.evaluate("fetch('/api/v1/auth/me').then(r => r.json())")
            assert me["role"] == "supervisor" and [a["name"] for a in me["areas"]] == ["SMT"]
        finally:
            browser.close()


def test_a_planner_turns_mfa_on_for_himself(
    mfa_server: Server,
    world: World,
    chromium_path: str,
) -> None:
    """A role that need not have MFA may: from the menu; the next sign-in asks for it."""
    from playwright.sync_api import expect, sync_playwright

    base = mfa_server.base
    with sync_playwright() as pw:
        browser, page = _new_browser_page(pw, chromium_path, DESKTOP)
        try:
            _password(page, base, "planner")
            expect(page.get_by_test_id("current-user")).to_be_visible()
            page.get_by_test_id("account-security").click()
            page.get_by_role("button", name="Set up two-factor authentication").click()
            totp = pyotp.TOTP(page.get_by_test_id("mfa-secret").inner_text())
            page.get_by_label("Authentication code").fill(totp.now())
            page.get_by_role("button", name="Turn on two-factor authentication").click()
            expect(page.get_by_test_id("recovery-codes").locator("li")).to_have_count(10)
            page.reload()
            expect(page.get_by_test_id("mfa-on")).to_be_visible()

            page.get_by_role("button", name="Sign out", exact=True).click()
            _password(page, base, "planner")
            expect(page.get_by_label("Authentication code")).to_be_visible()
            expect(page.get_by_test_id("mfa-qr")).to_have_count(0)  # verify, not enrol
        finally:
            browser.close()
