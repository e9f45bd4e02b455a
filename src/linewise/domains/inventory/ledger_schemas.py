"""API shapes of the material ledger: locations, stock on hand, movements, the forms."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, Field, model_validator

from linewise.api.crud import Schema
from linewise.domains.inventory.models import LocationKind, MovementKind, NegativePolicy

QTY = Field(gt=0, le=1e12, description="in the item's unit")
LOT = Field("", max_length=80, description="lot (an SMT reel, a delivery batch); empty: none")
REASON = Field(min_length=1, max_length=200, description="why (shown in the ledger)")
UNIT_IN = Field(
    None,
    min_length=1,
    max_length=20,
    description="the unit the quantity is given in (default: the item's own); converted "
    "to the item's unit before it is booked",
)
CLIENT_REF = Field(
    None,
    min_length=8,
    max_length=80,
    description="the form's own id: the same request sent twice books once",
)


class LocationIn(Schema):
    site_id: int
    code: str = Field(min_length=1, max_length=60)
    name: str = Field(min_length=1, max_length=200)
    kind: LocationKind
    line_id: int | None = Field(None, description="the line a line-side location feeds")
    negative: NegativePolicy = Field(
        NegativePolicy.ALLOW,
        description="allow: book and flag a movement below zero; refuse: refuse it",
    )


class LocationOut(LocationIn):
    id: int
    version: int


class LocationRef(Schema):
    id: int
    code: str
    name: str
    kind: LocationKind


class ItemRef(Schema):
    kind: Literal["material", "product"]
    id: int  # the material's or the product's id
    code: str
    name: str
    unit: str


class StockRowOut(Schema):
    item: ItemRef
    location: LocationRef
    lot: str
    qty: float


class MovementOut(Schema):
    id: int
    kind: MovementKind
    item: ItemRef
    qty: float
    from_location: LocationRef | None
    to_location: LocationRef | None
    lot: str
    order_id: int | None
    order_number: str | None
    operation_id: int | None
    receipt_id: int | None
    cause: str = Field(
        description="count (a machine count event), report (terminal), user, "
        "maintenance (a spare part used on a maintenance order)"
    )
    cause_ref: str
    reason: str
    at: datetime
    recorded_at: datetime
    by: str
    reverses_id: int | None
    reversed_by_id: int | None
    flagged: bool = Field(description="took stock at its origin below zero")
    maintenance_order_id: int | None = Field(
        None, description="the maintenance order a spare part was used on (its cause)"
    )


class _ItemIn(Schema):
    material_id: int | None = None
    product_id: int | None = None

    @model_validator(mode="after")
    def _one_item(self) -> _ItemIn:
        if (self.material_id is None) == (self.product_id is None):
            raise ValueError("give exactly one of material_id and product_id")
        return self


class StockReceiveIn(Schema):
    """A delivery (or part of one) booked in, with its lot."""

    material_id: int
    qty: float = QTY
    lot: str = LOT
    location_id: int | None = Field(None, description="default: the site's store")
    receipt_id: int | None = Field(None, description="the expected delivery it fulfils")
    at: AwareDatetime | None = Field(None, description="default: now")
    unit: str | None = UNIT_IN
    client_ref: str | None = CLIENT_REF


class TransferIn(_ItemIn):
    qty: float = QTY
    lot: str = LOT
    from_location_id: int
    to_location_id: int
    reason: str = Field("", max_length=200, description="why (optional for a transfer)")
    unit: str | None = UNIT_IN
    client_ref: str | None = CLIENT_REF


class AdjustIn(_ItemIn):
    location_id: int
    lot: str = LOT
    delta: float = Field(ge=-1e12, le=1e12, description="signed change; not 0")
    reason: str = REASON
    unit: str | None = UNIT_IN
    client_ref: str | None = CLIENT_REF


class CountIn(_ItemIn):
    location_id: int
    lot: str = LOT
    counted: float = Field(ge=0, le=1e12, description="what is there now")
    reason: str = REASON
    unit: str | None = UNIT_IN
    client_ref: str | None = CLIENT_REF


class IssueIn(Schema):
    """Material issued by hand to an order (materials not backflushed)."""

    material_id: int
    order_id: int
    qty: float = QTY
    lot: str = LOT
    location_id: int
    unit: str | None = UNIT_IN
    client_ref: str | None = CLIENT_REF


class ReverseIn(Schema):
    reason: str = REASON


class OrderMaterialOut(Schema):
    material: ItemRef
    per_unit: float
    scrap_factor: float
    backflush: bool
    required: float = Field(description="order quantity × per unit × (1 + scrap factor)")
    consumed: float = Field(description="backflushed and issued, less reversals")
    still_needed: float = Field(description="0 once the order is finished or cancelled")


class OrderMaterialsOut(Schema):
    order_id: int
    status: str
    lines: list[OrderMaterialOut]
    finished_received: float = Field(description="good units received as finished goods")


class TraceRowOut(Schema):
    """One component lot in one order: what went into which finished lot."""

    component: ItemRef
    component_lot: str
    qty: float = Field(description="consumed, net of reversals")
    order_id: int | None
    order_number: str | None
    finished_lot: str | None = Field(description="the order's finished-goods lot")
    customer_order: str | None
