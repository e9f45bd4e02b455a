"""Routes to import and export master data and orders as CSV or XLSX."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

from fastapi import APIRouter, Depends, File, Query, Request, Response, UploadFile
from sqlalchemy.orm import Session

from linewise.api.body_limit import limited_body_route
from linewise.api.deps import Principal, get_db, require
from linewise.config import Settings
from linewise.core.errors import FieldError, PayloadTooLarge
from linewise.exchange.exporter import export_sheet, template, write_table
from linewise.exchange.importer import import_rows, preview_rows
from linewise.exchange.locales import ImportLocale
from linewise.exchange.schemas import ImportOut, ImportPreviewOut, TableIn
from linewise.exchange.tabular import Limits, Row, detect_format, read_rows

# Room for the multipart framing and the form's other parts around the file itself.
MULTIPART_OVERHEAD = 64 * 1024


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"the file is larger than {limit} bytes (setting LINEWISE_IMPORT_MAX_BYTES)",
        errors=[FieldError("file", f"at most {limit} bytes")],
        limit=limit,
    )


# A body over LINEWISE_IMPORT_MAX_BYTES is refused while it arrives, not after.
router = APIRouter(
    tags=["import / export"],
    route_class=limited_body_route(
        lambda settings: settings.import_max_bytes, _too_large, slack=MULTIPART_OVERHEAD
    ),
)
MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class Sheet(StrEnum):
    products = "products"
    materials = "materials"
    routings = "routings"
    bom = "bom"
    operators = "operators"
    orders = "orders"


class FileFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"


def _read_upload(request: Request, sheet: Sheet, file: UploadFile) -> list[Row]:
    settings: Settings = request.app.state.settings
    if file.size is not None and file.size > settings.import_max_bytes:
        raise _too_large(settings.import_max_bytes)
    source = file.file  # spooled to disk by the form parser, read here as a stream
    source.seek(0)
    _header, rows = read_rows(
        source,
        detect_format(file.filename, source),
        sheet.value,
        Limits.from_settings(settings),
    )
    return rows


LOCALE_HELP = (
    "how dates and decimals were typed: de = 18.12.2026 and 1.234,5; en = 12/18/2026 and "
    "1,234.5; ISO (2026-12-18, 1234.5) is read under every locale"
)
# The preview shows this many rows of a file, and every bad row besides.
PREVIEW_ROWS = 1000


@router.post("/import/{sheet}", response_model=ImportOut)
def import_sheet(
    request: Request,
    sheet: Sheet,
    file: UploadFile = File(..., description="CSV (UTF-8, ',' or ';') or XLSX"),
    partial: bool = Query(False, description="write the valid rows even if some are bad"),
    dry_run: bool = Query(False, description="validate only, write nothing"),
    locale: ImportLocale = Query(ImportLocale.iso, description=LOCALE_HELP),
    _p: Principal = Depends(require("import")),
    db: Session = Depends(get_db),
) -> Any:
    """Validate the whole file, then write it; a bad row means nothing is written.

    Every bad row is reported with its row number (as Excel shows it), column and reason.
    Files over the limits (LINEWISE_IMPORT_MAX_BYTES, _MAX_ROWS, _MAX_COLUMNS,
    _MAX_CELL_CHARS, _MAX_UNPACKED_BYTES) are refused with 413 or 422 naming the limit.
    """
    # A plain def: FastAPI runs it in the thread pool, so parsing and writing a large
    # file never holds up the event loop (and /health) while it works.
    rows = _read_upload(request, sheet, file)
    result = import_rows(db, sheet.value, rows, partial=partial, dry_run=dry_run, locale=locale)
    return result.as_dict()


@router.post("/import/{sheet}/preview", response_model=ImportPreviewOut)
def preview_import(
    request: Request,
    sheet: Sheet,
    file: UploadFile = File(..., description="CSV (UTF-8, ',' or ';') or XLSX"),
    locale: ImportLocale = Query(ImportLocale.iso, description=LOCALE_HELP),
    _p: Principal = Depends(require("import")),
    db: Session = Depends(get_db),
) -> Any:
    """Check a file without writing it: every error at once, and what a commit would do.

    Types, unknown references (a product, line, material or area that does not exist)
    and duplicates within the file are all checked in one pass; each error names its row
    (as a spreadsheet shows it) and column. The answer is 200 whether or not the file is
    valid; a file that cannot be read at all is a problem (413 or 422) as for the import.
    """
    rows = _read_upload(request, sheet, file)
    preview = preview_rows(db, sheet.value, rows, locale=locale, limit=PREVIEW_ROWS)
    result = preview.result
    return {
        "sheet": sheet.value,
        "locale": locale.value,
        "rows": result.rows,
        "created": result.created,
        "updated": result.updated,
        "valid": not result.errors,
        "columns": preview.columns,
        "errors": [e.__dict__ for e in result.sorted_errors()],
        "preview": [
            {"row": number, "action": action, "cells": cells}
            for number, action, cells in preview.rows
        ],
        "preview_truncated": preview.truncated,
    }


@router.get(
    "/import/{sheet}/template",
    response_class=Response,
    responses={
        200: {
            "description": "The sheet's header row and one example row, as a file.",
            "content": {media.split(";")[0]: {} for media in MEDIA.values()},
        }
    },
)
def import_template(
    sheet: Sheet,
    format: FileFormat = Query(FileFormat.csv),
    _p: Principal = Depends(require("import")),
) -> Response:
    """A file to fill in: the columns the import reads and one example row (ISO dates)."""
    body = template(sheet.value, format.value)
    return _attachment(body, f"{sheet.value}-template", format)


@router.get(
    "/export/{sheet}",
    response_class=Response,
    responses={
        200: {
            "description": "The sheet as a file (Content-Disposition: attachment).",
            "content": {media.split(";")[0]: {} for media in MEDIA.values()},
        }
    },
)
def export(
    sheet: Sheet,
    format: FileFormat = Query(FileFormat.csv),
    _p: Principal = Depends(require("export")),
    db: Session = Depends(get_db),
) -> Response:
    """Download a sheet in the same columns the import reads."""
    body = export_sheet(db, sheet.value, format.value)
    return _attachment(body, sheet.value, format)


@router.post(
    "/export/table",
    response_class=Response,
    responses={
        200: {
            "description": "The table as a file (Content-Disposition: attachment).",
            "content": {media.split(";")[0]: {} for media in MEDIA.values()},
        }
    },
)
def export_table(
    table: TableIn,
    format: FileFormat = Query(FileFormat.csv),
    _p: Principal = Depends(require("export")),
) -> Response:
    """Write a table a page shows (a list, a KPI table, a Pareto) as CSV or XLSX.

    The page sends its rows as shown: filters applied, names not ids, times in the
    site's zone. Text that a spreadsheet would run as a formula is made inert.
    """
    body = write_table(table.title, table.columns, table.rows, format.value)
    return _attachment(body, table.title, format)


def _attachment(body: bytes, name: str, format: FileFormat) -> Response:
    # Only letters, digits, dot, dash and underscore reach the header: no quote or CR.
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "export"
    return Response(
        body,
        media_type=MEDIA[format.value],
        headers={"Content-Disposition": f'attachment; filename="{safe}.{format.value}"'},
    )
