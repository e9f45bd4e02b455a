"""Stock and receipt rules: what may change, and receiving a delivery into stock.

A received receipt is history: its quantity is already in the stock figure, so changing
or deleting it afterwards would make the two disagree silently. Corrections go to the
stock level (a count), which is audited like every other change.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, object_session

from linewise.core.errors import Conflict, FieldError, InvalidTransition, ValidationProblem
from linewise.core.time import utcnow
from linewise.domains.equipment.site_time import UTC_ZONE, local_when, site_zone
from linewise.domains.inventory import ledger_service
from linewise.domains.inventory import repository as repo
from linewise.domains.inventory.models import Receipt, ReceiptStatus, StockLevel

# A terminal's clock may run a little ahead of the server's.
CLOCK_SLACK = timedelta(minutes=5)


def create_stock(db: Session, material_id: int, quantity: float) -> StockLevel:
    if repo.stock_of_material(db, material_id) is not None:
        raise Conflict(
            f"material {material_id} already has a stock level; change that one",
            errors=[FieldError("material_id", "already has a stock level")],
        )
    stock = StockLevel(material_id=material_id, quantity=0.0)
    db.add(stock)
    db.flush()
    correct_stock_level(db, stock, quantity)
    return stock


def correct_stock_level(db: Session, stock: StockLevel, quantity: float) -> None:
    """The plant-wide figure set by hand: booked as an adjustment of the difference in
    the store (the ledger moves the figure), so the ledger and the figure agree."""
    delta = quantity - stock.quantity
    if not ledger_service.has_site(db):
        stock.quantity = quantity  # no site, no store: only the old figure
        return
    if abs(delta) < 1e-12:
        ledger_service.touch_item(db, stock.material_id)
        return
    ledger_service.adjust(
        db,
        material_id=stock.material_id,
        product_id=None,
        location_id=ledger_service.default_store(db),
        lot="",
        delta=delta,
        reason="stock level corrected",
        client_ref=None,
    )
    db.refresh(stock)


def _refuse_if_received(receipt: Receipt, doing: str) -> None:
    if receipt.status == ReceiptStatus.RECEIVED:
        db = object_session(receipt)
        zone = site_zone(db) if db is not None else UTC_ZONE
        raise Conflict(
            f"receipt {receipt.id} was received on {local_when(receipt.received_at, zone)} "
            f"and is already in stock; it cannot be {doing} (correct the stock level instead)",
            errors=[FieldError("status", "received")],
        )


def update_receipt(receipt: Receipt, data: dict[str, Any]) -> None:
    _refuse_if_received(receipt, "changed")
    for key, value in data.items():
        if value is None:
            if key == "reference":
                value = ""
            else:
                continue  # not given (or explicitly null): keep
        setattr(receipt, key, value)


def create_receipt(db: Session, data: dict[str, Any]) -> Receipt:
    receipt = Receipt(**data)
    db.add(receipt)
    db.flush()
    return receipt


def delete_receipt(db: Session, receipt: Receipt) -> None:
    _refuse_if_received(receipt, "deleted")
    db.delete(receipt)
    db.flush()


def delete_stock(db: Session, stock: StockLevel) -> None:
    db.delete(stock)
    db.flush()


def receive(db: Session, receipt: Receipt, at: datetime | None) -> StockLevel:
    """Book the delivery in: the receipt is received and its quantity goes on hand."""
    if receipt.status != ReceiptStatus.OPEN:
        raise InvalidTransition(
            f"receipt {receipt.id} is {receipt.status}; only an open receipt can be received",
            errors=[FieldError("status", f"is {receipt.status}")],
            allowed=[],
        )
    when = at or utcnow()
    if when > utcnow() + CLOCK_SLACK:
        raise ValidationProblem(
            "a delivery cannot be received in the future",
            errors=[FieldError("received_at", "is in the future")],
        )
    # Through the ledger: the rest of the delivery goes into the store, lot unknown.
    ledger_service.receive(
        db,
        material_id=receipt.material_id,
        qty=receipt.quantity - receipt.received_quantity,
        lot="",
        location_id=None,
        receipt_id=receipt.id,
        at=when,
        client_ref=None,
    )
    db.flush()
    stock = repo.stock_of_material(db, receipt.material_id)
    assert stock is not None  # the ledger keeps the plant-wide figure
    db.refresh(stock)
    return stock
