"""Reservations and availability: what released orders still need of each material.

A reservation is not a row anyone books: it is the order's BOM × its quantity × (1 +
scrap factor) less what the ledger says it consumed (backflushed or issued, net of
reversals), for every order that is *released*, *in progress* or *on hold*. So an order
transition changes the reservations in the same commit, with nothing to keep in step:

- released: the order reserves all it still needs;
- in progress: consumption from counts and issues lowers the reservation as it runs;
- on hold: it keeps its reservation (its kit is staged; releasing it again must not find
  the material gone);
- completed or cancelled (and planned, not yet released): it reserves nothing.

Stock *available* = stock on hand − reserved, where on hand is the ledger's sum over
the locations stock can be used from (every kind but quarantine).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session, aliased

from linewise.domains.inventory.models import (
    LocationKind,
    Material,
    MovementKind,
    StockItem,
    StockLocation,
    StockMovement,
    StockOnHand,
)
from linewise.domains.production.models import BomItem, OrderStatus, ProductionOrder

RESERVING = (OrderStatus.RELEASED, OrderStatus.IN_PROGRESS, OrderStatus.ON_HOLD)
EPSILON = 1e-9


@dataclass(frozen=True)
class Reservation:
    order_id: int
    order_number: str
    status: str
    due_date: str
    material_id: int
    required: float
    consumed: float
    reserved: float


def consumed_by_order(
    db: Session, order_ids: Collection[int] | None = None, material_id: int | None = None
) -> dict[tuple[int, int], float]:
    """Net consumption (backflush + issue − their reversals) per (order, material)."""
    original = aliased(StockMovement)
    kinds = (MovementKind.BACKFLUSH, MovementKind.ISSUE)
    signed = case(
        (StockMovement.kind.in_(kinds), StockMovement.qty),
        (
            and_(StockMovement.kind == MovementKind.REVERSAL, original.kind.in_(kinds)),
            -StockMovement.qty,
        ),
        else_=0.0,
    )
    stmt = (
        select(StockMovement.order_id, StockItem.material_id, func.sum(signed))
        .select_from(StockMovement)
        .join(StockItem, StockItem.id == StockMovement.item_id)
        .outerjoin(original, original.id == StockMovement.reverses_id)
        .where(StockMovement.order_id.is_not(None), StockItem.material_id.is_not(None))
        .group_by(StockMovement.order_id, StockItem.material_id)
    )
    if order_ids is not None:
        stmt = stmt.where(StockMovement.order_id.in_(sorted(order_ids)))
    if material_id is not None:
        stmt = stmt.where(StockItem.material_id == material_id)
    return {(int(o), int(m)): float(q or 0.0) for o, m, q in db.execute(stmt).all()}


def reservations(
    db: Session,
    *,
    material_ids: Collection[int] | None = None,
    order_ids: Collection[int] | None = None,
) -> list[Reservation]:
    """Every (order, material) a reserving order still needs, by order due date."""
    stmt = (
        select(ProductionOrder, BomItem.material_id, BomItem.quantity_per_unit, Material)
        .join(BomItem, BomItem.product_id == ProductionOrder.product_id)
        .join(Material, Material.id == BomItem.material_id)
        .where(ProductionOrder.status.in_(RESERVING))
        .order_by(ProductionOrder.due_date, ProductionOrder.number, Material.code)
    )
    if material_ids is not None:
        stmt = stmt.where(BomItem.material_id.in_(sorted(material_ids)))
    if order_ids is not None:
        stmt = stmt.where(ProductionOrder.id.in_(sorted(order_ids)))
    rows = db.execute(stmt).all()
    used = consumed_by_order(db, {r[0].id for r in rows}) if rows else {}
    out = []
    for order, material_id, per_unit, material in rows:
        required = order.quantity * per_unit * (1.0 + material.scrap_factor)
        consumed = used.get((order.id, material_id), 0.0)
        out.append(
            Reservation(
                order_id=order.id,
                order_number=order.number,
                status=order.status,
                due_date=order.due_date.isoformat(),
                material_id=material_id,
                required=required,
                consumed=consumed,
                reserved=max(0.0, required - consumed),
            )
        )
    return out


def reserved_by_material(
    db: Session, material_ids: Collection[int] | None = None
) -> dict[int, float]:
    totals: dict[int, float] = defaultdict(float)
    for r in reservations(db, material_ids=material_ids):
        totals[r.material_id] += r.reserved
    return dict(totals)


def usable_on_hand(db: Session, material_ids: Collection[int] | None = None) -> dict[int, float]:
    """The ledger's stock on hand per material, over every location but quarantine.
    A material the ledger has never seen is absent (not 0)."""
    stmt = (
        select(StockItem.material_id, func.sum(StockOnHand.qty))
        .join(StockOnHand, StockOnHand.item_id == StockItem.id)
        .join(StockLocation, StockLocation.id == StockOnHand.location_id)
        .where(StockItem.material_id.is_not(None))
        .where(StockLocation.kind != LocationKind.QUARANTINE)
        .group_by(StockItem.material_id)
    )
    if material_ids is not None:
        stmt = stmt.where(StockItem.material_id.in_(sorted(material_ids)))
    return {int(m or 0): float(q or 0.0) for m, q in db.execute(stmt).all()}


def ledger_keeps(db: Session, material_ids: Collection[int]) -> set[int]:
    """The materials whose stock the ledger keeps (any stock row, in any location)."""
    if not material_ids:
        return set()
    rows = db.execute(
        select(StockItem.material_id)
        .join(StockOnHand, StockOnHand.item_id == StockItem.id)
        .where(StockItem.material_id.in_(sorted(material_ids)))
        .distinct()
    ).all()
    return {int(r[0] or 0) for r in rows}
