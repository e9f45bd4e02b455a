"""Fixtures for the material ledger: a BOM, locations and stock to consume."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import World
from tests.integration.ingest.conftest import device, device_token  # noqa: F401 (fixtures)

API = "/api/v1"


@dataclass
class Stores:
    paste: int  # material, 2 per unit, backflushed
    pcb: int  # material, 1 per unit, 10 % scrap factor, backflushed
    label: int  # material, 1 per unit, issued by hand
    store: int  # location ids
    line_side: int
    quarantine: int


def post_ok(client: TestClient, url: str, body: dict[str, Any], status: int = 201) -> Any:
    r = client.post(f"{API}{url}", json=body)
    assert r.status_code == status, r.text
    return r.json()


@pytest.fixture
def stores(as_role: dict[str, TestClient], world: World) -> Stores:
    planner = as_role["planner"]
    paste = post_ok(planner, "/materials", {"code": "PASTE", "name": "Paste", "unit": "g"})
    pcb = post_ok(planner, "/materials", {"code": "PCB", "name": "PCB", "scrap_factor": 0.1})
    label = post_ok(planner, "/materials", {"code": "LABEL", "name": "Label", "backflush": False})
    version = planner.get(f"{API}/products/{world.product_id}/bom").json()["version"]
    r = planner.put(
        f"{API}/products/{world.product_id}/bom",
        json={"version": version, "items": [
            {"material_id": paste["id"], "quantity_per_unit": 2},
            {"material_id": pcb["id"], "quantity_per_unit": 1},
            {"material_id": label["id"], "quantity_per_unit": 1},
        ]},
    )  # fmt: skip
    assert r.status_code == 200, r.text
    site = world.site_id
    store = post_ok(planner, "/stock-locations",
                    {"site_id": site, "code": "ST", "name": "Store", "kind": "store"})  # fmt: skip
    side = post_ok(planner, "/stock-locations",
                   {"site_id": site, "code": "LS-SMT1", "name": "SMT-1 line side",
                    "kind": "line_side", "line_id": world.line_ids["SMT-1"]})  # fmt: skip
    quarantine = post_ok(planner, "/stock-locations",
                         {"site_id": site, "code": "QA", "name": "Quarantine",
                          "kind": "quarantine", "negative": "refuse"})  # fmt: skip
    return Stores(paste["id"], pcb["id"], label["id"], store["id"], side["id"], quarantine["id"])


def released_order(planner: TestClient, world: World, number: str, qty: int = 100) -> Any:
    body = {"number": number, "product_id": world.product_id, "quantity": qty,
            "due_date": "2099-01-10T12:00:00Z"}  # fmt: skip
    order = post_ok(planner, "/orders", body)
    r = planner.post(
        f"{API}/orders/{order['id']}/transitions", json={"to": "released", "version": 1}
    )
    assert r.status_code == 200, r.text
    return r.json()


def stock_of(client: TestClient, **params: Any) -> dict[tuple[str, str, str], float]:
    r = client.get(f"{API}/stock", params=params)
    assert r.status_code == 200, r.text
    return {(s["item"]["code"], s["location"]["code"], s["lot"]): s["qty"] for s in r.json()}
