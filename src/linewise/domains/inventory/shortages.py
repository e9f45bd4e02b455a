"""Shortages (orders whose remaining need stock does not cover) and reorder levels.

The reserving orders (see :mod:`reservations`) take usable stock one after the other,
earliest first: by their start in the published plan, then (not planned) by due date,
priority and number. What an order still needs beyond what is left for it is its
shortage. Open receipts are not counted as cover here: this is the store's list of
what is missing *now*; the scheduler's material check (planning/materials.py) is the
one that plans around expected deliveries.

A material is below its reorder level when available (on hand − reserved) is under it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from linewise.domains.inventory import reservations as res
from linewise.domains.inventory.models import Material
from linewise.domains.planning import repository as planning
from linewise.domains.production.models import ProductionOrder


@dataclass(frozen=True)
class ShortLine:
    order_id: int
    order_number: str
    status: str
    planned_start: datetime | None
    due_date: datetime
    material_id: int
    needed: float
    covered: float
    missing: float


def _sequence(db: Session, order_ids: set[int]) -> list[tuple[ProductionOrder, datetime | None]]:
    if not order_ids:
        return []
    span = planning.published_order_span()
    rows = db.execute(
        select(ProductionOrder, span.c.planned_start)
        .outerjoin(span, span.c.order_id == ProductionOrder.id)
        .where(ProductionOrder.id.in_(sorted(order_ids)))
    ).all()
    return sorted(
        ((o, start) for o, start in rows),
        key=lambda r: (
            r[1] is None,
            r[1] or r[0].due_date,
            r[0].due_date,
            r[0].priority,
            r[0].number,
        ),
    )


def shortages(db: Session) -> list[ShortLine]:
    """Every (order, material) whose remaining need is not covered, earliest first."""
    reserved = [r for r in res.reservations(db) if r.reserved > res.EPSILON]
    need: dict[int, dict[int, float]] = {}
    for r in reserved:
        need.setdefault(r.order_id, {})[r.material_id] = r.reserved
    left = res.usable_on_hand(db, {r.material_id for r in reserved})
    out: list[ShortLine] = []
    for order, start in _sequence(db, set(need)):
        for material_id, qty in sorted(need[order.id].items()):
            have = max(0.0, left.get(material_id, 0.0))
            covered = min(have, qty)
            left[material_id] = have - covered
            if qty - covered > 1e-6 * max(1.0, qty):
                out.append(
                    ShortLine(
                        order_id=order.id,
                        order_number=order.number,
                        status=order.status,
                        planned_start=start,
                        due_date=order.due_date,
                        material_id=material_id,
                        needed=qty,
                        covered=covered,
                        missing=qty - covered,
                    )
                )
    return out


def availability(db: Session, material_ids: set[int] | None = None) -> list[dict[str, Any]]:
    """Per material: on hand (usable), reserved, available, its reorder level."""
    stmt = select(Material).order_by(Material.code)
    if material_ids is not None:
        stmt = stmt.where(Material.id.in_(sorted(material_ids)))
    materials = db.scalars(stmt).all()
    ids = {m.id for m in materials}
    on_hand = res.usable_on_hand(db, ids)
    reserved = res.reserved_by_material(db, ids)
    out = []
    for m in materials:
        have, held = on_hand.get(m.id, 0.0), reserved.get(m.id, 0.0)
        available = have - held
        out.append(
            {
                "material": material_ref(m),
                "on_hand": have,
                "reserved": held,
                "available": available,
                "reorder_level": m.reorder_level,
                "below_reorder": m.reorder_level is not None and available < m.reorder_level,
            }
        )
    return out


def material_ref(m: Material) -> dict[str, Any]:
    return {"kind": "material", "id": m.id, "code": m.code, "name": m.name, "unit": m.unit}
