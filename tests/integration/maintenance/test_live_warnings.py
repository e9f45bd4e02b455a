"""The anomaly detector in the live ingest path, on SQLite and PostgreSQL: telemetry posted
to the real ingest API updates each machine's stored detector; a drift gives one stored
warning (one per episode, not per alarm), a steady signal none; the state survives a
restart; warnings are acknowledged, resolved and turned into one order; anomaly plans
act on the stored warnings."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from linewise.analytics.anomaly import HOLD, machine_detector
from linewise.core.time import utcnow
from linewise.domains.accounts.models import ApiKeyScope
from linewise.domains.accounts.service import create_api_key
from linewise.domains.maintenance import live
from linewise.domains.maintenance.models import AnomalyWarning, DetectorState, MaintenancePlan
from tests.conftest import World

API = "/api/v1/maintenance"
LEARN = 1440  # the machine detector's default learning span (a day of minutes)


@pytest.fixture
def device_token(db: Session, world: World) -> str:
    _key, token = create_api_key(db, name="gateway", scope=ApiKeyScope.DEVICE, role=None)
    db.commit()
    return token


@pytest.fixture
def device(app: FastAPI, device_token: str) -> Iterator[TestClient]:
    with TestClient(app, headers={"Authorization": f"Bearer {device_token}"}) as c:
        yield c


def _ok(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json()


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _vacuum(i: int, drift_from: int | None) -> float:
    """A 7-minute pattern around 83 kPa; from ``drift_from`` on it climbs 0.1 kPa a minute."""
    base = 80.0 + (i % 7)
    return base if drift_from is None or i < drift_from else base + 0.1 * (i - drift_from)


def _post(
    device: TestClient,
    start: datetime,
    idx: range,
    drift_from: int | None,
    machine: str = "SMT-1-PNP1",
) -> None:
    events = [
        {
            "id": f"{machine}-t{i}",
            "ts": _iso(start + timedelta(minutes=i)),
            "machine": machine,
            "type": "telemetry",
            "signals": {"vacuum_kpa": _vacuum(i, drift_from), "temp_c": 40.0 + (i % 3)},
        }
        for i in idx
    ]
    for k in range(0, len(events), 500):
        body = _ok(device.post("/api/v1/ingest", json=events[k : k + 500]))
        assert body["rejected"] == []


def _alarms(n: int, drift_from: int) -> list[int]:
    """The minutes the pure engine (the default detector, as the test app's setting)
    alarms at on the same stream: the live path must give the same. (A new step inside
    the range scores 0.5, below the machine's threshold, yet starts the detector's rest,
    so hand-counting the alarms is not simple.)"""
    m = machine_detector()
    out = []
    for i in range(n):
        _, names = m.update({"vacuum_kpa": _vacuum(i, drift_from), "temp_c": 40.0 + (i % 3)})
        if names:
            out.append(i)
    assert out and out[0] > drift_from  # nothing before the drift
    return out


def _first_out_of_range(drift_from: int) -> int:
    return _alarms(LEARN + 1000, drift_from)[0]


def test_a_drift_through_the_ingest_api_gives_one_stored_warning(
    db: Session, world: World, device: TestClient, as_role: dict[str, TestClient]
) -> None:
    pnp = world.machine_ids["SMT-1-PNP1"]
    start = utcnow().replace(microsecond=0) - timedelta(hours=40)
    # the drift runs on for more than the machine's hold after its first alarm
    n, drift = LEARN + 600 + HOLD, LEARN + 200
    _post(device, start, range(n), drift)
    # A steady machine beside it: same pattern, no drift.
    _post(device, start, range(n), None, machine="TEST-1-ICT")

    sup = as_role["supervisor"]
    [w] = _ok(sup.get(f"{API}/warnings"))
    alarms = _alarms(n, drift)
    assert w["machine_id"] == pnp and w["machine_code"] == "SMT-1-PNP1"
    assert datetime.fromisoformat(w["started_at"]) == start + timedelta(minutes=alarms[0])
    assert datetime.fromisoformat(w["last_at"]) == start + timedelta(minutes=alarms[-1])
    assert w["signals"] == ["vacuum_kpa"] and w["status"] == "open"
    # Several alarms (while out of range, one per hold of the machine), one warning.
    assert w["alarms"] == len(alarms) > 1
    assert all(b - a >= HOLD for a, b in itertools.pairwise(alarms))
    db.expire_all()
    states = {s.machine_id: s.samples for s in db.scalars(select(DetectorState))}
    assert states == {pnp: n, world.machine_ids["TEST-1-ICT"]: n}

    # A resend of the same events is a duplicate: the detector does not see it twice.
    _post(device, start, range(n - 100, n), drift)
    db.expire_all()
    assert db.get(DetectorState, pnp).samples == n  # type: ignore[union-attr]
    assert len(_ok(sup.get(f"{API}/warnings"))) == 1


def test_the_detector_state_survives_a_restart(
    db: Session, world: World, app: FastAPI, device_token: str, as_role: dict[str, TestClient]
) -> None:
    start = utcnow().replace(microsecond=0) - timedelta(hours=40)
    n, drift = LEARN + 300, LEARN + 100
    headers = {"Authorization": f"Bearer {device_token}"}
    with TestClient(app, headers=headers) as first:  # learns the day, then stops
        _post(first, start, range(LEARN + 50), drift)
    live.CACHE.clear()  # a new process holds no detector: it reads the stored state
    with TestClient(app, headers=headers) as second:  # a new recorder: the stored state
        _post(second, start, range(LEARN + 50, n), drift)
    [w] = _ok(as_role["supervisor"].get(f"{API}/warnings"))
    # Had the second process learned afresh, it would still be learning: no warning.
    assert datetime.fromisoformat(w["started_at"]) == start + timedelta(
        minutes=_first_out_of_range(drift)
    )


def test_warnings_are_acknowledged_resolved_and_become_one_order(
    db: Session, world: World, device: TestClient, as_role: dict[str, TestClient]
) -> None:
    sup, op = as_role["supervisor"], as_role["operator"]
    start = utcnow().replace(microsecond=0) - timedelta(hours=40)
    n, drift = LEARN + 300, LEARN + 100
    _post(device, start, range(n), drift)
    [w] = _ok(sup.get(f"{API}/warnings", params={"status": "open"}))
    order = _ok(sup.post(f"{API}/warnings/{w['id']}/order"), 201)
    assert order["kind"] == "preventive" and order["title"] == "Warning: vacuum_kpa"
    assert order["machine_id"] == w["machine_id"]
    again = sup.post(f"{API}/warnings/{w['id']}/order")
    assert again.status_code == 409 and again.headers["content-type"].startswith(
        "application/problem+json"
    )
    [w] = _ok(sup.get(f"{API}/warnings"))
    assert w["order_id"] == order["id"] and w["status"] == "acknowledged"
    assert w["acknowledged_by"]
    assert sup.post(f"{API}/warnings/{w['id']}/acknowledge").status_code == 409
    assert _ok(sup.post(f"{API}/warnings/{w['id']}/resolve"))["status"] == "resolved"
    # The episode is closed: the drift alarming on (once the machine's hold after its
    # last alarm is over) opens a second warning.
    assert [a for a in _alarms(n + HOLD, drift) if a >= n]
    _post(device, start, range(n, n + HOLD), drift)
    ws = _ok(sup.get(f"{API}/warnings"))
    assert [x["status"] for x in ws] == ["open", "resolved"]
    # Operators act on machines of their areas only.
    ict_warning = AnomalyWarning(
        machine_id=world.machine_ids["TEST-1-ICT"],
        started_at=start,
        last_at=start,
        score=1.0,
        signals=["x"],
    )
    db.add(ict_warning)
    db.commit()
    assert op.post(f"{API}/warnings/{ict_warning.id}/order").status_code == 403
    assert {x["machine_code"] for x in _ok(op.get(f"{API}/warnings"))} == {"SMT-1-PNP1"}


def test_an_anomaly_plan_acts_on_the_stored_warning(
    db: Session, world: World, device: TestClient, as_role: dict[str, TestClient]
) -> None:
    sup = as_role["supervisor"]
    pnp = world.machine_ids["SMT-1-PNP1"]
    plan = _ok(
        sup.post(
            f"{API}/plans",
            json={
                "name": "Early warning",
                "machine_id": pnp,
                "trigger": "anomaly",
                "signal": "vacuum_kpa",
            },
        ),
        201,
    )
    row = db.get(MaintenancePlan, plan["id"])
    assert row is not None
    row.created_at = utcnow() - timedelta(days=3)
    db.commit()
    other = _ok(
        sup.post(
            f"{API}/plans",
            json={"name": "Temp", "machine_id": pnp, "trigger": "anomaly", "signal": "temp_c"},
        ),
        201,
    )
    assert other["id"]
    start = utcnow().replace(microsecond=0) - timedelta(hours=30)
    assert _ok(sup.post(f"{API}/generate"))["preventive"] == 0  # no warning yet
    n, drift = LEARN + 300, LEARN + 100
    _post(device, start, range(n), drift)
    assert _ok(sup.post(f"{API}/generate"))["preventive"] == 1  # the temp_c plan: none
    [order] = _ok(sup.get(f"{API}/orders", params={"kind": "preventive"}))
    assert order["note"] == "Anomaly on vacuum_kpa" and order["plan_id"] == plan["id"]
    assert datetime.fromisoformat(order["due_at"]) == start + timedelta(
        minutes=_first_out_of_range(drift)
    )
    [w] = _ok(sup.get(f"{API}/warnings"))
    assert w["order_id"] == order["id"]
