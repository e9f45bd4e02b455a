"""Import a sheet: validate the whole file first, then write all of it or nothing.

Every bad row is reported with its row number, column and reason. Unless ``partial`` is
asked for, one bad row means nothing is written; with ``partial`` the good rows are
written and the bad ones reported. Records are matched by their code (or number), so
importing an export again updates instead of duplicating.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from linewise.core.errors import FieldError, ValidationProblem
from linewise.domains.equipment.models import Area, Line, Site
from linewise.domains.inventory.models import Material
from linewise.domains.people.models import Operator
from linewise.domains.production import service as production
from linewise.domains.production.models import (
    BomItem,
    CustomerOrder,
    Product,
    ProductionOrder,
)
from linewise.exchange.sheets import (
    SHEETS,
    BomRow,
    MaterialRow,
    OperatorRow,
    OrderRow,
    ProductRow,
    RoutingRow,
    RowModel,
    parse_date_cell,
    site_local,
)
from linewise.exchange.tabular import Row


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def as_field_error(self) -> FieldError:
        return FieldError(
            f"row {self.row}.{self.column}", self.message, row=self.row, column=self.column
        )


@dataclass
class ImportResult:
    sheet: str
    rows: int
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    written: bool = False
    # Rows with an error, so asking "is this row bad?" stays O(1) on a 50,000-row file.
    bad_rows: set[int] = field(default_factory=set)

    def add_error(self, row: int, column: str, message: str) -> None:
        self.errors.append(RowError(row, column, message))
        self.bad_rows.add(row)

    def as_dict(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "rejected_rows": sorted(self.bad_rows),
            "errors": [e.__dict__ for e in self.errors],
            "written": self.written,
        }


def _parse(sheet: str, rows: list[Row], result: ImportResult) -> list[tuple[int, RowModel]]:
    model = SHEETS[sheet]
    parsed = []
    for number, cells in rows:
        # A blank cell means "not given": the column's default applies, or it is required.
        data: dict[str, Any] = {k: v for k, v in cells.items() if v != ""}
        for key in ("due_date", "release_date"):
            if data.get(key):
                data[key] = parse_date_cell(data[key])
        try:
            parsed.append((number, model.model_validate(data)))
        except ValidationError as exc:
            for err in exc.errors():
                column = str(err["loc"][0]) if err["loc"] else "row"
                result.add_error(number, column, err["msg"])
    return parsed


class _Importer:
    """Cross-row checks and writes for one sheet, inside the caller's transaction."""

    def __init__(self, db: Session, result: ImportResult) -> None:
        self.db = db
        self.result = result

    def fail(self, row: int, column: str, message: str) -> None:
        self.result.add_error(row, column, message)

    def by_code(self, model: Any, attr: str = "code") -> dict[str, Any]:
        return {getattr(o, attr): o for o in self.db.scalars(select(model))}

    def duplicates(self, parsed: list[tuple[int, Any]], key: str) -> set[int]:
        seen: dict[str, int] = {}
        dup = set()
        for number, row in parsed:
            value = getattr(row, key)
            if value in seen:
                self.fail(number, key, f"'{value}' appears again (first in row {seen[value]})")
                dup.add(number)
            else:
                seen[value] = number
        return dup

    def count(self, created: bool) -> None:
        if created:
            self.result.created += 1
        else:
            self.result.updated += 1

    # --- sheets -----------------------------------------------------------------------

    def products(self, parsed: list[tuple[int, ProductRow]]) -> None:
        dup = self.duplicates(parsed, "code")
        existing = self.by_code(Product)
        for number, row in parsed:
            if number in dup or self.bad(number):
                continue
            product = existing.get(row.code)
            self.count(product is None)
            if product is None:
                product = Product(code=row.code, name=row.name, family=row.family)
                self.db.add(product)
            else:
                product.name, product.family = row.name, row.family

    def materials(self, parsed: list[tuple[int, MaterialRow]]) -> None:
        dup = self.duplicates(parsed, "code")
        existing = self.by_code(Material)
        for number, row in parsed:
            if number in dup or self.bad(number):
                continue
            material = existing.get(row.code)
            self.count(material is None)
            if material is None:
                self.db.add(Material(code=row.code, name=row.name, unit=row.unit))
            else:
                material.name, material.unit = row.name, row.unit

    def routings(self, parsed: list[tuple[int, RoutingRow]]) -> None:
        products = self.by_code(Product)
        lines = self.by_code(Line)
        groups: dict[str, list[tuple[int, RoutingRow]]] = defaultdict(list)
        for number, row in parsed:
            ok = True
            if row.product_code not in products:
                self.fail(number, "product_code", f"no product '{row.product_code}'")
                ok = False
            line = lines.get(row.line_code)
            if line is None:
                self.fail(number, "line_code", f"no line '{row.line_code}'")
                ok = False
            elif line.type != row.work_center_type:
                self.fail(
                    number,
                    "line_code",
                    f"line {line.code} is {line.type}, the step needs {row.work_center_type.value}",
                )
                ok = False
            if ok:
                groups[row.product_code].append((number, row))
        for code, rows in groups.items():
            if any(self.bad(n) for n, _ in rows):
                continue
            steps: dict[int, tuple[dict[str, object], list[tuple[Line, float]]]] = {}
            seen_lines: set[tuple[int, str]] = set()
            for number, row in sorted(rows, key=lambda r: r[1].seq):
                if (row.seq, row.line_code) in seen_lines:
                    self.fail(number, "line_code", f"line {row.line_code} twice for step {row.seq}")
                    continue
                seen_lines.add((row.seq, row.line_code))
                attrs = row.model_dump(exclude={"product_code", "line_code", "cycle_time_s"})
                if row.seq not in steps:
                    steps[row.seq] = (attrs, [])
                elif steps[row.seq][0] != attrs:
                    self.fail(number, "seq", f"step {row.seq} is described differently above")
                    continue
                steps[row.seq][1].append((lines[row.line_code], row.cycle_time_s))
            if any(self.bad(n) for n, _ in rows):
                continue
            product = products[code]
            self.count(not product.steps)
            production.apply_routing(self.db, product, list(steps.values()))

    def bom(self, parsed: list[tuple[int, BomRow]]) -> None:
        products = self.by_code(Product)
        materials = self.by_code(Material)
        groups: dict[str, list[tuple[int, BomRow]]] = defaultdict(list)
        for number, row in parsed:
            ok = True
            if row.product_code not in products:
                self.fail(number, "product_code", f"no product '{row.product_code}'")
                ok = False
            if row.material_code not in materials:
                self.fail(number, "material_code", f"no material '{row.material_code}'")
                ok = False
            if ok:
                groups[row.product_code].append((number, row))
        for code, rows in groups.items():
            seen: dict[str, int] = {}
            for number, row in rows:
                if row.material_code in seen:
                    self.fail(
                        number, "material_code", f"listed again (row {seen[row.material_code]})"
                    )
                seen.setdefault(row.material_code, number)
            if any(self.bad(n) for n, _ in rows):
                continue
            product = products[code]
            had = bool(product.bom)
            product.bom.clear()
            self.db.flush()
            product.bom.extend(
                BomItem(material=materials[r.material_code], quantity_per_unit=r.quantity_per_unit)
                for _, r in rows
            )
            self.count(not had)

    def operators(self, parsed: list[tuple[int, OperatorRow]]) -> None:
        dup = self.duplicates(parsed, "code")
        areas = self.by_code(Area)
        existing = self.by_code(Operator)
        for number, row in parsed:
            unknown = [a for a in row.areas if a not in areas]
            if unknown:
                self.fail(number, "areas", f"unknown area codes {unknown}; known: {sorted(areas)}")
            if number in dup or self.bad(number):
                continue
            op = existing.get(row.code)
            self.count(op is None)
            if op is None:
                op = Operator(code=row.code)
                self.db.add(op)
            op.name, op.skills, op.shift_code = row.name, row.skills, row.shift_code
            op.active = row.active
            op.areas = [areas[a] for a in row.areas]

    def orders(self, parsed: list[tuple[int, OrderRow]]) -> None:
        dup = self.duplicates(parsed, "number")
        products = self.by_code(Product)
        existing = self.by_code(ProductionOrder, "number")
        customer_orders = self.by_code(CustomerOrder, "number")
        site = self.db.scalars(select(Site).order_by(Site.id)).first()
        zone = ZoneInfo(site.timezone if site else "UTC")
        for number, row in parsed:
            product = products.get(row.product_code)
            if product is None:
                self.fail(number, "product_code", f"no product '{row.product_code}'")
            elif not product.steps:
                self.fail(number, "product_code", f"product {product.code} has no routing")
            due = site_local(row.due_date, zone, end_of_day=True)
            release = (
                site_local(row.release_date, zone, end_of_day=False) if row.release_date else None
            )
            if release is not None and due < release:
                self.fail(number, "due_date", "is before release_date")
            if (
                row.customer_order
                and row.customer_order not in customer_orders
                and not row.customer
            ):
                self.fail(
                    number, "customer", f"needed to create customer order {row.customer_order}"
                )
            order = existing.get(row.number)
            if order is not None and order.status in ("completed", "cancelled"):
                self.fail(
                    number, "number", f"order {row.number} is {order.status}; it cannot change"
                )
            if number in dup or self.bad(number) or product is None:
                continue
            co = None
            if row.customer_order:
                co = customer_orders.get(row.customer_order)
                if co is None:
                    co = CustomerOrder(number=row.customer_order, customer=row.customer or "")
                    self.db.add(co)
                    customer_orders[row.customer_order] = co
            self.count(order is None)
            if order is None:
                order = production.create_order(
                    self.db,
                    {
                        "number": row.number,
                        "product_id": product.id,
                        "quantity": row.quantity,
                        "due_date": due,
                        "release_date": release,
                        "priority": row.priority,
                    },
                )
            else:
                if order.quantity != row.quantity:
                    production.change_quantity(order, row.quantity)
                order.due_date, order.release_date, order.priority = due, release, row.priority
            order.customer_order = co

    def bad(self, number: int) -> bool:
        return number in self.result.bad_rows


def import_rows(
    db: Session, sheet: str, rows: list[Row], *, partial: bool = False, dry_run: bool = False
) -> ImportResult:
    """Validate every row, then write (all, or with ``partial`` the good ones).

    Writes go into ``db`` without committing; on refusal (bad rows and not partial) the
    session is rolled back to where it was and a ValidationProblem lists every bad cell.
    """
    if sheet not in SHEETS:
        raise ValidationProblem(
            f"unknown sheet '{sheet}'",
            errors=[FieldError("sheet", f"one of {', '.join(SHEETS)}")],
        )
    result = ImportResult(sheet=sheet, rows=len(rows))
    parsed = _parse(sheet, rows, result)
    savepoint = db.begin_nested()
    getattr(_Importer(db, result), sheet)(parsed)
    db.flush()
    if (result.errors and not partial) or dry_run:
        savepoint.rollback()
        if result.errors and not partial:
            result.created = result.updated = 0
            bad = sorted(result.bad_rows)
            raise ValidationProblem(
                f"{len(bad)} of {len(rows)} rows are invalid; nothing was imported "
                "(fix them, or import with partial=true to write only the valid rows)",
                errors=[e.as_field_error() for e in result.errors],
                rejected_rows=bad,
            )
        return result
    savepoint.commit()
    result.written = True
    return result
