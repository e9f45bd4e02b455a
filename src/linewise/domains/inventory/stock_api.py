"""Routes for reservations, availability, shortages, unit conversions and the material
page (``domains/inventory/reservations.py``, ``shortages.py``, ``units.py``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from linewise.api.crud import crud_router
from linewise.api.deps import Principal, get_db, require
from linewise.domains.inventory import stock_service as service
from linewise.domains.inventory.models import UnitConversion
from linewise.domains.inventory.stock_schemas import (
    AvailabilityOut,
    MaterialStockOut,
    ReservationOut,
    ShortagesOut,
    UnitConversionIn,
    UnitConversionOut,
)

READ = require("masterdata:read")

router = APIRouter()
router.include_router(
    crud_router(
        path="/unit-conversions",
        model=UnitConversion,
        out=UnitConversionOut,
        create=UnitConversionIn,
        read_permission="masterdata:read",
        write_permission="masterdata:write",
        search=[UnitConversion.from_unit, UnitConversion.to_unit],
        sortable={"from_unit": UnitConversion.from_unit},
        filters={"material_id": UnitConversion.material_id},
        validate=service.validate_conversion,
        tag="inventory",
    )
)


@router.get("/stock/reservations", response_model=list[ReservationOut], tags=["inventory"])
def list_reservations(
    material_id: int | None = Query(None),
    order_id: int | None = Query(None),
    _p: Principal = Depends(READ),
    db: Session = Depends(get_db),
) -> Any:
    """What released, running and held orders still need (BOM × quantity − consumed)."""
    return service.reservations(db, material_id=material_id, order_id=order_id)


@router.get("/stock/availability", response_model=list[AvailabilityOut], tags=["inventory"])
def list_availability(
    material_id: int | None = Query(None),
    _p: Principal = Depends(READ),
    db: Session = Depends(get_db),
) -> Any:
    """Per material: on hand, reserved, available and the reorder level."""
    return service.availability(db, material_id)


@router.get("/stock/shortages", response_model=ShortagesOut, tags=["inventory"])
def list_shortages(_p: Principal = Depends(READ), db: Session = Depends(get_db)) -> Any:
    """Orders whose remaining need stock does not cover (earliest first) and materials
    below their reorder level."""
    return service.shortages(db)


@router.get("/materials/{material_id}/stock", response_model=MaterialStockOut, tags=["inventory"])
def material_stock(
    material_id: int, _p: Principal = Depends(READ), db: Session = Depends(get_db)
) -> Any:
    """A material's page: stock by location and lot, reservations, consumption by order."""
    return service.material_stock(db, material_id)
