"""Import errors speak to the person fixing the spreadsheet, not to a programmer.

Before this, a quantity written in words came back as pydantic's "Input should be a
valid integer, unable to parse string as an integer".
"""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import World


def _errors(c: TestClient, sheet: str, body: bytes, **params: object) -> dict[tuple[int, str], str]:
    r = c.post(f"/api/v1/import/{sheet}", files={"file": ("f.csv", body)}, params=params)
    assert r.status_code == 422, r.text
    return {(e["row"], e["column"]): e["message"] for e in r.json()["errors"]}


def test_order_cells_in_words_name_the_column(as_role: dict[str, TestClient], world: World) -> None:
    body = (
        b"number,product_code,quantity,due_date\n"
        b"PO-1,CTRL-100,ten,2030-01-10\n"
        b"PO-2,CTRL-100,2.5,2030-01-10\n"
        b"PO-3,CTRL-100,0,2030-01-10\n"
        b"PO-4,CTRL-100,99999999999,2030-01-10\n"
    )
    errors = _errors(as_role["planner"], "orders", body)
    assert errors[(2, "quantity")] == "quantity must be a whole number, got 'ten'"
    assert errors[(3, "quantity")] == "quantity must be a whole number, got 2.5"
    assert errors[(4, "quantity")] == "quantity must be more than 0, got 0"
    assert errors[(5, "quantity")] == "quantity must be at most 10,000,000, got 99999999999"
    assert not any("Input should" in m for m in errors.values())


def test_a_decimal_in_words_gets_the_locale_hint(
    as_role: dict[str, TestClient], world: World
) -> None:
    body = (
        b"product_code,seq,name,work_center_type,line_code,cycle_time_s\n"
        b"CTRL-100,1,SMT,SMT,SMT-1,thirty\n"
        b"CTRL-100,2,Test,OVEN,TEST-1,30\n"
    )
    errors = _errors(as_role["planner"], "routings", body, locale="de")
    assert errors[(2, "cycle_time_s")] == (
        "cycle_time_s must be a number, got 'thirty' (write it as 1.234,5 or 1234.5)"
    )
    assert errors[(3, "work_center_type")].startswith("work_center_type must be one of ")
    assert "got 'OVEN'" in errors[(3, "work_center_type")]
