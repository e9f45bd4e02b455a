"""Stock levels and expected receipts: CRUD, receiving into stock, rules, RBAC, audit."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from linewise.core.audit import AuditRecord, verify
from tests.conftest import World

API = "/api/v1"


def _material(c: TestClient, code: str = "IC-MCU", unit: str = "pcs") -> dict[str, Any]:
    r = c.post(f"{API}/materials", json={"code": code, "name": f"Material {code}", "unit": unit})
    assert r.status_code == 201, r.text
    return r.json()


def _receipt(c: TestClient, material_id: int, **kw: Any) -> dict[str, Any]:
    body = {
        "material_id": material_id,
        "quantity": 500,
        "expected_at": "2030-01-08T06:00:00Z",
        "reference": "PO-4711/10",
        **kw,
    }
    r = c.post(f"{API}/receipts", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def test_stock_level_lifecycle(as_role: dict[str, TestClient], world: World) -> None:
    planner = as_role["planner"]
    mat = _material(planner)
    r = planner.post(f"{API}/stock-levels", json={"material_id": mat["id"], "quantity": 120.5})
    assert r.status_code == 201, r.text
    stock = r.json()
    assert stock["material"]["code"] == "IC-MCU" and stock["quantity"] == 120.5
    # One stock level per material: a second one is a conflict naming the field.
    r = planner.post(f"{API}/stock-levels", json={"material_id": mat["id"], "quantity": 1})
    assert r.status_code == 409
    assert r.json()["errors"][0]["field"] == "material_id"
    url = f"{API}/stock-levels/{stock['id']}"
    etag = planner.get(url).headers["ETag"]
    r = planner.patch(url, json={"quantity": 100}, headers={"If-Match": etag})
    assert r.status_code == 200 and r.json()["quantity"] == 100
    # Made against the old version: refused, nothing overwritten.
    assert planner.patch(url, json={"quantity": 5}, headers={"If-Match": etag}).status_code == 412
    assert planner.patch(url, json={"quantity": 5}).status_code == 428
    listed = planner.get(f"{API}/stock-levels", params={"q": "mcu"}).json()
    assert [s["quantity"] for s in listed["items"]] == [100]
    assert as_role["operator"].get(f"{API}/stock-levels").status_code == 200
    assert planner.delete(url).status_code == 204
    assert planner.get(url).status_code == 404


def test_bad_input_is_problem_json_naming_the_field(
    as_role: dict[str, TestClient], world: World
) -> None:
    planner = as_role["planner"]
    mat = _material(planner)
    r = planner.post(f"{API}/stock-levels", json={"material_id": mat["id"], "quantity": -3})
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in r.json()["errors"]] == ["quantity"]
    r = planner.post(
        f"{API}/receipts",
        json={"material_id": mat["id"], "quantity": 0, "expected_at": "2030-01-08T06:00:00"},
    )
    assert r.status_code == 422
    # Zero quantity and a date without a UTC offset are both named.
    assert {e["field"] for e in r.json()["errors"]} == {"quantity", "expected_at"}
    r = planner.post(
        f"{API}/receipts",
        json={"material_id": 999, "quantity": 5, "expected_at": "2030-01-08T06:00:00Z"},
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "material_id"
    r = planner.get(f"{API}/receipts", params={"status": "open,lost"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "status"


def test_receiving_adds_to_stock_once(
    as_role: dict[str, TestClient], world: World, db: Session
) -> None:
    planner, supervisor = as_role["planner"], as_role["supervisor"]
    mat = _material(planner, "PASTE", "g")
    receipt = _receipt(planner, mat["id"], quantity=250.5)
    assert receipt["status"] == "open" and receipt["received_at"] is None
    url = f"{API}/receipts/{receipt['id']}"
    # No stock level yet: receiving creates it.
    r = supervisor.post(f"{url}/receive", json={"version": receipt["version"]})
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["receipt"]["status"] == "received" and got["receipt"]["received_at"]
    assert got["stock"]["quantity"] == 250.5
    second = _receipt(planner, mat["id"], quantity=100, reference="PO-4712/10")
    r = supervisor.post(
        f"{API}/receipts/{second['id']}/receive", json={"version": second["version"]}
    )
    assert r.json()["stock"]["quantity"] == 350.5
    assert r.json()["stock"]["id"] == got["stock"]["id"]
    # A received receipt is history: not again, not changed, not deleted.
    version = planner.get(url).json()["version"]
    r = supervisor.post(f"{url}/receive", json={"version": version})
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "status"
    r = planner.patch(url, json={"quantity": 1, "version": version})
    assert r.status_code == 409
    # when it was received: in the site's time (Berlin), labelled, not UTC
    detail = r.json()["detail"]
    assert re.search(r"\d\d:\d\d CES?T", detail) and "UTC" not in detail, detail
    assert planner.delete(url).status_code == 409
    r = planner.get(f"{API}/receipts", params={"status": "received", "material_id": mat["id"]})
    assert r.json()["total"] == 2
    db.expire_all()
    entities = {rec.entity for rec in db.query(AuditRecord).all()}
    assert {"stock_levels", "material_receipts"} <= entities
    assert verify(db).ok


def test_reschedule_and_cancel_an_open_receipt(
    as_role: dict[str, TestClient], world: World
) -> None:
    planner = as_role["planner"]
    mat = _material(planner)
    receipt = _receipt(planner, mat["id"])
    url = f"{API}/receipts/{receipt['id']}"
    r = planner.patch(url, json={"expected_at": "2030-01-09T06:00:00Z", "version": 1})
    assert r.status_code == 200, r.text
    assert r.json()["expected_at"].startswith("2030-01-09T06:00:00")
    r = planner.patch(url, json={"status": "received", "version": 2})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "status"
    r = planner.patch(url, json={"status": "cancelled", "version": 2})
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    r = planner.post(f"{url}/receive", json={"version": 3})
    assert r.status_code == 409
    r = planner.post(f"{url}/receive", json={"version": 1})
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "version"
    assert planner.delete(url).status_code == 204


def test_who_may_do_what(as_role: dict[str, TestClient], world: World) -> None:
    mat = _material(as_role["planner"])
    body = {"material_id": mat["id"], "quantity": 5, "expected_at": "2030-01-08T06:00:00Z"}
    assert as_role["operator"].post(f"{API}/receipts", json=body).status_code == 403
    assert as_role["supervisor"].post(f"{API}/receipts", json=body).status_code == 403
    receipt = _receipt(as_role["manager"], mat["id"])
    r = as_role["operator"].post(f"{API}/receipts/{receipt['id']}/receive", json={"version": 1})
    assert r.status_code == 403
    r = as_role["supervisor"].post(f"{API}/receipts/{receipt['id']}/receive", json={"version": 1})
    assert r.status_code == 200
