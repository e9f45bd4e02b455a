"""Routes to import and export master data and orders as CSV or XLSX."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from fastapi import APIRouter, Depends, File, Query, Response, UploadFile
from sqlalchemy.orm import Session

from linewise.api.deps import Principal, get_db, require
from linewise.exchange.exporter import export_sheet
from linewise.exchange.importer import import_rows
from linewise.exchange.schemas import ImportOut
from linewise.exchange.tabular import detect_format, read_rows

router = APIRouter(tags=["import / export"])
MAX_UPLOAD = 20 * 1024 * 1024
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
async def import_sheet(
    sheet: Sheet,
    file: UploadFile = File(..., description="CSV (UTF-8, ',' or ';') or XLSX"),
    partial: bool = Query(False, description="write the valid rows even if some are bad"),
    dry_run: bool = Query(False, description="validate only, write nothing"),
    _p: Principal = Depends(require("import")),
    db: Session = Depends(get_db),
) -> Any:
    """Validate the whole file, then write it; a bad row means nothing is written.

    Every bad row is reported with its row number (as Excel shows it), column and reason.
    """
    from linewise.core.errors import FieldError, ValidationProblem

    content = await file.read(MAX_UPLOAD + 1)
    if len(content) > MAX_UPLOAD:
        raise ValidationProblem(
            "file too large", errors=[FieldError("file", f"at most {MAX_UPLOAD} bytes")]
        )
    _header, rows = read_rows(content, detect_format(file.filename, content), sheet.value)
    result = import_rows(db, sheet.value, rows, partial=partial, dry_run=dry_run)
    db.flush()
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
