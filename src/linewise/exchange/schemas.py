"""Response models of import and export."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

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


class PreviewRowOut(ResponseModel):
    """One row of the file: what importing it would do, and its cells by column."""

    row: int
    action: Literal["create", "update", "error", "skip"]
    cells: list[str]


class ImportPreviewOut(ResponseModel):
    """A dry run: every error of the file at once and what a commit would write."""

    sheet: str
    locale: str
    rows: int
    created: int
    updated: int
    valid: bool = Field(description="true when a commit of this file would be accepted")
    columns: list[str]
    errors: list[RowErrorOut]
    preview: list[PreviewRowOut]
    preview_truncated: bool = Field(
        description="only the first rows and every bad row are in preview"
    )


# A cell as a page shows it. Whole numbers arrive as floats and are written without ".0";
# text is at most what one spreadsheet cell holds.
Cell = Annotated[str, Field(max_length=32_767)] | float | bool | None


class TableIn(BaseModel):
    """A table as a page shows it, to be written as a file.

    The page sends what it shows (filters applied, names instead of ids, times in the
    site's zone with the zone in the column title), so the file matches the screen.
    """

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    title: str = Field(min_length=1, max_length=100, description="sheet name and file name")
    columns: list[str] = Field(min_length=1, max_length=200)
    rows: list[list[Cell]] = Field(max_length=200_000)

    @field_validator("rows")
    @classmethod
    def _rows_fit(cls, rows: list[list[Cell]], info: ValidationInfo) -> list[list[Cell]]:
        width = len(info.data.get("columns", []))
        for index, row in enumerate(rows):
            if len(row) > width:
                raise ValueError(f"row {index + 1} has {len(row)} cells for {width} columns")
        return rows
