"""Spare parts used on a maintenance order. The material ledger is the record: a part
used is an issue out of a stock location whose cause is the order, and a part removed
(a mistake) is that issue's reversal, never an edit. What the order's page lists is
read back from the ledger, so stock on hand and the order cannot disagree."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from linewise.core.errors import Conflict, FieldError, ValidationProblem
from linewise.domains.equipment.models import Machine
from linewise.domains.inventory import ledger, ledger_service
from linewise.domains.inventory import ledger_repository as stock
from linewise.domains.inventory.models import MovementKind, StockMovement
from linewise.domains.maintenance.models import MaintenanceOrder, MaintenanceStatus


def _person(by: str) -> str:
    return by.removeprefix("user:")


def record(
    db: Session,
    order: MaintenanceOrder,
    *,
    material_id: int,
    qty: float,
    lot: str,
    location_id: int | None,
    client_ref: str | None,
    unit: str | None = None,
) -> StockMovement:
    """Book a part used on ``order`` (once work on it has been planned into a window or
    started: a part on a planned or cancelled order is refused, as labour is)."""
    if order.status in (MaintenanceStatus.CANCELLED.value, MaintenanceStatus.PLANNED.value):
        raise Conflict(
            f"no parts on a {order.status} order",
            errors=[FieldError("status", f"order is {order.status}")],
        )
    machine = db.get(Machine, order.machine_id)
    site = ledger.site_of_line(db.connection(), machine.line_id) if machine else None
    if site is None:
        raise ValidationProblem(
            "the order's machine stands on no site to take stock from",
            errors=[FieldError("location_id", "no site")],
        )
    return ledger_service.issue_to_maintenance(
        db,
        material_id=material_id,
        maintenance_order_id=order.id,
        site_id=site,
        qty=qty,
        lot=lot,
        location_id=location_id,
        client_ref=client_ref,
        unit=unit,
        reason=f"maintenance order {order.id}: {order.title}"[:200],
    )


def remove(db: Session, order: MaintenanceOrder, movement_id: int, reason: str) -> StockMovement:
    """Take a part booked by mistake back into stock: the issue's reversal (409 when it
    was taken back already)."""
    movement = db.get(StockMovement, movement_id)
    if (
        movement is None
        or movement.maintenance_order_id != order.id
        or movement.kind != MovementKind.ISSUE.value
    ):
        raise ValidationProblem(
            f"no part {movement_id} on maintenance order {order.id}",
            errors=[FieldError("movement_id", "not a part of this order")],
        )
    why = reason.strip() or f"removed from maintenance order {order.id}"
    return ledger_service.reverse(db, movement, why)


def of_order(db: Session, order_id: int, only: int | None = None) -> list[dict[str, Any]]:
    """The parts booked on an order, first booked first, each with its removal if any
    (``only``: just that one, the answer to adding or removing it)."""
    where = [
        StockMovement.maintenance_order_id == order_id,
        StockMovement.kind == MovementKind.ISSUE.value,
    ]
    if only is not None:
        where.append(StockMovement.id == only)
    issues = list(
        db.scalars(select(StockMovement).where(*where).order_by(StockMovement.at, StockMovement.id))
    )
    if not issues:
        return []
    items = stock.items(db, {m.item_id for m in issues})
    locs = stock.locations(db, {m.from_location_id for m in issues if m.from_location_id})
    undone = stock.reversed_by(db, [m.id for m in issues])
    reversals = {
        r.id: r
        for r in db.scalars(select(StockMovement).where(StockMovement.id.in_(undone.values())))
    }
    out = []
    for m in issues:
        item = items[m.item_id]
        loc = locs.get(m.from_location_id or 0)
        rev = reversals.get(undone.get(m.id, 0))
        out.append(
            {
                "id": m.id,
                "material_id": item["id"],
                "material_code": item["code"],
                "material_name": item["name"],
                "unit": item["unit"],
                "qty": m.qty,
                "lot": m.lot,
                "location_id": m.from_location_id,
                "location_code": loc.code if loc else "",
                "location_name": loc.name if loc else "",
                "by": _person(m.by),
                "at": m.at,
                "removed": rev is not None,
                "removal_id": rev.id if rev else None,
                "removed_by": _person(rev.by) if rev else None,
                "removed_at": rev.at if rev else None,
            }
        )
    return out
