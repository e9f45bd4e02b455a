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
from sqlalchemy.orm import Session, SessionTransaction

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
from linewise.exchange.locales import (
    NUMBER_HINT,
    CellFormatError,
    ImportLocale,
    parse_date,
    parse_number,
)
from linewise.exchange.messages import plain_message
from linewise.exchange.sheets import (
    DATE_COLUMNS,
    SHEETS,
    BomRow,
    MaterialRow,
    OperatorRow,
    OrderRow,
    ProductRow,
    RoutingRow,
    RowModel,
    columns,
    number_columns,
    site_local,
    split_codes,
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
    # What each good row would do (or did): "create" or "update".
    actions: dict[int, str] = field(default_factory=dict)

    def add_error(self, row: int, column: str, message: str) -> None:
        self.errors.append(RowError(row, column, message))
        self.bad_rows.add(row)

    def sorted_errors(self) -> list[RowError]:
        return sorted(self.errors, key=lambda e: e.row)

    def as_dict(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "rejected_rows": sorted(self.bad_rows),
            "errors": [e.__dict__ for e in self.sorted_errors()],
            "written": self.written,
        }


def _parse(
    sheet: str, rows: list[Row], result: ImportResult, locale: ImportLocale
) -> tuple[list[tuple[int, RowModel]], list[tuple[int, dict[str, str]]]]:
    """Each row through its sheet's model, every cell error reported.

    Returns the rows that parsed and, for the rows that did not, the cells that were
    fine (``loose``), so the cross-row checks (duplicates, unknown references) still see
    them: a row with a bad quantity and an unknown product reports both at once.
    """
    model = SHEETS[sheet]
    numbers = number_columns(sheet)
    # Every row has the header's columns; a file of a header alone has nothing to miss.
    header = set(rows[0][1]) if rows else set(model.model_fields)
    required = [name for name, info in model.model_fields.items() if info.is_required()]
    missing = [name for name in required if name not in header]
    for name in missing:  # once, not once per row
        result.add_error(1, name, "column missing from the header row")
    parsed: list[tuple[int, RowModel]] = []
    loose: list[tuple[int, dict[str, str]]] = []
    for number, cells in rows:
        # A blank cell means "not given": the column's default applies, or it is required.
        data: dict[str, Any] = {k: v for k, v in cells.items() if v != ""}
        bad_columns = set(missing)
        for key in data.keys() & DATE_COLUMNS:
            try:
                data[key] = parse_date(data[key], locale)
            except CellFormatError as exc:
                result.add_error(number, key, str(exc))
                bad_columns.add(key)
        for key in data.keys() & numbers:
            data[key] = parse_number(data[key], locale)
        try:
            row = model.model_validate({k: v for k, v in data.items() if k not in bad_columns})
        except ValidationError as exc:
            for err in exc.errors():
                column = str(err["loc"][0]) if err["loc"] else "row"
                if column in bad_columns:
                    continue  # already reported, in words
                hint = NUMBER_HINT[locale] if column in numbers else None
                result.add_error(number, column, plain_message(column, err, hint))
                bad_columns.add(column)
            loose.append((number, {k: v for k, v in cells.items() if k not in bad_columns}))
            continue
        if bad_columns - set(missing):
            loose.append((number, {k: v for k, v in cells.items() if k not in bad_columns}))
        else:
            parsed.append((number, row))
    return parsed, loose


# The column(s) that name a record in each sheet: a second row with the same value in
# one file is an error (the database's copy is not: the row updates it).
KEYS = {"products": "code", "materials": "code", "operators": "code", "orders": "number"}
# Columns that refer to records that must already exist: column -> (model, noun).
REFERENCES: dict[str, dict[str, tuple[Any, str]]] = {
    "routings": {"product_code": (Product, "product"), "line_code": (Line, "line")},
    "bom": {"product_code": (Product, "product"), "material_code": (Material, "material")},
    "orders": {"product_code": (Product, "product")},
}


class _Importer:
    """Cross-row checks and writes for one sheet, inside the caller's transaction."""

    def __init__(self, db: Session, result: ImportResult, *, preview: bool = False) -> None:
        self.db = db
        self.result = result
        # A preview skips what only builds records its checks have already passed.
        self.preview = preview
        # The production orders written, announced in one event once the import commits.
        self.orders_written: list[ProductionOrder] = []

    def fail(self, row: int, column: str, message: str) -> None:
        self.result.add_error(row, column, message)

    def by_code(self, model: Any, attr: str = "code") -> dict[str, Any]:
        return {getattr(o, attr): o for o in self.db.scalars(select(model))}

    def one_pass_checks(
        self,
        sheet: str,
        parsed: list[tuple[int, RowModel]],
        loose: list[tuple[int, dict[str, str]]],
    ) -> None:
        """Duplicates over every row, unknown references for the rows that did not parse.

        The sheet's own method checks the references of the rows that parsed (it needs
        the records to write them); these are the checks that must not wait for a row's
        type errors to be fixed.
        """
        key = KEYS.get(sheet)
        if key is not None:
            values = [(n, str(getattr(r, key))) for n, r in parsed]
            values += [(n, cells[key]) for n, cells in loose if cells.get(key)]
            seen: dict[str, int] = {}
            for number, value in sorted(values):
                if value in seen:
                    self.fail(number, key, f"'{value}' appears again (first in row {seen[value]})")
                else:
                    seen[value] = number
        for column, (model, noun) in REFERENCES.get(sheet, {}).items():
            known = self.by_code(model)
            for number, cells in loose:
                reference = cells.get(column)
                if reference and reference not in known:
                    self.fail(number, column, f"no {noun} '{reference}'")
        if sheet == "operators" and loose:
            areas = self.by_code(Area)
            for number, cells in loose:
                unknown = [a for a in split_codes(cells.get("areas", "")) if a not in areas]
                if unknown:
                    self.fail(
                        number, "areas", f"unknown area codes {unknown}; known: {sorted(areas)}"
                    )

    def count(self, created: bool, rows: list[int]) -> None:
        if created:
            self.result.created += 1
        else:
            self.result.updated += 1
        for number in rows:
            self.result.actions[number] = "create" if created else "update"

    # --- sheets -----------------------------------------------------------------------

    def products(self, parsed: list[tuple[int, ProductRow]]) -> None:
        existing = self.by_code(Product)
        for number, row in parsed:
            if self.bad(number):
                continue
            product = existing.get(row.code)
            self.count(product is None, [number])
            if product is None:
                product = Product(code=row.code, name=row.name, family=row.family)
                self.db.add(product)
            else:
                product.name, product.family = row.name, row.family

    def materials(self, parsed: list[tuple[int, MaterialRow]]) -> None:
        existing = self.by_code(Material)
        for number, row in parsed:
            if self.bad(number):
                continue
            material = existing.get(row.code)
            self.count(material is None, [number])
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
            self.count(not product.steps, [n for n, _ in rows])
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
            self.count(not had, [n for n, _ in rows])

    def operators(self, parsed: list[tuple[int, OperatorRow]]) -> None:
        areas = self.by_code(Area)
        existing = self.by_code(Operator)
        for number, row in parsed:
            unknown = [a for a in row.areas if a not in areas]
            if unknown:
                self.fail(number, "areas", f"unknown area codes {unknown}; known: {sorted(areas)}")
            if self.bad(number):
                continue
            op = existing.get(row.code)
            self.count(op is None, [number])
            if op is None:
                op = Operator(code=row.code)
                self.db.add(op)
            op.name, op.skills, op.shift_code = row.name, row.skills, row.shift_code
            op.active = row.active
            op.areas = [areas[a] for a in row.areas]

    def orders(self, parsed: list[tuple[int, OrderRow]]) -> None:
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
            if self.bad(number) or product is None:
                continue
            co = None
            if row.customer_order:
                co = customer_orders.get(row.customer_order)
                if co is None:
                    co = CustomerOrder(number=row.customer_order, customer=row.customer or "")
                    self.db.add(co)
                    customer_orders[row.customer_order] = co
            self.count(order is None, [number])
            if order is None and self.preview:
                # create_order's rules (product, routing, dates) were checked above;
                # building 10,000 orders with their operations only to roll them back
                # was nine tenths of a preview's time.
                continue
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
            self.orders_written.append(order)

    def bad(self, number: int) -> bool:
        return number in self.result.bad_rows


def _validate_and_apply(
    db: Session, sheet: str, rows: list[Row], locale: ImportLocale, *, preview: bool = False
) -> tuple[ImportResult, SessionTransaction, _Importer]:
    """Every check over the whole file in one pass, the good rows applied in a savepoint.

    Applying is part of validating: the domain's own rules (a routing's steps, an order's
    quantity) run on the real records. The caller commits or rolls back the savepoint.
    A ``preview`` does not flush (the changes are rolled back unsent) and does not build
    new orders: only the database's own constraints are then not asked, and every one
    of them (unique codes, known references) the checks above already cover.
    """
    if sheet not in SHEETS:
        raise ValidationProblem(
            f"unknown sheet '{sheet}'",
            errors=[FieldError("sheet", f"one of {', '.join(SHEETS)}")],
        )
    result = ImportResult(sheet=sheet, rows=len(rows))
    parsed, loose = _parse(sheet, rows, result, locale)
    importer = _Importer(db, result, preview=preview)
    importer.one_pass_checks(sheet, parsed, loose)
    savepoint = db.begin_nested()
    getattr(importer, sheet)(parsed)
    if not preview:
        db.flush()
    return result, savepoint, importer


def import_rows(
    db: Session,
    sheet: str,
    rows: list[Row],
    *,
    partial: bool = False,
    dry_run: bool = False,
    locale: ImportLocale = ImportLocale.iso,
) -> ImportResult:
    """Validate every row, then write (all, or with ``partial`` the good ones).

    Writes go into ``db`` without committing; on refusal (bad rows and not partial) the
    session is rolled back to where it was and a ValidationProblem lists every bad cell.
    """
    result, savepoint, importer = _validate_and_apply(db, sheet, rows, locale)
    if (result.errors and not partial) or dry_run:
        savepoint.rollback()
        if result.errors and not partial:
            result.created = result.updated = 0
            bad = sorted(result.bad_rows)
            raise ValidationProblem(
                f"{len(bad)} of {len(rows)} rows are invalid; nothing was imported "
                "(fix them, or import with partial=true to write only the valid rows)",
                errors=[e.as_field_error() for e in result.sorted_errors()],
                rejected_rows=bad,
            )
        return result
    savepoint.commit()
    result.written = True
    # One event for the whole import (the delivery estimates refresh once for it), only
    # now: an event recorded inside a savepoint that rolls back would still be published.
    production.announce(db, "imported", [o.id for o in importer.orders_written])
    return result


@dataclass
class Preview:
    """What an import would do, row by row, with every error; nothing written."""

    result: ImportResult
    columns: list[str]
    rows: list[tuple[int, str, list[str]]]  # row number, action, the cells by column
    truncated: bool


def preview_rows(
    db: Session, sheet: str, rows: list[Row], *, locale: ImportLocale, limit: int
) -> Preview:
    """Validate like an import and roll back; the first ``limit`` rows and every bad row."""
    # Sending 10,000 new orders (and their audit rows) to the database only to roll them
    # back was two thirds of a preview's time (14.7 of 22 s); building them most of the rest.
    result, savepoint, _importer = _validate_and_apply(db, sheet, rows, locale, preview=True)
    savepoint.rollback()
    names = columns(sheet)
    shown: list[tuple[int, str, list[str]]] = []
    for number, cells in rows:
        bad = number in result.bad_rows
        if len(shown) < limit or bad:
            action = "error" if bad else result.actions.get(number, "skip")
            shown.append((number, action, [cells.get(name, "") for name in names]))
    return Preview(result, names, shown, truncated=len(shown) < len(rows))
