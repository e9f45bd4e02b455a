"""Reaching the real services tests need.

Locally a missing service skips the test with a reason; in CI
(``LINEWISE_REQUIRE_SERVICES=1``) it fails, so CI can never pass by skipping.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable

import pytest

PG_URL = os.environ.get("LINEWISE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
MQTT_HOST = os.environ.get("LINEWISE_TEST_MQTT_HOST", "127.0.0.1")
MQTT_PORT = int(os.environ.get("LINEWISE_TEST_MQTT_PORT", "1883"))
CHROMIUM = os.environ.get("LINEWISE_TEST_CHROMIUM", "/usr/bin/chromium")


def services_required() -> bool:
    return os.environ.get("LINEWISE_REQUIRE_SERVICES", "") not in ("", "0", "false")


def missing(what: str) -> None:
    """Skip locally, fail in CI."""
    if services_required():
        pytest.fail(f"{what} is required (LINEWISE_REQUIRE_SERVICES=1) but not available")
    pytest.skip(f"{what} not available")


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(condition: Callable[[], bool], timeout: float = 10.0, what: str = "") -> None:
    """Poll a condition with a deadline (for state only observable by polling, e.g. a
    database written by another process); fails with ``what`` when time runs out."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or condition}")
        time.sleep(0.02)
