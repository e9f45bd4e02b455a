"""X-Forwarded-For is believed only from configured proxies (a real `linewise serve`)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy.orm import Session

from linewise.config import Settings
from linewise.core.security import Role
from linewise.domains.accounts.service import create_user
from tests.servers import Server
from tests.services import free_port

PASSWORD = "correct horse battery"


@pytest.fixture
def server(settings: Settings, db: Session) -> Iterator[Server]:
    create_user(db, username="admin", password=PASSWORD, role=Role.ADMIN)
    db.commit()
    srv = Server(settings.database_url, free_port())
    srv.start()
    yield srv
    srv.stop()


def test_a_rotating_forwarded_for_does_not_dodge_the_throttle(server: Server) -> None:
    codes = []
    with httpx.Client(base_url=server.base, timeout=10) as http:
        for i in range(40):
            r = http.post(
                "/api/v1/auth/login",
                json={"username": f"user{i}", "password": "guess"},
                headers={"X-Forwarded-For": f"203.0.113.{i}"},
            )
            codes.append(r.status_code)
    # Before, all 40 reached the password check: a fresh name from a "fresh address" each
    # time. Now the address is the peer's, and spraying from it is slowed after 20.
    assert codes[:20] == [401] * 20
    assert codes[20:] == [429] * 20
