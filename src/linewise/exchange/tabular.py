"""Read and write the spreadsheets factories keep today: CSV and XLSX.

Rows come back as ``(row_number, {column: text})`` with the row number a person sees in
Excel (the header is row 1), so every error message can point at the right cell.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook, load_workbook

from linewise.core.errors import FieldError, ValidationProblem

Row = tuple[int, dict[str, str]]


def detect_format(filename: str | None, content: bytes) -> str:
    """'xlsx' for a zip container (what every XLSX is), else 'csv'."""
    if content[:2] == b"PK" or (filename or "").lower().endswith(".xlsx"):
        return "xlsx"
    return "csv"


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _normalise_header(cells: Sequence[Any]) -> list[str]:
    return [_cell_text(c).lower().replace(" ", "_") for c in cells]


def read_rows(content: bytes, fmt: str, sheet: str | None = None) -> tuple[list[str], list[Row]]:
    """Header and non-empty rows of a CSV (UTF-8, ``,`` or ``;``) or of one XLSX sheet."""
    if fmt == "xlsx":
        try:
            wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a broken file
            raise ValidationProblem(
                "the file is not a readable XLSX workbook",
                errors=[FieldError("file", f"{exc.__class__.__name__}: {exc}")],
            ) from exc
        ws = wb[sheet] if sheet and sheet in wb.sheetnames else wb.worksheets[0]
        values = [list(r) for r in ws.iter_rows(values_only=True)]
        wb.close()
    else:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValidationProblem(
                "the CSV file is not UTF-8 text",
                errors=[FieldError("file", f"byte {exc.start} is not UTF-8; save as CSV UTF-8")],
            ) from exc
        # Excel in many European locales writes ';' as the separator.
        first = text.split("\n", 1)[0]
        delimiter = ";" if first.count(";") > first.count(",") else ","
        values = [list(r) for r in csv.reader(io.StringIO(text), delimiter=delimiter)]
    if not values:
        raise ValidationProblem(
            "the file is empty", errors=[FieldError("file", "no header row found")]
        )
    header = _normalise_header(values[0])
    rows: list[Row] = []
    for number, cells in enumerate(values[1:], start=2):
        texts = [_cell_text(c) for c in cells]
        if not any(texts):
            continue
        rows.append(
            (number, {h: (texts[i] if i < len(texts) else "") for i, h in enumerate(header)})
        )
    return header, rows


def write_csv(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if v is None else _cell_text(v) for v in row])
    return out.getvalue().encode("utf-8")


def write_xlsx(sheet: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = sheet[:31]
    ws.append(list(columns))
    for row in rows:
        # Datetimes as ISO text with their offset: Excel cells have no time zone.
        ws.append([v.isoformat() if isinstance(v, datetime) else v for v in row])
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
