"""What people do to stock: receive, transfer, adjust, count, issue and reverse.

Each action posts movements through :mod:`ledger` in the request's transaction; a
refusal (a *refuse* location going negative, a receipt over its quantity) rolls the
whole request back, so there is never a partial write. Who did it is the signed-in
actor; a form's ``client_ref`` makes a resent request book once.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from linewise.core.errors import Conflict, FieldError, ValidationProblem
from linewise.core.time import utcnow
from linewise.domains.equipment.models import Site
from linewise.domains.inventory import ledger, units
from linewise.domains.inventory import ledger_repository as repo
from linewise.domains.inventory import repository as supply
from linewise.domains.inventory.models import (
    LocationKind,
    Material,
    MovementKind,
    ReceiptStatus,
    StockItem,
    StockLevel,
    StockLocation,
    StockMovement,
    StockOnHand,
)
from linewise.domains.production.models import Product, ProductionOrder
from linewise.domains.quality import repository as quality

CLOCK_SLACK_S = 300


def _actor(db: Session) -> str:
    return str(db.info.get("actor", ""))


def _key(client_ref: str | None, action: str) -> str:
    return f"user:{action}:{client_ref or uuid.uuid4().hex}"


def _item(db: Session, material_id: int | None, product_id: int | None) -> int:
    conn = db.connection()
    if material_id is not None:
        if db.get(Material, material_id) is None:
            raise ValidationProblem(
                f"no material {material_id}", errors=[FieldError("material_id", "unknown")]
            )
        return ledger.item_of_material(conn, material_id)
    assert product_id is not None
    if db.get(Product, product_id) is None:
        raise ValidationProblem(
            f"no product {product_id}", errors=[FieldError("product_id", "unknown")]
        )
    return ledger.item_of_product(conn, product_id)


def _in_base(
    db: Session,
    material_id: int | None,
    qty: float,
    unit: str | None,
    field: str = "qty",
) -> float:
    """``qty`` entered in ``unit`` as the item's own unit (products are counted in pcs)."""
    if material_id is None:
        return units.to_base(db, None, qty, unit, "pcs", field)
    material = db.get(Material, material_id)
    base = material.unit if material is not None else "pcs"
    return units.to_base(db, material_id, qty, unit, base, field)


def _refuse_shortfall(db: Session, moves: list[ledger.Move]) -> None:
    """A person's movement out of a *refuse* location that has too little: 409 naming
    ``qty`` and the shortfall, before anything is written. (The ledger checks again
    under the row lock, so a writer in between cannot slip past it.)"""
    conn = db.connection()
    for move in moves:
        if move.from_location_id is None:
            continue
        loc = db.get(StockLocation, move.from_location_id)
        if loc is None or loc.negative != "refuse":
            continue
        have = ledger.on_hand(conn, move.item_id, move.from_location_id, move.lot)
        short = move.qty - have
        if short > 1e-9:
            unit = repo.items(db, {move.item_id})[move.item_id]["unit"]
            lot = f" in lot {move.lot}" if move.lot else ""
            raise Conflict(
                f"{loc.code} has {have:g} {unit}{lot}, {short:g} {unit} short of {move.qty:g}; "
                "this location does not go below zero",
                errors=[FieldError("qty", f"{short:g} {unit} more than on hand")],
                shortfall=short,
                on_hand=have,
                location_id=loc.id,
            )


def _post(db: Session, moves: list[ledger.Move]) -> list[int]:
    """Post a person's movements; the planner's plant-wide figure of a material moves
    through the ORM, so the audit log shows that change too."""
    _refuse_shortfall(db, moves)
    posted = ledger.post(db.connection(), moves, manual=True, plant_figure=False)
    for _id, move in posted:
        delta = ledger.plant_delta(move)
        material_id = db.scalar(select(StockItem.material_id).where(StockItem.id == move.item_id))
        if material_id is None or delta == 0:
            continue
        # Locked and read fresh: another request may have moved it since we loaded it.
        level = db.scalars(
            select(StockLevel)
            .where(StockLevel.material_id == material_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).first()
        if level is None:
            level = StockLevel(material_id=material_id, quantity=0.0)
            db.add(level)
        level.quantity = level.quantity + delta
    db.flush()
    return [i for i, _m in posted]


def _posted(db: Session, ids: list[int], key: str) -> StockMovement:
    """The movement just posted, or the one an earlier identical request posted."""
    if ids:
        return repo.get_movement(db, ids[0])
    found = db.scalar(select(StockMovement).where(StockMovement.cause_key == key))
    assert found is not None
    return found


def has_site(db: Session) -> bool:
    return db.scalar(select(func.min(Site.id))) is not None


def default_store(db: Session) -> int:
    """The first site's store (made if it has none)."""
    return _default_store(db)


def touch_item(db: Session, material_id: int) -> None:
    """Make the ledger keep this material's stock (a zero row in the store), so the
    planner checks it even before anything is booked."""
    item = ledger.item_of_material(db.connection(), material_id)
    if not db.scalar(
        select(func.count()).select_from(StockOnHand).where(StockOnHand.item_id == item)
    ):
        ledger.post(
            db.connection(),
            [
                ledger.Move(
                    kind=MovementKind.OPENING,
                    item_id=item,
                    qty=0.0,
                    from_location_id=None,
                    to_location_id=_default_store(db),
                    cause="user",
                    cause_ref=_actor(db),
                    cause_key=f"opening:{material_id}",
                    at=utcnow(),
                    by=_actor(db),
                    reason="stock kept from now on",
                )
            ],
            manual=True,
            plant_figure=False,
        )


def _default_store(db: Session) -> int:
    site = db.scalar(select(func.min(Site.id)))
    if site is None:
        raise ValidationProblem(
            "no site to keep stock at", errors=[FieldError("location_id", "no site")]
        )
    return ledger.ensure_location(db.connection(), int(site), LocationKind.STORE)


def receive(
    db: Session,
    *,
    material_id: int,
    qty: float,
    lot: str,
    location_id: int | None,
    receipt_id: int | None,
    at: datetime | None,
    client_ref: str | None,
    unit: str | None = None,
) -> StockMovement:
    """Book a delivery (or part of one) in; against an expected receipt, it counts
    towards that receipt, which is received once the whole quantity is in."""
    when = at or utcnow()
    if (when - utcnow()).total_seconds() > CLOCK_SLACK_S:
        raise ValidationProblem(
            "a delivery cannot be received in the future",
            errors=[FieldError("at", "is in the future")],
        )
    item = _item(db, material_id, None)
    qty = _in_base(db, material_id, qty, unit)
    if location_id is None:
        location_id = _default_store(db)
    else:
        repo.get_location(db, location_id, "location_id")
    key = _key(client_ref, "receive")
    if receipt_id is not None:
        receipt = supply.get_receipt(db, receipt_id, "receipt_id")
        if receipt.material_id != material_id:
            raise ValidationProblem(
                f"receipt {receipt_id} is for another material",
                errors=[FieldError("receipt_id", "other material")],
            )
        if receipt.status != ReceiptStatus.OPEN:
            raise Conflict(
                f"receipt {receipt_id} is {receipt.status}; only an open one can be received",
                errors=[FieldError("receipt_id", f"is {receipt.status}")],
            )
    ids = _post(
        db,
        [
            ledger.Move(
                kind=MovementKind.RECEIPT,
                item_id=item,
                qty=qty,
                from_location_id=None,
                to_location_id=location_id,
                lot=lot.strip(),
                cause="user",
                cause_ref=_actor(db),
                cause_key=key,
                at=when,
                by=_actor(db),
                receipt_id=receipt_id,
            )
        ],
    )
    if ids and receipt_id is not None:
        receipt = supply.get_receipt(db, receipt_id)
        receipt.received_quantity = receipt.received_quantity + qty
        if receipt.received_quantity >= receipt.quantity - 1e-9:
            receipt.status = ReceiptStatus.RECEIVED
            receipt.received_at = when
    return _posted(db, ids, key)


def transfer(
    db: Session,
    *,
    material_id: int | None,
    product_id: int | None,
    qty: float,
    lot: str,
    from_location_id: int,
    to_location_id: int,
    client_ref: str | None,
    unit: str | None = None,
    reason: str = "",
) -> StockMovement:
    if from_location_id == to_location_id:
        raise ValidationProblem(
            "a transfer goes somewhere else",
            errors=[FieldError("to_location_id", "same as from_location_id")],
        )
    repo.get_location(db, from_location_id, "from_location_id")
    repo.get_location(db, to_location_id, "to_location_id")
    quality.refuse_held(db, lot.strip(), product_id=product_id)
    item = _item(db, material_id, product_id)
    qty = _in_base(db, material_id, qty, unit)
    key = _key(client_ref, "transfer")
    ids = _post(
        db,
        [
            ledger.Move(
                kind=MovementKind.TRANSFER,
                item_id=item,
                qty=qty,
                from_location_id=from_location_id,
                to_location_id=to_location_id,
                lot=lot.strip(),
                cause="user",
                cause_ref=_actor(db),
                cause_key=key,
                reason=reason.strip(),
                at=utcnow(),
                by=_actor(db),
            )
        ],
    )
    return _posted(db, ids, key)


def _signed(
    db: Session,
    *,
    kind: MovementKind,
    item: int,
    location_id: int,
    lot: str,
    delta: float,
    reason: str,
    key: str,
) -> StockMovement:
    ids = _post(
        db,
        [
            ledger.Move(
                kind=kind,
                item_id=item,
                qty=abs(delta),
                from_location_id=location_id if delta < 0 else None,
                to_location_id=location_id if delta >= 0 else None,
                lot=lot,
                cause="user",
                cause_ref=_actor(db),
                cause_key=key,
                reason=reason,
                at=utcnow(),
                by=_actor(db),
            )
        ],
    )
    return _posted(db, ids, key)


def adjust(
    db: Session,
    *,
    material_id: int | None,
    product_id: int | None,
    location_id: int,
    lot: str,
    delta: float,
    reason: str,
    client_ref: str | None,
    unit: str | None = None,
) -> StockMovement:
    if delta == 0:
        raise ValidationProblem(
            "an adjustment changes something", errors=[FieldError("delta", "is 0")]
        )
    repo.get_location(db, location_id, "location_id")
    item = _item(db, material_id, product_id)
    delta = _in_base(db, material_id, delta, unit, "delta")
    return _signed(
        db,
        kind=MovementKind.ADJUSTMENT,
        item=item,
        location_id=location_id,
        lot=lot.strip(),
        delta=delta,
        reason=reason.strip(),
        key=_key(client_ref, "adjust"),
    )


def count(
    db: Session,
    *,
    material_id: int | None,
    product_id: int | None,
    location_id: int,
    lot: str,
    counted: float,
    reason: str,
    client_ref: str | None,
    unit: str | None = None,
) -> StockMovement:
    """A cycle count: the difference to what the ledger says is booked (0 is booked too,
    as the record that someone counted)."""
    repo.get_location(db, location_id, "location_id")
    item = _item(db, material_id, product_id)
    counted = _in_base(db, material_id, counted, unit, "counted")
    conn = db.connection()
    if conn.dialect.name == "postgresql":
        # Read and write under the row lock, so a movement in between is not lost.
        conn.execute(
            select(ledger.ON_HAND.c.qty)
            .where(
                ledger.ON_HAND.c.item_id == item,
                ledger.ON_HAND.c.location_id == location_id,
                ledger.ON_HAND.c.lot == lot.strip(),
            )
            .with_for_update()
        )
    before = ledger.on_hand(conn, item, location_id, lot.strip())
    return _signed(
        db,
        kind=MovementKind.COUNT,
        item=item,
        location_id=location_id,
        lot=lot.strip(),
        delta=counted - before,
        reason=reason.strip(),
        key=_key(client_ref, "count"),
    )


def issue(
    db: Session,
    *,
    material_id: int,
    order_id: int,
    qty: float,
    lot: str,
    location_id: int,
    client_ref: str | None,
    unit: str | None = None,
) -> StockMovement:
    """Material issued by hand to an order (for materials not backflushed)."""
    if db.get(ProductionOrder, order_id) is None:
        raise ValidationProblem(
            f"no production order {order_id}", errors=[FieldError("order_id", "unknown")]
        )
    repo.get_location(db, location_id, "location_id")
    quality.refuse_held(db, lot.strip())
    item = _item(db, material_id, None)
    qty = _in_base(db, material_id, qty, unit)
    key = _key(client_ref, "issue")
    ids = _post(
        db,
        [
            ledger.Move(
                kind=MovementKind.ISSUE,
                item_id=item,
                qty=qty,
                from_location_id=location_id,
                to_location_id=None,
                lot=lot.strip(),
                cause="user",
                cause_ref=_actor(db),
                cause_key=key,
                at=utcnow(),
                by=_actor(db),
                order_id=order_id,
            )
        ],
    )
    return _posted(db, ids, key)


def issue_to_maintenance(
    db: Session,
    *,
    material_id: int,
    maintenance_order_id: int,
    site_id: int,
    qty: float,
    lot: str,
    location_id: int | None,
    client_ref: str | None,
    unit: str | None = None,
    reason: str = "",
) -> StockMovement:
    """A spare part used on a maintenance order: an issue out of ``location_id`` (else
    the site's store) whose cause is the order, booked by the signed-in person. A
    *refuse* location that has too little refuses it (409 naming ``qty``); a resent
    form (same ``client_ref``) books once."""
    if location_id is None:
        location_id = ledger.ensure_location(db.connection(), site_id, LocationKind.STORE)
    else:
        repo.get_location(db, location_id, "location_id")
    quality.refuse_held(db, lot.strip())
    item = _item(db, material_id, None)
    qty = _in_base(db, material_id, qty, unit)
    key = _key(client_ref and f"mo{maintenance_order_id}:{client_ref}", "maintenance")
    ids = _post(
        db,
        [
            ledger.Move(
                kind=MovementKind.ISSUE,
                item_id=item,
                qty=qty,
                from_location_id=location_id,
                to_location_id=None,
                lot=lot.strip(),
                cause="maintenance",
                cause_ref=f"maintenance order {maintenance_order_id}",
                cause_key=key,
                reason=reason.strip(),
                at=utcnow(),
                by=_actor(db),
                maintenance_order_id=maintenance_order_id,
            )
        ],
    )
    return _posted(db, ids, key)


def reverse(db: Session, movement: StockMovement, reason: str) -> StockMovement:
    """Undo ``movement`` with a new one going the other way; a receipt's delivery is
    open again for what the reversal takes back."""
    if movement.kind == MovementKind.REVERSAL:
        raise Conflict(
            f"movement {movement.id} is itself a reversal; book the movement again instead",
            errors=[FieldError("kind", "reversal")],
        )
    key = f"reversal:{movement.id}"
    ids = _post(
        db,
        [
            ledger.Move(
                kind=MovementKind.REVERSAL,
                item_id=movement.item_id,
                qty=movement.qty,
                from_location_id=movement.to_location_id,
                to_location_id=movement.from_location_id,
                lot=movement.lot,
                cause="user",
                cause_ref=_actor(db),
                cause_key=key,
                reason=reason.strip(),
                at=utcnow(),
                by=_actor(db),
                order_id=movement.order_id,
                operation_id=movement.operation_id,
                receipt_id=movement.receipt_id,
                reverses_id=movement.id,
                maintenance_order_id=movement.maintenance_order_id,
            )
        ],
    )
    if not ids:
        raise Conflict(
            f"movement {movement.id} was already reversed",
            errors=[FieldError("movement_id", "already reversed")],
        )
    if movement.receipt_id is not None:
        receipt = supply.get_receipt(db, movement.receipt_id)
        receipt.received_quantity = max(0.0, receipt.received_quantity - movement.qty)
        if receipt.status == ReceiptStatus.RECEIVED:
            receipt.status = ReceiptStatus.OPEN
            receipt.received_at = None
    return repo.get_movement(db, ids[0])
