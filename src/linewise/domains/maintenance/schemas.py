"""Request and response shapes of maintenance (names prefixed: they are app-wide)."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, Field

from linewise.api.crud import Schema
from linewise.core.schemas import ResponseModel
from linewise.domains.maintenance.models import (
    AnomalyModelStatus,
    MaintenanceKind,
    MaintenanceStatus,
    MaintenanceStepResult,
    MaintenanceTrigger,
    MaintenanceUsageMetric,
    WarningStatus,
)

Finite = Field(ge=0, le=1e12, allow_inf_nan=False)


class MaintenancePlanPart(Schema):
    """A spare part a plan's work is expected to use."""

    material_id: int = Field(ge=1, le=2**31 - 1)
    qty: float = Field(gt=0, le=1e12, allow_inf_nan=False, description="in the material's unit")


class MaintenancePlanIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    machine_id: int | None = Field(None, ge=1, le=2**31 - 1)
    machine_kind: str | None = Field(None, min_length=1, max_length=40)
    trigger: MaintenanceTrigger
    interval_days: float | None = Field(None, gt=0, le=3650, allow_inf_nan=False)
    usage_metric: MaintenanceUsageMetric | None = None
    usage_every: float | None = Field(None, gt=0, le=1e12, allow_inf_nan=False)
    signal: str | None = Field(None, min_length=1, max_length=60)
    threshold: float | None = Field(None, ge=-1e12, le=1e12, allow_inf_nan=False)
    above: bool = True
    duration_min: float = Field(60.0, gt=0, le=60 * 24 * 14, allow_inf_nan=False)
    lead_days: float = Field(7.0, ge=0, le=365, allow_inf_nan=False)
    tolerance_days: float = Field(2.0, ge=0, le=365, allow_inf_nan=False)
    checklist: list[str] = Field(default_factory=list, max_length=100)
    active: bool = True
    parts: list[MaintenancePlanPart] = Field(default_factory=list, max_length=50)


class MaintenancePlanOut(ResponseModel):
    id: int
    version: int
    name: str
    machine_id: int | None
    machine_kind: str | None
    trigger: MaintenanceTrigger
    interval_days: float | None
    usage_metric: MaintenanceUsageMetric | None
    usage_every: float | None
    signal: str | None
    threshold: float | None
    above: bool
    duration_min: float
    lead_days: float
    tolerance_days: float
    checklist: list[str]
    active: bool
    created_at: datetime
    parts: list[MaintenancePlanPart]


class MaintenanceOrderIn(Schema):
    machine_id: int = Field(ge=1, le=2**31 - 1)
    kind: MaintenanceKind = MaintenanceKind.CORRECTIVE
    title: str = Field(min_length=1, max_length=200)
    note: str = Field("", max_length=4000)
    checklist: list[str] = Field(default_factory=list, max_length=100)
    due_at: AwareDatetime | None = None
    duration_min: float = Field(60.0, gt=0, le=60 * 24 * 14, allow_inf_nan=False)


class MaintenanceTransitionIn(Schema):
    to: MaintenanceStatus
    scheduled_start: AwareDatetime | None = None
    scheduled_end: AwareDatetime | None = None


class MaintenanceStepIn(Schema):
    result: MaintenanceStepResult
    note: str = Field("", max_length=2000)


class MaintenanceLabourIn(Schema):
    who: str = Field(min_length=1, max_length=120)
    minutes: float = Field(gt=0, le=60 * 24, allow_inf_nan=False)


class MaintenanceStepOut(ResponseModel):
    id: int
    seq: int
    text: str
    result: MaintenanceStepResult | None
    note: str
    done_by: str | None
    done_at: datetime | None


class MaintenanceLabourOut(ResponseModel):
    id: int
    who: str
    minutes: float
    booked_at: datetime
    booked_by: str


class MaintenanceOrderOut(ResponseModel):
    id: int
    version: int
    kind: MaintenanceKind
    status: MaintenanceStatus
    machine_id: int
    machine_code: str
    plan_id: int | None
    title: str
    note: str
    due_at: datetime | None
    window_start: datetime | None
    window_end: datetime | None
    duration_min: float
    scheduled_start: datetime | None
    scheduled_end: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    stop_start: datetime | None
    stop_reason: str | None
    created_by: str
    created_at: datetime
    steps: list[MaintenanceStepOut]
    labour: list[MaintenanceLabourOut]
    labour_min: float


class MaintenanceGenerateOut(ResponseModel):
    preventive: int
    corrective: int


class MaintenanceFiguresRow(ResponseModel):
    machine_id: int
    machine_code: str
    producing_h: float
    failures: int
    down_h: float
    mtbf_h: float | None
    mttr_h: float | None
    mttr_orders_h: float | None
    corrective_h: float
    preventive_h: float
    cmr: float | None
    preventive_due: int
    preventive_on_time: int
    compliance: float | None
    backlog: int
    overdue: int
    backlog_h: float


class MaintenanceFiguresOut(ResponseModel):
    start: datetime
    end: datetime
    machines: list[MaintenanceFiguresRow]
    total: MaintenanceFiguresRow


class TelemetryBucketOut(ResponseModel):
    start: datetime
    n: int
    min: float
    mean: float
    max: float


class TelemetrySignalOut(ResponseModel):
    signal: str
    unit: str | None
    buckets: list[TelemetryBucketOut]


class TelemetrySeriesOut(ResponseModel):
    machine_id: int
    start: datetime
    end: datetime
    bucket_s: float
    samples: int
    truncated: bool
    signals: list[TelemetrySignalOut]


class MaintenanceAnomalyOut(ResponseModel):
    ts: datetime
    score: float
    signals: list[str]


class MaintenanceWarningOut(ResponseModel):
    id: int
    version: int
    machine_id: int
    machine_code: str
    started_at: datetime
    last_at: datetime
    score: float
    signals: list[str]
    alarms: int
    status: WarningStatus
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    resolved_by: str | None
    resolved_at: datetime | None
    order_id: int | None
    model_version: int | None


class _HeldOutEvaluation(ResponseModel):
    """A baseline's warnings against the down stops of a held-out history."""

    warnings: int
    down_stops: int
    warned_stops: int
    warned_share: float | None
    false_warnings: int
    false_per_week: float | None
    holdout_weeks: float


class MaintenanceActiveVersionEvaluationOut(_HeldOutEvaluation):
    """The version that was active, replayed over a weekly run's held-out history."""

    version: int


class MaintenanceModelEvaluationOut(_HeldOutEvaluation):
    # Only on a weekly run's version while another was active (training.py).
    active_version: MaintenanceActiveVersionEvaluationOut | None = None


class MaintenanceModelOut(ResponseModel):
    id: int
    machine_id: int
    machine_code: str
    version: int
    status: AnomalyModelStatus
    active: bool
    job_id: int | None
    created_at: datetime
    train_start: datetime | None
    train_end: datetime | None
    holdout_end: datetime | None
    train_samples: int
    holdout_samples: int
    evaluation: MaintenanceModelEvaluationOut | None
    note: str


class MaintenanceTrainIn(Schema):
    machine_id: int | None = Field(None, ge=1, le=2**31 - 1)


class MaintenanceTrainOut(ResponseModel):
    job_id: int


class MaintenanceDocumentOut(ResponseModel):
    id: int
    order_id: int
    filename: str
    content_type: str
    size: int
    uploaded_at: datetime
    uploaded_by: str
    url: str  # where the file itself is read (GET)


class MaintenancePartIn(Schema):
    """A spare part used on the order, taken from stock (an issue in the ledger)."""

    material_id: int = Field(ge=1, le=2**31 - 1)
    qty: float = Field(gt=0, le=1e12, allow_inf_nan=False, description="in the material's unit")
    unit: str | None = Field(None, min_length=1, max_length=20, description="empty: its own")
    lot: str = Field("", max_length=80, description="the lot taken from; empty: none")
    location_id: int | None = Field(
        None, ge=1, le=2**31 - 1, description="where it is taken from; empty: the site's store"
    )
    client_ref: str | None = Field(
        None, min_length=8, max_length=80, description="the form's id: a resent form books once"
    )


class MaintenancePartRemoveIn(Schema):
    reason: str = Field("", max_length=200, description="why (shown in the ledger)")


class MaintenancePartOut(ResponseModel):
    id: int  # the movement in the ledger
    material_id: int
    material_code: str
    material_name: str
    unit: str
    qty: float
    lot: str
    location_id: int | None
    location_code: str
    location_name: str
    by: str
    at: datetime
    removed: bool
    removal_id: int | None  # the reversal that took it back into stock
    removed_by: str | None
    removed_at: datetime | None
