"""A hand-checkable machine-day on SMT-1-PNP1 (Monday 2026-11-23, Berlin = UTC+1).

Shift A 06:00–14:00 local (05:00–13:00 UTC) with a break 10:00–10:30 local. In UTC:

    05:00 producing | 07:00 down, no reason (30 min failure) | 07:30 producing
    08:00 offline (30 min no data)     | 08:30 producing
    09:00 idle (inside the break: PDOT) | 09:30 producing
    11:00 down nozzle_jam (60 s minor)  | 11:01 producing
    12:00 setup (15 min)  | 12:15 producing | 13:00 idle (shift over) | 14:00 offline

Counts: CTRL-100 (PRU 30 s) 500 good + 10 reject (5 of the good reworked) at 06:00;
PSU-24 (PRU 60 s) 100 good at 12:30. So POT 28800, PDOT 1800, PBT 27000, APT 22440,
ASUT 900, ADOT 1800, unknown 1800, ADET 60; Σ PRU×PQ 21300, Σ PRU×GQ 21000.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from linewise.config import Settings
from linewise.domains.accounts.models import ApiKeyScope
from linewise.domains.accounts.service import create_api_key
from linewise.domains.people.models import ShiftCalendar, ShiftPattern
from linewise.domains.production.models import Product, RoutingStep, RoutingStepLine
from linewise.domains.quality.models import ReasonCode
from tests.conftest import World

DAY = "2026-11-23"
T0 = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)
PNP = "SMT-1-PNP1"


def at(hours: float) -> str:
    return (T0 + timedelta(hours=hours)).isoformat().replace("+00:00", "Z")


def state(eid: str, hours: float, value: str, machine: str = PNP, **kw: Any) -> dict[str, Any]:
    return {"id": eid, "ts": at(hours), "machine": machine, "type": "state", "state": value, **kw}


def count(eid: str, hours: float, product: str, good: int, reject: int = 0, rework: int = 0,
          machine: str = PNP) -> dict[str, Any]:  # fmt: skip
    return {"id": eid, "ts": at(hours), "machine": machine, "type": "count", "good": good,
            "reject": reject, "rework": rework, "product": product}  # fmt: skip


DAY_EVENTS = [
    state("s1", 0, "producing"),
    state("s2", 2, "down"),
    state("s3", 2.5, "producing"),
    state("s4", 3, "offline"),
    state("s5", 3.5, "producing"),
    state("s6", 4, "idle", reason="no_order"),
    state("s7", 4.5, "producing"),
    state("s8", 6, "down", reason="nozzle_jam", fault="PNP-W01"),
    state("s9", 6 + 1 / 60, "producing"),
    state("s10", 7, "setup"),
    state("s11", 7.25, "producing"),
    state("s12", 8, "idle"),
    state("s13", 9, "offline"),  # the gateway goes away after the shift
    count("c1", 1, "CTRL-100", 500, 10, 5),
    count("c2", 7.5, "PSU-24", 100),
    # The test line's ICT (area TEST) has a stop without reason too.
    state("t1", 0, "producing", machine="TEST-1-ICT"),
    state("t2", 1, "down", machine="TEST-1-ICT"),
    state("t3", 1.5, "producing", machine="TEST-1-ICT"),
]


@pytest.fixture
def factory(db: Session, world: World) -> dict[str, int]:
    """Calendar, a second product with a slower cycle, and a few reason codes."""
    # No read before the writes: a transaction that starts by writing waits for SQLite's
    # lock; one that read first fails when another connection (a job worker) wrote since.
    psu = Product(code="PSU-24", name="Power supply", family="psu")
    psu.steps = [
        RoutingStep(
            seq=1,
            name="SMT",
            work_center_type="SMT",
            eligible=[RoutingStepLine(line_id=world.line_ids["SMT-1"], cycle_time_s=60)],
        )
    ]
    calendar = ShiftCalendar(code="CAL", name="One shift", site_id=world.site_id)
    calendar.patterns = [
        ShiftPattern(
            code="A",
            name="Early",
            start="06:00",
            end="14:00",
            weekdays=[0, 1, 2, 3, 4, 5, 6],
            breaks=[{"start": "10:00", "minutes": 30}],
        )
    ]
    pnp_fault = ReasonCode(
        code="pnp_fault", name="P&P fault", category="downtime", machine_class="pnp"
    )
    material = ReasonCode(code="material", name="Material", category="downtime")
    fixture = ReasonCode(
        code="fixture_fault", name="Fixture", category="downtime", machine_class="ict"
    )
    scrap = ReasonCode(code="solder_bridge", name="Bridge", category="scrap")
    db.add_all([psu, calendar, pnp_fault, material, fixture, scrap])
    db.commit()
    return {
        "pnp_fault": pnp_fault.id,
        "material": material.id,
        "fixture_fault": fixture.id,
        "solder_bridge": scrap.id,
    }


@pytest.fixture
def device(app: FastAPI, db: Session, world: World) -> Iterator[TestClient]:
    _key, token = create_api_key(db, name="gateway", scope=ApiKeyScope.DEVICE, role=None)
    db.commit()
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as c:
        yield c


@pytest.fixture
def day_data(factory: dict[str, int], device: TestClient) -> dict[str, int]:
    # The factory is written before the device's app starts its job workers: on SQLite a
    # fixture's read-then-write transaction fails at once ("database is locked") when a
    # worker commits in between, instead of waiting for the lock.
    r = device.post("/api/v1/ingest", json=DAY_EVENTS)
    assert r.status_code == 200, r.text
    assert r.json()["rejected"] == []
    return factory


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No in-app job workers here: these tests write through their own session while the
    app runs, and the workers' minute-by-minute jobs (KPI refresh, alert evaluation) made
    such writes race with them; the refresh is tested by calling it."""
    return settings.model_copy(update={"jobs_workers": 0})
