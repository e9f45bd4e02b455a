"""Spare parts on maintenance orders, on SQLite and PostgreSQL: a part used is an issue
in the material ledger whose cause is the order (stock on hand falls, the planner's
figure too), a resent form books once, a location that does not go below zero refuses
a shortfall, removing a part books the issue's reversal (never an edit), and who may
do it follows maintenance:execute and the areas."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from linewise.domains.inventory.models import StockLevel, StockMovement
from tests.conftest import World

API = "/api/v1"


def _ok(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json()


def _field(r: Any, status: int) -> str:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    return str(r.json()["errors"][0]["field"])


def _on_hand(client: TestClient, material_id: int) -> dict[tuple[str, str], float]:
    rows = _ok(client.get(f"{API}/stock", params={"material_id": material_id}))
    return {(s["location"]["code"], s["lot"]): s["qty"] for s in rows}


def _order(client: TestClient, machine_id: int, title: str, start: bool = True) -> int:
    body = {"machine_id": machine_id, "kind": "corrective", "title": title}
    order = _ok(client.post(f"{API}/maintenance/orders", json=body), 201)
    if start:
        body = {"to": "in_progress"}
        _ok(client.post(f"{API}/maintenance/orders/{order['id']}/transition", json=body))
    return int(order["id"])


def _setup(as_role: dict[str, TestClient], world: World) -> tuple[int, int, int]:
    """A nozzle in stock: 10 in the store (lot N-1), 2 in a cabinet that never goes
    below zero."""
    planner = as_role["planner"]
    nozzle = _ok(planner.post(f"{API}/materials", json={"code": "NOZZLE", "name": "Nozzle"}), 201)
    site = world.site_id
    store = _ok(planner.post(f"{API}/stock-locations",
                             json={"site_id": site, "code": "ST", "name": "Store",
                                   "kind": "store"}), 201)  # fmt: skip
    cabinet = _ok(planner.post(f"{API}/stock-locations",
                               json={"site_id": site, "code": "CAB", "name": "Spares cabinet",
                                     "kind": "line_side", "negative": "refuse"}), 201)  # fmt: skip
    for loc, qty, lot in ((store["id"], 10, "N-1"), (cabinet["id"], 2, "")):
        body = {"material_id": nozzle["id"], "qty": qty, "lot": lot, "location_id": loc}
        _ok(planner.post(f"{API}/stock-movements/receipts", json=body), 201)
    return int(nozzle["id"]), int(store["id"]), int(cabinet["id"])


def test_a_part_used_is_an_issue_to_the_order_and_removing_it_a_reversal(
    db: Session, world: World, as_role: dict[str, TestClient]
) -> None:
    sup, planner = as_role["supervisor"], as_role["planner"]
    nozzle, store, cabinet = _setup(as_role, world)
    pnp = world.machine_ids["SMT-1-PNP1"]
    planned = _order(sup, pnp, "Vacuum low", start=False)
    parts = f"{API}/maintenance/orders/{planned}/parts"
    # Not yet started (nor scheduled): no parts, as no labour.
    body = {"material_id": nozzle, "qty": 1, "location_id": store}
    assert _field(sup.post(parts, json=body), 409) == "status"
    order = _order(sup, pnp, "Nozzle broken")
    parts = f"{API}/maintenance/orders/{order}/parts"
    body = {"material_id": nozzle, "qty": 3, "lot": "N-1", "location_id": store,
            "client_ref": "form-0001"}  # fmt: skip
    part = _ok(sup.post(parts, json=body), 201)
    assert (part["material_code"], part["qty"], part["lot"], part["location_code"]) == (
        "NOZZLE", 3, "N-1", "ST",
    )  # fmt: skip
    assert (part["by"], part["removed"]) == ("supervisor", False)
    assert _on_hand(planner, nozzle) == {("ST", "N-1"): 7, ("CAB", ""): 2}
    db.expire_all()
    level = db.scalar(select(StockLevel.quantity).where(StockLevel.material_id == nozzle))
    assert level == 9  # the planner's plant-wide figure moved with it
    # The ledger names the order and the person as the cause.
    [issue] = _ok(planner.get(f"{API}/stock-movements", params={"kind": "issue"}))
    assert (issue["id"], issue["cause"], issue["maintenance_order_id"]) == (
        part["id"], "maintenance", order,
    )  # fmt: skip
    assert issue["by"].endswith("supervisor") and issue["from_location"]["code"] == "ST"
    # The same form sent again books once.
    again = _ok(sup.post(parts, json=body), 201)
    assert again["id"] == part["id"]
    assert _on_hand(planner, nozzle)[("ST", "N-1")] == 7
    # Without a location: the site's store.
    second = _ok(sup.post(parts, json={"material_id": nozzle, "qty": 1, "lot": "N-1"}), 201)
    assert second["location_code"] == "ST"
    assert _on_hand(planner, nozzle)[("ST", "N-1")] == 6

    # The cabinet does not go below zero: refused, naming the quantity; nothing written.
    before = db.scalar(select(func.count()).select_from(StockMovement))
    r = sup.post(parts, json={"material_id": nozzle, "qty": 3, "location_id": cabinet})
    assert _field(r, 409) == "qty"
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(StockMovement)) == before
    assert _on_hand(planner, nozzle)[("CAB", "")] == 2
    # Hostile input names the field.
    assert _field(sup.post(parts, json={"material_id": 99999, "qty": 1}), 422) == "material_id"
    assert _field(sup.post(parts, json={"material_id": nozzle, "qty": -1}), 422) == "qty"
    r = sup.post(parts, json={"material_id": nozzle, "qty": 1, "location_id": 99999})
    assert _field(r, 422) == "location_id"
    r = sup.post(parts, json={"material_id": nozzle, "qty": 1, "unit": "reel"})
    assert _field(r, 422) == "unit"

    # Removed (a mistake): the issue's reversal puts it back; the list keeps it.
    removed = _ok(sup.post(f"{parts}/{part['id']}/removal", json={}), 201)
    assert (removed["removed"], removed["removed_by"]) == (True, "supervisor")
    assert _on_hand(planner, nozzle)[("ST", "N-1")] == 9
    [reversal] = _ok(planner.get(f"{API}/stock-movements", params={"kind": "reversal"}))
    assert (reversal["reverses_id"], reversal["maintenance_order_id"]) == (part["id"], order)
    db.expire_all()
    original = db.get(StockMovement, part["id"])
    assert original is not None and original.qty == 3  # never edited
    # Twice is refused; a movement that is not a part of this order is no part of it.
    assert _field(sup.post(f"{parts}/{part['id']}/removal", json={}), 409) == "movement_id"
    assert _field(sup.post(f"{parts}/{reversal['id']}/removal", json={}), 422) == "movement_id"
    listed = _ok(sup.get(parts))
    assert [(p["id"], p["removed"]) for p in listed] == [(part["id"], True), (second["id"], False)]


def test_who_may_book_parts(db: Session, world: World, as_role: dict[str, TestClient]) -> None:
    nozzle, store, _cabinet = _setup(as_role, world)
    mgr = as_role["manager"]
    smt = _order(mgr, world.machine_ids["SMT-1-PNP1"], "Feeder jam")
    test = _order(mgr, world.machine_ids["TEST-1-ICT"], "Fixture worn")
    body = {"material_id": nozzle, "qty": 1, "lot": "N-1", "location_id": store}
    # An operator of the SMT area books on an SMT machine's order, not on the test line's.
    part = _ok(as_role["operator"].post(f"{API}/maintenance/orders/{smt}/parts", json=body), 201)
    r = as_role["operator"].post(f"{API}/maintenance/orders/{test}/parts", json=body)
    assert r.status_code == 403
    # Planners plan stock, not maintenance work; every role reads the parts.
    r = as_role["planner"].post(f"{API}/maintenance/orders/{smt}/parts", json=body)
    assert r.status_code == 403
    removal = f"{API}/maintenance/orders/{smt}/parts/{part['id']}/removal"
    assert as_role["planner"].post(removal, json={}).status_code == 403
    assert len(_ok(as_role["planner"].get(f"{API}/maintenance/orders/{smt}/parts"))) == 1
    _ok(mgr.post(f"{API}/maintenance/orders/{test}/parts", json=body), 201)
    _ok(as_role["supervisor"].post(removal, json={"reason": "wrong nozzle"}), 201)
    assert _on_hand(mgr, nozzle)[("ST", "N-1")] == 9  # 10 - 1 - 1 + 1


def test_a_plan_lists_the_parts_it_expects(
    db: Session, world: World, as_role: dict[str, TestClient]
) -> None:
    nozzle, _store, _cabinet = _setup(as_role, world)
    sup = as_role["supervisor"]
    body = {"name": "Nozzle change", "machine_id": world.machine_ids["SMT-1-PNP1"],
            "trigger": "time", "interval_days": 30,
            "parts": [{"material_id": nozzle, "qty": 4}]}  # fmt: skip
    plan = _ok(sup.post(f"{API}/maintenance/plans", json=body), 201)
    assert plan["parts"] == [{"material_id": nozzle, "qty": 4}]
    [listed] = _ok(sup.get(f"{API}/maintenance/plans"))
    assert listed["parts"] == plan["parts"]
    # Only expected: nothing is booked or reserved until a part is used.
    assert _on_hand(sup, nozzle) == {("ST", "N-1"): 10, ("CAB", ""): 2}
    body["parts"] = [{"material_id": nozzle, "qty": 1}, {"material_id": 99999, "qty": 1}]
    r = sup.put(f"{API}/maintenance/plans/{plan['id']}", json=body)
    assert _field(r, 422) == "parts.1.material_id"
    body["parts"] = [{"material_id": nozzle, "qty": 0}]
    assert _field(sup.post(f"{API}/maintenance/plans", json=body), 422).startswith("parts")
