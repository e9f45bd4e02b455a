"""Inspection results from test machines over ingest, on SQLite and PostgreSQL: stored
once, projected into results with first pass, measurements, defects and SPC; events
naming an unknown product, step, plan or characteristic go to quarantine with the field
while their valid neighbours are stored."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from linewise.core.time import utcnow
from linewise.domains.accounts.models import ApiKeyScope
from linewise.domains.accounts.service import create_api_key
from linewise.domains.quality.events import SpcViolation
from linewise.domains.quality.models import Defect, Inspection, SpcSignal
from linewise.ingest.models import InspectionEvent, QuarantinedEvent
from tests.conftest import World

API = "/api/v1"
T0 = utcnow().replace(microsecond=0) - timedelta(hours=1)


@pytest.fixture
def device(app: FastAPI, db: Session, world: World) -> Iterator[TestClient]:
    _key, token = create_api_key(db, name="ict-gateway", scope=ApiKeyScope.DEVICE, role=None)
    db.commit()
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as c:
        yield c


def ev(eid: str, minute: int, **kw: Any) -> dict[str, Any]:
    return {
        "id": eid,
        "ts": (T0 + timedelta(minutes=minute)).isoformat(),
        "machine": "TEST-1-ICT",
        "type": "inspection",
        "method": "ict",
        "product": "CTRL-100",
        "step": 2,
        "passed": True,
        **kw,
    }


def test_machine_results_are_projected_once_and_bad_ones_quarantined(
    device: TestClient,
    as_role: dict[str, TestClient],
    world: World,
    db: Session,
    app: FastAPI,
) -> None:
    heard: list[SpcViolation] = []
    got = threading.Event()

    def on_violation(event: SpcViolation) -> None:
        heard.append(event)
        got.set()

    app.state.bus.subscribe(on_violation, SpcViolation)
    planner = as_role["planner"]
    plan = planner.post(
        f"{API}/quality/plans",
        json={
            "product_id": world.product_id,
            "step_seq": 2,
            "name": "ICT",
            "opportunities_per_unit": 50,
        },
    ).json()["id"]
    volt = planner.post(
        f"{API}/quality/characteristics",
        json={"plan_id": plan, "name": "U_out", "kind": "variable", "lsl": 4.7, "usl": 5.3,
              "rules": ["nelson1"]},
    ).json()["id"]  # fmt: skip
    readings = [5.00, 5.01, 4.99, 5.00, 5.02, 4.98, 5.00, 5.01, 4.99, 5.00]
    good = [ev(f"i{i}", i, serial=f"S{i}", values={"U_out": v}) for i, v in enumerate(readings)]
    bad_unit = ev("i10", 10, serial="S10", passed=False, values={"U_out": 5.29},
                  defects=[{"code": "BRIDGE", "ref": "U7"}])  # fmt: skip
    hostile = [
        ev("x1", 11, product="NOPE"),
        ev("x2", 11, step=9),
        ev("x3", 11, plan="AOI"),
        ev("x4", 11, values={"Nope": 1.0}),
        ev("x5", 11, values={"U_out": "5.0"}),
        ev("x6", 11, method="xray"),
    ]
    r = device.post(f"{API}/ingest", json=[*good, bad_unit, *hostile])
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["accepted"] == 11
    fields = sorted(x["field"] for x in body["rejected"])
    assert fields == ["method", "plan", "product", "step", "values.Nope", "values.U_out"]
    again = device.post(f"{API}/ingest", json=[bad_unit])
    assert again.json()["duplicates"] == 1
    db.expire_all()
    assert db.scalar(select(func.count(InspectionEvent.id))) == 11
    assert db.scalar(select(func.count(Inspection.id))) == 11
    assert db.scalar(select(func.count(QuarantinedEvent.id))) == 6
    last = db.scalars(select(Inspection).where(Inspection.serial == "S10")).one()
    assert (last.passed, last.first_pass, last.source, last.plan_id) == (
        False,
        True,
        "machine",
        plan,
    )
    assert last.line_id == world.line_ids["TEST-1"]
    assert db.scalars(select(Defect.ref_designator)).all() == ["U7"]
    # 5.29 is in specification but far beyond the control limits of the readings
    assert db.scalars(select(SpcSignal.rule)).all() == ["nelson1"]
    # published on the bus after the recorder's commit (the alert evaluator listens)
    assert got.wait(5)
    assert [(e.characteristic, e.rules, e.machine_id) for e in heard] == [
        ("U_out", ("nelson1",), world.machine_ids["TEST-1-ICT"])
    ]
    chart = as_role["manager"].get(f"{API}/quality/characteristics/{volt}/chart").json()
    assert chart["points"][-1]["violations"] == ["nelson1"]
    fig = (
        as_role["manager"]
        .get(f"{API}/quality/figures", params={"from": (T0 - timedelta(minutes=1)).isoformat()})
        .json()
    )
    assert (fig["inspected"], fig["first_pass_good"]) == (11, 10)
    assert abs(fig["dpmo"] - 1 / (11 * 50) * 1e6) < 1e-6


def test_machine_verdicts_feed_an_attribute_p_chart(
    device: TestClient, as_role: dict[str, TestClient], world: World, db: Session
) -> None:
    """``verdicts`` carry attribute characteristics (pass/fail) by name; they chart as a p
    chart in samples of the subgroup size. A verdict for a variable, or a value for an
    attribute, goes to quarantine with the field."""
    planner = as_role["planner"]
    plan = planner.post(
        f"{API}/quality/plans", json={"product_id": world.product_id, "step_seq": 2, "name": "ICT"}
    ).json()["id"]
    scan = planner.post(
        f"{API}/quality/characteristics",
        json={"plan_id": plan, "name": "Boundary scan", "kind": "attribute", "subgroup_size": 4},
    ).json()
    assert scan["chart"] == "p"
    planner.post(
        f"{API}/quality/characteristics",
        json={"plan_id": plan, "name": "U_out", "kind": "variable", "lsl": 4.7, "usl": 5.3},
    )
    fails = {2, 9, 10}
    events = [
        ev(f"b{i}", i, serial=f"B{i}", passed=i not in fails,
           verdicts={"Boundary scan": i not in fails}, values={"U_out": 5.0})
        for i in range(12)
    ]  # fmt: skip
    hostile = [
        ev("y1", 13, verdicts={"U_out": True}),
        ev("y2", 13, values={"Boundary scan": 1.0}),
        ev("y3", 13, verdicts={"Nope": False}),
        ev("y4", 13, verdicts={"Boundary scan": "yes"}),
    ]
    body = device.post(f"{API}/ingest", json=[*events, *hostile]).json()
    assert body["accepted"] == 12
    assert sorted(x["field"] for x in body["rejected"]) == [
        "values.Boundary scan",
        "verdicts.Boundary scan",
        "verdicts.Nope",
        "verdicts.U_out",
    ]
    chart = as_role["manager"].get(f"{API}/quality/characteristics/{scan['id']}/chart").json()
    assert chart["kind"] == "p"
    assert [(s["units"], s["nonconforming"]) for s in chart["samples"]] == [(4, 1), (4, 0), (4, 2)]
    assert [p["value"] for p in chart["points"]] == [0.25, 0.0, 0.5]
    assert abs(chart["center"] - 3 / 12) < 1e-12
