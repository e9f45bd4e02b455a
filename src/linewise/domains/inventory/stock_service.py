"""Reads and rules behind the reservation, shortage, unit and material-page routes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from linewise.core.errors import FieldError, NotFound, ValidationProblem
from linewise.domains.inventory import ledger_repository as ledger_repo
from linewise.domains.inventory import reservations as res
from linewise.domains.inventory import shortages as short
from linewise.domains.inventory import units
from linewise.domains.inventory.models import (
    Material,
    StockItem,
    StockLocation,
    StockOnHand,
    UnitConversion,
)


def _refs(db: Session, material_ids: set[int]) -> dict[int, dict[str, Any]]:
    if not material_ids:
        return {}
    found = db.scalars(select(Material).where(Material.id.in_(sorted(material_ids))))
    return {m.id: short.material_ref(m) for m in found}


def reservations(
    db: Session, *, material_id: int | None, order_id: int | None
) -> list[dict[str, Any]]:
    rows = res.reservations(
        db,
        material_ids=None if material_id is None else [material_id],
        order_ids=None if order_id is None else [order_id],
    )
    refs = _refs(db, {r.material_id for r in rows})
    return [
        {
            "order_id": r.order_id,
            "order_number": r.order_number,
            "status": r.status,
            "due_date": r.due_date,
            "material": refs[r.material_id],
            "required": r.required,
            "consumed": r.consumed,
            "reserved": r.reserved,
        }
        for r in rows
    ]


def availability(db: Session, material_id: int | None) -> list[dict[str, Any]]:
    return short.availability(db, None if material_id is None else {material_id})


def shortages(db: Session) -> dict[str, Any]:
    lines = short.shortages(db)
    refs = _refs(db, {s.material_id for s in lines})
    return {
        "orders": [
            {
                "order_id": s.order_id,
                "order_number": s.order_number,
                "status": s.status,
                "planned_start": s.planned_start,
                "due_date": s.due_date,
                "material": refs[s.material_id],
                "needed": s.needed,
                "covered": s.covered,
                "missing": s.missing,
            }
            for s in lines
        ],
        "below_reorder": [a for a in short.availability(db) if a["below_reorder"]],
    }


def material_stock(db: Session, material_id: int) -> dict[str, Any]:
    material = db.get(Material, material_id)
    if material is None:
        raise NotFound(f"material {material_id} not found")
    places = db.execute(
        select(StockLocation, StockOnHand.lot, StockOnHand.qty)
        .join(StockOnHand, StockOnHand.location_id == StockLocation.id)
        .join(StockItem, StockItem.id == StockOnHand.item_id)
        .where(StockItem.material_id == material_id, StockOnHand.qty != 0)
        .order_by(StockLocation.code, StockOnHand.first_at)
    ).all()
    used = res.consumed_by_order(db, material_id=material_id)
    numbers = ledger_repo.order_numbers(db, {o for o, _m in used})
    conversions = db.scalars(
        select(UnitConversion).where(
            UnitConversion.material_id.is_(None) | (UnitConversion.material_id == material_id)
        )
    ).all()
    names = {material.unit}
    for a, b, _f in units.BUILT_IN:
        names |= {a, b}
    names |= {c.from_unit for c in conversions} | {c.to_unit for c in conversions}
    convertible = sorted(n for n in names if n == material.unit or _converts(db, material, n))
    return {
        "availability": short.availability(db, {material_id})[0],
        "places": [
            {
                "location": {"id": loc.id, "code": loc.code, "name": loc.name, "kind": loc.kind},
                "lot": lot,
                "qty": float(qty),
            }
            for loc, lot, qty in places
        ],
        "reservations": reservations(db, material_id=material_id, order_id=None),
        "consumed": [
            {"order_id": o, "order_number": numbers.get(o, str(o)), "consumed": q}
            for (o, _m), q in sorted(used.items(), key=lambda kv: -kv[0][0])
            if abs(q) > 1e-9
        ],
        "units": convertible,
    }


def _converts(db: Session, material: Material, unit: str) -> bool:
    try:
        units.factor(db, material.id, unit, material.unit)
    except ValidationProblem:
        return False
    return True


def validate_conversion(db: Session, data: dict[str, Any], record_id: int | None) -> None:
    """A conversion's units differ; an update that names one unit is checked against the
    stored other one."""
    old = db.get(UnitConversion, record_id) if record_id is not None else None
    from_unit = data.get("from_unit") or (old.from_unit if old else "")
    to_unit = data.get("to_unit") or (old.to_unit if old else "")
    factor = data.get("factor") or (old.factor if old else 0.0)
    units.check_conversion(str(from_unit), str(to_unit), float(factor))
    material_id = data.get("material_id", old.material_id if old else None)
    if material_id is None:
        clash = db.scalar(
            select(UnitConversion.id).where(
                UnitConversion.material_id.is_(None),
                UnitConversion.from_unit == from_unit,
                UnitConversion.to_unit == to_unit,
                UnitConversion.id != (record_id or 0),
            )
        )
        if clash is not None:
            raise ValidationProblem(
                f"a global conversion from {from_unit} to {to_unit} exists",
                errors=[FieldError("to_unit", "already converted")],
            )
