"""The material ledger through the API, on SQLite and PostgreSQL: receipts with lots,
backflush from machine counts and terminal reports, reversals and refusals."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from linewise.domains.inventory.models import StockMovement, StockOnHand
from tests.conftest import World
from tests.integration.ingest.conftest import count
from tests.integration.inventory.conftest import API, Stores, post_ok, released_order, stock_of


def _fill_line_side(supervisor: TestClient, s: Stores) -> None:
    for material, qty, lot in ((s.paste, 100, "P-1"), (s.paste, 500, "P-2"), (s.pcb, 300, "")):
        body = {"material_id": material, "qty": qty, "lot": lot, "location_id": s.line_side}
        post_ok(supervisor, "/stock-movements/receipts", body)


def _materials(client: TestClient, order_id: int) -> dict[str, dict[str, float]]:
    r = client.get(f"{API}/orders/{order_id}/materials")
    assert r.status_code == 200, r.text
    return {line["material"]["code"]: line for line in r.json()["lines"]}


def test_counts_backflush_once_lot_by_lot_and_the_last_step_receives_finished_goods(
    device: TestClient, as_role: dict[str, TestClient], world: World, stores: Stores
) -> None:
    planner, supervisor = as_role["planner"], as_role["supervisor"]
    _fill_line_side(supervisor, stores)
    order = released_order(planner, world, "PO-BF1")
    # Partial production: 40 good + 12 scrapped at SMT (the first step) take 52 kits.
    c1 = count("bf-1", 10, 40, 12, order="PO-BF1", operation=1)
    assert device.post(f"{API}/ingest", json=[c1]).json()["accepted"] == 1
    stock = stock_of(planner)
    # 104 g of paste: lot P-1 (100) runs out, the rest comes from P-2 (first in, first out)
    assert ("PASTE", "LS-SMT1", "P-1") not in stock  # empty lots are not listed
    assert stock[("PASTE", "LS-SMT1", "P-2")] == pytest.approx(496)
    assert stock[("PCB", "LS-SMT1", "")] == pytest.approx(300 - 52 * 1.1)
    # The same count again (a gateway resend): nothing moves twice.
    r = device.post(f"{API}/ingest", json=[c1])
    assert r.json()["duplicates"] == 1
    assert stock_of(planner) == stock
    mats = _materials(planner, order["id"])
    assert mats["PASTE"]["consumed"] == pytest.approx(104)
    assert mats["PASTE"]["still_needed"] == pytest.approx(200 - 104)
    assert mats["PCB"]["required"] == pytest.approx(110)
    assert mats["LABEL"]["consumed"] == 0 and mats["LABEL"]["backflush"] is False
    # Scrap at a later step (TEST, the last): it consumes no more material (the kit went
    # on at SMT), and only its good units become finished goods (lot = the order number).
    device.post(f"{API}/ingest", json=[count("t-1", 20, 30, 5, machine="TEST-1-ICT",
                                             order="PO-BF1", operation=2)])  # fmt: skip
    after = stock_of(planner)
    assert after[("CTRL-100", "FINISHED_GOODS", "PO-BF1")] == 30
    assert after[("PASTE", "LS-SMT1", "P-2")] == pytest.approx(496)
    r = planner.get(f"{API}/stock-movements", params={"order_id": order["id"]})
    kinds = sorted(m["kind"] for m in r.json())
    assert kinds == ["backflush", "backflush", "backflush", "production_receipt"]
    assert {m["cause"] for m in r.json()} == {"count"}


def test_a_terminal_report_backflushes_and_a_cancelled_order_needs_nothing_more(
    as_role: dict[str, TestClient], world: World, stores: Stores
) -> None:
    planner, supervisor = as_role["planner"], as_role["supervisor"]
    _fill_line_side(supervisor, stores)
    order = released_order(planner, world, "PO-REP")
    op = order["operations"][0]
    r = supervisor.post(f"{API}/orders/{order['id']}/operations/{op['id']}/actions",
                        json={"action": "start", "line_id": world.line_ids["SMT-1"],
                              "version": op["version"]})  # fmt: skip
    assert r.status_code == 200, r.text
    r = supervisor.post(f"{API}/orders/{order['id']}/operations/{op['id']}/reports",
                        json={"good": 10, "scrap": 0, "rework": 0})  # fmt: skip
    assert r.status_code == 200, r.text
    mats = _materials(planner, order["id"])
    assert mats["PASTE"]["consumed"] == pytest.approx(20)
    moves = planner.get(f"{API}/stock-movements", params={"order_id": order["id"]}).json()
    assert {m["cause"] for m in moves} == {"report"} and all(m["by"] for m in moves)
    version = planner.get(f"{API}/orders/{order['id']}").json()["version"]
    r = planner.post(f"{API}/orders/{order['id']}/transitions",
                     json={"to": "cancelled", "version": version})  # fmt: skip
    assert r.status_code == 200, r.text
    mats = _materials(planner, order["id"])
    # What was consumed stays consumed (it is in the scrapped or unfinished units) ...
    assert mats["PASTE"]["consumed"] == pytest.approx(20)
    # ... and a cancelled order needs nothing more.
    assert all(line["still_needed"] == 0 for line in mats.values())


def test_a_partial_receipt_with_a_lot_is_undone_by_a_reversal(
    as_role: dict[str, TestClient], stores: Stores, db: Session
) -> None:
    planner, supervisor = as_role["planner"], as_role["supervisor"]
    receipt = post_ok(planner, "/receipts", {"material_id": stores.pcb, "quantity": 100,
                                             "expected_at": "2026-12-01T08:00:00Z"})  # fmt: skip
    first = post_ok(supervisor, "/stock-movements/receipts",
                    {"material_id": stores.pcb, "qty": 60, "lot": "R-7",
                     "receipt_id": receipt["id"], "client_ref": "form-0001"})  # fmt: skip
    # The same form sent twice books once.
    again = post_ok(supervisor, "/stock-movements/receipts",
                    {"material_id": stores.pcb, "qty": 60, "lot": "R-7",
                     "receipt_id": receipt["id"], "client_ref": "form-0001"})  # fmt: skip
    assert again["id"] == first["id"]
    got = planner.get(f"{API}/receipts/{receipt['id']}").json()
    assert got["status"] == "open"  # 40 still to come
    assert stock_of(planner) == {("PCB", "ST", "R-7"): 60}
    levels = planner.get(f"{API}/stock-levels", params={"material_id": stores.pcb}).json()
    assert levels["items"][0]["quantity"] == 60  # the planner's figure moves with it
    rest = {"material_id": stores.pcb, "qty": 40, "lot": "R-8", "receipt_id": receipt["id"]}
    post_ok(supervisor, "/stock-movements/receipts", rest)
    assert planner.get(f"{API}/receipts/{receipt['id']}").json()["status"] == "received"
    undo = post_ok(supervisor, f"/stock-movements/{first['id']}/reversal", {"reason": "wrong lot"})
    assert undo["kind"] == "reversal" and undo["reverses_id"] == first["id"]
    assert stock_of(planner) == {("PCB", "ST", "R-8"): 40}
    assert planner.get(f"{API}/receipts/{receipt['id']}").json()["status"] == "open"
    r = supervisor.post(f"{API}/stock-movements/{first['id']}/reversal", json={"reason": "x"})
    assert r.status_code == 409
    listed = planner.get(f"{API}/stock-movements", params={"lot": "R-7"}).json()
    assert [m["reversed_by_id"] for m in listed if m["id"] == first["id"]] == [undo["id"]]
    # A supervisor may undo a receipt, not a transfer (that is the stock office's).
    t = post_ok(planner, "/stock-movements/transfers",
                {"material_id": stores.pcb, "qty": 5, "lot": "R-8",
                 "from_location_id": stores.store, "to_location_id": stores.line_side})  # fmt: skip
    r = supervisor.post(f"{API}/stock-movements/{t['id']}/reversal", json={"reason": "x"})
    assert r.status_code == 403
    _ledger_is_the_sum(db)


def test_a_refusing_location_refuses_going_below_zero_and_writes_nothing(
    as_role: dict[str, TestClient], stores: Stores, db: Session
) -> None:
    planner = as_role["planner"]
    post_ok(planner, "/stock-movements/receipts",
            {"material_id": stores.paste, "qty": 10, "location_id": stores.quarantine})  # fmt: skip
    before = db.scalar(select(func.count()).select_from(StockMovement))
    r = planner.post(f"{API}/stock-movements/transfers",
                     json={"material_id": stores.paste, "qty": 11,
                           "from_location_id": stores.quarantine,
                           "to_location_id": stores.store})  # fmt: skip
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "qty"
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(StockMovement)) == before
    assert stock_of(planner) == {("PASTE", "QA", ""): 10}
    # Hostile input names the field.
    r = planner.post(f"{API}/stock-movements/adjustments",
                     json={"material_id": stores.paste, "location_id": 999999,
                           "delta": 1, "reason": "x"})  # fmt: skip
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "location_id"
    # A count books the difference, with the reason; an adjustment is signed.
    c = post_ok(planner, "/stock-movements/counts",
                {"material_id": stores.paste, "location_id": stores.quarantine,
                 "counted": 7, "reason": "cycle count"})  # fmt: skip
    assert (c["kind"], c["qty"], c["from_location"]["code"]) == ("count", 3, "QA")
    post_ok(planner, "/stock-movements/adjustments",
            {"material_id": stores.paste, "location_id": stores.quarantine,
             "delta": 2, "reason": "found"})  # fmt: skip
    assert stock_of(planner) == {("PASTE", "QA", ""): 9}
    _ledger_is_the_sum(db)


def _ledger_is_the_sum(db: Session) -> None:
    """Stock on hand equals the sum of the ledger, row by row."""
    db.expire_all()
    sums: dict[tuple[int, int, str], float] = {}
    for m in db.scalars(select(StockMovement)):
        if m.from_location_id is not None:
            k = (m.item_id, m.from_location_id, m.lot)
            sums[k] = sums.get(k, 0.0) - m.qty
        if m.to_location_id is not None:
            k = (m.item_id, m.to_location_id, m.lot)
            sums[k] = sums.get(k, 0.0) + m.qty
    kept = {(r.item_id, r.location_id, r.lot): r.qty for r in db.scalars(select(StockOnHand))}
    assert kept.keys() == sums.keys()
    for k, qty in kept.items():
        assert qty == pytest.approx(sums[k], abs=1e-6), k


def test_genealogy_traces_a_finished_lot_to_its_reels_and_a_reel_to_its_orders(
    device: TestClient, as_role: dict[str, TestClient], world: World, stores: Stores
) -> None:
    planner, supervisor = as_role["planner"], as_role["supervisor"]
    _fill_line_side(supervisor, stores)
    released_order(planner, world, "PO-G1")
    released_order(planner, world, "PO-G2")
    # PO-G1 runs lot P-1 out (100 g) and goes on with P-2; PO-G2 uses P-2 only.
    device.post(f"{API}/ingest", json=[
        count("g-1", 10, 52, 0, order="PO-G1", operation=1),
        count("g-2", 20, 50, 0, machine="TEST-1-ICT", order="PO-G1", operation=2),
        count("g-3", 30, 10, 0, order="PO-G2", operation=1),
    ])  # fmt: skip
    r = planner.get(f"{API}/genealogy/backward",
                    params={"product_id": world.product_id, "lot": "PO-G1"})  # fmt: skip
    assert r.status_code == 200, r.text
    back = {(t["component"]["code"], t["component_lot"]): t["qty"] for t in r.json()}
    assert back == {
        ("PASTE", "P-1"): pytest.approx(100),
        ("PASTE", "P-2"): pytest.approx(4),
        ("PCB", ""): pytest.approx(52 * 1.1),
    }
    r = planner.get(f"{API}/genealogy/forward", params={"material_id": stores.paste, "lot": "P-2"})
    forward = {(t["order_number"], t["finished_lot"]): t["qty"] for t in r.json()}
    assert forward == {("PO-G1", "PO-G1"): pytest.approx(4), ("PO-G2", "PO-G2"): pytest.approx(20)}


def test_scrap_at_an_intermediate_step_consumes_nothing_more_and_receives_nothing(
    device: TestClient, as_role: dict[str, TestClient], world: World, stores: Stores, db: Session
) -> None:
    from linewise.domains.production.models import RoutingStep, RoutingStepLine

    # A third step (pack, on the test line): test becomes an intermediate step.
    db.add(RoutingStep(product_id=world.product_id, seq=3, name="Pack", work_center_type="TEST",
                       eligible=[RoutingStepLine(line_id=world.line_ids["TEST-1"],
                                                 cycle_time_s=20)]))  # fmt: skip
    db.commit()
    planner, supervisor = as_role["planner"], as_role["supervisor"]
    _fill_line_side(supervisor, stores)
    order = released_order(planner, world, "PO-MID")
    assert len(order["operations"]) == 3
    device.post(f"{API}/ingest", json=[count("m-1", 10, 20, 0, order="PO-MID", operation=1)])
    before = stock_of(planner)
    # 5 of the 20 are scrapped at test (step 2 of 3), 15 pass.
    device.post(f"{API}/ingest", json=[count("m-2", 20, 15, 5, machine="TEST-1-ICT",
                                             order="PO-MID", operation=2)])  # fmt: skip
    assert stock_of(planner) == before  # their material went in at step 1; no finished goods
    mats = _materials(planner, order["id"])
    assert mats["PASTE"]["consumed"] == pytest.approx(40)
    device.post(f"{API}/ingest", json=[count("m-3", 30, 15, 0, machine="TEST-1-ICT",
                                             order="PO-MID", operation=3)])  # fmt: skip
    assert stock_of(planner)[("CTRL-100", "FINISHED_GOODS", "PO-MID")] == 15
