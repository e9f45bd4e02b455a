"""Routes of the genealogy: find a lot, trace it backward and forward, ship a lot."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from linewise.api.deps import Principal, get_db, require
from linewise.domains.inventory import genealogy_service as service
from linewise.domains.inventory.genealogy_schemas import (
    ShipmentIn,
    ShipmentOut,
    TraceLotOut,
    TraceOut,
)

READ = require("masterdata:read")
WRITE = require("inventory:write")

router = APIRouter()


@router.get("/genealogy/lots", response_model=list[TraceLotOut], tags=["inventory"])
def find_lots(
    q: str = Query(
        ..., min_length=1, max_length=80, description="start of a lot code or a unit serial"
    ),
    material_id: int | None = Query(None),
    product_id: int | None = Query(None),
    _p: Principal = Depends(READ),
    db: Session = Depends(get_db),
) -> Any:
    """Lots the genealogy knows whose code starts with ``q`` (at most 50), then the
    finished lots of the unit serials starting with ``q`` (at most 50, with ``serial``)."""
    return service.find(db, q, material_id, product_id)


@router.get("/genealogy/trace/{lot_id}", response_model=TraceOut, tags=["inventory"])
def trace_lot(
    lot_id: int,
    direction: Literal["backward", "forward"] = Query("backward"),
    _p: Principal = Depends(READ),
    db: Session = Depends(get_db),
) -> Any:
    """backward: what went into the lot, down to the reels; forward: everything the lot
    went into, up to the finished lots and the customer orders they were shipped to."""
    return service.trace(db, lot_id, direction)


@router.post("/shipments", response_model=ShipmentOut, status_code=201, tags=["inventory"])
def ship(body: ShipmentIn, _p: Principal = Depends(WRITE), db: Session = Depends(get_db)) -> Any:
    """Finished goods of a lot shipped to a customer order (undo: reverse the movement)."""
    return service.ship(db, **body.model_dump())
