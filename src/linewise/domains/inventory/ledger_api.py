"""Routes of the material ledger: locations, stock on hand, movements and the forms."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import AwareDatetime
from sqlalchemy.orm import Session

from linewise.api.crud import crud_router
from linewise.api.deps import Principal, get_db, require
from linewise.core.errors import Forbidden
from linewise.core.security import roles_for
from linewise.domains.inventory import ledger_repository as repo
from linewise.domains.inventory import ledger_service as service
from linewise.domains.inventory.ledger_schemas import (
    AdjustIn,
    CountIn,
    IssueIn,
    LocationIn,
    LocationOut,
    MovementOut,
    OrderMaterialsOut,
    ReverseIn,
    StockReceiveIn,
    StockRowOut,
    TraceRowOut,
    TransferIn,
)
from linewise.domains.inventory.models import MovementKind, StockLocation, StockMovement

READ = require("masterdata:read")
WRITE = require("inventory:write")
RECEIVE = require("inventory:receive")

router = APIRouter()
router.include_router(
    crud_router(
        path="/stock-locations",
        model=StockLocation,
        out=LocationOut,
        create=LocationIn,
        read_permission="masterdata:read",
        write_permission="inventory:write",
        search=[StockLocation.code, StockLocation.name],
        sortable={"code": StockLocation.code, "kind": StockLocation.kind},
        filters={"site_id": StockLocation.site_id, "kind": StockLocation.kind},
        tag="inventory",
    )
)


def _location_ref(loc: StockLocation | None) -> dict[str, Any] | None:
    if loc is None:
        return None
    return {"id": loc.id, "code": loc.code, "name": loc.name, "kind": loc.kind}


def _movements_out(db: Session, found: list[StockMovement]) -> list[MovementOut]:
    items = repo.items(db, {m.item_id for m in found})
    locs = repo.locations(
        db,
        {m.from_location_id for m in found if m.from_location_id}
        | {m.to_location_id for m in found if m.to_location_id},
    )
    numbers = repo.order_numbers(db, {m.order_id for m in found if m.order_id})
    undone = repo.reversed_by(db, [m.id for m in found])
    return [
        MovementOut(
            id=m.id,
            kind=MovementKind(m.kind),
            item=items[m.item_id],
            qty=m.qty,
            from_location=_location_ref(locs.get(m.from_location_id or 0)),
            to_location=_location_ref(locs.get(m.to_location_id or 0)),
            lot=m.lot,
            order_id=m.order_id,
            order_number=numbers.get(m.order_id or 0),
            operation_id=m.operation_id,
            receipt_id=m.receipt_id,
            cause=m.cause,
            cause_ref=m.cause_ref,
            reason=m.reason,
            at=m.at,
            recorded_at=m.recorded_at,
            by=m.by,
            reverses_id=m.reverses_id,
            reversed_by_id=undone.get(m.id),
            flagged=m.flagged,
            maintenance_order_id=m.maintenance_order_id,
        )
        for m in found
    ]


@router.get("/stock", response_model=list[StockRowOut], tags=["inventory"])
def list_stock_on_hand(
    material_id: int | None = Query(None),
    product_id: int | None = Query(None),
    location_id: int | None = Query(None),
    lot: str | None = Query(None, max_length=80),
    include_zero: bool = Query(False),
    _p: Principal = Depends(READ),
    db: Session = Depends(get_db),
) -> Any:
    """Stock on hand by item, location and lot (the sum of the ledger)."""
    rows = repo.stock(
        db,
        material_id=material_id,
        product_id=product_id,
        location_id=location_id,
        lot=lot,
        include_zero=include_zero,
    )
    items = repo.items(db, {r[0] for r in rows})
    locs = repo.locations(db, {r[1] for r in rows})
    return [
        {"item": items[i], "location": _location_ref(locs[loc]), "lot": lt, "qty": q}
        for i, loc, lt, q in rows
    ]


@router.get("/stock-movements", response_model=list[MovementOut], tags=["inventory"])
def list_movements(
    material_id: int | None = Query(None),
    product_id: int | None = Query(None),
    location_id: int | None = Query(None),
    lot: str | None = Query(None, max_length=80),
    kind: str | None = Query(None),
    order_id: int | None = Query(None),
    since: AwareDatetime | None = Query(None),
    until: AwareDatetime | None = Query(None),
    limit: int = Query(200, ge=1, le=1000),
    flagged: bool | None = Query(None, description="true: only movements that went below 0"),
    _p: Principal = Depends(READ),
    db: Session = Depends(get_db),
) -> Any:
    """The ledger, newest first."""
    found = repo.movements(
        db,
        flagged=flagged,
        material_id=material_id,
        product_id=product_id,
        location_id=location_id,
        lot=lot,
        kind=kind,
        order_id=order_id,
        since=since,
        until=until,
        limit=limit,
    )
    return _movements_out(db, found)


def _one(db: Session, movement: StockMovement) -> MovementOut:
    db.flush()
    return _movements_out(db, [movement])[0]


@router.post(
    "/stock-movements/receipts", response_model=MovementOut, status_code=201, tags=["inventory"]
)
def receive_stock(
    body: StockReceiveIn, _p: Principal = Depends(RECEIVE), db: Session = Depends(get_db)
) -> Any:
    """Book in a delivery, or part of one, with its lot (the answer is the confirmation)."""
    return _one(db, service.receive(db, **body.model_dump()))


@router.post(
    "/stock-movements/transfers", response_model=MovementOut, status_code=201, tags=["inventory"]
)
def transfer_stock(
    body: TransferIn, _p: Principal = Depends(WRITE), db: Session = Depends(get_db)
) -> Any:
    return _one(db, service.transfer(db, **body.model_dump()))


@router.post(
    "/stock-movements/adjustments", response_model=MovementOut, status_code=201, tags=["inventory"]
)
def adjust_stock(
    body: AdjustIn, _p: Principal = Depends(WRITE), db: Session = Depends(get_db)
) -> Any:
    return _one(db, service.adjust(db, **body.model_dump()))


@router.post(
    "/stock-movements/counts", response_model=MovementOut, status_code=201, tags=["inventory"]
)
def count_stock(
    body: CountIn, _p: Principal = Depends(WRITE), db: Session = Depends(get_db)
) -> Any:
    """A cycle count: books the difference to the ledger, with the reason."""
    return _one(db, service.count(db, **body.model_dump()))


@router.post(
    "/stock-movements/issues", response_model=MovementOut, status_code=201, tags=["inventory"]
)
def issue_stock(
    body: IssueIn, _p: Principal = Depends(WRITE), db: Session = Depends(get_db)
) -> Any:
    """Issue material by hand to an order (materials that are not backflushed)."""
    return _one(db, service.issue(db, **body.model_dump()))


@router.post(
    "/stock-movements/{movement_id}/reversal",
    response_model=MovementOut,
    status_code=201,
    tags=["inventory"],
)
def reverse_movement(
    movement_id: int,
    body: ReverseIn,
    principal: Principal = Depends(RECEIVE),
    db: Session = Depends(get_db),
) -> Any:
    """Undo a movement by a new one the other way. Whoever may receive may undo a
    receipt; anything else needs inventory:write."""
    movement = repo.get_movement(db, movement_id)
    if movement.kind != MovementKind.RECEIPT and principal.role not in roles_for("inventory:write"):
        raise Forbidden("only the stock office may undo this kind of movement")
    return _one(db, service.reverse(db, movement, body.reason))


@router.get("/orders/{order_id}/materials", response_model=OrderMaterialsOut, tags=["orders"])
def order_materials(
    order_id: int,
    _p: Principal = Depends(require("orders:read")),
    db: Session = Depends(get_db),
) -> Any:
    """The order's material: required, consumed (backflushed or issued) and still needed."""
    return repo.order_materials(db, order_id)


@router.get("/genealogy/backward", response_model=list[TraceRowOut], tags=["inventory"])
def trace_backward(
    product_id: int = Query(...),
    lot: str = Query(..., max_length=80, description="the finished lot (its order number)"),
    _p: Principal = Depends(READ),
    db: Session = Depends(get_db),
) -> Any:
    """Which component lots went into a finished lot."""
    return repo.trace_backward(db, product_id, lot)


@router.get("/genealogy/forward", response_model=list[TraceRowOut], tags=["inventory"])
def trace_forward(
    material_id: int = Query(...),
    lot: str = Query(..., max_length=80),
    _p: Principal = Depends(READ),
    db: Session = Depends(get_db),
) -> Any:
    """Which orders, finished lots and customer orders a component lot went into."""
    return repo.trace_forward(db, material_id, lot)
