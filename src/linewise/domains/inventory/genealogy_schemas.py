"""API shapes of the genealogy: lots, traces as trees, shipments."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from linewise.api.crud import Schema
from linewise.domains.inventory.ledger_schemas import ItemRef


class TraceLotOut(Schema):
    lot_id: int
    item: ItemRef
    lot: str
    order_number: str | None = Field(description="the order that made this lot, if any")
    serial: str | None = Field(
        None, description="the unit serial that matched the search, when the hit is a unit's lot"
    )


class ShippedOut(Schema):
    customer_order: str
    customer: str
    qty: float


class TraceNodeOut(Schema):
    lot_id: int
    item: ItemRef
    lot: str
    order_number: str | None = Field(description="the order that made this lot, if any")
    qty: float | None = Field(
        description="how much of the lower lot went into the upper one (none at the root)"
    )
    shipments: list[ShippedOut] = Field(description="customer orders this lot went to")
    children: list[TraceNodeOut]


class TraceOut(Schema):
    direction: Literal["backward", "forward"]
    root: TraceNodeOut
    lots: int = Field(description="distinct lots reached")
    truncated: bool = Field(description="the tree was cut at the node limit")


class ShipmentIn(Schema):
    """Finished goods of a lot shipped to a customer order."""

    product_id: int
    lot: str = Field(min_length=1, max_length=80)
    qty: float = Field(gt=0, le=1e12)
    customer_order_id: int
    from_location_id: int | None = Field(
        None, description="default: the site's finished-goods location"
    )
    client_ref: str | None = Field(None, min_length=8, max_length=80)


class ShipmentOut(Schema):
    movement_id: int
    product: ItemRef
    lot: str
    qty: float
    customer_order: str
    from_location_id: int
