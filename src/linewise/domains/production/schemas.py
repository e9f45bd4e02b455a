"""API shapes of products, routings, BOMs and orders."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, Field, field_validator

from linewise.api.crud import Schema
from linewise.domains.equipment.models import LineType
from linewise.domains.production.lateness import FinishBasis
from linewise.domains.production.models import OperationStatus, OrderStatus


class ProductIn(Schema):
    code: str = Field(min_length=1, max_length=60)
    name: str = Field(min_length=1, max_length=200)
    family: str = Field("", max_length=60)


class ProductOut(ProductIn):
    id: int
    version: int


class EligibleLineIn(Schema):
    line_id: int
    cycle_time_s: float = Field(gt=0, description="ideal cycle time per unit on this line")


class EligibleLineOut(EligibleLineIn):
    line_code: str


class RoutingStepIn(Schema):
    seq: int = Field(ge=1)
    name: str = Field(min_length=1, max_length=200)
    work_center_type: LineType
    setup_time_s: float = Field(0.0, ge=0)
    setup_family: str = ""
    skill: str = ""
    splittable: bool = True
    min_wait_s: float = Field(0.0, ge=0)
    max_wait_s: float | None = Field(None, ge=0)
    eligible: list[EligibleLineIn] = Field(min_length=1)


class RoutingStepOut(RoutingStepIn):
    id: int
    eligible: list[EligibleLineOut]  # type: ignore[assignment]


class RoutingIn(Schema):
    steps: list[RoutingStepIn] = Field(min_length=1)
    version: int | None = Field(None, description="product version, for optimistic concurrency")

    @field_validator("steps")
    @classmethod
    def _unique_seq(cls, steps: list[RoutingStepIn]) -> list[RoutingStepIn]:
        seqs = [s.seq for s in steps]
        if len(seqs) != len(set(seqs)):
            raise ValueError("step seq numbers must be unique")
        return sorted(steps, key=lambda s: s.seq)


class RoutingOut(Schema):
    product_id: int
    version: int
    steps: list[RoutingStepOut]


class MaterialRef(Schema):
    id: int
    code: str
    name: str
    unit: str


class BomItemIn(Schema):
    material_id: int
    quantity_per_unit: float = Field(gt=0)
    step_seq: int | None = Field(
        None, ge=1, le=10_000, description="the routing step that consumes it; none: the first"
    )


class BomItemOut(Schema):
    material: MaterialRef
    quantity_per_unit: float
    step_seq: int | None = None


class BomIn(Schema):
    items: list[BomItemIn]
    version: int | None = None


class BomOut(Schema):
    product_id: int
    version: int
    items: list[BomItemOut]


class CustomerOrderIn(Schema):
    number: str = Field(min_length=1, max_length=60)
    customer: str = Field(min_length=1, max_length=200)


class CustomerOrderOut(CustomerOrderIn):
    id: int
    version: int


class ProductRef(Schema):
    id: int
    code: str
    name: str


class CustomerOrderRef(Schema):
    id: int
    number: str
    customer: str


class LineRef(Schema):
    id: int
    code: str
    name: str


class StageOut(Schema):
    seq: int
    name: str
    work_center_type: str
    status: OperationStatus
    progress: float


class OperationOut(Schema):
    id: int
    seq: int
    name: str
    work_center_type: str
    status: OperationStatus
    quantity: int
    good_qty: int
    scrap_qty: int
    rework_qty: int
    progress: float
    line: LineRef | None
    started_at: datetime | None
    completed_at: datetime | None
    planned_start: datetime | None = Field(
        description="start of this operation in the published plan (null: not in it)"
    )
    planned_finish: datetime | None = Field(
        description="end of this operation in the published plan (null: not in it)"
    )
    planned_line: LineRef | None = Field(description="the line the published plan runs it on")
    version: int


class OrderIn(Schema):
    number: str = Field(min_length=1, max_length=60)
    product_id: int
    quantity: int = Field(gt=0, le=10_000_000)
    due_date: AwareDatetime
    release_date: AwareDatetime | None = None
    priority: int = Field(3, ge=1, le=5)
    customer_order_id: int | None = None


class OrderUpdate(Schema):
    quantity: int | None = Field(None, gt=0, le=10_000_000)
    due_date: AwareDatetime | None = None
    release_date: AwareDatetime | None = None
    priority: int | None = Field(None, ge=1, le=5)
    customer_order_id: int | None = None
    version: int | None = None


class OrderSummary(Schema):
    id: int
    number: str
    customer_order: CustomerOrderRef | None
    product: ProductRef
    quantity: int
    release_date: datetime | None
    due_date: datetime
    priority: int
    status: OrderStatus
    progress: float
    current_stage: StageOut | None
    plan_id: int | None = Field(description="the published plan that places this order, if any")
    planned_start: datetime | None = Field(
        description="start of the order's first operation in the published plan"
    )
    planned_finish: datetime | None = Field(
        description="end of the order's last operation in the published plan"
    )
    eta: datetime | None = Field(
        description="live estimate of the finish (the delivery forecast, refreshed each "
        "minute by default); null: closed, or no estimate in the last 30 minutes"
    )
    eta_low: datetime | None = Field(description="low end of the ETA's 80 % interval")
    eta_high: datetime | None = Field(description="high end of the ETA's 80 % interval")
    late_risk: float | None = Field(
        description="probability (0–1) of finishing after the due date, with the ETA; "
        "sortable as late_risk"
    )
    finish: datetime | None = Field(
        description="the finish judged against the due date (see finish_basis); null: unknown"
    )
    finish_basis: FinishBasis | None = Field(
        description="actual: completed at; eta; plan: planned finish; now: not done and "
        "the plan (if any) ends before now"
    )
    late_by_s: int | None = Field(
        description="finish − due date in seconds; negative: ahead of the due date"
    )
    late: bool = Field(description="finish is after the due date")
    completed_at: datetime | None
    version: int


class OrderDetail(OrderSummary):
    site_timezone: str | None = Field(
        description="IANA time zone of the order's site, in which people read its times"
    )
    operations: list[OperationOut]


class TransitionIn(Schema):
    to: OrderStatus
    version: int | None = None


class OperationActionIn(Schema):
    action: str = Field(pattern="^(start|hold|resume|complete)$")
    line_id: int | None = Field(None, description="line to run on, when starting")
    version: int | None = None


class ReportIn(Schema):
    good: int = Field(0, ge=0)
    scrap: int = Field(0, ge=0)
    rework: int = Field(0, ge=0)
