"""Alert rules on maintenance: a preventive order due and not started, and an early
warning of a failure (an order opened by an anomaly or condition plan)."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from linewise.core.time import utcnow
from linewise.domains.alerts import service as alerts
from linewise.domains.alerts.models import Alert
from linewise.domains.maintenance.models import MaintenanceOrder
from tests.conftest import World


def _order(db: Session, machine_id: int, title: str, due_min_ago: float, trigger: str,
           **extra: object) -> MaintenanceOrder:  # fmt: skip
    due = utcnow() - timedelta(minutes=due_min_ago)
    order = MaintenanceOrder(kind="preventive", status="planned", machine_id=machine_id,
                             title=title, due_at=due, window_start=due - timedelta(days=1),
                             window_end=due + timedelta(days=1), created_by="plan",
                             trigger_info={"trigger": trigger}, **extra)  # fmt: skip
    db.add(order)
    db.flush()
    return order


def test_maintenance_due_and_early_warnings_raise_their_own_alerts(
    db: Session, world: World, as_role: dict[str, TestClient]
) -> None:
    manager = as_role["manager"]
    pnp, ict = world.machine_ids["SMT-1-PNP1"], world.machine_ids["TEST-1-ICT"]
    for kind, name in (("maintenance_due", "PM due"), ("predicted_failure", "Warning")):
        body = {"name": name, "kind": kind, "severity": "medium", "scope_kind": "line",
                "scope_id": world.line_ids["SMT-1"], "threshold_minutes": 30}  # fmt: skip
        r = manager.post("/api/v1/alert-rules", json=body)
        assert r.status_code == 201, r.text
    _order(db, pnp, "Nozzle service", 45, "time")  # due 45 min ago: past the 30 min
    _order(db, pnp, "Feeder check", 10, "time")  # due 10 min ago: not yet
    _order(db, ict, "Fixture service", 45, "time")  # another line: out of the rules' scope
    started = _order(db, pnp, "Belt service", 90, "usage")
    started.status = "in_progress"  # under way: nothing to warn about
    _order(db, pnp, "Vacuum pump", 60, "anomaly", note="Anomaly on vacuum_kpa")
    db.commit()
    alerts.evaluate(db, "lead")
    db.commit()
    fired = sorted(a.message for a in db.scalars(select(Alert)))
    assert fired == [
        "Early warning: Vacuum pump on Pick&place 1 (Anomaly on vacuum_kpa)",
        "Maintenance due: Nozzle service on Pick&place 1",
    ]
    # Started, the due order's alert resolves; the warning stays until its order moves.
    due = db.scalars(select(MaintenanceOrder).where(MaintenanceOrder.title == "Nozzle service"))
    due.one().status = "in_progress"
    db.commit()
    alerts.evaluate(db, "lead")
    db.commit()
    states = {a.message.split(":")[0]: a.state for a in db.scalars(select(Alert))}
    assert states == {"Early warning": "firing", "Maintenance due": "resolved"}
