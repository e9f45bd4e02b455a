"""Import and export of spreadsheets: all-or-nothing, precise row errors, round trips."""

from __future__ import annotations

import io

from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook

from tests.conftest import World

ORDER_COLUMNS = ["number", "product_code", "quantity", "due_date", "release_date", "priority"]


def _xlsx(columns: list[str], rows: list[list[object]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(columns)
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _upload(c: TestClient, sheet: str, name: str, body: bytes, **params: object):  # type: ignore[no-untyped-def]
    return c.post(f"/api/v1/import/{sheet}", files={"file": (name, body)}, params=params)


def test_xlsx_with_three_bad_rows_is_refused_whole(
    as_role: dict[str, TestClient], world: World
) -> None:
    planner = as_role["planner"]
    body = _xlsx(
        ORDER_COLUMNS,
        [
            ["PO-A", "CTRL-100", 100, "2030-01-10T12:00:00Z", None, 3],
            ["PO-B", "NOPE-1", 50, "2030-01-10", None, 3],  # row 3: unknown product
            ["PO-C", "CTRL-100", -5, "2030-01-10", None, 3],  # row 4: negative quantity
            ["PO-D", "CTRL-100", 10, "2030-01-10", None, 3],
            ["PO-E", "CTRL-100", 10, "next tuesday", None, 9],  # row 6: date and priority
        ],
    )
    r = _upload(planner, "orders", "orders.xlsx", body)
    assert r.status_code == 422, r.text
    problem = r.json()
    assert r.headers["content-type"].startswith("application/problem+json")
    assert problem["rejected_rows"] == [3, 4, 6]
    cells = {(e["row"], e["column"]) for e in problem["errors"]}
    assert cells == {(3, "product_code"), (4, "quantity"), (6, "due_date"), (6, "priority")}
    assert "nothing was imported" in problem["detail"]
    messages = {(e["row"], e["column"]): e["message"] for e in problem["errors"]}
    assert "NOPE-1" in messages[(3, "product_code")]
    assert messages[(4, "quantity")] == "quantity must be more than 0, got -5"
    # Nothing written: not even the good rows.
    assert planner.get("/api/v1/orders").json()["total"] == 0


def test_partial_import_writes_only_the_valid_rows(
    as_role: dict[str, TestClient], world: World
) -> None:
    planner = as_role["planner"]
    body = _xlsx(
        ORDER_COLUMNS,
        [
            ["PO-A", "CTRL-100", 100, "2030-01-10T12:00:00Z", None, 3],
            ["PO-B", "NOPE-1", 50, "2030-01-10", None, 3],
        ],
    )
    r = _upload(planner, "orders", "orders.xlsx", body, partial="true")
    assert r.status_code == 200, r.text
    assert (r.json()["created"], r.json()["rejected_rows"]) == (1, [3])
    orders = planner.get("/api/v1/orders").json()["items"]
    assert [o["number"] for o in orders] == ["PO-A"]
    # A bare date is read in the site's zone (Europe/Berlin) as the end of that day.
    r = _upload(
        planner,
        "orders",
        "o.csv",
        b"number,product_code,quantity,due_date\nPO-Z,CTRL-100,5,2030-01-10\n",
    )
    assert r.status_code == 200, r.text
    due = planner.get("/api/v1/orders/by-number/PO-Z").json()["due_date"]
    assert due.startswith("2030-01-10T22:59:59")


def test_semicolon_csv_products_then_round_trip(
    as_role: dict[str, TestClient], world: World
) -> None:
    planner = as_role["planner"]
    csv = b"code;name;family\nBRD-1;Board one;brd\nBRD-2;Board two;brd\n"
    r = _upload(planner, "products", "p.csv", csv)
    assert r.status_code == 200, r.text
    assert r.json()["created"] == 2
    exported = planner.get("/api/v1/export/products", params={"format": "xlsx"})
    assert exported.status_code == 200
    ws = load_workbook(io.BytesIO(exported.content)).active
    assert ws is not None
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    assert rows[0] == ["code", "name", "family"]
    assert ["BRD-1", "Board one", "brd"] in rows
    # Importing the export again changes nothing and duplicates nothing.
    r = _upload(planner, "products", "p.xlsx", exported.content)
    assert (r.json()["created"], r.json()["updated"]) == (0, 3)
    assert planner.get("/api/v1/products").json()["total"] == 3


def test_routing_import_keeps_operation_links(as_role: dict[str, TestClient], world: World) -> None:
    planner = as_role["planner"]
    r = planner.post(
        "/api/v1/orders",
        json={
            "number": "PO-1",
            "product_id": world.product_id,
            "quantity": 10,
            "due_date": "2030-01-10T12:00:00Z",
        },
    )
    assert r.status_code == 201
    routing = planner.get("/api/v1/export/routings").content
    changed = routing.replace(b",30,", b",28,")
    r = _upload(planner, "routings", "r.csv", changed)
    assert r.status_code == 200, r.text
    steps = planner.get(f"/api/v1/products/{world.product_id}/routing").json()["steps"]
    assert steps[0]["eligible"][0]["cycle_time_s"] == 28
    # Bad line type is named at its cell.
    bad = routing.replace(b"TEST,TEST-1", b"TEST,SMT-1")
    r = _upload(planner, "routings", "r.csv", bad)
    assert r.status_code == 422
    assert [(e["row"], e["column"]) for e in r.json()["errors"]] == [(3, "line_code")]


def test_operators_need_known_areas(as_role: dict[str, TestClient], world: World) -> None:
    body = (
        b"code,name,skills,areas,shift_code\nOP-1,Ann,smt_operator;packer,SMT,A\nOP-2,Bo,,MARS,B\n"
    )
    r = _upload(as_role["planner"], "operators", "ops.csv", body)
    assert r.status_code == 422
    assert [(e["row"], e["column"]) for e in r.json()["errors"]] == [(3, "areas")]
    body = body.replace(b"MARS", b"TEST")
    r = _upload(as_role["planner"], "operators", "ops.csv", body)
    assert r.json()["created"] == 2
    ops = as_role["planner"].get("/api/v1/operators", params={"sort": "code"}).json()["items"]
    assert ops[0]["skills"] == ["smt_operator", "packer"]


def test_garbage_file_is_a_clear_error(as_role: dict[str, TestClient], world: World) -> None:
    r = _upload(as_role["planner"], "orders", "x.xlsx", b"PK\x03\x04 not really a zip")
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "file"
    r = _upload(as_role["planner"], "orders", "x.csv", b"\xff\xfe\x00bad")
    assert r.status_code == 422
    assert "UTF-8" in r.json()["detail"]
