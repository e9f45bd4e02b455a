"""Cost rates the factory sets: read, replace with optimistic concurrency, RBAC, hostile
input named by field, and the engine's prices (BOM at material costs, line overrides)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from linewise.domains.delivery import costs
from linewise.domains.inventory.models import Material
from linewise.domains.production.models import BomItem
from tests.conftest import World


def seed_bom(db: Session, world: World) -> tuple[int, int]:
    pcb = Material(code="PCB-1", name="Board", unit="pcs")
    ic = Material(code="IC-7", name="Chip", unit="pcs")
    db.add_all([pcb, ic])
    db.flush()
    db.add_all([
        BomItem(product_id=world.product_id, material_id=pcb.id, quantity_per_unit=1.0),
        BomItem(product_id=world.product_id, material_id=ic.id, quantity_per_unit=3.0),
    ])  # fmt: skip
    db.commit()
    return pcb.id, ic.id


def test_rates_are_set_and_priced(
    db: Session, world: World, as_role: dict[str, TestClient]
) -> None:
    pcb, ic = seed_bom(db, world)
    first = as_role["operator"].get("/api/v1/delivery/cost-rates")
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["version"] == 0 and body["labour_per_h"] == 0
    assert {ln["line_code"] for ln in body["lines"]} == {"SMT-1", "TEST-1"}
    assert all(m["unit_cost"] is None for m in body["materials"])

    smt = world.line_ids["SMT-1"]
    put = {
        "currency": "EUR", "labour_per_h": 40.0, "machine_per_h": 60.0, "version": 0,
        "lines": [{"line_id": smt, "labour_per_h": None, "machine_per_h": 150.0}],
        "materials": [{"material_id": pcb, "unit_cost": 2.5}],
    }  # fmt: skip
    # an operator may read but not set them
    assert as_role["operator"].put("/api/v1/delivery/cost-rates", json=put).status_code == 403
    r = as_role["planner"].put("/api/v1/delivery/cost-rates", json=put)
    assert r.status_code == 200, r.text
    saved = r.json()
    assert saved["version"] == 1
    assert {ln["line_code"]: ln["machine_per_h"] for ln in saved["lines"]} == {
        "SMT-1": 150.0, "TEST-1": None,
    }  # fmt: skip
    # the same version again is stale
    stale = as_role["planner"].put("/api/v1/delivery/cost-rates", json=put)
    assert stale.status_code in (409, 412), stale.text

    rates = costs.rates(db)
    assert rates.hourly(str(smt)) == (40.0, 150.0)
    assert rates.hourly(str(world.line_ids["TEST-1"])) == (40.0, 60.0)
    # one board at 2.5, the chip not priced yet: 2.5 and the product is flagged
    assert rates.material_per_unit["CTRL-100"] == 2.5
    assert "CTRL-100" in rates.unpriced

    put2 = put | {"version": 1, "materials": [{"material_id": pcb, "unit_cost": 2.5},
                                               {"material_id": ic, "unit_cost": 0.5}]}  # fmt: skip
    assert as_role["admin"].put("/api/v1/delivery/cost-rates", json=put2).status_code == 200
    db.rollback()  # end the read transaction: see what the request committed
    again = costs.rates(db)
    assert again.material_per_unit["CTRL-100"] == 4.0
    assert not again.unpriced


def test_hostile_rates_are_refused_naming_the_field(
    db: Session, world: World, as_role: dict[str, TestClient]
) -> None:
    base = {"currency": "EUR", "labour_per_h": 1.0, "machine_per_h": 1.0, "version": 0}
    cases = [
        (base | {"labour_per_h": -1}, "labour_per_h"),
        (base | {"currency": "euro"}, "currency"),
        (base | {"machine_per_h": 1e12}, "machine_per_h"),
        (base | {"lines": [{"line_id": 999999, "machine_per_h": 1.0}]}, "lines[0].line_id"),
        (base | {"materials": [{"material_id": 999999, "unit_cost": 1.0}]},
         "materials[0].material_id"),
        (base | {"lines": [{"line_id": world.line_ids["SMT-1"], "machine_per_h": 1.0}] * 2},
         "lines[1].line_id"),
    ]  # fmt: skip
    for body, field in cases:
        r = as_role["admin"].put("/api/v1/delivery/cost-rates", json=body)
        assert r.status_code == 422, (field, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        fields = [e["field"] for e in r.json().get("errors", [])]
        assert any(field in f for f in fields), (field, r.json())
