"""Material availability from BOM, stock and receipts, built from the database and planned."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from linewise.domains.inventory.models import Material, Receipt, StockLevel
from linewise.domains.planning.builder import build_problem
from linewise.domains.planning.service import PlanningRuntime
from linewise.domains.production.models import (
    BomItem,
    OperationStatus,
    OrderStatus,
    Product,
)
from linewise.domains.production.service import create_order
from tests.conftest import World
from tests.integration.planning.conftest import QUICK, plan_problems

NOW = datetime.now(UTC).replace(second=0, microsecond=0)
HORIZON = timedelta(days=14)


def _supplied_world(db: Session, world: World) -> dict[str, Any]:
    """CTRL-100 needs 1 MCU and 2 g paste per unit; stock, one receipt, four orders.

    Boxes are in the BOM too, but their stock is not kept in Linewise: not checked.

    - PO-A (due first, 50 pcs): covered from stock.
    - PO-B (due next, 50 pcs): the stock of paste is gone, it waits for receipt PO-77.
    - PO-C (due last, 1000 pcs): more MCUs than anyone will deliver: short.
    - PO-D (in progress): its material is issued, it needs nothing.
    """
    mcu = Material(code="IC-MCU", name="Microcontroller", unit="pcs")
    paste = Material(code="PASTE", name="Solder paste", unit="g")
    box = Material(code="BOX", name="Shipping box", unit="pcs")
    product = db.get_one(Product, world.product_id)
    product.bom = [
        BomItem(material=mcu, quantity_per_unit=1),
        BomItem(material=paste, quantity_per_unit=2),
        BomItem(material=box, quantity_per_unit=0.1),
    ]
    arrives = NOW + timedelta(days=2, hours=3)
    db.add_all(
        [
            StockLevel(material=mcu, quantity=150),
            StockLevel(material=paste, quantity=100),
            Receipt(material=paste, quantity=500, expected_at=arrives, reference="PO-77"),
            Receipt(
                material=mcu,
                quantity=10_000,
                expected_at=NOW + timedelta(days=1),
                status="cancelled",
                reference="PO-78",
            ),
        ]
    )
    db.flush()
    orders = {}
    for number, qty, due_days in (
        ("PO-A", 50, 1),
        ("PO-B", 50, 3),
        ("PO-C", 1000, 5),
        ("PO-D", 500, 0.5),
    ):
        orders[number] = create_order(
            db,
            {
                "number": number,
                "product_id": world.product_id,
                "quantity": qty,
                "due_date": NOW + timedelta(days=due_days),
                "priority": 3,
            },
        )
    running = orders["PO-D"]
    running.status = OrderStatus.IN_PROGRESS
    running.operations[0].status = OperationStatus.IN_PROGRESS
    running.operations[0].line_id = world.line_ids["SMT-1"]
    db.commit()
    return {"arrives": arrives}


def _head(problem: Any, key: str) -> Any:
    job = next(j for j in problem.instance.jobs if j.id == key)
    return job.operations[0]


def test_builder_sets_material_ready_and_warns_of_the_short_order(
    db: Session, world: World
) -> None:
    supplied = _supplied_world(db, world)
    problem = build_problem(db, NOW, HORIZON)
    assert _head(problem, "PO-A").material_ready == 0
    assert _head(problem, "PO-B").material_ready == problem.seconds(supplied["arrives"])
    assert _head(problem, "PO-C").material_ready == problem.seconds(problem.end)
    assert _head(problem, "PO-D").material_ready == 0
    # Only the head of the routing waits (kitting before SMT).
    job_b = next(j for j in problem.instance.jobs if j.id == "PO-B")
    assert all(op.material_ready == 0 for op in job_b.operations[1:])
    short = [w for w in problem.warnings if w.startswith("PO-C")]
    # PO-A and PO-B take 100 of the 150 MCUs: 950 are missing, and 1600 g of paste.
    assert any("950 pcs of IC-MCU" in w for w in short), problem.warnings
    assert any("1,600 g of PASTE" in w for w in short), problem.warnings
    assert not [w for w in problem.warnings if w.startswith(("PO-A", "PO-B", "PO-D"))]
    assert any(w.startswith("material availability not checked for BOX") for w in problem.warnings)
    wait = problem.materials["PO-B"]
    assert (wait.code, wait.until, wait.reference) == ("PASTE", supplied["arrives"], "PO-77")
    assert problem.materials["PO-C"].until is None
    assert "PO-A" not in problem.materials and "PO-D" not in problem.materials


def test_received_delivery_ends_the_wait(db: Session, world: World) -> None:
    _supplied_world(db, world)
    receipt = db.query(Receipt).filter_by(reference="PO-77").one()
    receipt.status = "received"
    paste = db.query(StockLevel).filter_by(material_id=receipt.material_id).one()
    paste.quantity += receipt.quantity
    db.commit()
    problem = build_problem(db, NOW, HORIZON)
    assert _head(problem, "PO-B").material_ready == 0
    assert "PO-B" not in problem.materials


def test_plan_starts_the_order_after_its_delivery(
    app: FastAPI, db: Session, world: World, as_role: dict[str, TestClient]
) -> None:
    supplied = _supplied_world(db, world)
    planner = as_role["planner"]
    with TestClient(app):  # the app's services, the planner among them, run
        r = planner.post("/api/v1/schedules", json=QUICK)
        assert r.status_code == 202, r.text
        runtime: PlanningRuntime = app.state.planning
        assert runtime.wait(r.json()["id"], 60.0)
        run = planner.get(f"/api/v1/schedules/{r.json()['id']}").json()
    assert run["status"] == "succeeded", run
    gantt = planner.get(f"/api/v1/plans/{run['plan_id']}").json()
    ops = [op for line in gantt["lines"] for op in line["operations"]]
    first_b = min((op for op in ops if op["order_number"] == "PO-B"), key=lambda op: op["seq"])
    assert datetime.fromisoformat(first_b["start"]) >= supplied["arrives"]
    assert first_b["material_wait"]["code"] == "PASTE"
    assert datetime.fromisoformat(first_b["material_wait"]["until"]) == supplied["arrives"]
    orders = {o["order_number"]: o for o in gantt["orders"]}
    assert orders["PO-C"]["material_wait"]["short"] is True
    assert orders["PO-A"]["material_wait"] is None
    assert any(w.startswith("PO-C: short of") for w in gantt["warnings"])
    # The engine's independent validator agrees with the stored plan (material included).
    assert plan_problems(db, run["plan_id"]) == []
    first_c = min((op for op in ops if op["order_number"] == "PO-C"), key=lambda op: op["seq"])
    assert datetime.fromisoformat(first_c["start"]) >= NOW + HORIZON
