"""Routes to import and export master data and orders as CSV or XLSX."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from fastapi import APIRouter, Depends, File, Query, Request, Response, UploadFile
from sqlalchemy.orm import Session

from linewise.api.body_limit import limited_body_route
from linewise.api.deps import Principal, get_db, require
from linewise.config import Settings
from linewise.core.errors import FieldError, PayloadTooLarge
from linewise.exchange.exporter import export_sheet
from linewise.exchange.importer import import_rows
from linewise.exchange.schemas import ImportOut
from linewise.exchange.tabular import Limits, detect_format, read_rows

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


@router.post("/import/{sheet}", response_model=ImportOut)
def import_sheet(
    request: Request,
    sheet: Sheet,
    file: UploadFile = File(..., description="CSV (UTF-8, ',' or ';') or XLSX"),
    partial: bool = Query(False, description="write the valid rows even if some are bad"),
    dry_run: bool = Query(False, description="validate only, write nothing"),
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
    result = import_rows(db, sheet.value, rows, partial=partial, dry_run=dry_run)
    return result.as_dict()


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
    return Response(
        body,
        media_type=MEDIA[format.value],
        headers={"Content-Disposition": f'attachment; filename="{sheet.value}.{format.value}"'},
    )
