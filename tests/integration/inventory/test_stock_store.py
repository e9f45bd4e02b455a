"""The store side of the ledger, on SQLite and PostgreSQL: reservations that follow the
orders, shortages and reorder levels, both negative-stock policies, units of measure,
opening balances from the old stock levels, and two writers at once."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from linewise.core.db import make_session_factory
from linewise.domains.inventory import ledger_service
from linewise.domains.inventory import repository as inventory
from linewise.domains.inventory.models import (
    Material,
    StockLevel,
    StockLocation,
    StockMovement,
    StockOnHand,
)
from linewise.domains.inventory.opening import book_opening_balances
from tests.conftest import World
from tests.integration.inventory.conftest import API, Stores, post_ok, released_order, stock_of


def _reserved(client: TestClient, **params: Any) -> dict[tuple[str, str], float]:
    r = client.get(f"{API}/stock/reservations", params=params)
    assert r.status_code == 200, r.text
    return {(x["order_number"], x["material"]["code"]): x["reserved"] for x in r.json()}


def _availability(client: TestClient, material_id: int) -> dict[str, Any]:
    r = client.get(f"{API}/stock/availability", params={"material_id": material_id})
    assert r.status_code == 200, r.text
    (row,) = r.json()
    return dict(row)


def _move(client: TestClient, order: dict[str, Any], to: str) -> dict[str, Any]:
    r = client.post(
        f"{API}/orders/{order['id']}/transitions", json={"to": to, "version": order["version"]}
    )
    assert r.status_code == 200, r.text
    return dict(r.json())


def _movement_count(client: TestClient) -> int:
    return len(client.get(f"{API}/stock-movements", params={"limit": 1000}).json())


def test_reservations_follow_the_order_through_its_transitions(
    as_role: dict[str, TestClient], world: World, stores: Stores
) -> None:
    planner, supervisor = as_role["planner"], as_role["supervisor"]
    post_ok(supervisor, "/stock-movements/receipts",
            {"material_id": stores.paste, "qty": 500, "location_id": stores.store})  # fmt: skip
    # A planned order reserves nothing.
    body = {"number": "PO-P", "product_id": world.product_id, "quantity": 10,
            "due_date": "2099-01-01T12:00:00Z"}  # fmt: skip
    post_ok(planner, "/orders", body)
    assert _reserved(planner) == {}
    order = released_order(planner, world, "PO-R1", qty=100)
    # Released: the whole BOM × quantity (PCB with its 10 % scrap factor).
    assert _reserved(planner) == pytest.approx(
        {("PO-R1", "PASTE"): 200, ("PO-R1", "PCB"): 110, ("PO-R1", "LABEL"): 100}
    )
    paste = _availability(planner, stores.paste)
    assert (paste["on_hand"], paste["reserved"], paste["available"]) == pytest.approx(
        (500, 200, 300)
    )
    # Material issued by hand lowers what the order still reserves.
    post_ok(planner, "/stock-movements/receipts",
            {"material_id": stores.label, "qty": 50, "location_id": stores.store})  # fmt: skip
    post_ok(planner, "/stock-movements/issues",
            {"material_id": stores.label, "order_id": order["id"], "qty": 30,
             "location_id": stores.store})  # fmt: skip
    assert _reserved(planner, order_id=order["id"])[("PO-R1", "LABEL")] == pytest.approx(70)
    # Running, then on hold: it keeps its reservation (its kit is staged).
    order = _move(planner, order, "in_progress")
    order = _move(planner, order, "on_hold")
    assert _reserved(planner)[("PO-R1", "PASTE")] == pytest.approx(200)
    order = _move(planner, order, "in_progress")
    # Cancelled (completed alike): it reserves nothing more; all is available again.
    _move(planner, order, "cancelled")
    assert _reserved(planner) == {}
    assert _availability(planner, stores.paste)["available"] == pytest.approx(500)


def test_shortages_earliest_first_and_materials_below_their_reorder_level(
    as_role: dict[str, TestClient], world: World, stores: Stores
) -> None:
    planner = as_role["planner"]
    for material, qty in ((stores.paste, 300), (stores.pcb, 1000), (stores.label, 1000)):
        post_ok(planner, "/stock-movements/receipts",
                {"material_id": material, "qty": qty, "location_id": stores.store})  # fmt: skip
    # Stock in quarantine is not usable: it covers nothing.
    post_ok(planner, "/stock-movements/receipts",
            {"material_id": stores.paste, "qty": 999,
             "location_id": stores.quarantine})  # fmt: skip
    late = released_order(planner, world, "PO-LATE", qty=100)  # due 2099-01-10
    body = {"number": "PO-EARLY", "product_id": world.product_id, "quantity": 100,
            "due_date": "2098-06-01T12:00:00Z"}  # fmt: skip
    early = post_ok(planner, "/orders", body)
    _move(planner, early, "released")
    r = planner.get(f"{API}/stock/shortages")
    assert r.status_code == 200, r.text
    short = r.json()["orders"]
    # 300 g of paste: the early order takes its 200, the late one is 100 short of 200.
    assert [(s["order_number"], s["material"]["code"]) for s in short] == [("PO-LATE", "PASTE")]
    assert (short[0]["needed"], short[0]["covered"], short[0]["missing"]) == pytest.approx(
        (200, 100, 100)
    )
    assert short[0]["order_id"] == late["id"]
    assert r.json()["below_reorder"] == []
    # Available paste is 300 − 400 = −100: under a reorder level of 50.
    version = planner.get(f"{API}/materials/{stores.paste}").json()["version"]
    r = planner.patch(f"{API}/materials/{stores.paste}",
                      json={"reorder_level": 50, "version": version})  # fmt: skip
    assert r.status_code == 200, r.text
    below = planner.get(f"{API}/stock/shortages").json()["below_reorder"]
    assert [(b["material"]["code"], b["available"], b["reorder_level"]) for b in below] == [
        ("PASTE", pytest.approx(-100), 50)
    ]
    # The material page: where it is, who reserves it.
    page = planner.get(f"{API}/materials/{stores.paste}/stock").json()
    assert {(p["location"]["code"], p["qty"]) for p in page["places"]} == {
        ("ST", 300),
        ("QA", 999),
    }
    assert {x["order_number"] for x in page["reservations"]} == {"PO-EARLY", "PO-LATE"}
    assert "kg" in page["units"] and "g" in page["units"]


def test_refuse_names_the_shortfall_and_writes_nothing_allow_books_and_flags(
    as_role: dict[str, TestClient], stores: Stores
) -> None:
    planner = as_role["planner"]
    post_ok(planner, "/stock-movements/receipts",
            {"material_id": stores.pcb, "qty": 40, "location_id": stores.quarantine})  # fmt: skip
    before, stock = _movement_count(planner), stock_of(planner)
    r = planner.post(f"{API}/stock-movements/transfers",
                     json={"material_id": stores.pcb, "qty": 65,
                           "from_location_id": stores.quarantine,
                           "to_location_id": stores.store})  # fmt: skip
    assert r.status_code == 409, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["errors"][0]["field"] == "qty"
    assert problem["shortfall"] == pytest.approx(25) and problem["on_hand"] == pytest.approx(40)
    assert "25 pcs short" in problem["detail"]
    assert (_movement_count(planner), stock_of(planner)) == (before, stock)
    # The store allows it: booked, flagged, and listed among the flagged movements.
    moved = post_ok(planner, "/stock-movements/adjustments",
                    {"material_id": stores.pcb, "location_id": stores.store, "delta": -15,
                     "reason": "broken in handling"})  # fmt: skip
    assert moved["flagged"] is True and moved["by"] == "user:planner"
    assert stock_of(planner)[("PCB", "ST", "")] == pytest.approx(-15)
    flagged = planner.get(f"{API}/stock-movements", params={"flagged": "true"}).json()
    assert [m["id"] for m in flagged] == [moved["id"]]


def test_quantities_in_any_convertible_unit_are_booked_in_the_items_unit(
    as_role: dict[str, TestClient], stores: Stores
) -> None:
    planner = as_role["planner"]
    # Paste is kept in g: 1.5 kg is 1500 g (built-in).
    moved = post_ok(planner, "/stock-movements/receipts",
                    {"material_id": stores.paste, "qty": 1.5, "unit": "kg",
                     "location_id": stores.store})  # fmt: skip
    assert moved["qty"] == pytest.approx(1500) and moved["item"]["unit"] == "g"
    # A reel of PCBs is 5,000 pcs (its own conversion); a count in reels too.
    post_ok(planner, "/unit-conversions",
            {"material_id": stores.pcb, "from_unit": "reel", "to_unit": "pcs",
             "factor": 5000})  # fmt: skip
    post_ok(planner, "/stock-movements/receipts",
            {"material_id": stores.pcb, "qty": 2, "unit": "reel",
             "location_id": stores.store})  # fmt: skip
    counted = post_ok(planner, "/stock-movements/counts",
                      {"material_id": stores.pcb, "location_id": stores.store, "counted": 1.5,
                       "unit": "reel", "reason": "cycle count"})  # fmt: skip
    assert counted["qty"] == pytest.approx(2500) and counted["from_location"]["code"] == "ST"
    assert stock_of(planner)[("PCB", "ST", "")] == pytest.approx(7500)
    # A global conversion: a box of 100 for every material kept in pcs.
    post_ok(planner, "/unit-conversions",
            {"from_unit": "box", "to_unit": "pcs", "factor": 100})  # fmt: skip
    post_ok(planner, "/stock-movements/adjustments",
            {"material_id": stores.label, "location_id": stores.store, "delta": 3,
             "unit": "box", "reason": "found"})  # fmt: skip
    assert stock_of(planner)[("LABEL", "ST", "")] == pytest.approx(300)

    before, stock = _movement_count(planner), stock_of(planner)
    hostile: list[tuple[dict[str, Any], str]] = [
        ({"unit": "furlong"}, "unit"),  # unknown
        ({"unit": "kg", "material_id": stores.pcb}, "unit"),  # known, not convertible to pcs
        ({"unit": "reel"}, "unit"),  # PCB's reel is not paste's
        ({"unit": ""}, "unit"),
        ({"unit": "x" * 21}, "unit"),
        ({"unit": "KG"}, "unit"),  # units are case-sensitive: no guessing
        ({"unit": "kg", "qty": 1e11}, "qty"),  # 1e14 g: more than can be booked
    ]
    for change, field in hostile:
        body = {"material_id": stores.paste, "qty": 1, "location_id": stores.store} | change
        r = planner.post(f"{API}/stock-movements/receipts", json=body)
        assert r.status_code == 422, (change, r.text)
        assert field in {e["field"].split(".")[-1] for e in r.json()["errors"]}, (change, r.text)
    for bad, field in (
        ({"from_unit": "reel", "to_unit": "reel", "factor": 2}, "to_unit"),
        ({"from_unit": "bag", "to_unit": "pcs", "factor": 0}, "factor"),
        ({"from_unit": "bag", "to_unit": "pcs", "factor": -3}, "factor"),
        ({"from_unit": " bag", "to_unit": "pcs", "factor": 3}, "from_unit"),
        ({"from_unit": "box", "to_unit": "pcs", "factor": 10}, "to_unit"),  # exists
    ):
        r = planner.post(f"{API}/unit-conversions", json=bad)
        assert r.status_code == 422, (bad, r.text)
        assert field in {e["field"].split(".")[-1] for e in r.json()["errors"]}, (bad, r.text)
    assert (_movement_count(planner), stock_of(planner)) == (before, stock)


def test_old_stock_levels_become_opening_balances_once_and_the_planner_reads_the_ledger(
    app: FastAPI, db: Session, world: World
) -> None:
    mats = [Material(code=c, name=c, unit="pcs") for c in ("OLD-A", "OLD-B", "OLD-Z")]
    db.add_all(mats)
    db.flush()
    a, b, z = (m.id for m in mats)
    db.add_all(
        [
            StockLevel(material_id=a, quantity=700.0),
            StockLevel(material_id=b, quantity=12.5),
            StockLevel(material_id=z, quantity=0.0),
        ]
    )
    db.commit()
    # Before: the ledger has never seen them, so the planner falls back to the levels.
    assert inventory.on_hand(db, [a, b, z]) == {a: 700.0, b: 12.5, z: 0.0}
    # The server's start books them (the startup step); a second start books nothing.
    with TestClient(app):
        pass
    db.rollback()
    with db.get_bind().connect() as conn:
        assert book_opening_balances(conn) == 0
    moves = db.scalars(select(StockMovement).where(StockMovement.kind == "opening")).all()
    assert sorted((m.cause_key, m.qty) for m in moves) == [
        (f"opening:{a}", 700.0),
        (f"opening:{b}", 12.5),
        (f"opening:{z}", 0.0),
    ]
    store = db.scalar(select(StockLocation).where(StockLocation.kind == "store"))
    assert store is not None and all(m.to_location_id == store.id for m in moves)
    kept = {r.item_id: r.qty for r in db.scalars(select(StockOnHand))}
    assert sorted(kept.values()) == [0.0, 12.5, 700.0]
    # The plant figure is not counted twice.
    assert db.scalar(select(StockLevel.quantity).where(StockLevel.material_id == a)) == 700.0
    # Now the planner reads the ledger: stock moved to quarantine is not usable.
    quarantine = StockLocation(site_id=world.site_id, code="QA", name="QA", kind="quarantine")
    db.add(quarantine)
    db.flush()
    ledger_service.transfer(
        db,
        material_id=a,
        product_id=None,
        qty=200,
        lot="",
        from_location_id=store.id,
        to_location_id=quarantine.id,
        client_ref=None,
    )
    db.commit()
    assert inventory.on_hand(db, [a, b, z]) == {a: 500.0, b: 12.5, z: 0.0}


@pytest.mark.parametrize("engine", ["postgresql"], indirect=True)
def test_two_writers_on_one_item_and_location_never_lose_a_movement(
    engine: Engine, db: Session, world: World
) -> None:
    paste = Material(code="PASTE-2W", name="Paste", unit="g")
    store = StockLocation(site_id=world.site_id, code="ST", name="Store", kind="store")
    db.add_all([paste, store])
    db.commit()
    sessions = make_session_factory(engine)
    rounds = 30
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def writer(n: int) -> None:
        try:
            start.wait()
            for i in range(rounds):
                with sessions() as s:
                    ledger_service.receive(
                        s,
                        material_id=paste.id,
                        qty=0.25,
                        unit="kg",
                        lot="",
                        location_id=store.id,
                        receipt_id=None,
                        at=None,
                        client_ref=f"writer-{n}-{i:04d}",
                    )
                    s.commit()
                with sessions() as s:
                    ledger_service.adjust(
                        s,
                        material_id=paste.id,
                        product_id=None,
                        location_id=store.id,
                        lot="",
                        delta=-(n + 1),
                        reason="sample",
                        client_ref=None,
                    )
                    s.commit()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors, errors
    db.rollback()
    assert db.scalar(select(func.count()).select_from(StockMovement)) == 4 * rounds
    # 60 receipts of 250 g, 30 samples of 1 g and 30 of 2 g.
    expected = 2 * rounds * 250.0 - rounds * 3.0
    assert db.scalar(select(StockOnHand.qty)) == pytest.approx(expected)
    level = db.scalar(select(StockLevel.quantity).where(StockLevel.material_id == paste.id))
    assert level == pytest.approx(expected)


def test_shortages_follow_the_published_plan_before_the_due_date(
    as_role: dict[str, TestClient], world: World, stores: Stores, db: Session
) -> None:
    from datetime import UTC, datetime, timedelta

    from linewise.domains.planning.models import PlannedOperation, SchedulePlan

    planner = as_role["planner"]
    post_ok(planner, "/stock-movements/receipts",
            {"material_id": stores.paste, "qty": 300, "location_id": stores.store})  # fmt: skip
    late = released_order(planner, world, "PO-LATE", qty=100)  # due 2099-01-10
    body = {"number": "PO-EARLY", "product_id": world.product_id, "quantity": 100,
            "due_date": "2098-06-01T12:00:00Z"}  # fmt: skip
    _move(planner, post_ok(planner, "/orders", body), "released")
    # The published plan runs PO-LATE first: it gets the paste, PO-EARLY (not planned,
    # so after every planned order) is the one short.
    start = datetime(2098, 1, 5, 6, tzinfo=UTC)
    plan = SchedulePlan(kind="full", status="published", horizon_start=start,
                        horizon_end=start + timedelta(days=7), solver_status="feasible",
                        objective={}, published_at=start, instance_blob=b"")  # fmt: skip
    db.add(plan)
    db.flush()
    db.add(PlannedOperation(plan_id=plan.id, order_id=late["id"],
                            line_id=world.line_ids["SMT-1"], job_key="PO-LATE", op_index=0,
                            order_number="PO-LATE", product_code="CTRL-100", seq=0,
                            name="SMT", start=start, end=start + timedelta(hours=2)))  # fmt: skip
    db.commit()
    short = planner.get(f"{API}/stock/shortages").json()["orders"]
    paste = [s for s in short if s["material"]["code"] == "PASTE"]
    assert [s["order_number"] for s in paste] == ["PO-EARLY"]
    assert paste[0]["missing"] == pytest.approx(100)
    planned = {s["order_number"]: s["planned_start"] for s in short}
    assert planned["PO-EARLY"] is None
    assert planned["PO-LATE"].startswith("2098-01-05T06:00")


def test_a_stock_level_set_by_hand_is_booked_in_the_ledger(
    as_role: dict[str, TestClient], db: Session
) -> None:
    planner = as_role["planner"]
    mat = post_ok(planner, "/materials", {"code": "MCU", "name": "MCU"})
    level = post_ok(planner, "/stock-levels", {"material_id": mat["id"], "quantity": 120})
    assert stock_of(planner) == {("MCU", "STORE", ""): 120}
    r = planner.patch(f"{API}/stock-levels/{level['id']}",
                      json={"quantity": 100, "version": level["version"]})  # fmt: skip
    assert r.status_code == 200, r.text
    assert r.json()["quantity"] == 100
    assert stock_of(planner) == {("MCU", "STORE", ""): 100}
    moves = planner.get(f"{API}/stock-movements", params={"material_id": mat["id"]}).json()
    assert [(m["kind"], m["qty"], m["reason"]) for m in moves] == [
        ("adjustment", 20, "stock level corrected"),
        ("adjustment", 120, "stock level corrected"),
    ]
    db.rollback()
    assert inventory.on_hand(db, [mat["id"]]) == {mat["id"]: 100}
