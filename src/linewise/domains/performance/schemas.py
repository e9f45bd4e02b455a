"""Response models of the KPI and downtime routes.

Window bounds, stop times and bucket bounds are ISO strings as the engine and the
window resolver write them (they carry the offset they were computed in); the names of
counts follow ISO 22400 (PQ, GQ, ...).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field

from linewise.core.schemas import ResponseModel
from linewise.kpi import BucketSize, Convention, MachineState, ParetoMeasure


class ScopeKind(StrEnum):
    machine = "machine"
    line = "line"
    area = "area"
    site = "site"


class ParetoBy(StrEnum):
    reason = "reason"
    fault = "fault"
    machine = "machine"
    line = "line"
    shift = "shift"


class ScopeOut(ResponseModel):
    """What the answer is about; ``restricted_to_areas``: a site seen by an area user."""

    kind: ScopeKind
    id: int
    code: str
    name: str
    site_id: int
    restricted_to_areas: list[int] | None


class WindowOut(ResponseModel):
    """``end`` is the end asked for; ``computed_end`` and ``hours`` what was measured."""

    start: str
    end: str
    computed_end: str
    end_clipped_to_now: bool
    kind: Literal["range", "day", "shift", "week"]
    label: str
    timezone: str
    hours: float


class KpisOut(ResponseModel):
    """ISO 22400-2 KPIs; null where undefined (a zero denominator), never NaN."""

    availability: float | None
    effectiveness: float | None
    quality_ratio: float | None
    quality_ratio_time_weighted: float | None
    oee: float | None
    nee: float | None
    technical_efficiency: float | None
    setup_rate: float | None
    allocation_efficiency: float | None
    throughput_rate_per_hour: float | None
    scrap_ratio: float | None
    rework_ratio: float | None
    first_pass_yield: float | None
    mtbf_s: float | None
    mttr_s: float | None


class TimeElementsOut(ResponseModel):
    """ISO 22400 time elements in seconds (see reference/KPI.md)."""

    pot: float
    pdot: float
    pbt: float
    apt: float
    asut: float
    aupt: float
    adet: float
    adot: float
    unknown: float
    aubt: float
    adet_minor_stops: float
    adet_idle_short: float
    adet_idle_long: float
    overtime: float
    not_planned: float
    run_time_six_big_losses: float


class CountsOut(ResponseModel):
    PQ: int
    GQ: int
    SQ: int
    RQ: int
    IP: int
    GP: int
    sum_PRU_x_PQ_s: float
    sum_PRU_x_GQ_s: float


class EventCountsOut(ResponseModel):
    failures: int
    minor_stops: int


class DataQualityOut(ResponseModel):
    """The share of planned busy time (PBT) without machine data (``unknown`` / PBT).

    A figure over unmeasured time reads low without being low; null when nothing was
    planned.
    """

    no_data_s: float
    planned_s: float
    no_data_share: float | None


class MachineFiguresOut(ResponseModel):
    id: int
    code: str
    line_id: int
    kpis: KpisOut
    time_elements_s: TimeElementsOut
    counts: CountsOut
    events: EventCountsOut
    data_quality: DataQualityOut


class LineOeeOut(ResponseModel):
    """A line's output-based OEE, "OEE (line output)", beside "OEE (stations combined)".

    ``time_elements_s`` are those of ``pbt_station``, the station whose PBT is the line's:
    the time the line formula divides by (not the stations' sums). ``stations_kpis`` and
    ``stations_data_quality`` are the stations' combined figures (the line's ``kpis``).
    """

    id: int
    code: str
    oee_output_based: float | None
    formula: str
    pbt_s: float
    good_out: dict[str, int]
    line_PRU_s: dict[str, float]
    last_station: str
    stations_combined_oee: float | None
    lowest_station_oee: float | None
    pbt_station: str
    time_elements_s: TimeElementsOut
    data_quality: DataQualityOut
    stations_kpis: KpisOut
    stations_data_quality: DataQualityOut


class FiguresOut(ResponseModel):
    """``machines`` and ``lines`` are given for lines, areas and sites (not machines)."""

    scope: ScopeOut
    window: WindowOut
    convention: Convention
    kpis: KpisOut
    time_elements_s: TimeElementsOut
    counts: CountsOut
    events: EventCountsOut
    data_quality: DataQualityOut
    warnings: list[str]
    machines: list[MachineFiguresOut] | None = None
    lines: list[LineOeeOut] | None = None


class TrendBucketOut(ResponseModel):
    """One bucket; its KPIs are all null when it had planned time but no machine data."""

    label: str
    start: str
    end: str
    kpis: KpisOut
    time_elements_s: TimeElementsOut
    counts: CountsOut
    events: EventCountsOut
    data_quality: DataQualityOut


class TrendOut(ResponseModel):
    """``figure``: which OEE the buckets hold; for lines, areas and sites it is the
    stations' combined OEE (Σ PRU × GQ / Σ PBT), not the line's output-based one."""

    scope: ScopeOut
    window: WindowOut
    convention: Convention
    bucket: BucketSize
    figure: Literal["stations_combined", "machine"]
    buckets: list[TrendBucketOut]
    warnings: list[str]


class RecentShiftOut(ResponseModel):
    code: str
    day: str
    label: str
    start: str
    end: str


class RecentShiftsOut(ResponseModel):
    """Shifts of the scope's calendar that started in the last 7 days, newest first."""

    timezone: str
    current: RecentShiftOut | None
    previous: RecentShiftOut | None
    shifts: list[RecentShiftOut]


class ProductOutputOut(ResponseModel):
    product: str
    good: int
    planned: float | None


class LossOut(ResponseModel):
    reason: str | None = Field(description="the reason code; null: stops without a reason")
    name: str
    lost_s: float
    count: int


class ReasonlessStopOut(ResponseModel):
    machine: str
    start: str
    end: str
    duration_s: float
    lost_s: float
    fault: str | None
    minor: bool


class ShiftReportOut(ResponseModel):
    """One line, one shift: what a supervisor hands over and a manager reads next day."""

    scope: ScopeOut
    window: WindowOut
    convention: Convention
    line: LineOeeOut
    kpis: KpisOut
    data_quality: DataQualityOut
    output: list[ProductOutputOut]
    planned_total: float | None
    good_total: int
    scrap_total: int
    plan_note: str
    top_losses: list[LossOut]
    lost_total_s: float
    reasonless_stops: list[ReasonlessStopOut]
    warnings: list[str]


class ParetoRowOut(ResponseModel):
    key: str
    duration_s: float
    count: int
    share: float | None
    cumulative_share: float | None


class ParetoOut(ResponseModel):
    scope: ScopeOut
    window: WindowOut
    by: ParetoBy
    measure: ParetoMeasure
    include_minor: bool
    include_idle: bool
    total_duration_s: float
    total_count: int
    rows: list[ParetoRowOut]
    warnings: list[str]


# --- explain: each engine source label becomes a link ------------------------------------


class IntervalLinkOut(ResponseModel):
    kind: Literal["interval"]
    machine_id: int
    start: str
    end: str | None
    href: str


class CountLinkOut(ResponseModel):
    kind: Literal["count"]
    machine_id: int
    event_id: str


class NoDataLinkOut(ResponseModel):
    kind: Literal["no_data"]
    start: str
    end: str


class LabelLinkOut(ResponseModel):
    """A shift or break (by its calendar label), or another source."""

    kind: Literal["shift", "break", "other"]
    label: str


SourceLinkOut = Annotated[
    IntervalLinkOut | CountLinkOut | NoDataLinkOut | LabelLinkOut, Field(discriminator="kind")
]


class SourcesOut(ResponseModel):
    total: int
    links: list[SourceLinkOut]
    truncated: bool


class StopOut(ResponseModel):
    work_unit: str
    state: MachineState
    start: str
    end: str
    duration_s: float
    lost_s: float
    reason: str | None
    fault: str | None
    minor: bool
    counted_here: bool
    intervals: list[SourceLinkOut]


class StopsOut(ResponseModel):
    total: int
    items: list[StopOut]
    truncated: bool


class ProductCountsOut(ResponseModel):
    work_unit: str
    product: str
    PRU_s: float
    PQ: int
    GQ: int
    SQ: int
    RQ: int
    IP: int
    GP: int


class ExplainOut(ResponseModel):
    """Everything needed to recompute the figures by hand, with links to the data."""

    scope: ScopeOut
    parts: list[str]
    window: WindowOut
    convention: Convention
    time_elements_s: TimeElementsOut
    counts: CountsOut
    products: list[ProductCountsOut]
    events: EventCountsOut
    kpis: KpisOut
    formulas: dict[str, str]
    sources: dict[str, SourcesOut]
    stops: StopsOut
    counts_rule: str
    data_quality: DataQualityOut
    warnings: list[str]
    machines: list[MachineFiguresOut] | None = None
    lines: list[LineOeeOut] | None = None


# --- downtime ----------------------------------------------------------------------------


class UnassignedStopOut(ResponseModel):
    machine_id: int
    machine_code: str
    machine_name: str
    machine_kind: str
    line_id: int
    line_code: str
    area_id: int
    start: str
    end: str | None
    ongoing: bool
    duration_s: float
    minor: bool
    fault: str | None


class UnassignedPageOut(ResponseModel):
    items: list[UnassignedStopOut]
    total: int
    limit: int
    offset: int


class ReasonNodeOut(ResponseModel):
    id: int
    code: str
    name: str
    machine_class: str | None
    children: list[ReasonNodeOut]


class ReasonTreeOut(ResponseModel):
    machine_id: int
    machine_class: str
    reasons: list[ReasonNodeOut]


class AssignmentOut(ResponseModel):
    id: int
    machine_id: int
    start: str
    reason_code_id: int
    reason: str
    note: str
    assigned_by: str
    version: int
