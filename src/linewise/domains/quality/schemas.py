"""API shapes of the quality domain (reason codes, inspections, defects, SPC)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from linewise.api.crud import Schema
from linewise.domains.quality.models import (
    CharacteristicKind,
    Disposition,
    ReasonCategory,
    Sampling,
)
from linewise.spc import ChartKind, Rule


class InspectionMethod(StrEnum):
    AOI = "aoi"
    SPI = "spi"
    ICT = "ict"
    FCT = "fct"
    MANUAL = "manual"


class ReasonCodeIn(Schema):
    code: str = Field(min_length=1, max_length=60)
    name: str = Field(min_length=1, max_length=200)
    category: ReasonCategory
    machine_class: str | None = Field(None, max_length=40)
    parent_id: int | None = None


class ReasonCodeOut(ReasonCodeIn):
    id: int
    version: int


# --- Inspections, defects, nonconformances, SPC ---------------------------------------

Name = Annotated[str, Field(min_length=1, max_length=200)]
ShortText = Annotated[str, Field(min_length=1, max_length=80)]
# Measured and specified values: finite and within a range whose squares stay finite
# (the charts and indices square deviations).
Finite = Annotated[float, Field(allow_inf_nan=False, ge=-1e12, le=1e12)]


class QualityDefectCodeIn(Schema):
    family: str = Field(min_length=1, max_length=60)
    code: str = Field(min_length=1, max_length=60)
    name: Name
    parent_id: int | None = None


class QualityDefectCodeOut(QualityDefectCodeIn):
    id: int
    version: int


class QualityPlanIn(Schema):
    product_id: int
    step_seq: int = Field(ge=1, le=2**31 - 1)
    name: Name
    sampling: Sampling = Sampling.EVERY
    sample_every: int | None = Field(None, ge=1, le=1_000_000)
    sample_share: float | None = Field(None, gt=0, le=1)
    opportunities_per_unit: int | None = Field(None, ge=1, le=10_000_000)
    active: bool = True


class QualityPlanOut(QualityPlanIn):
    id: int
    version: int


class QualityCharacteristicIn(Schema):
    plan_id: int
    name: str = Field(min_length=1, max_length=100)
    kind: CharacteristicKind
    nominal: Finite | None = None
    lsl: Finite | None = None
    usl: Finite | None = None
    unit: str = Field("", max_length=20)
    # Variables: imr (default), xbar_r, xbar_s, ewma, cusum, c; attributes: p (default),
    # np, u, over samples of subgroup_size verdicts.
    chart: ChartKind | None = None
    subgroup_size: int = Field(1, ge=1, le=500)
    rules: list[Rule] = Field(default_factory=lambda: [Rule.NELSON1], max_length=12)
    # Phase II limits: a known centre and process sigma (both or neither).
    center: Finite | None = None
    sigma: Annotated[float, Field(ge=1e-9, le=1e13, allow_inf_nan=False)] | None = None


class QualityCharacteristicOut(QualityCharacteristicIn):
    chart: ChartKind
    id: int
    version: int
    out_of_control_since: datetime | None


class QualityMeasurementIn(Schema):
    characteristic_id: int
    value: Finite | None = None
    passed: bool | None = None


class QualityDefectIn(Schema):
    code: str = Field(min_length=1, max_length=60)
    ref_designator: str | None = Field(None, min_length=1, max_length=40)
    quantity: int = Field(1, ge=1, le=100_000)


class QualityInspectionIn(Schema):
    product_id: int
    step_seq: int = Field(ge=1, le=2**31 - 1)
    plan_id: int | None = None
    order_id: int | None = None
    machine_id: int | None = None
    line_id: int | None = None
    method: InspectionMethod = InspectionMethod.MANUAL
    serial: ShortText | None = None
    lot: ShortText | None = None
    # Units without serials: how many were inspected and how many passed first time.
    quantity: int = Field(1, ge=1, le=1_000_000)
    passed_quantity: int | None = Field(None, ge=0, le=1_000_000)
    passed: bool | None = None
    inspected_at: datetime | None = None
    measurements: list[QualityMeasurementIn] = Field(default_factory=list, max_length=500)
    defects: list[QualityDefectIn] = Field(default_factory=list, max_length=500)


class QualityMeasurementOut(Schema):
    characteristic_id: int
    value: float | None
    passed: bool


class QualityDefectOut(Schema):
    code: str
    defect_code_id: int | None
    ref_designator: str | None
    quantity: int


class QualityInspectionOut(Schema):
    id: int
    product_id: int
    step_seq: int
    plan_id: int | None
    order_id: int | None
    machine_id: int | None
    line_id: int | None
    method: str
    source: str
    serial: str | None
    lot: str | None
    quantity: int
    passed_quantity: int
    passed: bool
    first_pass: bool
    inspected_at: datetime
    inspector: str
    measurements: list[QualityMeasurementOut]
    defects: list[QualityDefectOut]
    violations: list[str] = Field(default_factory=list)
    held: bool = False


class QualityInspectionPage(Schema):
    items: list[QualityInspectionOut]
    total: int


class QualityNonconformanceIn(Schema):
    product_id: int
    description: str = Field(min_length=1, max_length=1000)
    quantity: int = Field(1, ge=1, le=1_000_000)
    inspection_id: int | None = None
    lot: ShortText | None = None
    serial_from: ShortText | None = None
    serial_to: ShortText | None = None
    hold: bool = True


class QualityDispositionIn(Schema):
    disposition: Disposition
    note: str = Field("", max_length=1000)
    version: int
    release_hold: bool = True


class QualityNonconformanceOut(Schema):
    id: int
    version: int
    product_id: int
    inspection_id: int | None
    description: str
    quantity: int
    lot: str | None
    serial_from: str | None
    serial_to: str | None
    hold: bool
    status: str
    disposition: str | None
    disposition_note: str
    disposed_at: datetime | None
    disposed_by: str | None
    created_at: datetime


class QualityNonconformancePage(Schema):
    items: list[QualityNonconformanceOut]
    total: int


class QualityHoldOut(Schema):
    held: bool
    nonconformance_ids: list[int]


class QualityChartPointOut(Schema):
    index: int
    value: float
    center: float
    ucl: float
    lcl: float
    at: datetime | None
    violations: list[str]


class QualityCapabilityOut(Schema):
    n: int
    mean: float
    sigma_within: float
    sigma_overall: float
    cp: float | None
    cpk: float | None
    pp: float | None
    ppk: float | None


class QualityAttributeSampleOut(Schema):
    units: int
    nonconforming: int
    nonconformities: int


class QualityChartOut(Schema):
    characteristic_id: int
    name: str
    unit: str
    kind: str
    statistic: str
    nominal: float | None
    lsl: float | None
    usl: float | None
    center: float | None
    ucl: float | None
    lcl: float | None
    rules: list[str]
    points: list[QualityChartPointOut]
    secondary: list[QualityChartPointOut]
    secondary_statistic: str | None
    capability: QualityCapabilityOut | None
    # The samples of an attribute chart (p, np, u), beside its points; empty otherwise.
    samples: list[QualityAttributeSampleOut]
    out_of_control_since: datetime | None
    note: str | None


class QualityYieldStepOut(Schema):
    step_seq: int
    inspected: int
    first_pass_good: int
    fpy: float | None
    basis: str  # "serials" or "counts"


class QualityYieldGroupOut(Schema):
    """First pass yield of the results recorded on one machine or in one area."""

    id: int
    code: str
    name: str
    inspected: int
    first_pass_good: int
    fpy: float | None


class QualityFiguresOut(Schema):
    start: datetime
    end: datetime
    inspected: int
    first_pass_good: int
    fpy: float | None
    rty: float | None
    steps: list[QualityYieldStepOut]
    produced: int
    scrap_quantity: int
    rework_quantity: int
    scrap_ratio: float | None
    rework_ratio: float | None
    defects: int
    opportunities: int | None
    # the defects DPMO counts: those of results whose plan gives the opportunities
    dpmo_defects: int
    dpmo: float | None
    # FPY of the window's first-pass results by the machine that recorded them and by
    # the area of their line (results naming neither are in the totals only).
    machines: list[QualityYieldGroupOut] = []
    areas: list[QualityYieldGroupOut] = []


class QualityParetoRowOut(Schema):
    key: str
    count: int
    share: float | None
    cumulative_share: float | None


class QualityParetoOut(Schema):
    by: str
    start: datetime
    end: datetime
    total: int
    rows: list[QualityParetoRowOut]


class QualityOutOfControlOut(Schema):
    characteristic_id: int
    name: str
    since: datetime
    rules: list[str]
    machine_id: int | None
    line_id: int | None


class QualitySampleDueOut(Schema):
    """One characteristic's samples at a running operation, as its plan's rule asks."""

    operation_id: int
    order_id: int
    order_number: str
    line_id: int | None
    product_id: int
    step_seq: int
    plan_id: int
    plan_name: str
    sampling: Sampling
    characteristic_id: int
    characteristic: str
    kind: CharacteristicKind
    nominal: float | None
    lsl: float | None
    usl: float | None
    unit: str
    units: int = Field(description="units the operation has reported (good, scrap, rework)")
    required: int = Field(description="samples the rule asked for so far")
    done: int = Field(description="of those, recorded")
    pending: int = Field(description="samples due and not recorded")
    overdue: int = Field(description="of those, units the line has already gone past")
    missing: list[int] = Field(description="the first unit numbers still without a sample")
