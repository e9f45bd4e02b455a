"""API shapes of materials, stock levels and expected receipts."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, Field

from linewise.api.crud import Schema
from linewise.domains.inventory.models import ReceiptStatus


class MaterialIn(Schema):
    code: str = Field(min_length=1, max_length=60)
    name: str = Field(min_length=1, max_length=200)
    unit: str = Field("pcs", min_length=1, max_length=20)
    backflush: bool = Field(
        True, description="consumed from counted production (else issued by hand)"
    )
    scrap_factor: float = Field(
        0.0, ge=0, le=10, description="share consumed on top of the BOM (0.02 = 2 %)"
    )
    reorder_level: float | None = Field(
        None, ge=0, le=1e12, description="listed to reorder when available falls below it"
    )
    product_id: int | None = Field(
        None, description="a sub-assembly: made by orders of this product (else bought)"
    )


class MaterialOut(MaterialIn):
    id: int
    version: int


class MaterialRef(Schema):
    id: int
    code: str
    name: str
    unit: str


# Quantities are in the material's unit (pcs, g, m ...), so they may be fractional.
UNIT = "in the material's unit"


class StockLevelIn(Schema):
    material_id: int
    quantity: float = Field(ge=0, le=1e12, description=UNIT)


class StockLevelUpdate(Schema):
    """A stock count or correction: the new quantity on hand."""

    quantity: float | None = Field(None, ge=0, le=1e12)
    version: int | None = None


class StockLevelOut(Schema):
    id: int
    material_id: int
    material: MaterialRef
    quantity: float
    updated_at: datetime
    version: int


class ReceiptIn(Schema):
    material_id: int
    quantity: float = Field(gt=0, le=1e12, description=UNIT)
    expected_at: AwareDatetime
    reference: str = Field("", max_length=80, description="purchase order / delivery note")


class ReceiptUpdate(Schema):
    """Reschedule, correct or cancel (``status: cancelled``) a receipt not yet received."""

    material_id: int | None = None
    quantity: float | None = Field(None, gt=0, le=1e12)
    expected_at: AwareDatetime | None = None
    reference: str | None = Field(None, max_length=80)
    status: Literal["open", "cancelled"] | None = Field(
        None, description="received only through POST /receipts/{id}/receive"
    )
    version: int | None = None


class ReceiveIn(Schema):
    version: int | None = None
    received_at: AwareDatetime | None = Field(None, description="default: now")


class ReceiptOut(Schema):
    id: int
    material_id: int
    material: MaterialRef
    quantity: float
    expected_at: datetime
    status: ReceiptStatus
    reference: str
    received_at: datetime | None
    received_quantity: float = Field(description="booked in so far (partial deliveries)")
    version: int


class ReceiveOut(Schema):
    receipt: ReceiptOut
    stock: StockLevelOut
