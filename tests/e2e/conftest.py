"""Fixtures every browser test uses: the built UI, Chromium, and the app served by a real
uvicorn (in a thread: ``live_server`` for the app fixture, ``server`` for a fresh app
that a test can stop and restart). Helpers (sign-in, a new page) stay in the modules
that first needed them: ``test_ui_orders`` and ``test_ui_floor``."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import Engine

from linewise.config import Settings
from linewise.server.app import WEB_DIST
from tests.e2e.test_ui_floor import Server
from tests.e2e.test_ui_orders import _wait_until_ready
from tests.services import CHROMIUM, missing


def _patient_assertions() -> None:
    """Web-first assertions wait up to 15 s instead of Playwright's 5 s: on two cores
    shared with the other test worker (a contract run, a kill -9 test) a page can take
    longer than 5 s to show what a quiet machine shows at once. A passing assertion
    returns as soon as it holds, so this costs nothing when the page is quick."""
    try:
        from playwright.sync_api import expect
    except ImportError:  # the browser tests report the missing package themselves
        return
    expect.set_options(timeout=15_000)


_patient_assertions()


@pytest.fixture
def ui_built() -> None:
    if not (WEB_DIST / "index.html").is_file():
        pytest.fail(
            f"the UI is not built ({WEB_DIST / 'index.html'} is missing): "
            "run `make ui` (or `make test`, which builds it first)"
        )


@pytest.fixture
def live_server(app: FastAPI, ui_built: None) -> Iterator[str]:
    """The app under a real uvicorn in a background thread; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))  # bound before the server starts: no race for the port
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        _wait_until_ready(base, thread)
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture
def chromium_path() -> str:
    if not Path(CHROMIUM).is_file():
        missing(f"Chromium at {CHROMIUM}")
    return CHROMIUM


@pytest.fixture
def server(settings: Settings, engine: Engine, ui_built: None) -> Iterator[Server]:
    srv = Server(settings, engine)
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()
