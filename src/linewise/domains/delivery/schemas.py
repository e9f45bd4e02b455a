"""Response models of the delivery routes (names prefixed: unique across the app)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from linewise.core.schemas import ResponseModel


class DeliveryDelayOut(ResponseModel):
    """The first stage of an order that runs behind its plan, and why as far as known."""

    seq: int
    line_id: int | None
    line_code: str | None
    kind: Literal["late_start", "slow", "stopped", "behind"]
    behind_min: float
    cause: str | None


class DeliveryStageOut(ResponseModel):
    seq: int
    name: str
    status: str
    line_id: int | None
    line_code: str | None
    start: datetime
    eta: datetime
    planned_start: datetime | None
    planned_end: datetime | None
    queue_min: float
    remaining_units: int
    done: bool


class DeliveryOrderOut(ResponseModel):
    order_id: int
    number: str
    product_code: str
    status: str
    quantity: int
    due_date: datetime
    eta: datetime
    eta_low: datetime
    eta_high: datetime
    p_late: float
    late_by_min: float
    calibrated: bool
    delay: DeliveryDelayOut | None


class DeliveryOrderDetailOut(DeliveryOrderOut):
    stages: list[DeliveryStageOut]
    as_of: datetime = Field(description="when the estimate was made")
    stored: bool = Field(
        description="true: from the latest delivery.refresh run (as_of: when it ran); "
        "false: computed for this read (no fresh run covered the order)"
    )


class DeliveryOrdersOut(ResponseModel):
    as_of: datetime
    stored: bool = Field(
        description="true: the estimates of the latest delivery.refresh run (as_of: when "
        "it ran); false: computed for this read (no run in the last 30 minutes)"
    )
    calibration_size: int
    rate_samples: int
    items: list[DeliveryOrderOut]


class DeliveryShareOut(ResponseModel):
    line_code: str
    sole: float
    shifting: float


class DeliveryPlannedOut(ResponseModel):
    line_code: str
    utilization: float


class DeliveryWindowOut(ResponseModel):
    start: datetime
    end: datetime
    top: str | None
    planned_top: str | None
    shares: list[DeliveryShareOut]
    planned: list[DeliveryPlannedOut]


class DeliveryBottlenecksOut(ResponseModel):
    period: Literal["shift", "day", "week"]
    start: datetime
    end: datetime
    windows: list[DeliveryWindowOut]


class DeliveryStageBlameOut(ResponseModel):
    line_code: str
    late_min: float
    wait_min: float
    lost_min: float
    orders: list[str]


class DeliveryWaitOut(ResponseModel):
    product: str
    transitions: int
    mean_wait_min: float
    max_wait_min: float


class DeliveryAttributionOut(ResponseModel):
    start: datetime
    end: datetime
    late_orders: int
    late_min: float
    stages: list[DeliveryStageBlameOut]
    waiting: list[DeliveryWaitOut]


class DeliveryTrioOut(ResponseModel):
    """One figure by the model and by both baselines (``so_far``: counted already)."""

    model: float
    plan: float
    product_mean: float
    so_far: float | None = None


class DeliveryCostOut(ResponseModel):
    """Labour + machine time + material = total; ``scrap``: the part of it spent on
    scrapped units (their material and the work done on them)."""

    labour: float
    machine: float
    material: float
    scrap: float
    total: float


class DeliveryCostTrioOut(ResponseModel):
    model: DeliveryCostOut
    plan: DeliveryCostOut
    product_mean: DeliveryCostOut


class DeliveryCompletionOut(ResponseModel):
    model: datetime
    model_low: datetime
    model_high: datetime
    plan: datetime | None
    product_mean: datetime | None


class DeliveryMaeOut(ResponseModel):
    model: float
    plan: float
    product_mean: float


class DeliveryEvaluationOut(ResponseModel):
    """Mean absolute error per held-out order (units), predicted before it ran."""

    train_orders: int
    held_out_orders: int
    scrap_mae: DeliveryMaeOut | None
    rework_mae: DeliveryMaeOut | None


class DeliveryModelOut(ResponseModel):
    version: int | None
    trained_at: datetime | None
    orders: int
    units: int
    evaluation: DeliveryEvaluationOut | None


class DeliveryOrderPredictionOut(ResponseModel):
    order_id: int
    number: str
    product_code: str
    quantity: int
    as_of: datetime = Field(description="when the completion forecast was made")
    stored: bool = Field(
        False,
        description="true: the completion of the latest delivery.refresh run (as_of: when "
        "it ran); false: forecast for this read (no fresh run covered the order)",
    )
    currency: str
    material_priced: bool
    model: DeliveryModelOut
    completion: DeliveryCompletionOut
    scrap: DeliveryTrioOut
    rework: DeliveryTrioOut
    cost: DeliveryCostTrioOut


class DeliveryTrainOut(ResponseModel):
    job_id: int
