"""Export a sheet in exactly the columns the importer reads, so files round-trip."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from linewise.domains.inventory.models import Material
from linewise.domains.people.models import Operator
from linewise.domains.production.models import Product, ProductionOrder
from linewise.exchange.sheets import EXAMPLES, columns
from linewise.exchange.tabular import write_csv, write_xlsx


def _products(db: Session) -> list[list[Any]]:
    return [[p.code, p.name, p.family] for p in db.scalars(select(Product).order_by(Product.code))]


def _materials(db: Session) -> list[list[Any]]:
    return [[m.code, m.name, m.unit] for m in db.scalars(select(Material).order_by(Material.code))]


def _routings(db: Session) -> list[list[Any]]:
    out = []
    for p in db.scalars(select(Product).order_by(Product.code)):
        for s in p.steps:
            for e in s.eligible:
                out.append(
                    [
                        p.code,
                        s.seq,
                        s.name,
                        s.work_center_type,
                        e.line.code,
                        e.cycle_time_s,
                        s.setup_time_s,
                        s.setup_family,
                        s.skill,
                        s.splittable,
                        s.min_wait_s,
                        s.max_wait_s,
                    ]
                )
    return out


def _bom(db: Session) -> list[list[Any]]:
    return [
        [p.code, b.material.code, b.quantity_per_unit]
        for p in db.scalars(select(Product).order_by(Product.code))
        for b in p.bom
    ]


def _operators(db: Session) -> list[list[Any]]:
    return [
        [
            o.code,
            o.name,
            ";".join(o.skills),
            ";".join(a.code for a in o.areas),
            o.shift_code,
            o.active,
        ]
        for o in db.scalars(select(Operator).order_by(Operator.code))
    ]


def _orders(db: Session) -> list[list[Any]]:
    return [
        [
            o.number,
            o.product.code,
            o.quantity,
            o.due_date,
            o.release_date,
            o.priority,
            o.customer_order.number if o.customer_order else None,
            o.customer_order.customer if o.customer_order else None,
        ]
        for o in db.scalars(select(ProductionOrder).order_by(ProductionOrder.number))
    ]


EXPORTS: dict[str, Callable[[Session], list[list[Any]]]] = {
    "products": _products,
    "materials": _materials,
    "routings": _routings,
    "bom": _bom,
    "operators": _operators,
    "orders": _orders,
}


def export_sheet(db: Session, sheet: str, fmt: str) -> bytes:
    return write_table(sheet, columns(sheet), EXPORTS[sheet](db), fmt)


def template(sheet: str, fmt: str) -> bytes:
    """The sheet's columns and one example row, to fill in and import."""
    return write_table(sheet, columns(sheet), [EXAMPLES[sheet]], fmt)


def write_table(title: str, names: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str) -> bytes:
    if fmt == "xlsx":
        return write_xlsx(title, names, rows)
    return write_csv(names, rows)
