"""Request and response models of the cost rates (master data)."""

from __future__ import annotations

from pydantic import Field

from linewise.api.crud import Schema
from linewise.core.schemas import ResponseModel

RATE = Field(ge=0, le=1_000_000)


class CostLineRateIn(Schema):
    line_id: int = Field(ge=1)
    labour_per_h: float | None = Field(None, ge=0, le=1_000_000)
    machine_per_h: float | None = Field(None, ge=0, le=1_000_000)


class CostMaterialIn(Schema):
    material_id: int = Field(ge=1)
    unit_cost: float = Field(ge=0, le=1_000_000)


class CostRatesIn(Schema):
    """The whole set, replaced at once; ``version`` as read (0 before the first save)."""

    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code, e.g. EUR")
    labour_per_h: float = Field(ge=0, le=1_000_000, description="per working hour of a line")
    machine_per_h: float = Field(ge=0, le=1_000_000, description="per working hour of a line")
    version: int | None = Field(None, ge=0)
    lines: list[CostLineRateIn] = Field(default_factory=list, max_length=10_000)
    materials: list[CostMaterialIn] = Field(default_factory=list, max_length=100_000)


class CostLineRateOut(ResponseModel):
    line_id: int
    line_code: str
    labour_per_h: float | None
    machine_per_h: float | None


class CostMaterialOut(ResponseModel):
    material_id: int
    code: str
    name: str
    unit: str
    unit_cost: float | None


class CostRatesOut(ResponseModel):
    currency: str
    labour_per_h: float
    machine_per_h: float
    version: int
    lines: list[CostLineRateOut]
    materials: list[CostMaterialOut]
