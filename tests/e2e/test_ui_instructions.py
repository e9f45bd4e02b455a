"""Work instructions in the browser: a planner attaches a PDF to a routing step on the
product page (a text file is refused first), and the operator sees it with the stage on
the terminal and opens it in the viewer."""

from __future__ import annotations

from pathlib import Path

import pytest

from linewise.config import Settings
from tests.conftest import PASSWORD, World
from tests.e2e.test_ui_floor import (
    Server,
    _new_browser_page,
    _sign_in_ui,
)
from tests.e2e.test_ui_terminal import _seed

pytestmark = [
    pytest.mark.browser,
    pytest.mark.parametrize("engine", ["sqlite"], indirect=True),
]
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    return settings.model_copy(update={"documents_dir": str(tmp_path / "docs")})


def test_a_planner_attaches_a_pdf_and_the_operator_opens_it(
    server: Server,
    world: World,
    chromium_path: str,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    _seed(server.base, world)
    pdf = tmp_path / "Stencil setup.pdf"
    pdf.write_bytes(PDF)
    text = tmp_path / "notes.pdf"
    text.write_bytes(b"only text, named like a PDF")
    with sync_playwright() as pw:
        browser, page = _new_browser_page(pw, chromium_path, {"width": 1366, "height": 900})
        try:
            _sign_in_ui(page, server.base, "planner", PASSWORD)
            page.goto(f"{server.base}/products/{world.product_id}")
            upload = page.get_by_label("Attach a work instruction to SMT")
            upload.set_input_files(str(text))
            expect(page.get_by_text("not a PDF or an image, by its content")).to_be_visible()
            upload.set_input_files(str(pdf))
            link = page.get_by_role("link", name="Stencil setup.pdf")
            expect(link).to_be_visible()
            href = link.get_attribute("href")
            assert href is not None and page.request.get(server.base + href).body() == PDF

            terminal = browser.new_context(viewport={"width": 1280, "height": 800},
                                           locale="en-US").new_page()  # fmt: skip
            terminal.goto(server.base + "/terminal")
            terminal.get_by_label("Badge number").fill("4711")
            keypad = terminal.get_by_role("group", name="PIN keypad")
            for digit in "2468":
                keypad.get_by_role("button", name=digit, exact=True).click()
            terminal.get_by_role("button", name="Sign in").click()
            stage = terminal.get_by_test_id("stage-PO-E1-1")
            docs = stage.get_by_role("group", name="Work instructions")
            docs.get_by_role("button", name="Stencil setup.pdf").click()
            viewer = terminal.get_by_role("dialog", name="Stencil setup.pdf")
            frame = viewer.locator("iframe")
            expect(frame).to_have_attribute("src", href)
            viewer.get_by_role("button", name="Close").click()
            expect(viewer).to_have_count(0)
        finally:
            browser.close()
