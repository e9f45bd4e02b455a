"""kill -9 the server while a sender pushes at full speed, restart it: every event that
was acknowledged (HTTP 2xx) is in the database exactly once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from linewise.config import Settings
from linewise.demo.factory import build_factory
from linewise.demo.load import load_factory
from linewise.domains.accounts.models import ApiKeyScope
from linewise.domains.accounts.service import create_api_key
from linewise.ingest.models import CountEvent, StateEvent
from tests.servers import Server
from tests.services import free_port, wait_until

BATCHES = 120
BATCH = 250


def _events(spec: Any) -> list[list[dict[str, Any]]]:
    machines = [m.code for line in spec.lines for m in line.machines]
    t0 = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
    out = []
    for b in range(BATCHES):
        batch = []
        for i in range(BATCH):
            n = b * BATCH + i
            ts = (t0 + timedelta(seconds=n)).isoformat().replace("+00:00", "Z")
            machine = machines[n % len(machines)]
            if n % 3:
                batch.append({"id": f"k{n}", "ts": ts, "machine": machine, "type": "count",
                              "good": 1, "reject": 0})  # fmt: skip
            else:
                batch.append({"id": f"k{n}", "ts": ts, "machine": machine, "type": "state",
                              "state": ("producing", "idle", "down")[n % 9 // 3]})  # fmt: skip
        out.append(batch)
    return out


@pytest.fixture
def server(settings: Settings, db: Session) -> Iterator[tuple[Server, str, Any]]:
    spec = build_factory(datetime(2026, 11, 23, 6, 0, tzinfo=UTC))
    load_factory(db, spec, with_users=False)
    _key, token = create_api_key(db, name="gw", scope=ApiKeyScope.DEVICE, role=None)
    db.commit()
    srv = Server(settings.database_url, free_port())
    srv.start()
    yield srv, token, spec
    srv.stop()


@pytest.mark.slow
def test_kill_9_loses_nothing_acknowledged(server: tuple[Server, str, Any], db: Session) -> None:
    srv, token, spec = server
    batches = _events(spec)
    acked: set[str] = set()
    failures = 0
    killed = threading.Event()

    def send_all() -> None:
        nonlocal failures
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=srv.base, headers=headers, timeout=10) as http:
            for batch in batches:
                while True:  # like a real gateway: resend until acknowledged
                    try:
                        r = http.post("/api/v1/ingest", json=batch)
                    except httpx.HTTPError:
                        failures += 1
                        killed.wait()  # the test restarts the server; try again then
                        continue
                    if r.status_code == 200:
                        acked.update(e["id"] for e in batch)
                        break
                    failures += 1

    # A daemon: if the test fails half-way, a sender still waiting must not hang pytest.
    sender = threading.Thread(target=send_all, daemon=True)
    sender.start()
    wait_until(lambda: len(acked) >= 20 * BATCH, timeout=60, what="20 acknowledged batches")
    srv.kill()  # mid-stream, while requests are in flight
    lost_at = len(acked)
    srv.start()
    killed.set()
    sender.join(120)
    assert not sender.is_alive()
    assert lost_at < BATCHES * BATCH  # the kill really happened mid-stream
    assert failures >= 1  # and the sender noticed it
    db.rollback()
    stored = set(db.scalars(select(StateEvent.event_id))) | set(
        db.scalars(select(CountEvent.event_id))
    )
    assert acked <= stored, f"{len(acked - stored)} acknowledged events lost"
    rows = db.scalar(select(func.count()).select_from(StateEvent)) + db.scalar(
        select(func.count()).select_from(CountEvent)
    )
    assert rows == len(stored) == BATCHES * BATCH  # each exactly once
