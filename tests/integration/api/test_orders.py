"""Production orders: creation from the routing, state machine, stages, concurrency."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import World


def _new_order(c: TestClient, world: World, number: str = "PO-1", **kw: Any) -> dict[str, Any]:
    body = {
        "number": number,
        "product_id": world.product_id,
        "quantity": 100,
        "due_date": "2030-01-10T12:00:00Z",
        "priority": 4,
        **kw,
    }
    r = c.post("/api/v1/orders", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def test_order_gets_one_operation_per_routing_step(
    as_role: dict[str, TestClient], world: World
) -> None:
    order = _new_order(as_role["planner"], world)
    assert order["status"] == "planned"
    assert [(o["seq"], o["work_center_type"]) for o in order["operations"]] == [
        (1, "SMT"),
        (2, "TEST"),
    ]
    assert all(o["quantity"] == 100 for o in order["operations"])
    assert order["current_stage"]["seq"] == 1
    assert order["progress"] == 0


def test_full_lifecycle_moves_stages_and_completes(
    as_role: dict[str, TestClient], world: World
) -> None:
    planner, operator = as_role["planner"], as_role["operator"]
    order = _new_order(planner, world)
    oid = order["id"]
    r = planner.post(f"/api/v1/orders/{oid}/transitions", json={"to": "released", "version": 1})
    assert r.status_code == 200, r.text
    smt, test = r.json()["operations"]
    base = f"/api/v1/orders/{oid}/operations"
    r = operator.post(f"{base}/{smt['id']}/actions", json={"action": "start", "version": 1})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "in_progress"
    r = operator.post(f"{base}/{smt['id']}/reports", json={"good": 60, "scrap": 2})
    stage = r.json()["current_stage"]
    assert (stage["seq"], stage["progress"]) == (1, 0.6)
    assert r.json()["operations"][0]["scrap_qty"] == 2
    v = r.json()["operations"][0]["version"]
    r = operator.post(f"{base}/{smt['id']}/actions", json={"action": "complete", "version": v})
    assert r.status_code == 200
    assert r.json()["current_stage"]["seq"] == 2
    # The TEST line is outside the operator's area (SMT): refused.
    r = operator.post(f"{base}/{test['id']}/actions", json={"action": "start", "version": 1})
    assert r.status_code == 403
    r = as_role["admin"].post(
        f"{base}/{test['id']}/actions", json={"action": "start", "version": 1}
    )
    r = as_role["admin"].post(
        f"{base}/{test['id']}/actions", json={"action": "complete", "version": 2}
    )
    assert r.status_code == 200, r.text
    done = r.json()
    assert done["status"] == "completed"
    assert done["progress"] == 1.0
    assert done["current_stage"] is None


def test_illegal_transition_is_refused_with_allowed_list(
    as_role: dict[str, TestClient], world: World
) -> None:
    planner = as_role["planner"]
    order = _new_order(planner, world)
    r = planner.post(
        f"/api/v1/orders/{order['id']}/transitions", json={"to": "completed", "version": 1}
    )
    assert r.status_code == 409
    body = r.json()
    assert "cannot go to 'completed'" in body["detail"]
    assert body["allowed"] == ["cancelled", "released"]
    assert body["errors"][0]["field"] == "to"


def test_stale_update_is_refused(as_role: dict[str, TestClient], world: World) -> None:
    a, b = as_role["planner"], as_role["manager"]
    order = _new_order(a, world)
    url = f"/api/v1/orders/{order['id']}"
    etag = a.get(url).headers["ETag"]
    assert a.patch(url, json={"priority": 5}, headers={"If-Match": etag}).status_code == 200
    # The second supervisor still holds the old ETag: refused, nothing overwritten.
    r = b.patch(url, json={"priority": 1}, headers={"If-Match": etag})
    assert r.status_code == 412
    assert a.get(url).json()["priority"] == 5
    r = b.patch(url, json={"priority": 1, "version": 1})
    assert r.status_code == 409
    assert r.json()["errors"][0]["field"] == "version"
    assert b.patch(url, json={"priority": 1}).status_code == 428


def test_validation_errors_name_the_field(as_role: dict[str, TestClient], world: World) -> None:
    r = as_role["planner"].post(
        "/api/v1/orders",
        json={
            "number": "X",
            "product_id": world.product_id,
            "quantity": -5,
            "due_date": "2030-01-10T12:00:00",
        },
    )
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    fields = {e["field"] for e in r.json()["errors"]}
    # Negative quantity and a due date without a UTC offset (naive) are both named.
    assert fields == {"quantity", "due_date"}


def test_unknown_reference_is_named(as_role: dict[str, TestClient], world: World) -> None:
    r = as_role["planner"].post(
        "/api/v1/orders",
        json={"number": "X", "product_id": 999, "quantity": 5, "due_date": "2030-01-10T12:00Z"},
    )
    assert r.status_code == 422
    assert r.json()["errors"] == [{"field": "product_id", "message": "products 999 does not exist"}]


def test_duplicate_number_is_a_conflict(as_role: dict[str, TestClient], world: World) -> None:
    _new_order(as_role["planner"], world, "PO-7")
    r = as_role["planner"].post(
        "/api/v1/orders",
        json={
            "number": "PO-7",
            "product_id": world.product_id,
            "quantity": 5,
            "due_date": "2030-01-10T12:00Z",
        },
    )
    assert r.status_code == 409
    assert r.json()["errors"][0]["field"] == "number"


def test_list_filters_sorts_and_paginates(as_role: dict[str, TestClient], world: World) -> None:
    c = as_role["planner"]
    for i, due in enumerate(["2030-01-03", "2030-01-01", "2030-01-02", "2020-01-01"]):
        _new_order(c, world, f"PO-{i}", due_date=f"{due}T10:00:00Z")
    r = c.get("/api/v1/orders", params={"sort": "due_date", "limit": 2})
    body = r.json()
    assert body["total"] == 4
    assert [o["number"] for o in body["items"]] == ["PO-3", "PO-1"]
    r = c.get("/api/v1/orders", params={"late": "true"})
    assert [o["number"] for o in r.json()["items"]] == ["PO-3"]
    assert r.json()["items"][0]["late"] is True
    r = c.get("/api/v1/orders", params={"q": "po-2"})
    assert [o["number"] for o in r.json()["items"]] == ["PO-2"]
    r = c.get("/api/v1/orders", params={"status": "planned,bogus"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "status"
    r = c.get("/api/v1/orders", params={"sort": "nonsense"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "sort"
