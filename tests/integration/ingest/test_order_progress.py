"""Order progress from machine counts over HTTP ingest: each stored event moves it once,
and a machine at work puts the stage on its own line, where the scheduler freezes it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from linewise.domains.equipment.models import Line, Machine
from linewise.domains.planning.builder import build_problem
from linewise.domains.production.models import (
    OrderOperation,
    ProductionOrder,
    RoutingStep,
    RoutingStepLine,
)
from tests.conftest import World
from tests.integration.ingest.conftest import T0, count


def _released_order(planner: TestClient, world: World, number: str) -> dict[str, Any]:
    order = planner.post(
        "/api/v1/orders",
        json={"number": number, "product_id": world.product_id, "quantity": 100,
              "due_date": "2099-01-10T12:00:00Z"},
    ).json()  # fmt: skip
    r = planner.post(
        f"/api/v1/orders/{order['id']}/transitions", json={"to": "released", "version": 1}
    )
    assert r.status_code == 200, r.text
    return dict(r.json())


def _second_smt_line(db: Session, world: World) -> Line:
    """SMT-2, a second line for the SMT step, with two stations: its printer (first) and
    its pick & place (last, the line's output)."""
    smt = db.get(Line, world.line_ids["SMT-1"])
    assert smt is not None
    smt2 = Line(area_id=smt.area_id, code="SMT-2", name="SMT line 2", type="SMT")
    printer = Machine(line=smt2, code="SMT-2-PRN", name="Printer", kind="printer", position=1)
    pnp = Machine(line=smt2, code="SMT-2-PNP", name="P&P", kind="pnp", position=2)
    db.add_all([smt2, printer, pnp])
    step = db.scalars(
        select(RoutingStep).where(RoutingStep.product_id == world.product_id, RoutingStep.seq == 1)
    ).one()
    step.eligible.append(RoutingStepLine(line=smt2, cycle_time_s=30))
    db.commit()
    return smt2


def test_a_count_without_a_step_finds_the_stage_its_line_can_run(
    device: TestClient, as_role: dict[str, TestClient], db: Session, world: World
) -> None:
    smt2 = _second_smt_line(db, world)
    planner = as_role["planner"]
    order = _released_order(planner, world, "PO-NOSTEP")
    r = device.post(
        "/api/v1/ingest", json=[count("n1", 5, 4, machine="SMT-2-PNP", order="PO-NOSTEP")]
    )
    assert r.json()["accepted"] == 1, r.json()  # was refused: the stage had no line yet
    op = planner.get(f"/api/v1/orders/{order['id']}").json()["operations"][0]
    assert (op["status"], op["line"]["id"], op["good_qty"]) == ("in_progress", smt2.id, 4)
    # The TEST line's machine names no step either: the order's test stage it is.
    device.post("/api/v1/ingest", json=[count("n2", 9, 2, machine="TEST-1-ICT", order="PO-NOSTEP")])
    ops = planner.get(f"/api/v1/orders/{order['id']}").json()["operations"]
    assert [(o["status"], o["good_qty"]) for o in ops] == [("in_progress", 4), ("in_progress", 2)]


def test_the_same_count_twice_in_one_request_moves_progress_once(
    device: TestClient, as_role: dict[str, TestClient], world: World
) -> None:
    planner = as_role["planner"]
    order = _released_order(planner, world, "PO-DUP")
    twice = count("c1", 10, 7, 1, order="PO-DUP", operation=1)
    r = device.post("/api/v1/ingest", json=[twice, twice, count("c2", 20, 3, order="PO-DUP")])
    assert (r.json()["accepted"], r.json()["duplicates"]) == (2, 1)
    op = planner.get(f"/api/v1/orders/{order['id']}").json()["operations"][0]
    assert (op["good_qty"], op["scrap_qty"]) == (10, 1)  # was (17, 2): summed per row
    # The same count again, twice in one request, in a second request: nothing moves.
    r = device.post("/api/v1/ingest", json=[twice, twice])
    assert (r.json()["accepted"], r.json()["duplicates"]) == (0, 2)
    op = planner.get(f"/api/v1/orders/{order['id']}").json()["operations"][0]
    assert (op["good_qty"], op["scrap_qty"]) == (10, 1)


def test_counts_start_a_pending_stage_at_the_count_time(
    device: TestClient, as_role: dict[str, TestClient], world: World
) -> None:
    planner = as_role["planner"]
    order = _released_order(planner, world, "PO-ST")
    device.post("/api/v1/ingest", json=[count("c2", 60, 5, order="PO-ST", operation=1)])
    device.post("/api/v1/ingest", json=[count("c1", 30, 5, order="PO-ST", operation=1)])
    detail = planner.get(f"/api/v1/orders/{order['id']}").json()
    op = detail["operations"][0]
    assert op["status"] == "in_progress" and op["good_qty"] == 10
    assert op["line"]["id"] == world.line_ids["SMT-1"]
    # The earliest work, not the time the server heard of it.
    assert datetime.fromisoformat(op["started_at"]) == T0 + timedelta(seconds=30)
    assert detail["status"] == "in_progress"
    assert detail["operations"][1]["status"] == "pending"
    # The operator starts it on the terminal too: confirmed, not a conflict; the
    # machine's earlier work stays its start.
    r = as_role["admin"].post(
        f"/api/v1/orders/{order['id']}/operations/{op['id']}/actions",
        json={"action": "start", "version": op["version"]},
    )
    assert r.status_code == 200, r.text
    again = r.json()["operations"][0]
    assert (again["status"], again["started_at"]) == ("in_progress", op["started_at"])


def test_a_machine_at_work_puts_the_stage_on_its_line_and_the_plan_freezes_it_there(
    device: TestClient, as_role: dict[str, TestClient], db: Session, world: World
) -> None:
    """The demo showed SMT-1 running an order whose SMT stage read "pending, line not
    assigned", and the optimizer planned that stage on SMT-2."""
    smt2 = _second_smt_line(db, world)
    planner = as_role["planner"]
    order = _released_order(planner, world, "PO-LINE")
    assert order["operations"][0]["line"] is None  # two eligible lines: undecided

    # The head station at work starts the stage on its line, without quantities ...
    r = device.post(
        "/api/v1/ingest",
        json=[count("p1", 10, 6, machine="SMT-2-PRN", order="PO-LINE", operation=1)],
    )
    assert r.json()["accepted"] == 1
    op = planner.get(f"/api/v1/orders/{order['id']}").json()["operations"][0]
    assert (op["status"], op["line"]["id"], op["good_qty"]) == ("in_progress", smt2.id, 0)
    # ... the output station's counts are its quantities.
    device.post(
        "/api/v1/ingest",
        json=[count("o1", 40, 5, machine="SMT-2-PNP", order="PO-LINE", operation=1)],
    )
    op = planner.get(f"/api/v1/orders/{order['id']}").json()["operations"][0]
    assert (op["status"], op["line"]["id"], op["good_qty"]) == ("in_progress", smt2.id, 5)

    db.expire_all()
    problem = build_problem(db, datetime(2099, 1, 1, tzinfo=UTC), timedelta(days=7))
    key = problem.key_of_operation(op["id"])
    assert key is not None
    job = next(j for j in problem.instance.jobs if j.id == key[0])
    planned = job.operations[key[1]]
    assert planned.frozen is not None
    assert planned.frozen.resource == problem.resource_of_line(smt2.id)
    assert planned.modes[0].duration == 95 * 30  # what is left to make
    stored = db.get(OrderOperation, op["id"])
    created = order["operations"][0]["version"]
    assert stored is not None and stored.version == created  # machine facts are no edit
    order_row = db.get(ProductionOrder, order["id"])
    assert order_row is not None and order_row.status == "in_progress"


def test_one_message_starts_several_orders(
    device: TestClient, as_role: dict[str, TestClient], world: World
) -> None:
    planner = as_role["planner"]
    orders = [_released_order(planner, world, f"PO-M{i}") for i in range(3)]
    events = [count(f"m{i}", i, 2, order=f"PO-M{i}", operation=1) for i in range(3)]
    assert device.post("/api/v1/ingest", json=events).json()["accepted"] == 3
    for order in orders:
        detail = planner.get(f"/api/v1/orders/{order['id']}").json()
        assert detail["status"] == "in_progress"
        assert detail["operations"][0]["good_qty"] == 2
