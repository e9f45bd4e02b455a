"""Import in two steps (a preview with every error at once, then an all-or-nothing
commit), dates and decimals under a declared locale, templates, and table exports."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from openpyxl import Workbook, load_workbook

from linewise.config import Settings
from linewise.exchange.sheets import EXAMPLES, columns
from tests.conftest import World

ORDERS_HEADER = "number,product_code,quantity,due_date,release_date,priority\n"


def _post(c: TestClient, path: str, name: str, body: bytes | str, **params: object) -> Response:
    data = body.encode() if isinstance(body, str) else body
    return c.post(f"/api/v1/import/{path}", files={"file": (name, data)}, params=params)


def _cells(problem_or_preview: dict[str, object]) -> dict[tuple[int, str], str]:
    errors = problem_or_preview["errors"]
    assert isinstance(errors, list)
    return {(e["row"], e["column"]): e["message"] for e in errors}


def test_preview_reports_type_reference_and_duplicate_errors_in_one_pass(
    as_role: dict[str, TestClient], world: World
) -> None:
    planner = as_role["planner"]
    body = (
        ORDERS_HEADER
        + "PO-1,CTRL-100,100,2030-01-10,,3\n"  # row 2: fine
        + "PO-2,NOPE-1,many,2030-01-10,,3\n"  # row 3: a type error AND an unknown product
        + "PO-1,CTRL-100,5,2030-01-10,,3\n"  # row 4: the number again
        + "PO-2,CTRL-100,5,soon,,3\n"  # row 5: a bad date AND the number of bad row 3
    )
    r = _post(planner, "orders/preview", "orders.csv", body)
    assert r.status_code == 200, r.text
    preview = r.json()
    assert preview["valid"] is False
    cells = _cells(preview)
    assert set(cells) == {
        (3, "quantity"),
        (3, "product_code"),
        (4, "number"),
        (5, "number"),
        (5, "due_date"),
    }
    assert "NOPE-1" in cells[(3, "product_code")]
    assert "first in row 2" in cells[(4, "number")]
    assert "first in row 3" in cells[(5, "number")]
    assert "YYYY-MM-DD" in cells[(5, "due_date")]
    # Errors come in row order, and each row says what it would do.
    assert [e["row"] for e in preview["errors"]] == sorted(e["row"] for e in preview["errors"])
    assert [(p["row"], p["action"]) for p in preview["preview"]] == [
        (2, "create"),
        (3, "error"),
        (4, "error"),
        (5, "error"),
    ]
    assert preview["columns"] == columns("orders")
    assert preview["preview"][1]["cells"][:3] == ["PO-2", "NOPE-1", "many"]
    # A preview writes nothing, and the commit of the same file refuses it whole with
    # the same errors.
    assert planner.get("/api/v1/orders").json()["total"] == 0
    r = _post(planner, "orders", "orders.csv", body)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert set(_cells(r.json())) == set(cells)
    assert planner.get("/api/v1/orders").json()["total"] == 0


def test_fixed_file_previews_clean_then_commits(
    as_role: dict[str, TestClient], world: World
) -> None:
    planner = as_role["planner"]
    _post(planner, "orders", "o.csv", ORDERS_HEADER + "PO-1,CTRL-100,10,2030-01-10,,3\n")
    body = ORDERS_HEADER + "PO-1,CTRL-100,20,2030-01-10,,3\nPO-2,CTRL-100,5,2030-01-11,,2\n"
    preview = _post(planner, "orders/preview", "o.csv", body).json()
    assert (preview["valid"], preview["created"], preview["updated"]) == (True, 1, 1)
    assert [p["action"] for p in preview["preview"]] == ["update", "create"]
    r = _post(planner, "orders", "o.csv", body)
    assert (r.status_code, r.json()["written"]) == (200, True)
    orders = {o["number"]: o for o in planner.get("/api/v1/orders").json()["items"]}
    assert (orders["PO-1"]["quantity"], orders["PO-2"]["quantity"]) == (20, 5)


def test_a_missing_column_is_one_error_not_one_per_row(
    as_role: dict[str, TestClient], world: World
) -> None:
    body = "number,quantity,due_date\n" + "PO-1,5,2030-01-10\n" * 1 + "PO-2,5,2030-01-10\n"
    preview = _post(as_role["planner"], "orders/preview", "o.csv", body).json()
    assert _cells(preview) == {(1, "product_code"): "column missing from the header row"}


def test_german_dates_and_decimals(as_role: dict[str, TestClient], world: World) -> None:
    planner = as_role["planner"]
    body = (
        "number;product_code;quantity;due_date;release_date\n"
        "PO-DE;CTRL-100;1.234;18.12.2026;1.12.2026 06:30\n"
        "PO-ISO;CTRL-100;7;2026-12-19;\n"  # ISO is read under every locale
    )
    r = _post(planner, "orders", "o.csv", body, locale="de")
    assert r.status_code == 200, r.text
    orders = {o["number"]: o for o in planner.get("/api/v1/orders?limit=10").json()["items"]}
    assert orders["PO-DE"]["quantity"] == 1234
    berlin = ZoneInfo("Europe/Berlin")
    due = datetime.fromisoformat(orders["PO-DE"]["due_date"]).astimezone(berlin)
    assert due.replace(tzinfo=None) == datetime(2026, 12, 18, 23, 59, 59)
    assert orders["PO-ISO"]["quantity"] == 7
    detail = planner.get(f"/api/v1/orders/{orders['PO-DE']['id']}").json()
    release = datetime.fromisoformat(detail["release_date"]).astimezone(berlin)
    assert release.replace(tzinfo=None) == datetime(2026, 12, 1, 6, 30)


def test_locale_decimal_comma_in_a_routing_and_us_dates(
    as_role: dict[str, TestClient], world: World
) -> None:
    planner = as_role["planner"]
    header = ";".join(columns("routings")) + "\n"
    routing = header + "CTRL-100;1;Placement;SMT;SMT-1;1.042,5;600;;;true;0;\n"
    r = _post(planner, "routings", "r.csv", routing, locale="de")
    assert r.status_code == 200, r.text
    exported = planner.get("/api/v1/export/routings").text
    assert "1042.5" in exported
    # The same text under ISO is a number in the wrong form, named with the form to use.
    r = _post(planner, "routings/preview", "r.csv", routing, locale="iso")
    message = _cells(r.json())[(2, "cycle_time_s")]
    assert "1234.5" in message
    us = ORDERS_HEADER + 'PO-US,CTRL-100,"1,500",12/18/2026,,3\n'
    r = _post(planner, "orders", "o.csv", us, locale="en")
    assert r.status_code == 200, r.text
    order = planner.get("/api/v1/orders").json()["items"][0]
    assert order["quantity"] == 1500
    assert order["due_date"].startswith("2026-12-18")


@pytest.mark.parametrize(
    ("text", "message"),
    [("31.02.2026", "not a real date"), ("2026/12/18", "DD.MM.YYYY or YYYY-MM-DD")],
)
def test_german_locale_names_impossible_dates(
    as_role: dict[str, TestClient], world: World, text: str, message: str
) -> None:
    body = ORDERS_HEADER + f"PO-1,CTRL-100,1,{text},,3\n"
    preview = _post(as_role["planner"], "orders/preview", "o.csv", body, locale="de").json()
    assert message in _cells(preview)[(2, "due_date")]


def test_unknown_locale_is_a_problem_naming_the_field(
    as_role: dict[str, TestClient], world: World
) -> None:
    r = _post(as_role["planner"], "orders/preview", "o.csv", ORDERS_HEADER, locale="fr")
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "locale" in r.text


def test_templates_have_the_columns_and_import_as_they_are(
    as_role: dict[str, TestClient], world: World
) -> None:
    planner = as_role["planner"]
    # In dependency order: the BOM needs the material, the operators' area exists.
    for sheet in ("products", "materials", "routings", "bom", "operators", "orders"):
        r = planner.get(f"/api/v1/import/{sheet}/template", params={"format": "csv"})
        assert r.status_code == 200
        assert f'filename="{sheet}-template.csv"' in r.headers["content-disposition"]
        header, example = list(csv.reader(io.StringIO(r.text)))
        assert header == columns(sheet)
        assert example[0] == EXAMPLES[sheet][0]
        x = planner.get(f"/api/v1/import/{sheet}/template", params={"format": "xlsx"})
        rows = list(load_workbook(io.BytesIO(x.content)).worksheets[0].values)
        assert list(rows[0]) == columns(sheet)
        # The XLSX template imports (the CSV would too: the same row).
        r = _post(planner, sheet, "template.xlsx", x.content)
        assert r.status_code == 200, (sheet, r.text)
        assert r.json()["created"] + r.json()["updated"] == 1
    order = planner.get("/api/v1/orders").json()["items"][0]
    assert (order["number"], order["quantity"]) == ("PO-1001", 500)
    assert as_role["operator"].get("/api/v1/import/orders/template").status_code == 403


def test_export_table_writes_the_rows_a_page_shows(
    as_role: dict[str, TestClient], world: World
) -> None:
    manager = as_role["manager"]
    table = {
        "title": "Pareto: downtime / SMT",
        "columns": ["Reason", "Minutes", "Share", "Line"],
        "rows": [["=cmd|' /C calc'!A0", 125.5, 0.61, "SMT line 1"], ["Setup", 80, 0.39, None]],
    }
    r = manager.post("/api/v1/export/table", params={"format": "csv"}, json=table)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert 'filename="Pareto-downtime-SMT.csv"' in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows == [
        ["Reason", "Minutes", "Share", "Line"],
        ["'=cmd|' /C calc'!A0", "125.5", "0.61", "SMT line 1"],
        ["Setup", "80", "0.39", ""],
    ]
    r = manager.post("/api/v1/export/table", params={"format": "xlsx"}, json=table)
    ws = load_workbook(io.BytesIO(r.content)).worksheets[0]
    assert ws.title == "Pareto- downtime - SMT"
    values = list(ws.values)
    assert values[1] == ("=cmd|' /C calc'!A0", 125.5, 0.61, "SMT line 1")
    assert ws["A2"].data_type == "s"  # text, not a live formula
    assert values[2][:2] == ("Setup", 80)


def test_export_table_refuses_bad_input_naming_the_field(
    as_role: dict[str, TestClient], world: World
) -> None:
    manager = as_role["manager"]
    wide = {"title": "t", "columns": ["a"], "rows": [["x", "y"]]}
    r = manager.post("/api/v1/export/table", json=wide)
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "rows" in r.text and "2 cells for 1 columns" in r.text
    r = manager.post("/api/v1/export/table", json={"title": "", "columns": ["a"], "rows": []})
    assert r.status_code == 422 and "title" in r.text
    nan = '{"title": "t", "columns": ["a"], "rows": [[NaN]]}'
    r = manager.post(
        "/api/v1/export/table", content=nan, headers={"content-type": "application/json"}
    )
    assert r.status_code == 422
    r = as_role["operator"].post("/api/v1/export/table", json=wide)
    assert r.status_code == 403


def test_xlsx_number_cells_ignore_the_locale_text_cells_follow_it(
    as_role: dict[str, TestClient], world: World
) -> None:
    planner = as_role["planner"]
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(columns("routings"))
    # A real number 1.234 (typed cell) and a text "2,5" typed by a German user.
    ws.append(["CTRL-100", 1, "Placement", "SMT", "SMT-1", 1.234, "2,5", "", "", True, 0, None])
    buf = io.BytesIO()
    wb.save(buf)
    r = _post(planner, "routings", "r.xlsx", buf.getvalue(), locale="de")
    assert r.status_code == 200, r.text
    exported = list(csv.reader(io.StringIO(planner.get("/api/v1/export/routings").text)))
    assert (exported[1][5], exported[1][6]) == ("1.234", "2.5")


def test_preview_refuses_an_oversized_file_naming_the_setting(
    as_role: dict[str, TestClient], world: World, settings: Settings
) -> None:
    settings.import_max_bytes = 1000
    body = "code,name\n" + "".join(f"P{i},Product {i}\n" for i in range(100))
    r = _post(as_role["planner"], "products/preview", "p.csv", body)
    assert r.status_code == 413, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"][0]["field"] == "file"
    assert "LINEWISE_IMPORT_MAX_BYTES" in r.json()["detail"]


def test_a_rule_broken_while_writing_leaves_nothing_written(
    as_role: dict[str, TestClient], world: World
) -> None:
    """Rows that pass every check are applied in a savepoint; a later row whose rule fails
    there (a completed order cannot change) rolls back the ones already applied."""
    planner, admin = as_role["planner"], as_role["admin"]
    r = _post(planner, "orders", "o.csv", ORDERS_HEADER + "PO-DONE,CTRL-100,1,2030-01-10,,3\n")
    assert r.status_code == 200, r.text
    done = planner.get("/api/v1/orders").json()["items"][0]
    r = admin.post(
        f"/api/v1/orders/{done['id']}/transitions",
        json={"to": "cancelled", "version": done["version"]},
    )
    assert r.status_code == 200, r.text
    body = (
        ORDERS_HEADER
        + "PO-NEW-1,CTRL-100,5,2030-01-10,,3\n"
        + "PO-NEW-2,CTRL-100,5,2030-01-10,,3\n"
        + "PO-DONE,CTRL-100,9,2030-01-10,,3\n"
    )
    r = _post(planner, "orders", "o.csv", body)
    assert r.status_code == 422
    assert set(_cells(r.json())) == {(4, "number")}
    numbers = [o["number"] for o in planner.get("/api/v1/orders").json()["items"]]
    assert numbers == ["PO-DONE"]


def test_templates_refuse_an_unknown_format_or_sheet(
    as_role: dict[str, TestClient], world: World
) -> None:
    planner = as_role["planner"]
    r = planner.get("/api/v1/import/orders/template", params={"format": "ods"})
    assert r.status_code == 422 and "format" in r.text
    r = planner.get("/api/v1/import/widgets/template")
    assert r.status_code == 422 and "sheet" in r.text


def test_a_preview_writes_no_update_either(as_role: dict[str, TestClient], world: World) -> None:
    # The preview applies the rows without sending them (no flush) and rolls back: a
    # change to an existing record must not reach the request's commit.
    planner = as_role["planner"]
    r = _post(planner, "products/preview", "p.csv", "code,name,family\nCTRL-100,Renamed,x\n")
    assert (r.json()["valid"], r.json()["updated"]) == (True, 1)
    names = [p["name"] for p in planner.get("/api/v1/products").json()["items"]]
    assert names == ["Controller"]


def test_export_table_survives_control_characters_and_formulas_in_titles(
    as_role: dict[str, TestClient], world: World
) -> None:
    table = {"title": "a\x01b/c", "columns": ["=x\x02", "b"], "rows": [["\x03", 1.5]]}
    r = as_role["planner"].post("/api/v1/export/table", params={"format": "xlsx"}, json=table)
    assert r.status_code == 200, r.text
    ws = load_workbook(io.BytesIO(r.content)).worksheets[0]
    assert ws.title == "ab-c"
    assert ws["A1"].value == "=x\ufffd" and ws["A1"].data_type == "s"
    assert ws["A2"].value == "\ufffd"
    r = as_role["planner"].post("/api/v1/export/table", params={"format": "csv"}, json=table)
    assert r.text.splitlines()[0] == "'=x\x02,b"
