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


class MachineFiguresOut(ResponseModel):
    id: int
    code: str
    line_id: int
    kpis: KpisOut
    time_elements_s: TimeElementsOut
    counts: CountsOut
    events: EventCountsOut


class LineOeeOut(ResponseModel):
    """A line's output-based OEE beside its stations' combined one."""

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


class FiguresOut(ResponseModel):
    """``machines`` and ``lines`` are given for lines, areas and sites (not machines)."""

    scope: ScopeOut
    window: WindowOut
    convention: Convention
    kpis: KpisOut
    time_elements_s: TimeElementsOut
    counts: CountsOut
    events: EventCountsOut
    warnings: list[str]
    machines: list[MachineFiguresOut] | None = None
    lines: list[LineOeeOut] | None = None


class TrendBucketOut(ResponseModel):
    label: str
    start: str
    end: str
    kpis: KpisOut
    time_elements_s: TimeElementsOut
    counts: CountsOut
    events: EventCountsOut


class TrendOut(ResponseModel):
    scope: ScopeOut
    window: WindowOut
    convention: Convention
    bucket: BucketSize
    buckets: list[TrendBucketOut]
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
