"""The columns of each importable sheet and how one row is parsed.

One pydantic model per sheet parses a row on its own (types, ranges, required cells);
cross-row and database checks (does the line exist, is the product in the file or the
database) live in the importer. Column names are the field names. Text cells are
``Name``s: a control character in one is refused with its row and column.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Annotated, get_args
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from linewise.core.text import Name
from linewise.domains.equipment.models import LineType

# The largest value an INTEGER column holds on every database (PostgreSQL: 32 bits);
# a bigger number is a cell error, not a 500 from the driver.
MAX_INT = 2**31 - 1


class RowModel(BaseModel):
    # "inf" and "nan" parse as floats; no cycle time or quantity is either.
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, allow_inf_nan=False)


def split_codes(value: object) -> list[str]:
    """A list cell ("smt;test" or "smt, test") as its distinct items."""
    if isinstance(value, list):
        return [str(v) for v in value]
    text = str(value or "")
    parts = [p.strip() for p in text.replace(",", ";").split(";") if p.strip()]
    return list(dict.fromkeys(parts))  # "SMT;SMT" is SMT (twice broke a unique key: 500)


class ProductRow(RowModel):
    code: Name = Field(min_length=1, max_length=60)
    name: Name = Field(min_length=1, max_length=200)
    family: Name = Field("", max_length=60)


class MaterialRow(RowModel):
    code: Name = Field(min_length=1, max_length=60)
    name: Name = Field(min_length=1, max_length=200)
    unit: Name = Field("pcs", min_length=1, max_length=20)


class RoutingRow(RowModel):
    """One row per routing step and eligible line (a step on two lines takes two rows)."""

    product_code: Name = Field(min_length=1)
    seq: int = Field(ge=1, le=MAX_INT)
    name: Name = Field(min_length=1, max_length=200)
    work_center_type: LineType
    line_code: Name = Field(min_length=1)
    cycle_time_s: float = Field(gt=0)
    setup_time_s: float = Field(0.0, ge=0)
    setup_family: Name = Field("", max_length=60)
    skill: Name = Field("", max_length=60)
    splittable: bool = True
    min_wait_s: float = Field(0.0, ge=0)
    max_wait_s: float | None = Field(None, ge=0)


class BomRow(RowModel):
    product_code: Name = Field(min_length=1)
    material_code: Name = Field(min_length=1)
    quantity_per_unit: float = Field(gt=0)


class OperatorRow(RowModel):
    code: Name = Field(min_length=1, max_length=40)
    name: Name = Field(min_length=1, max_length=200)
    skills: list[Name] = Field(default_factory=list)
    areas: list[Name] = Field(default_factory=list, description="area codes")
    shift_code: Name | None = Field(None, max_length=40)
    active: bool = True

    _lists = field_validator("skills", "areas", mode="before")(
        classmethod(lambda cls, v: split_codes(v))
    )


def _plausible_date(value: datetime) -> datetime:
    # Year 1 or 9999 with an offset cannot be converted to UTC to be stored (a 500).
    if not 1900 <= value.year <= 9998:
        raise ValueError("must be a date between the years 1900 and 9998")
    return value


PlausibleDate = Annotated[datetime, AfterValidator(_plausible_date)]


class OrderRow(RowModel):
    number: Name = Field(min_length=1, max_length=60)
    product_code: Name = Field(min_length=1)
    quantity: int = Field(gt=0, le=10_000_000)
    due_date: PlausibleDate
    release_date: PlausibleDate | None = None
    priority: int = Field(3, ge=1, le=5)
    customer_order: Name | None = Field(None, max_length=60)
    customer: Name | None = Field(None, max_length=200)


def site_local(value: datetime, zone: ZoneInfo, *, end_of_day: bool) -> datetime:
    """Spreadsheet dates have no zone: read them as site-local time.

    A bare date (midnight) means the end of that day for a due date, the start for a
    release date — that is what a planner writing "due 12 Dec" means.
    """
    if value.tzinfo is not None:
        return value
    if end_of_day and value.time() == time(0, 0):
        value = datetime.combine(value.date(), time(23, 59, 59))
    return value.replace(tzinfo=zone)


SHEETS: dict[str, type[RowModel]] = {
    "products": ProductRow,
    "materials": MaterialRow,
    "routings": RoutingRow,
    "bom": BomRow,
    "operators": OperatorRow,
    "orders": OrderRow,
}


def columns(sheet: str) -> list[str]:
    return list(SHEETS[sheet].model_fields)


def number_columns(sheet: str) -> set[str]:
    """Columns holding an int or a float, where a locale's decimal comma applies."""
    out = set()
    for name, info in SHEETS[sheet].model_fields.items():
        kinds = get_args(info.annotation) or (info.annotation,)
        if info.annotation is not bool and any(k in (int, float) for k in kinds):
            out.add(name)
    return out


DATE_COLUMNS = frozenset({"due_date", "release_date"})

# One example row per sheet for the downloadable templates, in ISO so that it reads the
# same under every locale. A template imports as it is once what it refers to exists
# (product CTRL-100, material PCB-CTRL, SMT line SMT-1, area SMT).
EXAMPLES: dict[str, list[object]] = {
    "products": ["CTRL-100", "Controller board", "ctrl"],
    "materials": ["PCB-CTRL", "Bare board, 4 layers", "pcs"],
    "routings": ["CTRL-100", 1, "SMT assembly", "SMT", "SMT-1", 30.0, 600.0, "", "", True, 0, None],
    "bom": ["CTRL-100", "PCB-CTRL", 1],
    "operators": ["OP-01", "Ada Example", "smt;test", "SMT", None, True],
    "orders": ["PO-1001", "CTRL-100", 500, "2026-12-18", "2026-12-01", 3, "CO-77", "Acme"],
}
