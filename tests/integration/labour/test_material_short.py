"""The allocation board refuses to send an operator to a line whose planned work this
shift lacks material ("material short"), naming the order and the material."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from linewise.domains.planning.models import PlannedOperation, SchedulePlan
from tests.conftest import World
from tests.integration.inventory.conftest import (  # noqa: F401  (fixture)
    Stores,
    post_ok,
    released_order,
    stores,
)
from tests.integration.labour.test_labour_api import API, _board, _calendar, _ok, _operator


def _publish(db: Session, order: dict[str, object], line_id: int, start: datetime) -> None:
    plan = SchedulePlan(kind="full", status="published", horizon_start=start,
                        horizon_end=start + timedelta(days=1), solver_status="feasible",
                        objective={}, published_at=start, instance_blob=b"")  # fmt: skip
    db.add(plan)
    db.flush()
    db.add(PlannedOperation(plan_id=plan.id, order_id=order["id"], line_id=line_id,
                            job_key=str(order["number"]), op_index=0,
                            order_number=str(order["number"]), product_code="CTRL-100",
                            seq=0, name="SMT", start=start,
                            end=start + timedelta(hours=2)))  # fmt: skip
    db.commit()


def test_planned_work_short_of_material_is_a_conflict_until_stock_arrives(
    as_role: dict[str, TestClient],
    world: World,
    stores: Stores,  # noqa: F811
    db: Session,
) -> None:
    sup, planner = as_role["supervisor"], as_role["planner"]
    _calendar(planner, world)
    smt, test = world.line_ids["SMT-1"], world.line_ids["TEST-1"]
    anna = _operator(sup, world, "ANNA", ["smt_operator"])
    board = _board(sup)
    shift_start = datetime.fromisoformat(board["shift"]["start"])
    # PO-S needs 200 g of paste (2 per unit) and the store is empty; it runs on SMT-1
    # in the middle of the shift.
    order = released_order(planner, world, "PO-S", qty=100)
    _publish(db, order, smt, shift_start + timedelta(hours=1))

    def check(line_id: int, who: TestClient = sup) -> list[dict[str, str]]:
        body = {"site_id": board["site_id"], "shift_key": board["shift"]["key"],
                "base_version": board["version"], "action": "assign",
                "operator_id": anna, "line_id": line_id}  # fmt: skip
        conflicts: list[dict[str, str]] = _ok(who.post(f"{API}/allocation/check", json=body))[
            "conflicts"
        ]
        return conflicts

    found = [c for c in check(smt) if c["code"] == "material_short"]
    assert {c["field"] for c in found} == {"line_id"}
    paste = next(c["message"] for c in found if "PASTE" in c["message"])
    assert paste == "PO-S, planned on SMT-1 this shift, is short of PASTE (200 g missing)"
    # Another line has no planned work: no material conflict there.
    assert [c for c in check(test, as_role["manager"]) if c["code"] == "material_short"] == []
    # Saving is refused with the reason, nothing written.
    body = {"site_id": board["site_id"], "shift_key": board["shift"]["key"],
            "base_version": board["version"], "action": "assign", "operator_id": anna,
            "line_id": smt, "reason": ""}  # fmt: skip
    r = sup.post(f"{API}/allocation/changes", json=body)
    assert r.status_code == 409 and "short of PASTE" in r.json()["detail"]
    assert _board(sup)["version"] == board["version"]

    # The store receives enough of everything PO-S needs: the conflict is gone.
    for material, qty in ((stores.paste, 200), (stores.pcb, 200), (stores.label, 200)):
        post_ok(planner, "/stock-movements/receipts", {"material_id": material, "qty": qty})
    assert [c for c in check(smt) if c["code"] == "material_short"] == []
    assert _ok(sup.post(f"{API}/allocation/changes", json=body))["version"] == 1


def test_a_material_short_rule_alerts_until_the_receipt(
    app: FastAPI,
    as_role: dict[str, TestClient],
    world: World,
    stores: Stores,  # noqa: F811
) -> None:
    from sqlalchemy import select

    from linewise.core.db import session_scope
    from linewise.domains.alerts import service as alerts
    from linewise.domains.alerts.models import Alert

    def evaluate() -> list[tuple[str, str]]:
        # Through the app's own sessions (writes wait for the lock, as the job's do).
        with session_scope(app.state.session_factory) as db:
            alerts.evaluate(db, "lead")
        with session_scope(app.state.session_factory) as db:
            return [(a.message, a.state) for a in db.scalars(select(Alert))]

    planner, manager = as_role["planner"], as_role["manager"]
    body = {"name": "Short", "kind": "material_short", "severity": "high",
            "scope_kind": "site", "scope_id": None, "threshold_minutes": 0}  # fmt: skip
    assert manager.post(f"{API}/alert-rules", json=body).status_code == 201
    released_order(planner, world, "PO-S", qty=100)
    post_ok(planner, "/stock-movements/receipts", {"material_id": stores.paste, "qty": 150})
    for material in (stores.pcb, stores.label):
        post_ok(planner, "/stock-movements/receipts", {"material_id": material, "qty": 500})
    assert evaluate() == [("Material short: PO-S needs 50 more PASTE", "firing")]
    post_ok(planner, "/stock-movements/receipts", {"material_id": stores.paste, "qty": 50})
    assert evaluate() == [("Material short: PO-S needs 50 more PASTE", "resolved")]
