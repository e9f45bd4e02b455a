"""Queries for stock levels and expected receipts."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from linewise.core.errors import FieldError, NotFound, ValidationProblem
from linewise.domains.inventory import reservations as res
from linewise.domains.inventory.models import Material, Receipt, ReceiptStatus, StockLevel

STOCK_SORTABLE = {
    "material": Material.code,
    "quantity": StockLevel.quantity,
    "updated_at": StockLevel.updated_at,
}
RECEIPT_SORTABLE = {
    "expected_at": Receipt.expected_at,
    "material": Material.code,
    "quantity": Receipt.quantity,
    "reference": Receipt.reference,
    "status": Receipt.status,
}


def stock_query(material_id: int | None, q: str | None) -> Select[Any]:
    stmt = (
        select(StockLevel)
        .join(Material, Material.id == StockLevel.material_id)
        .options(selectinload(StockLevel.material))
    )
    if material_id is not None:
        stmt = stmt.where(StockLevel.material_id == material_id)
    if q:
        stmt = stmt.where(_material_matches(q))
    return stmt


def receipt_query(
    *,
    material_id: int | None,
    statuses: list[str] | None,
    expected_before: datetime | None,
    expected_after: datetime | None,
    q: str | None,
) -> Select[Any]:
    stmt = (
        select(Receipt)
        .join(Material, Material.id == Receipt.material_id)
        .options(selectinload(Receipt.material))
    )
    if material_id is not None:
        stmt = stmt.where(Receipt.material_id == material_id)
    if statuses:
        bad = [s for s in statuses if s not in set(ReceiptStatus)]
        if bad:
            raise ValidationProblem(
                f"unknown status {bad}",
                errors=[FieldError("status", f"one of {', '.join(ReceiptStatus)}")],
            )
        stmt = stmt.where(Receipt.status.in_(statuses))
    if expected_before is not None:
        stmt = stmt.where(Receipt.expected_at < expected_before)
    if expected_after is not None:
        stmt = stmt.where(Receipt.expected_at >= expected_after)
    if q:
        pattern = f"%{q.strip().lower()}%"
        stmt = stmt.where(_material_matches(q) | Receipt.reference.ilike(pattern))
    return stmt


def _material_matches(q: str) -> Any:
    pattern = f"%{q.strip().lower()}%"
    return Material.code.ilike(pattern) | Material.name.ilike(pattern)


def get_stock(db: Session, stock_id: int) -> StockLevel:
    stock = db.get(StockLevel, stock_id)
    if stock is None:
        raise NotFound(f"stock level {stock_id} not found")
    return stock


def stock_of_material(db: Session, material_id: int) -> StockLevel | None:
    return db.scalars(select(StockLevel).where(StockLevel.material_id == material_id)).first()


def get_receipt(db: Session, receipt_id: int, field: str | None = None) -> Receipt:
    """The receipt, or 404 when it is named in the path; named in a body (``field``), an
    unknown one is that field's 422, like every other id a body refers to."""
    receipt = db.get(Receipt, receipt_id)
    if receipt is None:
        if field is not None:
            raise ValidationProblem(
                "unknown receipt",
                errors=[FieldError(field, f"receipt {receipt_id} does not exist")],
            )
        raise NotFound(f"receipt {receipt_id} not found")
    return receipt


# --- for planning ------------------------------------------------------------------------


def on_hand(db: Session, material_ids: Collection[int]) -> dict[int, float]:
    """Usable stock on hand per material, for the planner: the ledger's (every location
    but quarantine) for the materials it keeps; a material the ledger has never seen
    falls back to its old stock level (until the opening balances are booked, see
    ``opening.py``). Materials with neither have none (absent)."""
    if not material_ids:
        return {}
    kept = res.ledger_keeps(db, material_ids)
    usable = res.usable_on_hand(db, kept)
    out = {mid: usable.get(mid, 0.0) for mid in kept}
    rows = db.execute(
        select(StockLevel.material_id, StockLevel.quantity).where(
            StockLevel.material_id.in_(sorted(set(material_ids) - kept))
        )
    ).all()
    out.update({mid: float(qty) for mid, qty in rows})
    return out


def open_receipts(db: Session, material_ids: Collection[int]) -> Sequence[Receipt]:
    """Deliveries still expected, earliest first."""
    if not material_ids:
        return []
    return db.scalars(
        select(Receipt)
        .where(
            Receipt.material_id.in_(sorted(material_ids)),
            Receipt.status == ReceiptStatus.OPEN,
        )
        .order_by(Receipt.expected_at, Receipt.id)
    ).all()


def materials_by_id(db: Session, material_ids: Collection[int]) -> dict[int, Material]:
    if not material_ids:
        return {}
    found = db.scalars(select(Material).where(Material.id.in_(sorted(material_ids))))
    return {m.id: m for m in found}
