"""Orders created, edited, moved along their states or imported announce it after the
commit (``OrdersChanged``): one event per request or import, none for a refused or dry
import. The delivery estimates refresh on it (tests/integration/test_delivery_events.py)."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient

from linewise.core.time import utcnow
from linewise.domains.production.events import OrdersChanged
from tests.conftest import World

ORDERS_HEADER = "number,product_code,quantity,due_date,release_date,priority\n"


def _heard(app: FastAPI) -> list[OrdersChanged]:
    seen: list[OrdersChanged] = []
    app.state.bus.subscribe(seen.append, OrdersChanged)
    return seen


def test_create_edit_release_and_cancel_each_announce_the_order(
    app: FastAPI, world: World, as_role: dict[str, TestClient]
) -> None:
    seen = _heard(app)
    planner = as_role["planner"]
    due = (utcnow() + timedelta(days=3)).isoformat()
    body = {"number": "PO-EV-1", "product_id": world.product_id, "quantity": 20, "due_date": due}
    r = planner.post("/api/v1/orders", json=body)
    assert r.status_code == 201, r.text
    order_id = r.json()["id"]
    edit = {"quantity": 30, "version": r.json()["version"]}
    r = planner.patch(f"/api/v1/orders/{order_id}", json=edit)
    assert r.status_code == 200, r.text
    for to in ("released", "cancelled"):
        move = {"to": to, "version": r.json()["version"]}
        r = planner.post(f"/api/v1/orders/{order_id}/transitions", json=move)
        assert r.status_code == 200, r.text
    assert [(e.change, e.order_ids, e.count) for e in seen] == [
        ("created", frozenset({order_id}), 1),
        ("edited", frozenset({order_id}), 1),
        ("released", frozenset({order_id}), 1),
        ("cancelled", frozenset({order_id}), 1),
    ]
    # a refused create (the number is taken) commits nothing and announces nothing
    assert planner.post("/api/v1/orders", json=body).status_code in (409, 422)
    assert len(seen) == 4


def test_an_import_announces_its_orders_once(
    app: FastAPI, world: World, as_role: dict[str, TestClient]
) -> None:
    seen = _heard(app)
    planner = as_role["planner"]
    rows = "".join(f"PO-IM-{i},CTRL-100,{10 + i},2030-01-10,,3\n" for i in range(5))
    csv = ORDERS_HEADER + rows

    def post(**params: object) -> int:
        files = {"file": ("orders.csv", csv.encode())}
        r = planner.post("/api/v1/import/orders", files=files, params=params)
        return r.status_code

    assert post(dry_run="true") == 200
    assert seen == []  # a dry run writes nothing
    assert post() == 200
    assert len(seen) == 1
    assert seen[0].change == "imported" and seen[0].count == 5 == len(seen[0].order_ids)
    assert post() == 200  # the same file again: an update of the same five
    assert len(seen) == 2 and seen[1].order_ids == seen[0].order_ids
