"""Idle risks of the clocked-in operators: state and cause from clocking, the terminal and
the station's machines; the shipped operator model's risk; area scoping; a clock-out
removes the row; the idle_risk alert rule counts from the flag's start."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from linewise.allocation.risk import FLAG_ABOVE, Snapshot, shipped_operator_model
from linewise.core.time import utcnow
from linewise.domains.alerts import service as alerts
from linewise.domains.alerts.models import AlertRule
from linewise.domains.equipment.models import Area
from linewise.domains.idle import service
from linewise.domains.idle.models import OperatorIdleRisk
from linewise.domains.labour.models import ClockEntry, WorkInterval
from linewise.domains.people.models import Operator
from linewise.domains.terminal.models import TerminalAction
from linewise.ingest.models import StateInterval
from tests.conftest import World
from tests.integration.test_delivery import add_order

API = "/api/v1"


def test_clocked_in_operators_get_a_risk_with_its_cause(
    db: Session, world: World, as_role: dict[str, TestClient]
) -> None:
    now = utcnow()
    smt = db.get(Area, world.area_ids["SMT"])
    tst = db.get(Area, world.area_ids["TEST"])
    # Ada runs an operation on SMT-1 since 20 minutes; Bo stands on no station; Cy stands
    # at the ICT, which is down; Di clocked out already.
    ada = Operator(code="ADA", name="Ada", areas=[smt], user_id=world.user_ids["operator"])
    bo = Operator(code="BO", name="Bo", areas=[smt])
    cy = Operator(code="CY", name="Cy", areas=[tst])
    di = Operator(code="DI", name="Di", areas=[smt])
    db.add_all([ada, bo, cy, di])
    order = add_order(db, world, "PO-R", now + timedelta(days=2), "in_progress", [
        {"status": "in_progress", "started_at": now - timedelta(minutes=20)},
        {"status": "pending"},
    ])  # fmt: skip
    db.flush()
    db.add_all(
        [
            ClockEntry(operator_id=ada.id, clock_in=now - timedelta(minutes=60)),
            ClockEntry(operator_id=bo.id, clock_in=now - timedelta(minutes=40)),
            ClockEntry(operator_id=cy.id, clock_in=now - timedelta(minutes=30)),
            ClockEntry(
                operator_id=di.id,
                clock_in=now - timedelta(minutes=50),
                clock_out=now - timedelta(minutes=5),
            ),
            WorkInterval(
                operator_id=ada.id,
                line_id=world.line_ids["SMT-1"],
                started_at=now - timedelta(minutes=60),
            ),
            WorkInterval(
                operator_id=cy.id,
                line_id=world.line_ids["TEST-1"],
                started_at=now - timedelta(minutes=30),
            ),
            TerminalAction(
                key="start-1",
                fingerprint="x",
                kind="start",
                operation_id=order.operations[0].id,
                actor="user:operator",
                created_at=now - timedelta(minutes=20),
                answer={},
            ),
            StateInterval(
                machine_id=world.machine_ids["TEST-1-ICT"],
                start=now - timedelta(minutes=35),
                state="down",
            ),
        ]
    )
    db.commit()
    service.refresh(db, now)
    db.commit()
    body = as_role["manager"].get(f"{API}/idle/risks").json()
    rows = {r["operator_code"]: r for r in body["operators"]}
    assert set(rows) == {"ADA", "BO", "CY"}  # Di is out
    assert (rows["ADA"]["state"], rows["ADA"]["cause"]) == ("working", None)
    assert (rows["BO"]["state"], rows["BO"]["cause"]) == ("idle", "no_assignment")
    assert (rows["CY"]["state"], rows["CY"]["cause"]) == ("idle", "machine_down")
    assert rows["ADA"]["line_code"] == "SMT-1" and rows["BO"]["line_code"] is None
    model = shipped_operator_model()
    # Ada: working for 20 minutes, idle 40 of her last hour; Bo: idle all 40 minutes.
    expected = {
        "ADA": model.risk(Snapshot("producing", 20.0, 40 / 60, None, None), 15),
        "BO": model.risk(Snapshot("idle", 40.0, 40 / 60, None, None), 15),
        "CY": model.risk(Snapshot("idle", 30.0, 30 / 60, None, None), 15),
    }
    for code, risk in expected.items():
        assert rows[code]["risk_15"] == pytest.approx(risk, abs=1e-3), code
        assert rows[code]["flagged"] == (risk > FLAG_ABOVE)
    assert rows["BO"]["risk_15"] > rows["ADA"]["risk_15"]
    # highest risk first
    risks = [r["risk_15"] for r in body["operators"]]
    assert risks == sorted(risks, reverse=True)
    # a supervisor of SMT sees SMT's operators only
    assert {r["operator_code"] for r in service.operator_risks(db, frozenset({smt.id}))} == {
        "ADA",
        "BO",
    }
    # Ada clocks out: her row goes at the next refresh
    entry = db.scalars(select(ClockEntry).where(ClockEntry.operator_id == ada.id)).one()
    entry.clock_out = now + timedelta(minutes=1)
    db.commit()
    service.refresh(db, now + timedelta(minutes=2))
    db.commit()
    left = {r.operator_id for r in db.scalars(select(OperatorIdleRisk))}
    assert left == {bo.id, cy.id}


def test_an_idle_risk_rule_alerts_for_a_flagged_operator_of_its_area(
    db: Session, world: World
) -> None:
    now = utcnow()
    smt = db.get(Area, world.area_ids["SMT"])
    tst = db.get(Area, world.area_ids["TEST"])
    bo = Operator(code="BO", name="Bo", areas=[smt])  # on no station, idle 40 minutes
    cy = Operator(code="CY", name="Cy", areas=[tst])
    db.add_all([bo, cy])
    db.flush()
    db.add_all(
        [
            ClockEntry(operator_id=bo.id, clock_in=now - timedelta(minutes=40)),
            ClockEntry(operator_id=cy.id, clock_in=now - timedelta(minutes=40)),
            AlertRule(
                name="Idle people",
                kind="idle_risk",
                severity="medium",
                scope_kind="area",
                scope_id=smt.id,
                threshold_minutes=10,
                enabled=True,
            ),
        ]
    )
    db.commit()
    service.refresh(db, now)
    db.commit()
    flagged = {r.operator_id: r for r in db.scalars(select(OperatorIdleRisk))}
    assert flagged[bo.id].flagged and flagged[bo.id].flagged_since == flagged[bo.id].computed_at
    # flagged just now: not yet for the rule's 10 minutes
    assert alerts.evaluate(db, [], now) == []
    # eleven minutes on, still flagged: the flag's start stays where it was
    later = now + timedelta(minutes=11)
    service.refresh(db, later)
    db.commit()
    db.refresh(flagged[bo.id])
    assert flagged[bo.id].flagged and flagged[bo.id].flagged_since == now
    [alert] = alerts.evaluate(db, [], later)  # Cy is flagged too, but in TEST
    assert alert.machine_id is None
    assert alert.message == "Bo: idle risk above 80 % within 15 min"
