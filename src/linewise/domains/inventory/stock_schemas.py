"""API shapes of reservations, availability, shortages, units and the material page."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from linewise.api.crud import Schema
from linewise.domains.inventory.ledger_schemas import ItemRef, LocationRef

UNIT_NAME = Field(min_length=1, max_length=20, pattern=r"^\S(.*\S)?$")


class UnitConversionIn(Schema):
    """``1 from_unit = factor × to_unit``; for one material, or for all (no material)."""

    material_id: int | None = Field(None, description="empty: for every material")
    from_unit: str = UNIT_NAME
    to_unit: str = UNIT_NAME
    factor: float = Field(gt=0, le=1e9)


class UnitConversionOut(UnitConversionIn):
    id: int
    version: int


class ReservationOut(Schema):
    order_id: int
    order_number: str
    status: str
    due_date: datetime
    material: ItemRef
    required: float = Field(description="order quantity × per unit × (1 + scrap factor)")
    consumed: float
    reserved: float = Field(description="required − consumed, not below 0")


class AvailabilityOut(Schema):
    material: ItemRef
    on_hand: float = Field(description="in the ledger, every location but quarantine")
    reserved: float
    available: float = Field(description="on hand − reserved")
    reorder_level: float | None
    below_reorder: bool


class ShortageOut(Schema):
    order_id: int
    order_number: str
    status: str
    planned_start: datetime | None = Field(description="in the published plan, if planned")
    due_date: datetime
    material: ItemRef
    needed: float
    covered: float
    missing: float


class ShortagesOut(Schema):
    orders: list[ShortageOut] = Field(description="earliest first")
    below_reorder: list[AvailabilityOut]


class StockPlaceOut(Schema):
    location: LocationRef
    lot: str
    qty: float


class ConsumedOut(Schema):
    order_id: int
    order_number: str
    consumed: float


class MaterialStockOut(Schema):
    """One material's page: where it is, who reserves it, where it went."""

    availability: AvailabilityOut
    places: list[StockPlaceOut]
    reservations: list[ReservationOut]
    consumed: list[ConsumedOut]
    units: list[str] = Field(description="units a quantity of it may be entered in")
