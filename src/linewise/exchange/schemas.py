"""Response models of import and export."""

from __future__ import annotations

from linewise.core.schemas import ResponseModel


class RowErrorOut(ResponseModel):
    """One bad cell: the row number as a spreadsheet shows it, the column, the reason."""

    row: int
    column: str
    message: str


class ImportOut(ResponseModel):
    sheet: str
    rows: int
    created: int
    updated: int
    rejected_rows: list[int]
    errors: list[RowErrorOut]
    written: bool
