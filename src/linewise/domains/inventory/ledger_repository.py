"""Reads of the material ledger: stock on hand, movements, an order's material."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session, aliased

from linewise.core.errors import FieldError, NotFound, ValidationProblem
from linewise.domains.inventory.models import (
    Material,
    MovementKind,
    StockItem,
    StockLocation,
    StockMovement,
    StockOnHand,
)
from linewise.domains.production.models import BomItem, OrderStatus, Product, ProductionOrder

_FINISHED_ORDERS = (OrderStatus.COMPLETED, OrderStatus.CANCELLED)


def items(db: Session, item_ids: set[int]) -> dict[int, dict[str, Any]]:
    """Item references (kind, material or product id, code, name, unit) by item id."""
    if not item_ids:
        return {}
    rows = db.execute(
        select(
            StockItem.id,
            StockItem.material_id,
            StockItem.product_id,
            func.coalesce(Material.code, Product.code).label("code"),
            func.coalesce(Material.name, Product.name).label("name"),
            Material.unit,
        )
        .outerjoin(Material, Material.id == StockItem.material_id)
        .outerjoin(Product, Product.id == StockItem.product_id)
        .where(StockItem.id.in_(sorted(item_ids)))
    ).all()
    return {
        r.id: {
            "kind": "material" if r.material_id is not None else "product",
            "id": r.material_id if r.material_id is not None else r.product_id,
            "code": r.code,
            "name": r.name,
            "unit": r.unit or "pcs",
        }
        for r in rows
    }


def locations(db: Session, location_ids: set[int]) -> dict[int, StockLocation]:
    if not location_ids:
        return {}
    found = db.scalars(select(StockLocation).where(StockLocation.id.in_(sorted(location_ids))))
    return {loc.id: loc for loc in found}


def get_location(db: Session, location_id: int, field: str) -> StockLocation:
    loc = db.get(StockLocation, location_id)
    if loc is None:
        raise ValidationProblem(
            f"no stock location {location_id}", errors=[FieldError(field, "unknown location")]
        )
    return loc


def _item_filter(material_id: int | None, product_id: int | None) -> list[Any]:
    where: list[Any] = []
    if material_id is not None:
        where.append(StockItem.material_id == material_id)
    if product_id is not None:
        where.append(StockItem.product_id == product_id)
    return where


def stock(
    db: Session,
    *,
    material_id: int | None,
    product_id: int | None,
    location_id: int | None,
    lot: str | None,
    include_zero: bool,
) -> list[tuple[int, int, str, float]]:
    """(item, location, lot, qty) rows of stock on hand."""
    stmt = select(
        StockOnHand.item_id, StockOnHand.location_id, StockOnHand.lot, StockOnHand.qty
    ).join(StockItem, StockItem.id == StockOnHand.item_id)
    for cond in _item_filter(material_id, product_id):
        stmt = stmt.where(cond)
    if location_id is not None:
        stmt = stmt.where(StockOnHand.location_id == location_id)
    if lot is not None:
        stmt = stmt.where(StockOnHand.lot == lot)
    if not include_zero:
        stmt = stmt.where(func.abs(StockOnHand.qty) > 1e-9)
    stmt = stmt.order_by(StockOnHand.item_id, StockOnHand.location_id, StockOnHand.first_at)
    return [(r.item_id, r.location_id, r.lot, float(r.qty)) for r in db.execute(stmt).all()]


def movements(
    db: Session,
    *,
    material_id: int | None,
    product_id: int | None,
    location_id: int | None,
    lot: str | None,
    kind: str | None,
    order_id: int | None,
    since: datetime | None,
    until: datetime | None,
    limit: int,
    flagged: bool | None = None,
) -> list[StockMovement]:
    """Movements matching the filters, newest first."""
    stmt = select(StockMovement).join(StockItem, StockItem.id == StockMovement.item_id)
    for cond in _item_filter(material_id, product_id):
        stmt = stmt.where(cond)
    if location_id is not None:
        stmt = stmt.where(
            (StockMovement.from_location_id == location_id)
            | (StockMovement.to_location_id == location_id)
        )
    if lot is not None:
        stmt = stmt.where(StockMovement.lot == lot)
    if kind is not None:
        if kind not in set(MovementKind):
            raise ValidationProblem(
                f"unknown movement kind '{kind}'",
                errors=[FieldError("kind", f"one of {', '.join(MovementKind)}")],
            )
        stmt = stmt.where(StockMovement.kind == kind)
    if order_id is not None:
        stmt = stmt.where(StockMovement.order_id == order_id)
    if since is not None:
        stmt = stmt.where(StockMovement.at >= since)
    if until is not None:
        stmt = stmt.where(StockMovement.at < until)
    if flagged is not None:
        stmt = stmt.where(StockMovement.flagged.is_(flagged))
    return list(db.scalars(stmt.order_by(StockMovement.id.desc()).limit(limit)))


def get_movement(db: Session, movement_id: int) -> StockMovement:
    found = db.get(StockMovement, movement_id)
    if found is None:
        raise NotFound(f"stock movement {movement_id} not found")
    return found


def reversed_by(db: Session, movement_ids: list[int]) -> dict[int, int]:
    if not movement_ids:
        return {}
    rows = db.execute(
        select(StockMovement.reverses_id, StockMovement.id).where(
            StockMovement.reverses_id.in_(movement_ids)
        )
    ).all()
    return {int(r.reverses_id): int(r.id) for r in rows}


def order_numbers(db: Session, order_ids: set[int]) -> dict[int, str]:
    if not order_ids:
        return {}
    rows = db.execute(
        select(ProductionOrder.id, ProductionOrder.number).where(
            ProductionOrder.id.in_(sorted(order_ids))
        )
    ).all()
    return {r.id: r.number for r in rows}


def material_item_id(db: Session, material_id: int) -> int | None:
    return db.scalar(select(StockItem.id).where(StockItem.material_id == material_id))


def order_materials(db: Session, order_id: int) -> dict[str, Any]:
    """Each BOM line of the order's product: required, consumed (net of reversals) and
    still needed; plus the good units received as finished goods."""
    order = db.get(ProductionOrder, order_id)
    if order is None:
        raise NotFound(f"production order {order_id} not found")
    original = aliased(StockMovement)
    consumed_kinds = (MovementKind.BACKFLUSH, MovementKind.ISSUE)
    signed = case(
        (StockMovement.kind.in_(consumed_kinds), StockMovement.qty),
        (
            and_(
                StockMovement.kind == MovementKind.REVERSAL,
                original.kind.in_(consumed_kinds),
            ),
            -StockMovement.qty,
        ),
        else_=0.0,
    )
    consumed_rows = db.execute(
        select(StockItem.material_id, func.sum(signed))
        .select_from(StockMovement)
        .join(StockItem, StockItem.id == StockMovement.item_id)
        .outerjoin(original, original.id == StockMovement.reverses_id)
        .where(StockMovement.order_id == order_id, StockItem.material_id.is_not(None))
        .group_by(StockItem.material_id)
    ).all()
    consumed = {int(r[0]): float(r[1] or 0.0) for r in consumed_rows}
    fg = case(
        (StockMovement.kind == MovementKind.PRODUCTION_RECEIPT, StockMovement.qty),
        (
            and_(
                StockMovement.kind == MovementKind.REVERSAL,
                original.kind == MovementKind.PRODUCTION_RECEIPT,
            ),
            -StockMovement.qty,
        ),
        else_=0.0,
    )
    finished = db.scalar(
        select(func.sum(fg))
        .select_from(StockMovement)
        .outerjoin(original, original.id == StockMovement.reverses_id)
        .where(StockMovement.order_id == order_id)
    )
    bom = db.execute(
        select(BomItem.quantity_per_unit, Material)
        .join(Material, Material.id == BomItem.material_id)
        .where(BomItem.product_id == order.product_id)
        .order_by(Material.code)
    ).all()
    done = order.status in _FINISHED_ORDERS
    lines = []
    for per_unit, material in bom:
        required = order.quantity * per_unit * (1.0 + material.scrap_factor)
        used = consumed.get(material.id, 0.0)
        lines.append(
            {
                "material": {
                    "kind": "material",
                    "id": material.id,
                    "code": material.code,
                    "name": material.name,
                    "unit": material.unit,
                },
                "per_unit": per_unit,
                "scrap_factor": material.scrap_factor,
                "backflush": material.backflush,
                "required": required,
                "consumed": used,
                "still_needed": 0.0 if done else max(0.0, required - used),
            }
        )
    return {
        "order_id": order.id,
        "status": order.status,
        "lines": lines,
        "finished_received": float(finished or 0.0),
    }


# --- genealogy (first cut: through the order) ----------------------------------------------
#
# A finished lot is the order number, and every consumption names its order and the
# component lot, so both directions are one grouped query over the ledger. Consumption
# is net of its reversals.


def _net_consumption() -> Any:
    original = aliased(StockMovement)
    consumed = (MovementKind.BACKFLUSH, MovementKind.ISSUE)
    signed = case(
        (StockMovement.kind.in_(consumed), StockMovement.qty),
        (
            and_(StockMovement.kind == MovementKind.REVERSAL, original.kind.in_(consumed)),
            -StockMovement.qty,
        ),
        else_=0.0,
    )
    return original, signed


def trace_backward(db: Session, product_id: int, lot: str) -> list[dict[str, Any]]:
    """The component lots that went into a finished lot (its order's consumption)."""
    orders = (
        select(StockMovement.order_id)
        .join(StockItem, StockItem.id == StockMovement.item_id)
        .where(
            StockItem.product_id == product_id,
            StockMovement.kind == MovementKind.PRODUCTION_RECEIPT,
            StockMovement.lot == lot,
        )
    )
    original, signed = _net_consumption()
    rows = db.execute(
        select(StockMovement.item_id, StockMovement.lot, StockMovement.order_id, func.sum(signed))
        .select_from(StockMovement)
        .outerjoin(original, original.id == StockMovement.reverses_id)
        .where(StockMovement.order_id.in_(orders))
        .group_by(StockMovement.item_id, StockMovement.lot, StockMovement.order_id)
        .order_by(StockMovement.item_id, StockMovement.lot)
    ).all()
    return _trace_rows(db, [r for r in rows if float(r[3] or 0) > 1e-9])


def trace_forward(db: Session, material_id: int, lot: str) -> list[dict[str, Any]]:
    """The orders (and so the finished lots) a component lot went into."""
    original, signed = _net_consumption()
    rows = db.execute(
        select(StockMovement.item_id, StockMovement.lot, StockMovement.order_id, func.sum(signed))
        .select_from(StockMovement)
        .join(StockItem, StockItem.id == StockMovement.item_id)
        .outerjoin(original, original.id == StockMovement.reverses_id)
        .where(
            StockItem.material_id == material_id,
            StockMovement.lot == lot,
            StockMovement.order_id.is_not(None),
        )
        .group_by(StockMovement.item_id, StockMovement.lot, StockMovement.order_id)
        .order_by(StockMovement.order_id)
    ).all()
    return _trace_rows(db, [r for r in rows if float(r[3] or 0) > 1e-9])


def _trace_rows(db: Session, rows: list[Any]) -> list[dict[str, Any]]:
    refs = items(db, {int(r[0]) for r in rows})
    order_ids = {int(r[2]) for r in rows if r[2] is not None}
    orders = {
        o.id: o
        for o in db.scalars(select(ProductionOrder).where(ProductionOrder.id.in_(order_ids)))
    }
    out = []
    for item_id, lot, order_id, qty in rows:
        order = orders.get(order_id)
        customer = order.customer_order if order is not None else None
        out.append(
            {
                "component": refs[item_id],
                "component_lot": lot,
                "qty": float(qty),
                "order_id": order_id,
                "order_number": order.number if order is not None else None,
                "finished_lot": order.number if order is not None else None,
                "customer_order": customer.number if customer is not None else None,
            }
        )
    return out
