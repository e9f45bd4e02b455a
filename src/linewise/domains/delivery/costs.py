"""Reading and replacing the factory's cost rates, and pricing them for the engine.

The rates are master data (planners and admins set them); the engine
(``analytics/costing.py``) gets them as a plain ``CostRates``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from linewise.analytics.costing import CostRates
from linewise.core.errors import FieldError, ValidationProblem
from linewise.domains.delivery.cost_models import CostSettings, LineCostRate, MaterialCost
from linewise.domains.equipment.models import Line
from linewise.domains.inventory.models import Material
from linewise.domains.production.models import BomItem, Product


def settings(db: Session) -> CostSettings:
    """The site's row; a fresh database has none and reads as zero rates (version 0)."""
    row = db.scalars(select(CostSettings).order_by(CostSettings.id).limit(1)).first()
    return row if row is not None else CostSettings(currency="EUR", labour_per_h=0.0,
                                                    machine_per_h=0.0, version=0)  # fmt: skip


def read(db: Session) -> dict[str, Any]:
    s = settings(db)
    per_line = {r.line_id: r for r in db.scalars(select(LineCostRate))}
    per_material = {r.material_id: r.unit_cost for r in db.scalars(select(MaterialCost))}
    lines = []
    for ln in db.scalars(select(Line).order_by(Line.code)):
        r = per_line.get(ln.id)
        lines.append(
            {
                "line_id": ln.id,
                "line_code": ln.code,
                "labour_per_h": r.labour_per_h if r else None,
                "machine_per_h": r.machine_per_h if r else None,
            }
        )
    materials = [
        {
            "material_id": m.id,
            "code": m.code,
            "name": m.name,
            "unit": m.unit,
            "unit_cost": per_material.get(m.id),
        }
        for m in db.scalars(select(Material).order_by(Material.code))
    ]
    return {
        "currency": s.currency,
        "labour_per_h": s.labour_per_h,
        "machine_per_h": s.machine_per_h,
        "version": s.version,
        "lines": lines,
        "materials": materials,
    }


@dataclass(frozen=True)
class LineRateIn:
    line_id: int
    labour_per_h: float | None
    machine_per_h: float | None


def replace(
    db: Session,
    *,
    currency: str,
    labour_per_h: float,
    machine_per_h: float,
    lines: Sequence[LineRateIn],
    materials: Sequence[tuple[int, float]],
) -> None:
    """Replace every rate at once (the form edits them together). Unknown ids are refused
    naming the entry; a line or material left out has no rate of its own afterwards."""
    known_lines = set(db.scalars(select(Line.id)))
    for i, r in enumerate(lines):
        if r.line_id not in known_lines:
            raise ValidationProblem(
                "unknown line", errors=[FieldError(f"lines[{i}].line_id", "does not exist")]
            )
    known_materials = set(db.scalars(select(Material.id)))
    for i, (mid, _cost) in enumerate(materials):
        if mid not in known_materials:
            raise ValidationProblem(
                "unknown material",
                errors=[FieldError(f"materials[{i}].material_id", "does not exist")],
            )
    s = settings(db)
    if s.version == 0:  # the first save creates the row
        s = CostSettings()
        db.add(s)
    s.currency, s.labour_per_h, s.machine_per_h = currency, labour_per_h, machine_per_h
    db.execute(delete(LineCostRate))
    db.execute(delete(MaterialCost))
    db.add_all(
        LineCostRate(line_id=r.line_id, labour_per_h=r.labour_per_h, machine_per_h=r.machine_per_h)
        for r in lines
        if r.labour_per_h is not None or r.machine_per_h is not None
    )
    db.add_all(MaterialCost(material_id=mid, unit_cost=cost) for mid, cost in materials)
    db.flush()


def rates(db: Session) -> CostRates:
    """The rates as the engine prices them: per line (by id as text) and per unit of a product
    (by code; its BOM at the materials' unit costs; a material without a cost counts 0 and the
    product is listed in ``unpriced``)."""
    s = settings(db)
    per_line = {
        str(r.line_id): (r.labour_per_h, r.machine_per_h) for r in db.scalars(select(LineCostRate))
    }
    cost = {r.material_id: r.unit_cost for r in db.scalars(select(MaterialCost))}
    material: dict[str, float] = {}
    unpriced: set[str] = set()
    code = {pid: c for pid, c in db.execute(select(Product.id, Product.code))}
    for item in db.scalars(select(BomItem)):
        key = code[item.product_id]
        unit = cost.get(item.material_id)
        if unit is None:
            unpriced.add(key)
        material[key] = material.get(key, 0.0) + item.quantity_per_unit * (unit or 0.0)
    return CostRates(
        currency=s.currency,
        labour_per_h=s.labour_per_h,
        machine_per_h=s.machine_per_h,
        lines={
            k: (
                v[0] if v[0] is not None else s.labour_per_h,
                v[1] if v[1] is not None else s.machine_per_h,
            )
            for k, v in per_line.items()
        },
        material_per_unit=material,
        unpriced=frozenset(unpriced),
    )
