"""Read and write the spreadsheets factories keep today: CSV and XLSX.

Rows come back as ``(row_number, {column: text})`` with the row number a person sees in
Excel (the header is row 1), so every error message can point at the right cell.

Reading streams: the file is never held whole as text or as a grid, an XLSX's declared
``<dimension>`` is ignored (a 1.6 KB file claiming ``A1:XFD8000`` once cost ~1 GB), and
``Limits`` stop a file with too many rows, columns or characters while it is read, with
an error that names the setting to raise.

Exports are inert when opened in a spreadsheet program: text that starts like a formula
(``= + - @``, tab or carriage return) is prefixed with ``'`` in CSV (the OWASP advice
against CSV injection) and written as a plain string cell in XLSX; numbers stay numbers.
Characters XML cannot carry are replaced by U+FFFD in XLSX so stored data never breaks it.
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import re
import zipfile
from collections.abc import Generator, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from linewise.config import Settings
from linewise.core.errors import FieldError, PayloadTooLarge, ValidationProblem

Row = tuple[int, dict[str, str]]


class TypedCell(str):
    """The text of an XLSX cell that held a number or a date, not typed-in text.

    The declared locale of an upload reads only what people typed: ``1.234`` in a number
    cell is one point two three four, whatever the locale says about dots.
    """


# The csv module refuses fields over 131,072 characters with a bare csv.Error (which
# answered 500). The file size bounds a field anyway, so let the module read it and let
# Limits.max_cell_chars refuse it with its row and column. Process-wide, set once.
csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))

# Text the CSV guard prefixes with ': what a spreadsheet program may run as a formula
# (= + - @, tab, CR at the start), after any quotes already there, so that "'=x" is
# written "''=x" and the import, dropping one quote, gets back exactly what was stored.
GUARDED = re.compile("'*[=+\\-@\t\r]")


@dataclass(frozen=True)
class Limits:
    """How much one imported file may hold; defaults as in Settings."""

    max_rows: int = 50_000
    max_columns: int = 100
    max_cell_chars: int = 32_767
    max_unpacked_bytes: int = 100 * 1024 * 1024

    @classmethod
    def from_settings(cls, s: Settings) -> Limits:
        return cls(
            max_rows=s.import_max_rows,
            max_columns=s.import_max_columns,
            max_cell_chars=s.import_max_cell_chars,
            max_unpacked_bytes=s.import_max_unpacked_bytes,
        )


def detect_format(filename: str | None, content: bytes | IO[bytes]) -> str:
    """'xlsx' for a zip container (what every XLSX is), else 'csv'."""
    if isinstance(content, bytes):
        magic = content[:2]
    else:
        position = content.tell()
        magic = content.read(2)
        content.seek(position)
    if magic == b"PK" or (filename or "").lower().endswith(".xlsx"):
        return "xlsx"
    return "csv"


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, datetime | date):
        return TypedCell(value.isoformat())
    if isinstance(value, float) and value.is_integer():
        return TypedCell(int(value))
    return TypedCell(value)


def _normalise_header(cells: Sequence[str]) -> list[str]:
    return [c.lower().replace(" ", "_") for c in cells]


def _unquote(text: str) -> str:
    """Undo the export's formula guard, so an exported CSV imports back unchanged."""
    return text[1:] if text.startswith("'") and GUARDED.match(text, 1) else text


def _xlsx_rows(
    source: IO[bytes], sheet: str | None, limits: Limits
) -> Generator[list[Any], None, None]:
    """Raw rows of one sheet, streamed; an empty list for a blank row."""
    try:
        with zipfile.ZipFile(source) as archive:
            unpacked = sum(i.file_size for i in archive.infolist())
        source.seek(0)
        wb = load_workbook(source, read_only=True, data_only=True)
    except Exception as exc:  # zipfile and openpyxl raise many kinds for a broken file
        raise ValidationProblem(
            "the file is not a readable XLSX workbook",
            errors=[FieldError("file", f"{exc.__class__.__name__}: {exc}")],
        ) from exc
    if unpacked > limits.max_unpacked_bytes:
        wb.close()
        raise PayloadTooLarge(
            f"the workbook unpacks to {unpacked} bytes; at most {limits.max_unpacked_bytes} "
            "are read (setting LINEWISE_IMPORT_MAX_UNPACKED_BYTES)",
            errors=[FieldError("file", f"at most {limits.max_unpacked_bytes} bytes unpacked")],
            limit=limits.max_unpacked_bytes,
        )
    try:
        named = wb[sheet] if sheet and sheet in wb.sheetnames else None
        sheets: list[ReadOnlyWorksheet] = [named] if isinstance(named, ReadOnlyWorksheet) else []
        sheets += [w for w in wb.worksheets if isinstance(w, ReadOnlyWorksheet)]
        if not sheets:  # e.g. a workbook of chart sheets only
            raise ValidationProblem(
                "the workbook has no worksheet", errors=[FieldError("file", "no worksheet")]
            )
        ws: Any = sheets[0]  # the stubs type iter_rows for the writable Worksheet only
        # The declared <dimension> is the writer's claim, not the data: trusted, it padded
        # every row to the claimed width and invented empty rows up to the claimed end.
        ws.reset_dimensions()
        for cells in ws.iter_rows(values_only=True):
            yield list(cells)
    finally:
        wb.close()


def _csv_rows(source: IO[bytes]) -> Generator[list[Any], None, None]:
    text = io.TextIOWrapper(source, encoding="utf-8-sig", newline="")
    line = 0
    try:
        first = text.readline()
        # Excel in many European locales writes ';' as the separator.
        delimiter = ";" if first.count(";") > first.count(",") else ","
        reader = csv.reader(itertools.chain([first], text), delimiter=delimiter)
        for cells in reader:
            line = reader.line_num
            yield list(cells)
    except UnicodeDecodeError as exc:
        raise ValidationProblem(
            "the CSV file is not UTF-8 text",
            errors=[FieldError("file", f"{exc.reason} near byte {exc.start}; save as CSV UTF-8")],
        ) from exc
    except csv.Error as exc:
        raise ValidationProblem(
            "the CSV file cannot be read",
            errors=[FieldError("file", f"after line {line}: {exc}")],
        ) from exc
    finally:
        text.detach()  # the caller owns the binary file


def read_rows(
    content: bytes | IO[bytes],
    fmt: str,
    sheet: str | None = None,
    limits: Limits | None = None,
) -> tuple[list[str], list[Row]]:
    """Header and non-empty rows of a CSV (UTF-8, ``,`` or ``;``) or of one XLSX sheet.

    Streams ``content`` (bytes or a binary file) and stops at the first row past
    ``limits.max_rows`` (413) or ``limits.max_columns`` (422); cells longer than
    ``limits.max_cell_chars`` are all reported with row and column (422).
    """
    limits = limits or Limits()
    source = io.BytesIO(content) if isinstance(content, bytes) else content
    raw = _xlsx_rows(source, sheet, limits) if fmt == "xlsx" else _csv_rows(source)
    # Closed here, while ``source`` is still open, not whenever it is collected.
    with contextlib.closing(raw):
        return _collect(raw, fmt, limits)


def _collect(raw: Iterable[list[Any]], fmt: str, limits: Limits) -> tuple[list[str], list[Row]]:
    header: list[str] | None = None
    rows: list[Row] = []
    too_long: list[FieldError] = []
    for number, cells in enumerate(raw, start=1):
        while cells and cells[-1] in (None, ""):
            cells.pop()
        if len(cells) > limits.max_columns:
            raise ValidationProblem(
                f"row {number} has {len(cells)} columns; at most {limits.max_columns} are read "
                "(setting LINEWISE_IMPORT_MAX_COLUMNS)",
                errors=[FieldError("file", f"at most {limits.max_columns} columns", row=number)],
                limit=limits.max_columns,
            )
        texts = []
        for index, value in enumerate(cells):
            text = _cell_text(value)
            if len(text) > limits.max_cell_chars:
                column = (
                    header[index]
                    if header and index < len(header)
                    else get_column_letter(index + 1)
                )
                too_long.append(
                    FieldError(
                        f"row {number}.{column}",
                        f"{len(text)} characters; at most {limits.max_cell_chars} "
                        "(setting LINEWISE_IMPORT_MAX_CELL_CHARS)",
                        row=number,
                        column=column,
                    )
                )
                text = ""
            texts.append(_unquote(text) if fmt == "csv" else text)
        if header is None:
            header = _normalise_header(texts)
            continue
        if not any(texts):
            continue
        if len(rows) == limits.max_rows:
            raise PayloadTooLarge(
                f"more than {limits.max_rows} rows; import the file in parts or raise the "
                "limit (setting LINEWISE_IMPORT_MAX_ROWS)",
                errors=[FieldError("file", f"at most {limits.max_rows} rows", row=number)],
                limit=limits.max_rows,
            )
        rows.append(
            (number, {h: (texts[i] if i < len(texts) else "") for i, h in enumerate(header)})
        )
    if header is None:
        raise ValidationProblem(
            "the file is empty", errors=[FieldError("file", "no header row found")]
        )
    if too_long:
        raise ValidationProblem(
            f"{len(too_long)} cells are longer than {limits.max_cell_chars} characters; "
            "nothing was imported",
            errors=too_long,
            rejected_rows=sorted({e["row"] for e in too_long}),
        )
    return header, rows


def guard_formula(text: str) -> str:
    """Text a spreadsheet program would run as a formula, made inert with a leading '."""
    return "'" + text if GUARDED.match(text) else text


def _csv_text(value: Any) -> str:
    text = _cell_text(value)
    # Only text is guarded: a negative number stays a number ("-2", not "'-2").
    return guard_formula(text) if isinstance(value, str) else text


def write_csv(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([_csv_text(c) for c in columns])  # a page's titles are text too
    for row in rows:
        writer.writerow([_csv_text(v) for v in row])
    return out.getvalue().encode("utf-8")


def _xlsx_cell(ws: Any, row: int, column: int, value: Any) -> Cell:
    # Datetimes as ISO text with their offset: Excel cells have no time zone.
    if isinstance(value, datetime):
        value = value.isoformat()
    if isinstance(value, str):
        # XML 1.0 cannot carry most control characters; openpyxl would raise (a 500).
        value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    cell = Cell(ws, row=row, column=column, value=value)
    if cell.data_type == "f":  # openpyxl makes every "=..." a live formula
        cell.data_type = "s"
    return cell


def write_xlsx(sheet: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    # Excel refuses these in a sheet name (openpyxl raises: a 500 for a page's title).
    title = ILLEGAL_CHARACTERS_RE.sub("", re.sub(r"[\\/?*\[\]:]", "-", sheet))
    ws.title = title[:31] or "export"
    ws.append([_xlsx_cell(ws, 1, i, c) for i, c in enumerate(columns, start=1)])
    for number, row in enumerate(rows, start=2):
        ws.append([_xlsx_cell(ws, number, i, v) for i, v in enumerate(row, start=1)])
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
