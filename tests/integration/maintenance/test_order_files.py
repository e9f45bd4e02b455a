"""Files and photos on maintenance orders, on SQLite and PostgreSQL: stored in the
documents' blob store by the same rules (a PDF or an image by its bytes, the size
limit), listed with the order, read back byte for byte, scoped to the caller's areas."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from linewise.domains.maintenance import service
from linewise.domains.maintenance.models import MaintenanceKind
from tests.conftest import World

API = "/api/v1/maintenance"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(40))


def _ok(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json()


def test_a_photo_on_an_order_is_stored_listed_and_read_back(
    db: Session, world: World, as_role: dict[str, TestClient]
) -> None:
    op, sup = as_role["operator"], as_role["supervisor"]
    mine = service.create_order(
        db,
        machine_id=world.machine_ids["SMT-1-PNP1"],
        kind=MaintenanceKind.CORRECTIVE,
        title="Nozzle",
        created_by="t",
    )
    other = service.create_order(
        db,
        machine_id=world.machine_ids["TEST-1-ICT"],
        kind=MaintenanceKind.CORRECTIVE,
        title="Fixture",
        created_by="t",
    )
    db.commit()
    url = f"{API}/orders/{mine.id}/files"
    f = _ok(op.post(url, files={"file": ("worn nozzle.png", PNG, "text/plain")}), 201)
    # The type comes from the bytes, not from what the client said.
    assert (f["filename"], f["content_type"], f["size"]) == ("worn nozzle.png", "image/png", 48)
    assert [x["id"] for x in _ok(sup.get(url))] == [f["id"]]
    got = sup.get(f["url"])
    assert got.status_code == 200 and got.content == PNG
    assert got.headers["content-type"] == "image/png"
    bad = op.post(url, files={"file": ("notes.txt", b"just text", "image/png")})
    assert bad.status_code == 415 and "file" in bad.text
    # Outside the operator's areas: neither upload nor read.
    theirs = f"{API}/orders/{other.id}/files"
    assert op.post(theirs, files={"file": ("a.png", PNG, "image/png")}).status_code == 403
    assert op.get(theirs).status_code == 403
    g = _ok(as_role["manager"].post(theirs, files={"file": ("a.png", PNG, "image/png")}), 201)
    assert op.get(g["url"]).status_code == 403
